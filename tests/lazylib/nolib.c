/* LD_PRELOAD shim for tests/lazylib: makes dlopen fail, as on a machine
 * where the library is not installed, for every file whose name starts with
 * one of the words of LCP_NOLIB (e.g. "libcapstone libcrypto"). The failure
 * is the loader's own: the real dlopen is asked for the same name in a
 * folder that does not exist, so dlerror() says what it says when the file
 * is missing. Every other dlopen goes through unchanged. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

typedef void *(*dlopen_fn)(const char *, int);

static int blocked(const char *path) {
    const char *words = getenv("LCP_NOLIB");
    if (path == NULL || words == NULL)
        return 0;
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (const char *w = words; *w;) {
        while (*w == ' ')
            w++;
        size_t n = strcspn(w, " ");
        if (n > 0 && strncmp(base, w, n) == 0)
            return 1;
        w += n;
    }
    return 0;
}

void *dlopen(const char *path, int flags) {
    static dlopen_fn real;
    if (real == NULL)
        real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
    if (blocked(path)) {
        const char *base = strrchr(path, '/');
        char missing[512];
        snprintf(missing, sizeof missing, "/nonexistent-lcp-nolib/%s", base ? base + 1 : path);
        return real(missing, flags);
    }
    return real(path, flags);
}
