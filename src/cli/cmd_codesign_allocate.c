/* `lcpatch codesign_allocate` (and the multi-call name codesign_allocate):
 * Apple's `codesign_allocate -r -i IN -o OUT`, which `codesign
 * --remove-signature` runs. Only -r (remove) is supported; -a/-A (make room
 * for a new signature) are refused. Apple's messages and exit status 1. */
#include "cli/cli.h"
#include "cli/commands.h"

#include "util/reader.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
