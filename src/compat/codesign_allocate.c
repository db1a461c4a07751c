/* `lcpatch codesign_allocate` (and the multi-call name codesign_allocate):
 * Apple's `codesign_allocate -r -i IN -o OUT`, which `codesign
 * --remove-signature` runs, and `codesign_allocate -a ARCH SIZE [-A CPUTYPE
 * CPUSUBTYPE SIZE] [-p] -i IN -o OUT`, which `codesign` runs first to make
 * room for the signature it then writes (lcp_sigspace_image). The file is
 * read once, by src/format, with the options that make it read as cctools'
 * libstuff reads it (LCP_ITOOL_PARSE: fat header as Apple sees it, known
 * load commands only, Apple's __LINKEDIT checks); the library's reasons
 * become Apple's messages (apple_errors.c), exit status 1. */
#include "compat/apple.h"
#include "compat/itool.h"

#include <stdlib.h>
#include <string.h>

static const char *progname = "codesign_allocate";

static int ca_usage(void) {
    fprintf(stderr,
            "Usage: %s -i input [[-a <arch> <size>]... [-A <cputype> <cpusubtype> <size>]... | -r] [-p] -o output\n",
            progname);
    return 1;
}

/* Apple's "error: codesign_allocate: ..." and "fatal error: ..." lines; 1 */
#define ca_error(...) lcp_apple_say("error", progname, __VA_ARGS__)
#define ca_fatal(...) lcp_apple_say("fatal error", progname, __VA_ARGS__)
/* A bad command line: the error, then the usage; 1 */
#define ca_misuse(...) (ca_error(__VA_ARGS__), ca_usage())

/* Archive members are read by the archive reader, without the parse
 * options: Apple's checkout refuses their unknown load commands too. */
static int check_known(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    (void)ctx;
    (void)slice;
    for (size_t i = 0; m != NULL && i < img->ncmds; i++)
        if (lcp_lc_name(img->lc[i].cmd) == NULL) {
            fprintf(stderr, "%s: object: %s malformed object (unknown load command %zu)\n", progname, f->path, i);
            return 1;
        }
    return 0;
}

/* True when no image of f carries a signature. */
static int has_signature(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    (void)ctx;
    (void)f;
    (void)slice;
    (void)m;
    return lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) >= 0;
}

/* -r on a file the strict reading refuses: Apple's checkout accepts an
 * lc_str offset anywhere inside its command, and writes a file with no
 * signature back unchanged. So does lcpatch: when the file reads with that
 * one leniency and no image is signed, the output is the input. A signed
 * one stays refused: what Apple would remove from it is not known. */
static bool lenient_copy(const char *input, const char *output) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open_flags(input, LCP_ITOOL_PARSE | LCP_PARSE_APPLE_LC_STR, &f, &err) != LCP_OK)
        return false;
    bool ok = lcp_file_visit_images(f, check_known, NULL) == 0 && lcp_file_visit_images(f, has_signature, NULL) == 0;
    if (ok) {
        lcp_plan plan;
        lcp_plan_init(&plan);
        ok = lcp_plan_add_copy(&plan, 0, f->src.size, &err) == LCP_OK &&
             lcp_plan_write_file(&plan, &f->src, output, input, &err) == LCP_OK;
        lcp_plan_release(&plan);
    }
    lcp_file_free(f);
    return ok;
}

/* strtoul(s, &end, 0) with Apple's test: the whole argument is a number. */
static bool ca_number(const char *s, uint32_t *out) {
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    *out = (uint32_t)v;
    return *end == '\0';
}

/* "WHAT for '-a ARCH SIZE' not a PROBLEM" (or '-A CPUTYPE CPUSUBTYPE
 * SIZE', nargs 3), the option as given: Apple's fatal error; 1 */
static int ca_bad_value(char **opt, int nargs, const char *what, const char *problem) {
    return ca_fatal("%s for '%s %s %s%s%s' not a %s", what, opt[0], opt[1], opt[2], nargs == 3 ? " " : "",
                    nargs == 3 ? opt[3] : "", problem);
}

/* Apple's fatal error for the image lcp_sigspace_file stopped at (names:
 * Apple's name of each request's architecture); 1 */
static int ca_image_failed(const char *path, const lcp_sigspace_arch *archs, const char **names,
                           const lcp_sigspace_stop *at, const lcp_error *err) {
    const char *name = at->arch ? names[at->arch - archs] : NULL;
    const lcp_member *m = at->member;
    if (err->reason == LCP_R_SIGSPACE_MEMBER)
        return ca_fatal("can't allocate code signature data for: %s(%s) (for architecture %s): %s", path, m->name,
                        name ? name : lcp_arch_name(at->image->cputype, at->image->cpusubtype), err->message);
    if (name == NULL) /* an image not asked for: its signature was being blanked */
        return ca_fatal("%s: %s", path, err->message);
    if (err->status == LCP_E_NOSPACE && m != NULL)
        return ca_fatal("can't allocate code signature data for: %s(%s) (for architecture %s) because %s", path,
                        m->name, name, err->message);
    if (err->status == LCP_E_NOSPACE || err->reason == LCP_R_NO_LINKEDIT)
        return ca_fatal("can't allocate code signature data for: %s (for architecture %s) because %s", path, name,
                        err->message);
    return ca_fatal("%s (%s): %s", path, name, err->message);
}

/* The run: input read as Apple's checkout reads it, then -r (narchs 0)
 * removes every signature (lcp_unsign_file), -a / -A make room for one in
 * the named architectures (lcp_sigspace_file); output written. */
static int ca_run(const char *input, const char *output, lcp_sigspace_arch *archs, const char **names, size_t narchs,
                  bool pflag) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open_flags(input, LCP_ITOOL_PARSE | (narchs ? LCP_PARSE_APPLE_LC_STR : 0), &f, &err) != LCP_OK) {
        if (narchs == 0 && err.status == LCP_E_MALFORMED && lenient_copy(input, output))
            return 0;
        lcp_itool_say_open_error(stderr, progname, input, &err);
        return 1;
    }
    int rc = lcp_file_visit_images(f, check_known, NULL) != 0;
    lcp_plan plan;
    lcp_plan_init(&plan);
    lcp_sigspace_stop at = {NULL, NULL, NULL};
    bool changed;
    lcp_status st = rc       ? LCP_OK
                    : narchs ? lcp_sigspace_file(f, archs, narchs, pflag, &plan, &at, &err)
                             : lcp_unsign_file(f, &plan, &changed, &err);
    if (rc == 0 && st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, output, input, &err);
    if (at.image != NULL)
        rc = ca_image_failed(input, archs, names, &at, &err);
    else if (at.arch != NULL)
        rc = ca_fatal("input file: %s does not contain a matching architecture for specified '-a %s %u' option", input,
                      names[at.arch - archs], at.arch->datasize);
    else if (st)
        rc = ca_error("%s", err.message);
    lcp_plan_release(&plan);
    lcp_file_free(f);
    return rc;
}

int cmd_codesign_allocate(int argc, char **argv) {
    const char *input = NULL, *output = NULL;
    bool rflag = false, pflag = false;
    lcp_sigspace_arch *signs = calloc((size_t)argc, sizeof *signs);
    const char **names = calloc((size_t)argc, sizeof *names); /* Apple's name of each, for messages */
    size_t nsigns = 0;
    int rc = -1;
    if (signs == NULL || names == NULL)
        rc = ca_error("%s", "out of memory");
    for (int i = 1; i < argc && rc < 0; i++) {
        if (strcmp(argv[i], "-i") == 0 || strcmp(argv[i], "-o") == 0) {
            const char **slot = argv[i][1] == 'i' ? &input : &output;
            if (i + 1 == argc) {
                rc = ca_misuse("missing argument to: %s option", argv[i]);
            } else if (*slot != NULL) {
                rc = ca_misuse("more than one: %s option specified", argv[i]);
            } else {
                *slot = argv[++i];
            }
        } else if (strcmp(argv[i], "-a") == 0 || strcmp(argv[i], "-A") == 0) {
            char **opt = &argv[i]; /* -a ARCH SIZE or -A CPUTYPE CPUSUBTYPE SIZE */
            int nargs = opt[0][1] == 'a' ? 2 : 3;
            lcp_sigspace_arch *sg = &signs[nsigns];
            if (i + nargs >= argc) {
                rc = ca_misuse("missing argument(s) to: %s option", opt[0]);
            } else if (nargs == 2 && !lcp_arch_from_name(opt[1], &sg->cputype, &sg->cpusubtype)) {
                rc = ca_misuse("unknown architecture specification flag: %s %s %s", opt[0], opt[1], opt[2]);
            } else if (nargs == 3 && !ca_number(opt[1], &sg->cputype)) {
                rc = ca_bad_value(opt, nargs, "cputype", "proper number");
            } else if (nargs == 3 && !ca_number(opt[2], &sg->cpusubtype)) {
                rc = ca_bad_value(opt, nargs, "cpusubtype", "proper number");
            } else if (!ca_number(opt[nargs], &sg->datasize)) {
                rc = ca_bad_value(opt, nargs, "size", "proper number");
            } else if (sg->datasize % 16 != 0) {
                rc = ca_bad_value(opt, nargs, "size", "multiple of 16");
            } else {
                /* -a's subtype loses its capability bits; Apple compares
                 * -A's as given with the slice's masked one: capability
                 * bits there never match. */
                if (nargs == 2)
                    sg->cpusubtype &= ~LCP_CPU_SUBTYPE_MASK;
                names[nsigns] = lcp_arch_name(sg->cputype, sg->cpusubtype);
                if (names[nsigns] == NULL)
                    names[nsigns] = nargs == 2 ? opt[1] : "(null)";
                nsigns++;
                i += nargs;
            }
        } else if (strcmp(argv[i], "-r") == 0) {
            rflag = true;
        } else if (strcmp(argv[i], "-p") == 0) {
            pflag = true;
        } else {
            rc = ca_misuse("unknown flag: %s", argv[i]);
        }
    }
    if (rc < 0 && (input == NULL || output == NULL || (nsigns == 0 && !rflag)))
        rc = ca_usage();
    if (rc < 0 && rflag && nsigns != 0)
        rc = ca_misuse("%s", "-r flag can't be specified with -a or -A flags");
    if (rc < 0)
        rc = ca_run(input, output, signs, names, nsigns, pflag);
    free(signs);
    free(names);
    return rc;
}
