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

/* -r: remove every signature. */
static int ca_remove(const char *input, const char *output) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open_flags(input, LCP_ITOOL_PARSE, &f, &err) != LCP_OK) {
        if (err.status == LCP_E_MALFORMED && lenient_copy(input, output))
            return 0;
        lcp_itool_say_open_error(stderr, progname, input, &err);
        return 1;
    }
    if (lcp_file_visit_images(f, check_known, NULL) != 0) {
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

/* One -a ARCH SIZE or -A CPUTYPE CPUSUBTYPE SIZE request. */
typedef struct ca_sign {
    uint32_t cputype, cpusubtype; /* cpusubtype without capability bits */
    const char *name;             /* Apple's name of the architecture, for messages */
    uint32_t datasize;
    bool found;
} ca_sign;

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

typedef struct ca_ctx {
    ca_sign *signs;
    size_t nsigns;
    bool pflag;
    lcp_image **clones; /* per slice: the edited image, or NULL */
    lcp_out_slice *os;  /* per slice: what the output holds */
    int failed;
} ca_ctx;

/* Apple's setup_code_signature for one image, in file order: the first
 * failure ends the run (Apple's fatal). */
static int ca_image(void *vctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    ca_ctx *c = vctx;
    size_t i = 0;
    uint32_t sub = img->cpusubtype & ~LCP_CPU_SUBTYPE_MASK;
    while (i < c->nsigns && !(c->signs[i].cputype == img->cputype && c->signs[i].cpusubtype == sub))
        i++;
    ca_sign *sg = i < c->nsigns ? &c->signs[i] : NULL;
    lcp_image *clone;
    lcp_error err;
    lcp_status st = lcp_image_clone(img, &clone, &err);
    uint64_t copy_end = 0, size = img->size;
    bool changed = true;
    if (st == LCP_OK && sg == NULL) {
        /* not asked for: its signature's bytes become zeros */
        st = lcp_sigspace_blank(clone, &copy_end, &changed, &err);
        if (st) {
            lcp_image_free(clone);
            c->failed = ca_fatal("%s: %s", f->path, err.message);
            return 1;
        }
    } else if (st == LCP_OK && sg->datasize == 0) {
        /* size 0 removes the signature, as -r does */
        st = lcp_unsign_image(clone, &size, &changed, &err);
        copy_end = size;
    } else if (st == LCP_OK) {
        lcp_sigspace req = {sg->datasize, c->pflag, false};
        st = lcp_sigspace_image(clone, &req, &copy_end, &size, &err);
    }
    if (sg != NULL)
        sg->found = true;
    if (st == LCP_OK && m != NULL && changed) {
        lcp_image_free(clone);
        c->failed = ca_fatal("can't allocate code signature data for: %s(%s) (for architecture %s): lcpatch does "
                             "not rewrite archive members",
                             f->path, m->name, sg ? sg->name : lcp_arch_name(img->cputype, img->cpusubtype));
        return 1;
    }
    if (st == LCP_OK) {
        if (changed) {
            c->clones[slice] = clone;
            c->os[slice].image = clone;
            c->os[slice].size = size;
            c->os[slice].zeros_from = copy_end;
        } else {
            lcp_image_free(clone);
        }
        return 0;
    }
    lcp_image_free(clone);
    if (st == LCP_E_NOSPACE && m != NULL)
        c->failed = ca_fatal("can't allocate code signature data for: %s(%s) (for architecture %s) because %s", f->path,
                             m->name, sg->name, err.message);
    else if (st == LCP_E_NOSPACE || err.reason == LCP_R_NO_LINKEDIT)
        c->failed = ca_fatal("can't allocate code signature data for: %s (for architecture %s) because %s", f->path,
                             sg->name, err.message);
    else
        c->failed = ca_fatal("%s (%s): %s", f->path, sg->name, err.message);
    return 1;
}

/* -a / -A: make room for a signature in the named architectures. */
static int ca_allocate(const char *input, const char *output, ca_sign *signs, size_t nsigns, bool pflag) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open_flags(input, LCP_PARSE_APPLE_LC_STR | LCP_ITOOL_PARSE, &f, &err) != LCP_OK) {
        lcp_itool_say_open_error(stderr, progname, input, &err);
        return 1;
    }
    if (lcp_file_visit_images(f, check_known, NULL) != 0) {
        lcp_file_free(f);
        return 1;
    }
    size_t n = f->nslices ? f->nslices : 1;
    ca_ctx c = {signs, nsigns, pflag, calloc(n, sizeof(lcp_image *)), calloc(n, sizeof(lcp_out_slice)), 0};
    int rc = 0;
    if (c.clones == NULL || c.os == NULL)
        rc = ca_error("%s", "out of memory");
    for (size_t i = 0; rc == 0 && i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        c.os[i] = (lcp_out_slice){s->cputype, s->cpusubtype, s->align, s->reserved, NULL, s->offset, s->size, 0, 0};
    }
    if (rc == 0 && lcp_file_visit_images(f, ca_image, &c) != 0)
        rc = c.failed ? c.failed : 1;
    for (size_t i = 0; rc == 0 && i < nsigns; i++)
        if (!signs[i].found)
            rc = ca_fatal("input file: %s does not contain a matching architecture for specified '-a %s %u' option",
                          input, signs[i].name, signs[i].datasize);
    if (rc == 0) {
        lcp_layout_rule rule = lcp_layout_rule_for(f);
        lcp_plan plan;
        lcp_plan_init(&plan);
        lcp_status st = lcp_layout_file(c.os, f->nslices, &rule, &plan, &err);
        if (st == LCP_OK)
            st = lcp_plan_write_file(&plan, &f->src, output, input, &err);
        lcp_plan_release(&plan);
        if (st)
            rc = ca_error("%s", err.message);
    }
    for (size_t i = 0; c.clones && i < f->nslices; i++)
        lcp_image_free(c.clones[i]);
    free(c.clones);
    free(c.os);
    lcp_file_free(f);
    return rc;
}

int cmd_codesign_allocate(int argc, char **argv) {
    const char *input = NULL, *output = NULL;
    bool rflag = false, pflag = false;
    ca_sign *signs = calloc((size_t)argc, sizeof *signs);
    size_t nsigns = 0;
    int rc = -1;
    if (signs == NULL)
        return ca_error("%s", "out of memory");
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
            ca_sign *sg = &signs[nsigns];
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
                sg->name = lcp_arch_name(sg->cputype, sg->cpusubtype);
                if (sg->name == NULL)
                    sg->name = nargs == 2 ? opt[1] : "(null)";
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
    if (rc < 0 && nsigns != 0)
        rc = ca_allocate(input, output, signs, nsigns, pflag);
    free(signs);
    if (rc >= 0)
        return rc;
    return ca_remove(input, output);
}
