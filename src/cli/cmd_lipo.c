/* `lcpatch lipo` (and the multi-call name lipo): Apple's lipo argument
 * syntax, output, messages and exit codes (cctools misc/lipo.c).
 *
 * Inputs are read the way lipo reads them, not with lcp_file_open: lipo
 * looks at fat headers and mach headers only (and, for a thin input, walks
 * the load commands to find its alignment), so files lcpatch's strict parser
 * refuses can still be listed, and lipo's own checks and messages apply.
 * Nothing is mapped or read whole: headers by pread, slices copied by range.
 *
 * Fatal errors unwind with longjmp to cmd_lipo, which releases everything
 * the context owns; every allocation is owned by the context. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/lipo.h"
#include "util/checked.h"
#include "util/outfile.h"
#include "util/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXSECTALIGN 15u

struct arch_flag {
    const char *name;
    uint32_t cputype, cpusubtype;
};

struct fat_entry {
    uint32_t cputype, cpusubtype;
    uint64_t offset, size;
    uint32_t align;
};

struct input {
    const char *name;
    struct arch_flag arch; /* -arch A FILE; name NULL when none */
    int fd;
    uint64_t size;
    uint32_t fat_magic; /* 0 when not fat */
    uint32_t nfat, raw_nfat;
    struct fat_entry *arches;
    bool is_thin;
};

struct thin {
    const char *name;
    int fd;             /* where the bytes are; -1 for a blank dylib */
    const uint8_t *mem; /* blank dylib bytes */
    uint64_t src_off;   /* offset of the bytes in fd */
    uint32_t cputype, cpusubtype;
    uint64_t size;
    uint32_t align;
    bool from_fat, extract, remove;
    uint64_t offset; /* in the output */
};

struct replace {
    struct arch_flag arch;
    const char *file;
};

struct segalign {
    struct arch_flag arch;
    uint32_t align;
};

struct lipo {
    const char *progname;
    jmp_buf fail;
    int errors;
    struct input *inputs;
    size_t ninputs;
    struct thin *thins;
    size_t nthins;
    const char *output;
    bool create, info, detailed, brief, thin_flag, remove, extract, extract_family, replace, verify, fat64, hide_arm64,
        arch_blank;
    struct arch_flag thin_arch;
    struct arch_flag *removes, *extracts, *verifies;
    size_t nremoves, nextracts, nverifies;
    struct replace *replaces;
    size_t nreplaces;
    struct segalign *segaligns;
    size_t nsegaligns;
    uint8_t **blanks;
    size_t nblanks;
};

static void lipo_msg(struct lipo *L, const char *kind, const char *fmt, va_list ap) {
    fflush(stdout);
    fprintf(stderr, "%s: %s: ", kind, L->progname);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

#if defined(__GNUC__) || defined(__clang__)
#define PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define PRINTF(a, b)
#endif

static _Noreturn void fatal(struct lipo *L, const char *fmt, ...) PRINTF(2, 3);
static void error(struct lipo *L, const char *fmt, ...) PRINTF(2, 3);
static void warning(struct lipo *L, const char *fmt, ...) PRINTF(2, 3);

static _Noreturn void fatal(struct lipo *L, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lipo_msg(L, "fatal error", fmt, ap);
    va_end(ap);
    longjmp(L->fail, 1);
}

static void error(struct lipo *L, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lipo_msg(L, "error", fmt, ap);
    va_end(ap);
    L->errors++;
}

static void warning(struct lipo *L, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    lipo_msg(L, "warning", fmt, ap);
    va_end(ap);
}

static _Noreturn void system_fatal(struct lipo *L, const char *what, const char *name) {
    fatal(L, "%s: %s (%s)", what, name, strerror(errno));
}

static _Noreturn void usage(struct lipo *L) {
    fprintf(stderr, "usage: lipo <input_file> <command> [<options> ...]\n"
                    "  command is one of:\n"
                    "    -archs\n"
                    "    -create [-arch_blank <arch_type>]\n"
                    "    -detailed_info\n"
                    "    -extract <arch_type> [-extract <arch_type> ...]\n"
                    "    -extract_family <arch_type> [-extract_family <arch_type> ...]\n"
                    "    -info\n"
                    "    -remove <arch_type> [-remove <arch_type> ...]\n"
                    "    -replace <arch_type> <file_name> [-replace <arch_type> <file_name> ...]\n"
                    "    -thin <arch_type>\n"
                    "    -verify_arch <arch_type> ...\n"
                    "  options are one or more of:\n"
                    "    -arch <arch_type> <input_file>\n"
                    "    -hideARM64\n"
                    "    -output <output_file>\n"
                    "    -segalign <arch_type> <alignment>\n");
    longjmp(L->fail, 1);
}

static void arch_usage(void) {
    fprintf(stderr, "(run 'lcpatch lipo' with one of the architecture names Apple's lipo knows: x86_64, arm64, "
                    "arm64e, i386, ppc, ppc64, armv7, armv7s, ...)\n");
}

static void *grow(struct lipo *L, void *p, size_t n, size_t size) {
    void *q = realloc(p, (n ? n : 1) * size);
    if (q == NULL)
        fatal(L, "out of memory");
    return q;
}

static bool get_arch(const char *name, struct arch_flag *out) {
    out->name = name;
    return lcp_arch_from_name(name, &out->cputype, &out->cpusubtype);
}

static bool same_arch(uint32_t t1, uint32_t s1, uint32_t t2, uint32_t s2) { return lcp_arch_matches(t1, s1, t2, s2); }

static struct thin *new_thin(struct lipo *L) {
    L->thins = grow(L, L->thins, L->nthins + 1, sizeof *L->thins);
    struct thin *t = &L->thins[L->nthins++];
    memset(t, 0, sizeof *t);
    t->fd = -1;
    return t;
}

/* ---- reading ---- */

static void read_at(struct lipo *L, int fd, uint64_t off, void *buf, size_t n, const char *name) {
    lcp_source src = {fd, NULL, UINT64_MAX};
    lcp_error err;
    if (lcp_source_read(&src, off, buf, n, &err) != LCP_OK)
        fatal(L, "can't read file: %s (%s)", name, err.message);
}

static int open_input(struct lipo *L, const char *name, uint64_t *size, const char *what) {
    int fd;
    do /* interrupted by a signal: try again (tests/faults injects EINTR) */
        fd = open(name, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        char w[64];
        snprintf(w, sizeof w, "can't open %s file", what);
        system_fatal(L, w, name);
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        system_fatal(L, "can't stat input file", name);
    }
    *size = (uint64_t)sb.st_size;
    return fd;
}

/* lipo's get_align / get_align_64 as the Apple build behind the golden runs
 * does it: the load commands are checked first, then a known architecture
 * gets its page alignment, an unknown one the alignment guessed from its
 * segments. */
static uint32_t thin_align(struct lipo *L, int fd, uint64_t size, const char *name, const uint8_t *hdr, bool is64,
                           bool big) {
    uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds;
    lcp_get_u32(hdr, 32, 4, big, &cputype);
    lcp_get_u32(hdr, 32, 8, big, &cpusubtype);
    lcp_get_u32(hdr, 32, 12, big, &filetype);
    lcp_get_u32(hdr, 32, 16, big, &ncmds);
    lcp_get_u32(hdr, 32, 20, big, &sizeofcmds);
    uint64_t hs = is64 ? 32 : 28;
    if (sizeofcmds + hs > size)
        fatal(L, "truncated or malformed object (load commands would extend past the end of the file) in: %s", name);
    uint8_t *cmds = malloc(sizeofcmds ? sizeofcmds : 1);
    if (cmds == NULL)
        fatal(L, "out of memory");
    lcp_source src = {fd, NULL, size};
    lcp_error err;
    if (lcp_source_read(&src, hs, cmds, sizeofcmds, &err) != LCP_OK) {
        free(cmds);
        fatal(L, "can't read file: %s (%s)", name, err.message);
    }
    /* the bytes of the file after the header: what a command may not pass */
    uint64_t room = size - hs;
    struct {
        bool fatal;
        char msg[256];
    } bad = {false, ""};
    uint32_t cur = MAXSECTALIGN;
    uint64_t off = 0;
    for (uint32_t i = 0; i < ncmds && off < sizeofcmds; i++) {
        uint32_t cmd, cmdsize;
        if (!lcp_get_u32(cmds, sizeofcmds, off, big, &cmd) || !lcp_get_u32(cmds, sizeofcmds, off + 4, big, &cmdsize))
            break;
        if (cmdsize % 4 != 0)
            error(L, "load command %u size not a multiple of sizeof(uint32_t) in: %s", i, name);
        if (cmdsize == 0) {
            bad.fatal = true;
            snprintf(bad.msg, sizeof bad.msg, "load command %u size is less than or equal to zero in: %s", i, name);
            break;
        }
        if (off + cmdsize > room) {
            bad.fatal = true;
            snprintf(bad.msg, sizeof bad.msg, "load command %u extends past end of all load commands in: %s", i, name);
            break;
        }
        if (cmd == (is64 ? LCP_LC_SEGMENT_64 : LCP_LC_SEGMENT) && off + cmdsize <= sizeofcmds) {
            uint32_t align;
            uint64_t vmaddr = 0;
            uint32_t v32 = 0, nsects = 0;
            if (is64)
                lcp_get_u64(cmds, sizeofcmds, off + 24, big, &vmaddr);
            else if (lcp_get_u32(cmds, sizeofcmds, off + 24, big, &v32))
                vmaddr = v32;
            lcp_get_u32(cmds, sizeofcmds, off + (is64 ? 64 : 48), big, &nsects);
            if (filetype == LCP_MH_OBJECT) {
                align = is64 ? 3 : 2;
                uint64_t s = off + (is64 ? 72 : 56), ssize = is64 ? 80 : 68;
                for (uint32_t k = 0; k < nsects && s + ssize <= off + cmdsize; k++, s += ssize) {
                    uint32_t a = 0;
                    lcp_get_u32(cmds, sizeofcmds, s + (is64 ? 52 : 44), big, &a);
                    if (a > align)
                        align = a;
                }
            } else {
                align = lcp_guess_align(vmaddr);
            }
            if (align < cur)
                cur = align;
        }
        off += cmdsize;
    }
    free(cmds);
    if (bad.fatal)
        fatal(L, "%s", bad.msg);
    if (lcp_arch_name(cputype, cpusubtype) != NULL)
        return lcp_default_segalign(cputype);
    warning(L, "unknown cputype (%u) cpusubtype (%u), computing the segment alignment from file contents.", cputype,
            cpusubtype & ~LCP_CPU_SUBTYPE_MASK);
    return cur;
}

static uint64_t dec_field(const uint8_t *p, size_t n) {
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++)
        v = v * 10 + (uint64_t)(p[i] - '0');
    return v;
}

/* lipo's check_archive: every Mach-O member has the same cputype; none is fat. */
static void check_archive(struct lipo *L, int fd, uint64_t base, uint64_t size, const char *name, uint32_t *cputype,
                          uint32_t *cpusubtype) {
    *cputype = 0;
    *cpusubtype = 0;
    uint64_t off = 8;
    if (off == size)
        fatal(L, "empty archive with no architecture specification: %s (can't determine architecture for it)", name);
    if (off + 60 > size)
        fatal(L, "truncated or malformed archive: %s (archive header of first member extends past the end of the file)",
              name);
    while (size > off) {
        uint8_t h[60];
        if (off + 60 > size)
            fatal(L, "truncated or malformed archive: %s (archive member header extends past the end of the file)",
                  name);
        read_at(L, fd, base + off, h, 60, name);
        off += 60;
        uint64_t name_size = 0;
        int shown = 16;
        char shown_name[17];
        memcpy(shown_name, h, 16);
        shown_name[16] = '\0';
        if (memcmp(h, "#1/", 3) == 0) {
            name_size = dec_field(h + 3, 13);
            if (name_size > size - off)
                fatal(L, "archive: %s truncated or malformed (archive name of member extends past the end of the file)",
                      name);
        } else {
            for (shown = 0; shown < 16 && h[shown] != ' '; shown++)
                ;
        }
        uint64_t msize = dec_field(h + 48, 10);
        uint8_t m[32] = {0};
        uint64_t left = size - off > name_size ? size - off - name_size : 0;
        size_t want = left < sizeof m ? (size_t)left : sizeof m;
        if (want)
            read_at(L, fd, base + off + name_size, m, want, name);
        uint32_t magic = lcp_be32(m);
        if (want >= 4 && (magic == LCP_FAT_MAGIC || magic == LCP_FAT_MAGIC_64))
            fatal(L, "archive member %s(%.*s) is a fat file (not allowed in an archive)", name, shown, shown_name);
        bool be = magic == LCP_MH_MAGIC || magic == LCP_MH_MAGIC_64;
        bool mh32 = magic == LCP_MH_MAGIC || magic == LCP_MH_CIGAM,
             mh64 = magic == LCP_MH_MAGIC_64 || magic == LCP_MH_CIGAM_64;
        if ((mh32 && want >= 28) || (mh64 && want >= 32)) {
            uint32_t ct, cs;
            lcp_get_u32(m, sizeof m, 4, be, &ct);
            lcp_get_u32(m, sizeof m, 8, be, &cs);
            bool strict_sub = mh32 ? ct == LCP_CPU_TYPE_ARM : (ct == LCP_CPU_TYPE_X86_64 || ct == LCP_CPU_TYPE_ARM64);
            if (*cputype == 0) {
                *cputype = ct;
                *cpusubtype = cs;
            } else if (*cputype != ct || (strict_sub && *cpusubtype != cs)) {
                fatal(L,
                      "archive member %s(%.*s) cputype (%d) and cpusubtype (%d) does not match previous archive "
                      "members cputype (%d) and cpusubtype (%d) (all members must match)",
                      name, shown, shown_name, (int)ct, (int)(cs & ~LCP_CPU_SUBTYPE_MASK), (int)*cputype,
                      (int)(*cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
            }
        }
        off += msize + (msize & 1);
    }
}

static void read_fat(struct lipo *L, struct input *in, uint32_t magic) {
    bool is64 = magic == LCP_FAT_MAGIC_64;
    uint8_t h[8];
    read_at(L, in->fd, 0, h, 8, in->name);
    uint32_t nfat = lcp_be32(h + 4);
    uint64_t esize = is64 ? LCP_FAT_ARCH_SIZE_64 : LCP_FAT_ARCH_SIZE;
    uint64_t big_size = (uint64_t)nfat * esize + 8;
    if (big_size > in->size)
        fatal(L, "truncated or malformed fat file (%s structs would extend past the end of the file) %s",
              is64 ? "fat_arch_64" : "fat_arch", in->name);
    in->fat_magic = magic;
    in->nfat = nfat;
    if (!is64) {
        /* Apple's hidden arm64 slice: one more fat_arch after the counted
         * ones, if it lies before the first slice. Apple compares with the
         * offsets before swapping them (a little-endian host reads them
         * byte-reversed); so does this. */
        in->raw_nfat = nfat;
        uint32_t first = UINT32_MAX;
        for (uint32_t i = 0; i < nfat; i++) {
            uint8_t e[4];
            read_at(L, in->fd, 8 + (uint64_t)i * esize + 8, e, 4, in->name);
            uint32_t raw = lcp_le32(e);
            if (raw < first)
                first = raw;
        }
        if (big_size + LCP_FAT_ARCH_SIZE <= in->size && big_size + LCP_FAT_ARCH_SIZE <= first) {
            uint8_t e[4];
            read_at(L, in->fd, big_size, e, 4, in->name);
            if (lcp_be32(e) == LCP_CPU_TYPE_ARM64)
                in->nfat++;
        }
    }
    in->arches = calloc(in->nfat ? in->nfat : 1, sizeof *in->arches);
    if (in->arches == NULL)
        fatal(L, "out of memory");
    for (uint32_t i = 0; i < in->nfat; i++) {
        uint8_t e[32];
        struct fat_entry *a = &in->arches[i];
        read_at(L, in->fd, 8 + (uint64_t)i * esize, e, (size_t)esize, in->name);
        a->cputype = lcp_be32(e);
        a->cpusubtype = lcp_be32(e + 4);
        if (is64) {
            lcp_get_u64(e, 32, 8, true, &a->offset);
            lcp_get_u64(e, 32, 16, true, &a->size);
            a->align = lcp_be32(e + 24);
        } else {
            a->offset = lcp_be32(e + 8);
            a->size = lcp_be32(e + 12);
            a->align = lcp_be32(e + 16);
        }
    }
    for (uint32_t i = 0; i < in->nfat; i++) {
        struct fat_entry *a = &in->arches[i];
        /* Apple adds in the fields' own width */
        uint64_t end = is64 ? a->offset + a->size : (uint32_t)(a->offset + a->size);
        if (end > in->size || (is64 && end < a->offset))
            fatal(L,
                  "truncated or malformed fat file (offset plus size of cputype (%d) cpusubtype (%d) extends past the "
                  "end of the file) %s",
                  (int)a->cputype, (int)(a->cpusubtype & ~LCP_CPU_SUBTYPE_MASK), in->name);
        if (a->align > MAXSECTALIGN)
            fatal(L, "align (2^%u) too large of fat file %s (cputype (%d) cpusubtype (%d)) (maximum 2^%d)", a->align,
                  in->name, (int)a->cputype, (int)(a->cpusubtype & ~LCP_CPU_SUBTYPE_MASK), MAXSECTALIGN);
        if (a->offset % ((uint64_t)1 << a->align) != 0)
            fatal(L, "offset %llu of fat file %s (cputype (%d) cpusubtype (%d)) not aligned on its alignment (2^%u)",
                  (unsigned long long)a->offset, in->name, (int)a->cputype,
                  (int)(a->cpusubtype & ~LCP_CPU_SUBTYPE_MASK), a->align);
    }
    for (uint32_t i = 0; i < in->nfat; i++)
        for (uint32_t j = i + 1; j < in->nfat; j++)
            if (same_arch(in->arches[i].cputype, in->arches[i].cpusubtype, in->arches[j].cputype,
                          in->arches[j].cpusubtype))
                fatal(L, "fat file %s contains two of the same architecture (cputype (%d) cpusubtype (%d))", in->name,
                      (int)in->arches[i].cputype, (int)(in->arches[i].cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
    for (uint32_t i = 0; i < in->nfat; i++) {
        struct thin *t = new_thin(L);
        t->name = in->name;
        t->fd = in->fd;
        t->src_off = in->arches[i].offset;
        t->cputype = in->arches[i].cputype;
        t->cpusubtype = in->arches[i].cpusubtype;
        t->size = in->arches[i].size;
        t->align = in->arches[i].align;
        t->from_fat = true;
    }
}

static void check_arch(struct lipo *L, const struct input *in, const struct thin *t) {
    if (in->arch.cputype != t->cputype)
        fatal(L,
              "specifed architecture type (%s) for file (%s) does not match its cputype (%d) and cpusubtype (%d) "
              "(should be cputype (%d) and cpusubtype (%d))",
              in->arch.name, in->name, (int)t->cputype, (int)(t->cpusubtype & ~LCP_CPU_SUBTYPE_MASK),
              (int)in->arch.cputype, (int)(in->arch.cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
}

static void too_large(struct lipo *L, uint64_t size, const char *name) {
    if (!L->fat64 && size > UINT32_MAX)
        fatal(L,
              "file too large to be in a fat file because the size field in struct fat_arch is only 32-bits and the "
              "size (%llu) of %s exceeds that",
              (unsigned long long)size, name);
}

static void process_input(struct lipo *L, struct input *in) {
    in->fd = open_input(L, in->name, &in->size, "input");
    uint8_t h[32] = {0};
    size_t n = in->size < sizeof h ? (size_t)in->size : sizeof h;
    if (n)
        read_at(L, in->fd, 0, h, n, in->name);
    uint32_t magic = lcp_be32(h);
    if (n >= 8 && (magic == LCP_FAT_MAGIC || magic == LCP_FAT_MAGIC_64)) {
        if (in->arch.name)
            fatal(L,
                  "architecture specifed for fat input file: %s (architectures can't be specifed for fat input files)",
                  in->name);
        read_fat(L, in, magic);
        return;
    }
    bool mh32 = magic == LCP_MH_MAGIC || magic == LCP_MH_CIGAM,
         mh64 = magic == LCP_MH_MAGIC_64 || magic == LCP_MH_CIGAM_64;
    if ((mh32 && n >= 28) || (mh64 && n >= 32)) {
        bool be = magic == LCP_MH_MAGIC || magic == LCP_MH_MAGIC_64;
        struct thin *t = new_thin(L);
        in->is_thin = true;
        t->name = in->name;
        t->fd = in->fd;
        too_large(L, in->size, in->name);
        lcp_get_u32(h, 32, 4, be, &t->cputype);
        lcp_get_u32(h, 32, 8, be, &t->cpusubtype);
        t->size = in->size;
        size_t ti = L->nthins - 1;
        uint32_t align = thin_align(L, in->fd, in->size, in->name, h, mh64, be);
        L->thins[ti].align = align;
        if (in->arch.name)
            check_arch(L, in, &L->thins[ti]);
        return;
    }
    if (n >= 8 && memcmp(h, "!<arch>\n", 8) == 0) {
        uint32_t ct, cs;
        check_archive(L, in->fd, 0, in->size, in->name, &ct, &cs);
        struct thin *t = new_thin(L);
        in->is_thin = true;
        t->name = in->name;
        t->fd = in->fd;
        too_large(L, in->size, in->name);
        t->cputype = ct;
        t->cpusubtype = cs;
        t->size = in->size;
        t->align = (ct & LCP_CPU_ARCH_ABI64) ? 3 : 2;
        if (in->arch.name) {
            if (ct == 0) {
                t->cputype = in->arch.cputype;
                t->cpusubtype = in->arch.cpusubtype;
            } else {
                check_arch(L, in, t);
            }
        } else if (ct == 0) {
            fatal(L, "archive with no architecture specification: %s (can't determine architecture for it)", in->name);
        }
        return;
    }
    if (in->arch.name) {
        struct thin *t = new_thin(L);
        t->name = in->name;
        t->fd = in->fd;
        too_large(L, in->size, in->name);
        t->cputype = in->arch.cputype;
        t->cpusubtype = in->arch.cpusubtype;
        t->size = in->size;
        t->align = 0;
        return;
    }
    fatal(L, "can't figure out the architecture type of: %s", in->name);
}

/* lipo's process_replace_file: the replacement as a thin file. */
static struct thin process_replace(struct lipo *L, const struct replace *r) {
    struct thin t;
    memset(&t, 0, sizeof t);
    t.name = r->file;
    uint64_t size;
    /* keep the descriptor: it is registered as an input so it is closed */
    L->inputs = grow(L, L->inputs, L->ninputs + 1, sizeof *L->inputs);
    struct input *in = &L->inputs[L->ninputs++];
    memset(in, 0, sizeof *in);
    in->name = r->file;
    in->fd = -1;
    in->fd = open_input(L, r->file, &size, "replacement");
    in->size = size;
    t.fd = in->fd;
    t.size = size;
    uint8_t h[32] = {0};
    size_t n = size < sizeof h ? (size_t)size : sizeof h;
    if (n)
        read_at(L, in->fd, 0, h, n, r->file);
    uint32_t magic = lcp_be32(h);
    bool mh32 = magic == LCP_MH_MAGIC || magic == LCP_MH_CIGAM,
         mh64 = magic == LCP_MH_MAGIC_64 || magic == LCP_MH_CIGAM_64;
    if (n >= 8 && (magic == LCP_FAT_MAGIC || magic == LCP_FAT_MAGIC_64))
        fatal(L, "replacement file: %s is a fat file (must be a thin file)", r->file);
    too_large(L, size, r->file);
    if ((mh32 && n >= 28) || (mh64 && n >= 32)) {
        bool be = magic == LCP_MH_MAGIC || magic == LCP_MH_MAGIC_64;
        lcp_get_u32(h, 32, 4, be, &t.cputype);
        lcp_get_u32(h, 32, 8, be, &t.cpusubtype);
        t.align = thin_align(L, in->fd, size, r->file, h, mh64, be);
    } else if (n >= 8 && memcmp(h, "!<arch>\n", 8) == 0) {
        check_archive(L, in->fd, 0, size, r->file, &t.cputype, &t.cpusubtype);
        t.align = 2;
    } else {
        t.cputype = r->arch.cputype;
        t.cpusubtype = r->arch.cpusubtype;
        t.align = 0;
    }
    if (!same_arch(t.cputype, t.cpusubtype, r->arch.cputype, r->arch.cpusubtype))
        fatal(L, "specified architecture: %s for replacement file: %s does not match the file's architecture",
              r->arch.name, r->file);
    return t;
}

/* lipo's new_blank_dylib: a page of zeros with an MH_DYLIB_STUB header. */
static void new_blank(struct lipo *L, const struct arch_flag *a) {
    uint32_t align = lcp_default_segalign(a->cputype);
    uint32_t page = 1u << align;
    L->blanks = grow(L, L->blanks, L->nblanks + 1, sizeof *L->blanks);
    uint8_t *b = calloc(page, 1);
    if (b == NULL)
        fatal(L, "out of memory");
    L->blanks[L->nblanks++] = b;
    bool be = a->cputype == LCP_CPU_TYPE_POWERPC || a->cputype == LCP_CPU_TYPE_POWERPC64 ||
              a->cputype == LCP_CPU_TYPE_MC680x0 || a->cputype == LCP_CPU_TYPE_HPPA ||
              a->cputype == LCP_CPU_TYPE_SPARC || a->cputype == LCP_CPU_TYPE_MC88000 || a->cputype == 255;
    bool is64 = (a->cputype & LCP_CPU_ARCH_ABI64) != 0;
    lcp_put_u32(b, page, 0, be, is64 ? LCP_MH_MAGIC_64 : LCP_MH_MAGIC);
    lcp_put_u32(b, page, 4, be, a->cputype);
    lcp_put_u32(b, page, 8, be, a->cpusubtype);
    lcp_put_u32(b, page, 12, be, LCP_MH_DYLIB_STUB);
    struct thin *t = new_thin(L);
    t->name = "blank dylib";
    t->mem = b;
    t->cputype = a->cputype;
    t->cpusubtype = a->cpusubtype;
    t->size = page;
    /* Apple's loop counts one more than log2 here */
    t->align = align + 1;
}

/* ---- writing ---- */

static void write_thin(struct lipo *L, const struct thin *t) {
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    lcp_source src = {t->fd, NULL, UINT64_MAX};
    struct stat sb;
    if (fstat(t->fd, &sb) == 0)
        src.size = (uint64_t)sb.st_size;
    lcp_status st = lcp_plan_add_copy(&p, t->src_off, t->size, &err);
    if (st == LCP_OK)
        st = lcp_plan_write_file(&p, &src, L->output, L->inputs[0].name, &err);
    lcp_plan_release(&p);
    if (st)
        fatal(L, "can't create output file: %s (%s)", L->output, err.message);
}

/* create_fat: segment alignments from -segalign, lipo's order, the fat
 * header, each slice at its rounded offset. Slices may come from several
 * inputs, so the pieces are streamed here, each from its own descriptor,
 * into one atomic output file. */
static void create_fat(struct lipo *L) {
    for (size_t i = 0; i < L->nsegaligns; i++)
        for (size_t j = i + 1; j < L->nsegaligns; j++)
            if (same_arch(L->segaligns[i].arch.cputype, L->segaligns[i].arch.cpusubtype, L->segaligns[j].arch.cputype,
                          L->segaligns[j].arch.cpusubtype))
                fatal(L, "-segalign %s <value> specified multiple times", L->segaligns[j].arch.name);
    for (size_t i = 0; i < L->nsegaligns; i++) {
        size_t j = 0;
        for (; j < L->nthins; j++)
            if (same_arch(L->segaligns[i].arch.cputype, L->segaligns[i].arch.cpusubtype, L->thins[j].cputype,
                          L->thins[j].cpusubtype)) {
                L->thins[j].align = L->segaligns[i].align;
                break;
            }
        if (j == L->nthins)
            fatal(L, "-segalign %s <value> specified but resulting fat file does not contain that architecture",
                  L->segaligns[i].arch.name);
    }
    size_t n = L->nthins;
    lcp_out_slice *os = calloc(n ? n : 1, sizeof *os);
    if (os == NULL)
        fatal(L, "out of memory");
    for (size_t i = 0; i < n; i++) {
        os[i].cputype = L->thins[i].cputype;
        os[i].cpusubtype = L->thins[i].cpusubtype;
        os[i].align = L->thins[i].align;
        os[i].size = L->thins[i].size;
        os[i].src_offset = i; /* remembers the thin file through the sort */
    }
    bool thin_out = L->extract_family && n == 1;
    lcp_layout_rule rule = {L->fat64, thin_out, true};
    lcp_error err;
    lcp_status st = lcp_layout_place(os, n, &rule, &err);
    if (st) {
        free(os);
        if (n == 0)
            fatal(L, "no architectures for the output file");
        fatal(L, "fat file too large to be created (%s)", err.message);
    }
    struct thin *sorted = calloc(n ? n : 1, sizeof *sorted);
    if (sorted == NULL) {
        free(os);
        fatal(L, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        sorted[i] = L->thins[os[i].src_offset];
        sorted[i].offset = os[i].out_offset;
    }
    memcpy(L->thins, sorted, n * sizeof *sorted);
    free(sorted);
    /* the fat header (unless a single -extract_family slice goes out thin) */
    lcp_plan hdr;
    lcp_plan_init(&hdr);
    if (!thin_out) {
        lcp_fat_entry *e = calloc(n, sizeof *e);
        if (e == NULL) {
            free(os);
            fatal(L, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            e[i].cputype = L->thins[i].cputype;
            e[i].cpusubtype = L->thins[i].cpusubtype;
            e[i].offset = L->thins[i].offset;
            e[i].size = L->thins[i].size;
            e[i].align = L->thins[i].align;
        }
        st = lcp_plan_add_fat_header(&hdr, L->fat64, e, n, &err);
        free(e);
        if (st == LCP_OK && L->hide_arm64) {
            bool arm32 = false, arm64 = false;
            uint32_t n64 = 0;
            for (size_t i = 0; i < n; i++) {
                uint8_t ft[16] = {0};
                uint32_t filetype = 0;
                if (L->thins[i].mem)
                    memcpy(ft, L->thins[i].mem, 16);
                else if (L->thins[i].size >= 16)
                    read_at(L, L->thins[i].fd, L->thins[i].src_off, ft, 16, L->thins[i].name);
                uint32_t m = lcp_be32(ft);
                lcp_get_u32(ft, 16, 12, m == LCP_MH_MAGIC || m == LCP_MH_MAGIC_64, &filetype);
                if (filetype != LCP_MH_EXECUTE) {
                    lcp_plan_release(&hdr);
                    free(os);
                    fatal(L, "-hideARM64 specified but thin file %s is not of type MH_EXECUTE", L->thins[i].name);
                }
                if (arm64 && L->thins[i].cputype != LCP_CPU_TYPE_ARM64) {
                    lcp_plan_release(&hdr);
                    free(os);
                    fatal(L, "-hideARM64 specified but thin files are not in correct order");
                }
                arm32 |= L->thins[i].cputype == LCP_CPU_TYPE_ARM;
                if (L->thins[i].cputype == LCP_CPU_TYPE_ARM64) {
                    arm64 = true;
                    n64++;
                }
            }
            if (arm32 && arm64)
                lcp_put_u32(hdr.store, hdr.store_len, 4, true, (uint32_t)(n - n64));
        }
    }
    free(os);
    if (st) {
        lcp_plan_release(&hdr);
        fatal(L, "%s", err.message);
    }
    lcp_outfile of;
    st = lcp_outfile_open(&of, L->output, L->ninputs ? L->inputs[0].name : NULL, &err);
    if (st) {
        lcp_plan_release(&hdr);
        fatal(L, "can't create temporary output file: %s (%s)", L->output, err.message);
    }
    uint64_t at = 0;
    if (hdr.store_len)
        st = lcp_outfile_write(&of, hdr.store, hdr.store_len, &err);
    at = hdr.store_len;
    lcp_plan_release(&hdr);
    static const uint8_t zeros[4096];
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        const struct thin *t = &L->thins[i];
        while (at < t->offset && st == LCP_OK) {
            size_t k = t->offset - at < sizeof zeros ? (size_t)(t->offset - at) : sizeof zeros;
            st = lcp_outfile_write(&of, zeros, k, &err);
            at += k;
        }
        if (st)
            break;
        if (t->mem)
            st = lcp_outfile_write(&of, t->mem, (size_t)t->size, &err);
        else
            st = lcp_outfile_copy(&of, t->fd, t->src_off, t->size, &err);
        at += t->size;
    }
    if (st) {
        lcp_outfile_abort(&of);
        fatal(L, "can't write output file: %s (%s)", L->output, err.message);
    }
    if (lcp_outfile_commit(&of, &err) != LCP_OK)
        fatal(L, "can't move temporary file to file: %s (%s)", L->output, err.message);
}

/* ---- the operations ---- */

static void run_info(struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        struct input *in = &L->inputs[i];
        if (in->fat_magic) {
            printf("Architectures in the fat file: %s are: ", in->name);
            for (uint32_t j = 0; j < in->nfat; j++) {
                lipo_print_arch(in->arches[j].cputype, in->arches[j].cpusubtype);
                printf(" ");
            }
            printf("\n");
        } else if (!in->is_thin) {
            printf("input file %s is not a fat file\n", in->name);
        }
    }
}

static void run_detailed(struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        struct input *in = &L->inputs[i];
        if (!in->fat_magic) {
            printf("input file %s is not a fat file\n", in->name);
            continue;
        }
        printf("Fat header in: %s\n", in->name);
        printf("fat_magic 0x%x\n", in->fat_magic);
        printf("nfat_arch %u", in->raw_nfat);
        if (in->nfat != in->raw_nfat)
            printf(" (+%u hidden)", in->nfat - in->raw_nfat);
        printf("\n");
        for (uint32_t j = 0; j < in->nfat; j++) {
            const struct fat_entry *a = &in->arches[j];
            printf("architecture ");
            lipo_print_arch(a->cputype, a->cpusubtype);
            if (j >= in->raw_nfat)
                printf(" (hidden)");
            printf("\n");
            lipo_print_cputype(a->cputype, a->cpusubtype);
            printf("    offset %llu\n", (unsigned long long)a->offset);
            printf("    size %llu\n", (unsigned long long)a->size);
            printf("    align 2^%u (%d)\n", a->align, (int)(1u << a->align));
        }
    }
}

static void print_nonfat(struct lipo *L) {
    char buf[64];
    for (size_t i = 0; i < L->nthins; i++) {
        const struct thin *t = &L->thins[i];
        if (!t->from_fat)
            printf("Non-fat file: %s is architecture: %s\n", t->name,
                   lipo_arch_name_or_label(t->cputype, t->cpusubtype, buf, sizeof buf));
    }
}

static void need_fat(struct lipo *L, const char *op) {
    if (L->ninputs != 1)
        fatal(L, "only one input file can be specified with the -%s option", op);
    if (!L->inputs[0].fat_magic)
        fatal(L, "input file (%s) must be a fat file when the -%s option is specified", L->inputs[0].name, op);
    if (L->inputs[0].fat_magic == LCP_FAT_MAGIC_64)
        L->fat64 = true;
}

static void run(struct lipo *L, int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        const char *arg = argv[a];
        if (arg[0] != '-') {
            L->inputs = grow(L, L->inputs, L->ninputs + 1, sizeof *L->inputs);
            struct input *in = &L->inputs[L->ninputs++];
            memset(in, 0, sizeof *in);
            in->fd = -1;
            in->name = arg;
            continue;
        }
        const char *p = arg + 1;
        if (strcmp(p, "arch") == 0 || strcmp(p, "a") == 0) {
            if (a + 2 >= argc) {
                error(L, "missing argument(s) to %s option", arg);
                usage(L);
            }
            L->inputs = grow(L, L->inputs, L->ninputs + 1, sizeof *L->inputs);
            struct input *in = &L->inputs[L->ninputs++];
            memset(in, 0, sizeof *in);
            in->fd = -1;
            if (!get_arch(argv[a + 1], &in->arch)) {
                error(L, "unknown architecture specification flag: %s in specifying input file %s %s %s", argv[a + 1],
                      arg, argv[a + 1], argv[a + 2]);
                arch_usage();
                usage(L);
            }
            in->name = argv[a + 2];
            a += 2;
        } else if (strcmp(p, "arch_blank") == 0) {
            L->arch_blank = true;
            struct arch_flag af;
            if (a + 1 >= argc) {
                error(L, "missing argument(s) to %s option", arg);
                usage(L);
            }
            if (!get_arch(argv[a + 1], &af)) {
                error(L, "unknown architecture specification flag: %s in specifying input file %s %s", argv[a + 1], arg,
                      argv[a + 1]);
                arch_usage();
                usage(L);
            }
            new_blank(L, &af);
            a++;
        } else if (strcmp(p, "archs") == 0) {
            L->brief = true;
        } else if (strcmp(p, "create") == 0 || strcmp(p, "c") == 0) {
            L->create = true;
        } else if (strcmp(p, "detailed_info") == 0 || strcmp(p, "d") == 0) {
            L->detailed = true;
        } else if (strcmp(p, "extract") == 0 || strcmp(p, "extract_family") == 0 || strcmp(p, "e") == 0) {
            L->extract = true;
            if (strcmp(p, "extract_family") == 0)
                L->extract_family = true;
            if (a + 1 >= argc) {
                error(L, "missing argument to %s option", arg);
                usage(L);
            }
            L->extracts = grow(L, L->extracts, L->nextracts + 1, sizeof *L->extracts);
            if (!get_arch(argv[a + 1], &L->extracts[L->nextracts++])) {
                error(L, "unknown architecture specification flag: %s in specifying extract operation: %s %s",
                      argv[a + 1], arg, argv[a + 1]);
                arch_usage();
                usage(L);
            }
            a++;
        } else if (strcmp(p, "hideARM64") == 0) {
            L->hide_arm64 = true;
        } else if (strcmp(p, "info") == 0 || strcmp(p, "i") == 0) {
            L->info = true;
        } else if (strcmp(p, "output") == 0 || strcmp(p, "o") == 0) {
            if (a + 1 >= argc) {
                error(L, "missing argument to %s option", arg);
                usage(L);
            }
            if (L->output)
                fatal(L, "more than one %s option specified", arg);
            L->output = argv[++a];
        } else if (strcmp(p, "remove") == 0 || strcmp(p, "rem") == 0) {
            L->remove = true;
            if (a + 1 >= argc) {
                error(L, "missing argument to %s option", arg);
                usage(L);
            }
            L->removes = grow(L, L->removes, L->nremoves + 1, sizeof *L->removes);
            if (!get_arch(argv[a + 1], &L->removes[L->nremoves++])) {
                error(L, "unknown architecture specification flag: %s in specifying remove operation: %s %s",
                      argv[a + 1], arg, argv[a + 1]);
                arch_usage();
                usage(L);
            }
            a++;
        } else if (strcmp(p, "replace") == 0 || strcmp(p, "rep") == 0) {
            L->replace = true;
            if (a + 2 >= argc) {
                error(L, "missing argument(s) to %s option", arg);
                usage(L);
            }
            L->replaces = grow(L, L->replaces, L->nreplaces + 1, sizeof *L->replaces);
            struct replace *r = &L->replaces[L->nreplaces++];
            if (!get_arch(argv[a + 1], &r->arch)) {
                error(L, "unknown architecture specification flag: %s in specifying replace operation: %s %s %s",
                      argv[a + 1], arg, argv[a + 1], argv[a + 2]);
                arch_usage();
                usage(L);
            }
            r->file = argv[a + 2];
            a += 2;
        } else if (strcmp(p, "segalign") == 0 || strcmp(p, "s") == 0) {
            if (a + 2 >= argc) {
                error(L, "missing argument(s) to %s option", arg);
                usage(L);
            }
            L->segaligns = grow(L, L->segaligns, L->nsegaligns + 1, sizeof *L->segaligns);
            struct segalign *s = &L->segaligns[L->nsegaligns++];
            if (!get_arch(argv[a + 1], &s->arch)) {
                error(L, "unknown architecture specification flag: %s in specifying segment alignment: %s %s %s",
                      argv[a + 1], arg, argv[a + 1], argv[a + 2]);
                arch_usage();
                usage(L);
            }
            char *end;
            unsigned long v = strtoul(argv[a + 2], &end, 16);
            uint32_t value = (uint32_t)v;
            if (*end != '\0')
                fatal(L, "argument for -segalign <arch_type> %s not a proper hexadecimal number", argv[a + 2]);
            if (value == 0 || (value & (value - 1)) != 0)
                fatal(L, "argument to -segalign <arch_type> %x (hex) must be a non-zero power of two", value);
            if (value > (1u << MAXSECTALIGN))
                fatal(L, "argument to -segalign <arch_type> %x (hex) must equal to or less than %x (hex)", value,
                      1u << MAXSECTALIGN);
            s->align = 0;
            while ((value & 1) != 1) {
                value >>= 1;
                s->align++;
            }
            a += 2;
        } else if (strcmp(p, "thin") == 0 || strcmp(p, "t") == 0) {
            if (L->thin_flag)
                fatal(L, "more than one %s option specified", arg);
            L->thin_flag = true;
            if (a + 1 >= argc) {
                error(L, "missing argument to %s option", arg);
                usage(L);
            }
            if (!get_arch(argv[a + 1], &L->thin_arch)) {
                error(L, "unknown architecture specification flag: %s in specifying thin operation: %s %s", argv[a + 1],
                      arg, argv[a + 1]);
                arch_usage();
                usage(L);
            }
            a++;
        } else if (strcmp(p, "verify_arch") == 0) {
            L->verify = true;
            if (a + 1 >= argc) {
                error(L, "missing argument(s) to %s option", arg);
                usage(L);
            }
            a++;
            L->verifies = grow(L, L->verifies, (size_t)(argc - a), sizeof *L->verifies);
            for (; a < argc; a++) {
                if (!get_arch(argv[a], &L->verifies[L->nverifies++])) {
                    error(L, "unknown architecture specification flag: %s in specifying -verify_arch operation",
                          argv[a]);
                    arch_usage();
                    usage(L);
                }
            }
        } else if (strcmp(p, "fat64") == 0) {
            L->fat64 = true;
        } else {
            fatal(L, "unknown flag: %s", arg);
        }
    }
    bool writes = L->create || L->thin_flag || L->extract || L->remove || L->replace;
    if (!L->info && !L->detailed && !L->brief && !writes && !L->verify) {
        error(L, "one of -create, -thin <arch_type>, -extract <arch_type>, -remove <arch_type>, -replace <arch_type> "
                 "<file_name>, -verify_arch <arch_type> ... , -archs, -info, or -detailed_info must be specified");
        usage(L);
    }
    if (writes && L->output == NULL) {
        error(L, "no output file specified");
        usage(L);
    }
    if (L->ninputs == 0) {
        error(L, "no input files specified");
        usage(L);
    }
    if (L->verify && L->ninputs != 1) {
        error(L, "only one input file allowed with -verify_arch");
        usage(L);
    }
    if (L->brief && L->ninputs != 1) {
        error(L, "only one input file allowed with -archs");
        usage(L);
    }
    if (L->create + L->thin_flag + L->extract + L->remove + L->replace + L->info + L->detailed + L->brief + L->verify >
        1) {
        error(L, "only one of -create, -thin <arch_type>, -extract <arch_type>, -remove <arch_type>, -replace "
                 "<arch_type> <file_name>, -verify_arch <arch_type> ..., -info, -archs, or -detailed_info can be "
                 "specified");
        usage(L);
    }
    if (L->arch_blank && !L->create) {
        error(L, "-arch_blank may only be used with -create");
        usage(L);
    }
    if (L->hide_arm64 && !L->create && !L->replace && !L->remove) {
        error(L, "-hideARM64 may only be used with -create, -remove, or -replace");
        usage(L);
    }
    size_t ninputs = L->ninputs;
    for (size_t i = 0; i < ninputs; i++)
        process_input(L, &L->inputs[i]);

    if (L->create) {
        for (size_t i = 0; i < L->nthins; i++)
            for (size_t j = i + 1; j < L->nthins; j++)
                if (same_arch(L->thins[i].cputype, L->thins[i].cpusubtype, L->thins[j].cputype,
                              L->thins[j].cpusubtype)) {
                    const char *n = lcp_arch_name(L->thins[j].cputype, L->thins[j].cpusubtype);
                    if (n)
                        fatal(L, "%s and %s have the same architectures (%s) and can't be in the same fat output file",
                              L->thins[i].name, L->thins[j].name, n);
                    fatal(L,
                          "%s and %s have the same architectures (cputype (%d) and cpusubtype (%d)) and can't be in "
                          "the same fat output file",
                          L->thins[i].name, L->thins[j].name, (int)L->thins[i].cputype,
                          (int)(L->thins[i].cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
                }
        create_fat(L);
    }
    if (L->thin_flag) {
        if (L->ninputs != 1)
            fatal(L, "only one input file can be specified with the -thin option");
        if (!L->inputs[0].fat_magic)
            fatal(L, "input file (%s) must be a fat file when the -thin option is specified", L->inputs[0].name);
        size_t i = 0;
        for (; i < L->nthins; i++)
            if (same_arch(L->thins[i].cputype, L->thins[i].cpusubtype, L->thin_arch.cputype, L->thin_arch.cpusubtype)) {
                write_thin(L, &L->thins[i]);
                break;
            }
        if (i == L->nthins)
            fatal(L, "fat input file (%s) does not contain the specified architecture (%s) to thin it to",
                  L->inputs[L->ninputs - 1].name, L->thin_arch.name);
    }
    if (L->extract) {
        need_fat(L, "extract");
        for (size_t i = 0; i < L->nextracts; i++)
            for (size_t j = i + 1; j < L->nextracts; j++)
                if (same_arch(L->extracts[i].cputype, L->extracts[i].cpusubtype, L->extracts[j].cputype,
                              L->extracts[j].cpusubtype))
                    fatal(L, "-extract %s specified multiple times", L->extracts[i].name);
        for (size_t i = 0; i < L->nextracts; i++) {
            bool found = false;
            for (size_t j = 0; j < L->nthins; j++)
                if (L->extracts[i].cputype == L->thins[j].cputype &&
                    (L->extract_family || same_arch(L->extracts[i].cputype, L->extracts[i].cpusubtype,
                                                    L->thins[j].cputype, L->thins[j].cpusubtype))) {
                    L->thins[j].extract = true;
                    found = true;
                }
            if (!found)
                fatal(L, "-extract %s specified but fat file: %s does not contain that architecture",
                      L->extracts[i].name, L->inputs[0].name);
        }
        size_t k = 0;
        for (size_t i = 0; i < L->nthins; i++)
            if (L->thins[i].extract)
                L->thins[k++] = L->thins[i];
        L->nthins = k;
        create_fat(L);
    }
    if (L->remove) {
        need_fat(L, "remove");
        for (size_t i = 0; i < L->nremoves; i++)
            for (size_t j = i + 1; j < L->nremoves; j++)
                if (same_arch(L->removes[i].cputype, L->removes[i].cpusubtype, L->removes[j].cputype,
                              L->removes[j].cpusubtype))
                    fatal(L, "-remove %s specified multiple times", L->removes[i].name);
        for (size_t i = 0; i < L->nremoves; i++) {
            size_t j = 0;
            for (; j < L->nthins; j++)
                if (same_arch(L->removes[i].cputype, L->removes[i].cpusubtype, L->thins[j].cputype,
                              L->thins[j].cpusubtype)) {
                    L->thins[j].remove = true;
                    break;
                }
            if (j == L->nthins)
                fatal(L, "-remove %s specified but fat file: %s does not contain that architecture", L->removes[i].name,
                      L->inputs[0].name);
        }
        size_t k = 0;
        for (size_t i = 0; i < L->nthins; i++)
            if (!L->thins[i].remove)
                L->thins[k++] = L->thins[i];
        L->nthins = k;
        if (k == 0)
            fatal(L, "-remove's specified would result in an empty fat file");
        create_fat(L);
    }
    if (L->replace) {
        need_fat(L, "replace");
        for (size_t i = 0; i < L->nreplaces; i++)
            for (size_t j = i + 1; j < L->nreplaces; j++)
                if (same_arch(L->replaces[i].arch.cputype, L->replaces[i].arch.cpusubtype, L->replaces[j].arch.cputype,
                              L->replaces[j].arch.cpusubtype))
                    fatal(L, "-replace %s <file_name> specified multiple times", L->replaces[j].arch.name);
        for (size_t i = 0; i < L->nreplaces; i++) {
            struct thin t = process_replace(L, &L->replaces[i]);
            size_t j = 0;
            for (; j < L->nthins; j++)
                if (same_arch(L->replaces[i].arch.cputype, L->replaces[i].arch.cpusubtype, L->thins[j].cputype,
                              L->thins[j].cpusubtype)) {
                    L->thins[j] = t;
                    break;
                }
            if (j == L->nthins)
                fatal(L, "-replace %s <file_name> specified but fat file: %s does not contain that architecture",
                      L->replaces[i].arch.name, L->inputs[0].name);
        }
        create_fat(L);
    }
    if (L->brief) {
        for (size_t i = 0; i < L->nthins; i++) {
            const char *s = lcp_arch_name(L->thins[i].cputype, L->thins[i].cpusubtype);
            if (i)
                printf(" ");
            if (s)
                printf("%s", s);
            else
                printf("unknown(%u,%u)", L->thins[i].cputype, L->thins[i].cpusubtype & ~LCP_CPU_SUBTYPE_MASK);
        }
        printf("\n");
    }
    if (L->info) {
        run_info(L);
        print_nonfat(L);
    }
    if (L->detailed) {
        run_detailed(L);
        print_nonfat(L);
    }
    if (L->verify) {
        for (size_t i = 0; i < L->nverifies; i++) {
            bool found = false;
            for (size_t j = 0; j < L->nthins && !found; j++)
                found = same_arch(L->verifies[i].cputype, L->verifies[i].cpusubtype, L->thins[j].cputype,
                                  L->thins[j].cpusubtype);
            if (!found)
                longjmp(L->fail, 1);
        }
    }
}

static void release(struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        if (L->inputs[i].fd >= 0)
            close(L->inputs[i].fd);
        free(L->inputs[i].arches);
    }
    for (size_t i = 0; i < L->nblanks; i++)
        free(L->blanks[i]);
    free(L->blanks);
    free(L->inputs);
    free(L->thins);
    free(L->removes);
    free(L->extracts);
    free(L->verifies);
    free(L->replaces);
    free(L->segaligns);
}

int cmd_lipo(int argc, char **argv) {
    static struct lipo L; /* static: survives longjmp unchanged */
    memset(&L, 0, sizeof L);
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    L.progname = base ? base + 1 : (argc > 0 ? argv[0] : "lipo");
    if (setjmp(L.fail) == 0) {
        run(&L, argc, argv);
        fflush(stdout);
        release(&L);
        return 0;
    }
    fflush(stdout);
    release(&L);
    return 1;
}
