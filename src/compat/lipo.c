/* `lcpatch lipo`: parse Apple's argv, read the inputs, run the one
 * operation asked for (see compat/lipo.h for the flow). Exit status as
 * Apple's: 0 done (even after an "error:" line that was not fatal, as
 * cctools lipo returns 0 then), 1 after a fatal error, a usage error or a
 * -verify_arch miss. */
#include "compat/lipo.h"

#include <stdio.h>
#include <string.h>

static int run(struct lipo *L, int argc, char **argv) {
    int rc = lipo_parse_args(L, argc, argv);
    if (rc == 0)
        rc = lipo_read_inputs(L);
    if (rc)
        return rc;
    if (L->create)
        return lipo_run_create(L);
    if (L->thin_flag)
        return lipo_run_thin(L);
    if (L->extract)
        return lipo_run_extract(L);
    if (L->remove)
        return lipo_run_remove(L);
    if (L->replace)
        return lipo_run_replace(L);
    if (L->brief)
        lipo_print_archs(L);
    if (L->info)
        lipo_print_info(L);
    if (L->detailed)
        lipo_print_detailed(L);
    if (L->verify)
        return lipo_verify(L);
    return 0;
}

int cmd_lipo(int argc, char **argv) {
    struct lipo L;
    memset(&L, 0, sizeof L);
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    L.progname = base ? base + 1 : (argc > 0 ? argv[0] : "lipo");
    int rc = run(&L, argc, argv);
    fflush(stdout);
    lipo_release(&L);
    return rc ? 1 : 0;
}
