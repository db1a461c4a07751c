/* The rescue job's file work (include/lcpatch/rescue.h): finding the
 * Mach-O files under a folder and reading one for the planner. The plan
 * itself is made from the model in src/edit/rescue.c, which touches no
 * file. */
#include "lcpatch/rescue.h"

#include "lcpatch/file.h"
#include "util/path.h"
#include "util/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

lcp_status lcp_rescue_plan_file(const char *path, const lcp_rescue_options *opt, lcp_rescue_file **out,
                                lcp_error *err) {
    *out = NULL;
    lcp_file *f;
    lcp_status st = lcp_file_open(path, &f, err);
    return st ? st : lcp_rescue_plan(path, f, opt, out, err);
}

typedef struct path_list {
    char **v;
    size_t n, cap;
    lcp_error *err;
} path_list;

static bool list_add(path_list *l, const char *p) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        l->v = v;
        l->cap = cap;
    }
    char *c = strdup(p);
    if (c == NULL)
        return false;
    l->v[l->n++] = c;
    return true;
}

/* True when the file starts like a Mach-O file, a fat file whose
 * nfat_arch is a plausible count (not a Java class) or an ar archive. */
static bool looks_macho(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint8_t b[8];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    if (n < 8)
        return false;
    lcp_sniff k = lcp_magic_sniff(b, (size_t)n);
    return k == LCP_SNIFF_MACHO || k == LCP_SNIFF_FAT || k == LCP_SNIFF_ARCHIVE;
}

static lcp_status visit(void *ctx, const lcp_walk_entry *e, bool *skip) {
    path_list *l = ctx;
    (void)skip;
    if (S_ISREG(e->st->st_mode) && looks_macho(e->path) && !list_add(l, e->path))
        return lcp_error_set(l->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    return LCP_OK;
}

/* A folder that cannot be read or is nested too deep ends the search (the
 * rescue would miss files); an entry that cannot be stat'ed is passed over. */
static lcp_status on_error(void *ctx, const lcp_walk_error *we) {
    path_list *l = ctx;
    switch (we->kind) {
    case LCP_WALK_OPEN: return lcp_error_set(l->err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", we->path, strerror(we->errnum));
    case LCP_WALK_DEPTH: {
        char shown[LCP_PATH_SHOWN_MAX];
        return lcp_error_set(l->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: folders nested deeper than %d levels",
                             lcp_path_shown(we->path, shown), LCP_WALK_MAX_DEPTH);
    }
    case LCP_WALK_STAT:
    case LCP_WALK_LOOP: break;
    }
    return LCP_OK;
}

lcp_status lcp_rescue_find_files(const char *path, char ***paths, size_t *n, lcp_error *err) {
    *paths = NULL;
    *n = 0;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path, strerror(errno));
    path_list l = {NULL, 0, 0, err};
    lcp_status st = LCP_OK;
    if (S_ISDIR(sb.st_mode)) {
        lcp_walk_options o = {.max_depth = LCP_WALK_MAX_DEPTH, .visit = visit, .on_error = on_error, .ctx = &l};
        st = lcp_walk(path, &o, err);
    } else if (!list_add(&l, path))
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (st) {
        lcp_rescue_paths_free(l.v, l.n);
        return st;
    }
    *paths = l.v;
    *n = l.n;
    return LCP_OK;
}

void lcp_rescue_paths_free(char **paths, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    free(paths);
}
