/* Libraries opened on first use (see util/dynlib.h for why).
 *
 * Each of capstone.c, archive.c and crypto.c lists the library functions
 * lcpatch calls, as X(ret, name, (params), (args)) (XV for a function that
 * returns void), and LCP_LAZY_LIBRARY turns the list into:
 *   - one stub per function, with the library's own name and signature
 *     (the library's header is included, so the compiler checks each stub
 *     against the real declaration), which calls the real function;
 *   - the table of names the loader resolves with dlsym, all at once, the
 *     first time the library's gate (lcp_need_*) or any stub runs.
 * The callers, in src/format, src/disasm and src/check, are unchanged: they
 * include the library's header and call cs_open, EVP_Digest, ... as when
 * linked.
 *
 * A stub reached without its gate having succeeded (a missing gate: a bug)
 * prints the gate's message and exits 3 rather than call through NULL. */
#ifndef LCP_LAZY_LOADER_H
#define LCP_LAZY_LOADER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "lcpatch/error.h"

typedef struct lcp_lazy_lib {
    const char *name;           /* "capstone", for messages */
    const char *install;        /* what installs it: "apt-get install libcapstone4" */
    const char *const *files;   /* what to dlopen, in order; NULL-terminated */
    const char *const *symbols; /* the functions to resolve */
    void *const *slots;         /* where each one's address goes: a typed function pointer */
    size_t nsymbols;
    void (*open_once)(void); /* the pthread_once routine: lcp_lazy_open(this) */
    pthread_once_t once;
    bool ok;
    char why[512]; /* when !ok: the message the gate reports */
} lcp_lazy_lib;

/* Opens the library and resolves every symbol; sets ok or why. Called once,
 * by the library's open_once. */
void lcp_lazy_open(lcp_lazy_lib *lib);

/* The gate: opens the library once; LCP_OK, or LCP_E_UNSUPPORTED with why. */
lcp_status lcp_lazy_need(lcp_lazy_lib *lib, lcp_error *err);

/* For a stub: opens the library if it was not; if it cannot be, prints
 * why and exits 3. */
void lcp_lazy_ensure(lcp_lazy_lib *lib);

#define LCP_LAZY_STR2(x) #x
#define LCP_LAZY_STR(x) LCP_LAZY_STR2(x)

#define LCP_LAZY_NAME(ret, name, params, args) #name,
#define LCP_LAZY_TYPE(ret, name, params, args) typedef ret(*lcp_lazy_t_##name) params;
#define LCP_LAZY_SLOT(ret, name, params, args) lcp_lazy_t_##name name;
#define LCP_LAZY_SLOT_ADDR(ret, name, params, args) &lcp_lazy_fns.name,
#define LCP_LAZY_STUB(ret, name, params, args)                                                                         \
    ret name params {                                                                                                  \
        lcp_lazy_ensure(&lcp_lazy_this);                                                                               \
        return lcp_lazy_fns.name args;                                                                                 \
    }
#define LCP_LAZY_STUB_VOID(ret, name, params, args)                                                                    \
    void name params {                                                                                                 \
        lcp_lazy_ensure(&lcp_lazy_this);                                                                               \
        lcp_lazy_fns.name args;                                                                                        \
    }

/* The stubs and the loader's table for LIST (see above), in a file that
 * includes the library's header. NAME and INSTALL as in lcp_lazy_lib;
 * FILES is a brace-enclosed list of paths, NULL-terminated. The resolved
 * addresses are kept in typed pointers (lcp_lazy_fns), so no function
 * pointer is ever cast to another type. */
#define LCP_LAZY_LIBRARY(LIST, NAME, INSTALL, FILES)                                                                   \
    LIST(LCP_LAZY_TYPE, LCP_LAZY_TYPE)                                                                                 \
    static struct { LIST(LCP_LAZY_SLOT, LCP_LAZY_SLOT) } lcp_lazy_fns;                                                 \
    static const char *const lcp_lazy_symbols[] = {LIST(LCP_LAZY_NAME, LCP_LAZY_NAME)};                                \
    static void *const lcp_lazy_slots[] = {LIST(LCP_LAZY_SLOT_ADDR, LCP_LAZY_SLOT_ADDR)};                              \
    static const char *const lcp_lazy_files[] = FILES;                                                                 \
    static void lcp_lazy_open_once(void);                                                                              \
    static lcp_lazy_lib lcp_lazy_this = {.name = NAME,                                                                 \
                                         .install = INSTALL,                                                           \
                                         .files = lcp_lazy_files,                                                      \
                                         .symbols = lcp_lazy_symbols,                                                  \
                                         .slots = lcp_lazy_slots,                                                      \
                                         .nsymbols = sizeof lcp_lazy_symbols / sizeof lcp_lazy_symbols[0],             \
                                         .open_once = lcp_lazy_open_once,                                              \
                                         .once = PTHREAD_ONCE_INIT};                                                   \
    static void lcp_lazy_open_once(void) { lcp_lazy_open(&lcp_lazy_this); }                                            \
    LIST(LCP_LAZY_STUB, LCP_LAZY_STUB_VOID)

#endif
