/* `lcpatch codesign_allocate` (and the multi-call name codesign_allocate):
 * Apple's `codesign_allocate -r -i IN -o OUT`, which `codesign
 * --remove-signature` runs. Only -r (remove) is supported; -a/-A (make room
 * for a new signature) are refused. Apple's messages and exit status 1. */
#include "cli/cli.h"
#include "cli/commands.h"

#include <string.h>

static const char *progname = "codesign_allocate";

static int ca_usage(void) {
    fprintf(stderr, "Usage: %s -i input [[-a <arch> <size>]... [-A <cputype> <cpusubtype> <size>]... | -r] -o output\n",
            progname);
    return 1;
}

static int ca_error(const char *fmt, const char *a) {
    fprintf(stderr, "error: %s: ", progname);
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    return 1;
}

/* Apple's libstuff refuses load commands it does not know. */
static int check_known(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    (void)slice;
    (void)m;
    for (size_t i = 0; i < img->ncmds; i++)
        if (lcp_lc_name(img->lc[i].cmd) == NULL) {
            fprintf(stderr, "%s: object: %s malformed object (unknown load command %zu)\n", progname, f->path, i);
            *(int *)ctx = 1;
            return 1;
        }
    return 0;
}

int cmd_codesign_allocate(int argc, char **argv) {
    const char *input = NULL, *output = NULL;
    bool rflag = false, aflag = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-i") == 0 || strcmp(argv[i], "-o") == 0) {
            const char **slot = argv[i][1] == 'i' ? &input : &output;
            if (i + 1 == argc) {
                ca_error("missing argument to: %s option", argv[i]);
                return ca_usage();
            }
            if (*slot != NULL) {
                ca_error("more than one: %s option specified", argv[i]);
                return ca_usage();
            }
            *slot = argv[++i];
        } else if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "-A") == 0) {
            int n = argv[i][1] == 'a' ? 2 : 3;
            if (i + n >= argc) {
                ca_error("missing argument(s) to: %s option", argv[i]);
                return ca_usage();
            }
            aflag = true;
            i += n;
        } else if (strcmp(argv[i], "-r") == 0) {
            rflag = true;
        } else {
            ca_error("unknown flag: %s", argv[i]);
            return ca_usage();
        }
    }
    if (input == NULL || output == NULL || (!aflag && !rflag))
        return ca_usage();
    if (rflag && aflag) {
        ca_error("%s", "-r flag can't be specified with -a or -A flags");
        return ca_usage();
    }
    if (aflag)
        return ca_error("%s", "-a and -A (allocating space for a signature) are not supported by lcpatch; use "
                              "Apple's codesign_allocate");
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(input, &f, &err) != LCP_OK)
        return ca_error("%s", err.message);
    int bad = 0;
    lcp_file_visit_images(f, check_known, &bad);
    if (bad) {
        lcp_file_free(f);
        return 1;
    }
    lcp_plan plan;
    lcp_plan_init(&plan);
    bool changed;
    lcp_status st = lcp_unsign_file(f, &plan, &changed, &err);
    if (st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, output, input, &err);
    lcp_plan_release(&plan);
    lcp_file_free(f);
    if (st)
        return ca_error("%s", err.message);
    return 0;
}
