/* The file list both bench floors share (floor32k.c, floorsha.c): every
 * regular file under a folder (nftw, not following links), handed out to
 * N threads one index at a time. Header-only: each floor is one cc call. */
#ifndef LCP_BENCH_FLOOR_TREE_H
#define LCP_BENCH_FLOOR_TREE_H
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static char **paths;
static size_t npaths, cap;
static atomic_size_t next_path;

static int collect(const char *p, const struct stat *sb, int type, struct FTW *ftw) {
    (void)sb;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    if (npaths == cap) {
        cap = cap ? cap * 2 : 1024;
        paths = realloc(paths, cap * sizeof *paths);
        if (paths == NULL)
            return 1;
    }
    paths[npaths++] = strdup(p);
    return 0;
}

/* The next file to read, or NULL when every one was handed out. */
static const char *next_file(void) {
    size_t i = atomic_fetch_add(&next_path, 1);
    return i < npaths ? paths[i] : NULL;
}
#endif
