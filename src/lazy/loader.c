/* Opens a library on first use and resolves the functions lcpatch calls
 * (loader.h). */
#include "lazy/loader.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* dlsym gives an object pointer; POSIX guarantees it converts to a function
 * pointer, which ISO C does not say: its bits are copied into the typed
 * function pointer the stub calls through. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function and object pointers differ in size");

void lcp_lazy_open(lcp_lazy_lib *lib) {
    void *h = NULL;
    char first[256] = "";
    for (size_t i = 0; lib->files[i] != NULL && h == NULL; i++) {
        /* RTLD_LOCAL: its symbols stay out of the global scope, so they
         * can never be bound in place of lcpatch's stubs, or the reverse */
        h = dlopen(lib->files[i], RTLD_LAZY | RTLD_LOCAL);
        if (h == NULL && first[0] == '\0') {
            const char *e = dlerror();
            snprintf(first, sizeof first, "%s", e ? e : lib->files[i]);
        }
    }
    if (h == NULL) {
        snprintf(lib->why, sizeof lib->why, "%s is not installed: %s (%s)", lib->name, lib->install, first);
        return;
    }
    for (size_t i = 0; i < lib->nsymbols; i++) {
        dlerror();
        void *sym = dlsym(h, lib->symbols[i]);
        if (sym == NULL) {
            /* another major version than the headers lcpatch was built with */
            const char *e = dlerror();
            snprintf(lib->why, sizeof lib->why, "%s cannot be used: it has no %s (%s); reinstall it: %s", lib->name,
                     lib->symbols[i], e ? e : "not found", lib->install);
            dlclose(h);
            return;
        }
        memcpy(lib->slots[i], &sym, sizeof sym);
    }
    /* never dlclose: the stubs keep using it until exit */
    lib->ok = true;
}

lcp_status lcp_lazy_need(lcp_lazy_lib *lib, lcp_error *err) {
    pthread_once(&lib->once, lib->open_once);
    if (lib->ok)
        return LCP_OK;
    return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s", lib->why);
}

void lcp_lazy_ensure(lcp_lazy_lib *lib) {
    pthread_once(&lib->once, lib->open_once);
    if (!lib->ok) {
        fprintf(stderr, "lcpatch: %s\n", lib->why);
        exit(3);
    }
}
