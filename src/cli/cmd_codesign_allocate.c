/* `lcpatch codesign_allocate` (and the multi-call name codesign_allocate):
 * Apple's `codesign_allocate -r -i IN -o OUT`, which `codesign
 * --remove-signature` runs, and `codesign_allocate -a ARCH SIZE [-A CPUTYPE
 * CPUSUBTYPE SIZE] [-p] -i IN -o OUT`, which `codesign` runs first to make
 * room for the signature it then writes (lcp_sigspace_image). Apple's
 * messages and exit status 1. */
#include "cli/cli.h"
#include "cli/commands.h"

#include "util/reader.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *progname = "codesign_allocate";

static int ca_usage(void) {
    fprintf(stderr,
            "Usage: %s -i input [[-a <arch> <size>]... [-A <cputype> <cpusubtype> <size>]... | -r] [-p] -o output\n",
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

/* True when the image at [off, off+size) has sound load-command bounds,
 * only commands Apple knows, and no LC_CODE_SIGNATURE. */
static bool image_unsigned(const lcp_source *src, uint64_t off, uint64_t size) {
    uint8_t h[32];
    lcp_error err;
    if (size < 28 || lcp_source_read(src, off, h, size < 32 ? 28 : 32, &err) != LCP_OK)
        return false;
    uint32_t magic = lcp_be32(h);
    bool be = magic == LCP_MH_MAGIC || magic == LCP_MH_MAGIC_64;
    bool is64 = magic == LCP_MH_MAGIC_64 || magic == LCP_MH_CIGAM_64;
    if (!be && magic != LCP_MH_CIGAM && magic != LCP_MH_CIGAM_64)
        return false;
    uint32_t ncmds, sizeofcmds, hs = is64 ? 32 : 28;
    lcp_get_u32(h, 32, 16, be, &ncmds);
    lcp_get_u32(h, 32, 20, be, &sizeofcmds);
    if (size < hs || (uint64_t)sizeofcmds > size - hs)
        return false;
    uint8_t *cmds = malloc(sizeofcmds ? sizeofcmds : 1);
    bool ok = cmds && lcp_source_read(src, off + hs, cmds, sizeofcmds, &err) == LCP_OK;
    uint64_t at = 0;
    for (uint32_t i = 0; ok && i < ncmds; i++) {
        uint32_t cmd = 0, cmdsize = 0;
        ok = lcp_get_u32(cmds, sizeofcmds, at, be, &cmd) && lcp_get_u32(cmds, sizeofcmds, at + 4, be, &cmdsize) &&
             cmdsize >= 8 && cmdsize % 4 == 0 && cmdsize <= sizeofcmds - at && cmd != LCP_LC_CODE_SIGNATURE &&
             lcp_lc_name(cmd) != NULL;
        at += cmdsize;
    }
    free(cmds);
    return ok;
}

/* Apple's checks are looser than lcpatch's parser in places (an lc_str
 * offset pointing into its command's fixed part, say). A file whose load
 * commands are soundly bounded and that holds no signature, Apple's
 * codesign_allocate -r writes back unchanged: so does lcpatch, even when
 * its parser refuses the file. */
static bool structurally_unsigned(const char *path, lcp_source *src) {
    struct stat sb;
    src->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (src->fd < 0)
        return false;
    if (fstat(src->fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        return false;
    src->size = (uint64_t)sb.st_size;
    uint8_t h[8];
    lcp_error err;
    if (src->size < 8 || lcp_source_read(src, 0, h, 8, &err) != LCP_OK)
        return false;
    if (lcp_be32(h) != LCP_FAT_MAGIC)
        return image_unsigned(src, 0, src->size);
    uint32_t n = lcp_be32(h + 4);
    if (n == 0 || n > 64 || 8 + (uint64_t)n * 20 > src->size)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t e[20];
        if (lcp_source_read(src, 8 + (uint64_t)i * 20, e, 20, &err) != LCP_OK)
            return false;
        uint64_t off = lcp_be32(e + 8), size = lcp_be32(e + 12);
        if (off + size > src->size || !image_unsigned(src, off, size))
            return false;
    }
    return true;
}

/* When lcpatch's parser refuses input: Apple's message for the fat-header
 * and load-command-area faults its libstuff reports in the same words
 * (printed, true), else false and the caller prints lcpatch's. */
static bool apple_message(const char *path) {
    lcp_source src = {-1, NULL, 0};
    struct stat sb;
    uint8_t h[32] = {0};
    lcp_error err;
    bool said = false;
    src.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (src.fd < 0 || fstat(src.fd, &sb) != 0 || !S_ISREG(sb.st_mode))
        goto out;
    src.size = (uint64_t)sb.st_size;
    if (src.size < 8 || lcp_source_read(&src, 0, h, src.size < 32 ? 8 : 32, &err) != LCP_OK)
        goto out;
    uint32_t magic = lcp_be32(h);
    if (magic == LCP_FAT_MAGIC) {
        uint32_t n = lcp_be32(h + 4);
        if (n == 0) {
            fprintf(stderr, "error: %s: fat file: %s malformed (contains zero architecture types)\n", progname, path);
            said = true;
        } else if (8 + (uint64_t)n * 20 > src.size) {
            fprintf(stderr,
                    "error: %s: fat file: %s truncated or malformed (fat_arch structs would extend past the end of "
                    "the file)\n",
                    progname, path);
            said = true;
        }
        for (uint32_t i = 0; !said && i < n; i++) {
            uint8_t e[20];
            if (lcp_source_read(&src, 8 + (uint64_t)i * 20, e, 20, &err) != LCP_OK)
                break;
            if ((uint64_t)lcp_be32(e + 8) + lcp_be32(e + 12) > src.size) {
                fprintf(stderr,
                        "error: %s: fat file: %s truncated or malformed (offset plus size of cputype (%d) cpusubtype "
                        "(%d) extends past the end of the file)\n",
                        progname, path, (int)lcp_be32(e), (int)(lcp_be32(e + 4) & ~LCP_CPU_SUBTYPE_MASK));
                said = true;
            }
        }
    } else if (src.size >= 28 && (magic == LCP_MH_MAGIC || magic == LCP_MH_CIGAM || magic == LCP_MH_MAGIC_64 ||
                                  magic == LCP_MH_CIGAM_64)) {
        bool be = magic == LCP_MH_MAGIC || magic == LCP_MH_MAGIC_64;
        uint32_t hs = (magic == LCP_MH_MAGIC_64 || magic == LCP_MH_CIGAM_64) ? 32 : 28, sizeofcmds = 0;
        lcp_get_u32(h, 32, 20, be, &sizeofcmds);
        if ((uint64_t)sizeofcmds + hs > src.size) {
            fprintf(stderr,
                    "%s: object: %s truncated or malformed object (load commands extend past the end of the file)\n",
                    progname, path);
            said = true;
        }
    }
out:
    if (src.fd >= 0)
        close(src.fd);
    return said;
}

/* -r: remove every signature. */
static int ca_remove(const char *input, const char *output) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(input, &f, &err) != LCP_OK) {
        lcp_source src = {-1, NULL, 0};
        lcp_error err2;
        lcp_status st = LCP_E_MALFORMED;
        if (err.status == LCP_E_MALFORMED && structurally_unsigned(input, &src)) {
            lcp_plan plan;
            lcp_plan_init(&plan);
            st = lcp_plan_add_copy(&plan, 0, src.size, &err2);
            if (st == LCP_OK)
                st = lcp_plan_write_file(&plan, &src, output, input, &err2);
            lcp_plan_release(&plan);
        }
        if (src.fd >= 0)
            close(src.fd);
        if (st == LCP_OK)
            return 0;
        return apple_message(input) ? 1 : ca_error("%s", err.message);
    }
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

/* One -a ARCH SIZE or -A CPUTYPE CPUSUBTYPE SIZE request. */
typedef struct ca_sign {
    uint32_t cputype, cpusubtype; /* cpusubtype without capability bits */
    const char *name;             /* Apple's name of the architecture, for messages */
    uint32_t datasize;
    bool found;
} ca_sign;

static int ca_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int ca_fatal(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fatal error: %s: ", progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* strtoul(s, &end, 0) with Apple's test: the whole argument is a number. */
static bool ca_number(const char *s, uint32_t *out) {
    char *end;
    unsigned long v = strtoul(s, &end, 0);
    *out = (uint32_t)v;
    return *end == '\0';
}

typedef struct ca_ctx {
    ca_sign *signs;
    size_t nsigns;
    bool pflag;
    lcp_image **clones; /* per slice: the edited image, or NULL */
    uint64_t *copy_end, *new_size;
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
            c->copy_end[slice] = copy_end;
            c->new_size[slice] = size;
        } else {
            lcp_image_free(clone);
        }
        return 0;
    }
    lcp_image_free(clone);
    if (st == LCP_E_NOSPACE && m != NULL)
        c->failed = ca_fatal("can't allocate code signature data for: %s(%s) (for architecture %s) because %s", f->path,
                             m->name, sg->name, err.message);
    else if (st == LCP_E_NOSPACE || (st == LCP_E_UNSUPPORTED && strstr(err.message, "__LINKEDIT") != NULL))
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
    if (lcp_file_open_flags(input, LCP_PARSE_APPLE_LC_STR, &f, &err) != LCP_OK)
        return apple_message(input) ? 1 : ca_error("%s", err.message);
    int bad = 0;
    lcp_file_visit_images(f, check_known, &bad);
    if (bad) {
        lcp_file_free(f);
        return 1;
    }
    size_t n = f->nslices ? f->nslices : 1;
    ca_ctx c = {
        signs, nsigns, pflag, calloc(n, sizeof(lcp_image *)), calloc(n, sizeof(uint64_t)), calloc(n, sizeof(uint64_t)),
        0};
    lcp_out_slice *os = calloc(n, sizeof *os);
    int rc = 0;
    if (c.clones == NULL || c.copy_end == NULL || c.new_size == NULL || os == NULL)
        rc = ca_error("%s", "out of memory");
    if (rc == 0 && lcp_file_visit_images(f, ca_image, &c) != 0)
        rc = c.failed ? c.failed : 1;
    for (size_t i = 0; rc == 0 && i < nsigns; i++)
        if (!signs[i].found)
            rc = ca_fatal("input file: %s does not contain a matching architecture for specified '-a %s %u' option",
                          input, signs[i].name, signs[i].datasize);
    if (rc == 0) {
        for (size_t i = 0; i < f->nslices; i++) {
            const lcp_slice *s = &f->slices[i];
            lcp_out_slice o = {s->cputype, s->cpusubtype, s->align, s->reserved, NULL, s->offset, s->size, 0, 0};
            if (c.clones[i] != NULL) {
                o.image = c.clones[i];
                o.size = c.new_size[i];
                o.zeros_from = c.copy_end[i];
            }
            os[i] = o;
        }
        lcp_layout_rule rule = lcp_layout_rule_for(f);
        lcp_plan plan;
        lcp_plan_init(&plan);
        lcp_status st = lcp_layout_file(os, f->nslices, &rule, &plan, &err);
        if (st == LCP_OK)
            st = lcp_plan_write_file(&plan, &f->src, output, input, &err);
        lcp_plan_release(&plan);
        if (st)
            rc = ca_error("%s", err.message);
    }
    for (size_t i = 0; c.clones && i < f->nslices; i++)
        lcp_image_free(c.clones[i]);
    free(c.clones);
    free(c.copy_end);
    free(c.new_size);
    free(os);
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
                ca_error("missing argument to: %s option", argv[i]);
                rc = ca_usage();
            } else if (*slot != NULL) {
                ca_error("more than one: %s option specified", argv[i]);
                rc = ca_usage();
            } else {
                *slot = argv[++i];
            }
        } else if (strcmp(argv[i], "-a") == 0) {
            ca_sign *sg = &signs[nsigns];
            if (i + 2 >= argc) {
                ca_error("missing argument(s) to: %s option", argv[i]);
                rc = ca_usage();
            } else if (!lcp_arch_from_name(argv[i + 1], &sg->cputype, &sg->cpusubtype)) {
                fprintf(stderr, "error: %s: unknown architecture specification flag: %s %s %s\n", progname, argv[i],
                        argv[i + 1], argv[i + 2]);
                rc = ca_usage();
            } else if (!ca_number(argv[i + 2], &sg->datasize)) {
                rc = ca_fatal("size for '-a %s %s' not a proper number", argv[i + 1], argv[i + 2]);
            } else if (sg->datasize % 16 != 0) {
                rc = ca_fatal("size for '-a %s %s' not a multiple of 16", argv[i + 1], argv[i + 2]);
            } else {
                sg->cpusubtype &= ~LCP_CPU_SUBTYPE_MASK;
                sg->name = lcp_arch_name(sg->cputype, sg->cpusubtype);
                if (sg->name == NULL)
                    sg->name = argv[i + 1];
                nsigns++;
                i += 2;
            }
        } else if (strcmp(argv[i], "-A") == 0) {
            ca_sign *sg = &signs[nsigns];
            if (i + 3 >= argc) {
                ca_error("missing argument(s) to: %s option", argv[i]);
                rc = ca_usage();
            } else if (!ca_number(argv[i + 1], &sg->cputype)) {
                rc = ca_fatal("cputype for '-A %s %s %s' not a proper number", argv[i + 1], argv[i + 2], argv[i + 3]);
            } else if (!ca_number(argv[i + 2], &sg->cpusubtype)) {
                rc =
                    ca_fatal("cpusubtype for '-A %s %s %s' not a proper number", argv[i + 1], argv[i + 2], argv[i + 3]);
            } else if (!ca_number(argv[i + 3], &sg->datasize)) {
                rc = ca_fatal("size for '-A %s %s %s' not a proper number", argv[i + 1], argv[i + 2], argv[i + 3]);
            } else if (sg->datasize % 16 != 0) {
                rc = ca_fatal("size for '-A %s %s %s' not a multiple of 16", argv[i + 1], argv[i + 2], argv[i + 3]);
            } else {
                /* Apple compares the subtype as given with the slice's
                 * masked one: capability bits here never match. */
                sg->name = lcp_arch_name(sg->cputype, sg->cpusubtype);
                if (sg->name == NULL)
                    sg->name = "(null)";
                nsigns++;
                i += 3;
            }
        } else if (strcmp(argv[i], "-r") == 0) {
            rflag = true;
        } else if (strcmp(argv[i], "-p") == 0) {
            pflag = true;
        } else {
            ca_error("unknown flag: %s", argv[i]);
            rc = ca_usage();
        }
    }
    if (rc < 0 && (input == NULL || output == NULL || (nsigns == 0 && !rflag)))
        rc = ca_usage();
    if (rc < 0 && rflag && nsigns != 0) {
        ca_error("%s", "-r flag can't be specified with -a or -A flags");
        rc = ca_usage();
    }
    if (rc < 0 && nsigns != 0)
        rc = ca_allocate(input, output, signs, nsigns, pflag);
    free(signs);
    if (rc >= 0)
        return rc;
    return ca_remove(input, output);
}
