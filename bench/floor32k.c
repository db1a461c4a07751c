/* The I/O floor of bench/audit.sh: read the first 32 KiB of every regular
 * file under a folder, with N threads (as many as lcpatch audit uses), and
 * nothing else. Built by bench/audit.sh with cc -O2 -pthread. */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char **paths;
static size_t npaths, cap;
static atomic_size_t next_path;
static atomic_ullong total;

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

static void *reader(void *arg) {
    (void)arg;
    static _Thread_local char buf[32768];
    for (;;) {
        size_t i = atomic_fetch_add(&next_path, 1);
        if (i >= npaths)
            return NULL;
        int fd = open(paths[i], O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t n = pread(fd, buf, sizeof buf, 0);
        if (n > 0)
            atomic_fetch_add(&total, (unsigned long long)n);
        close(fd);
    }
}

int main(int argc, char **argv) {
    if (argc != 3)
        return 2;
    int jobs = atoi(argv[2]);
    if (jobs < 1 || jobs > 64 || nftw(argv[1], collect, 64, FTW_PHYS) != 0)
        return 2;
    pthread_t t[64];
    for (int i = 1; i < jobs; i++)
        pthread_create(&t[i], NULL, reader, NULL);
    reader(NULL);
    for (int i = 1; i < jobs; i++)
        pthread_join(t[i], NULL);
    printf("%zu files, %llu bytes\n", npaths, (unsigned long long)atomic_load(&total));
    return 0;
}
