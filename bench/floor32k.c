/* The I/O floor of bench/audit.sh: read the first 32 KiB of every regular
 * file under a folder, with N threads (as many as lcpatch audit uses), and
 * nothing else. Built by bench/audit.sh with cc -O2 -pthread. */
#include "floor_tree.h"
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ullong total;

static void *reader(void *arg) {
    (void)arg;
    static _Thread_local char buf[32768];
    for (;;) {
        const char *path = next_file();
        if (path == NULL)
            return NULL;
        int fd = open(path, O_RDONLY);
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
