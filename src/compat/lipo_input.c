/* lipo's inputs (cctools lipo.c process_input_file, process_replace_file,
 * check_archive, get_align, new_blank_dylib) over the library's model:
 * every file is read by src/format with LIPO_PARSE_FLAGS, lipo's own
 * rules are checks of the model it returns, and a file that does not read
 * gets Apple's words for the library's reason. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"
#include "util/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* cpusubtype as Apple prints it: without the capability bits. */
static int sub(int32_t cpusubtype) { return (int)((uint32_t)cpusubtype & ~LCP_CPU_SUBTYPE_MASK); }

/* The message table: each reason src/format gives for a file lipo reads,
 * in the words cctools lipo.c (process_input_file, get_align,
 * check_archive) prints for the same fault. The library's message (prose
 * for people) is never parsed: only err->reason and the numbers it names. */
static int read_failed(const struct lipo *L, const char *name, const lcp_error *err) {
    switch (err->reason) {
    case LCP_R_FAT_TABLE_PAST_END:
        return lipo_fatal(L, "truncated or malformed fat file (%s structs would extend past the end of the file) %s",
                          err->index == LCP_FAT_ARCH_SIZE_64 ? "fat_arch_64" : "fat_arch", name);
    case LCP_R_FAT_ARCH_PAST_END:
        return lipo_fatal(L,
                          "truncated or malformed fat file (offset plus size of cputype (%d) cpusubtype (%d) extends "
                          "past the end of the file) %s",
                          (int)err->cputype, sub(err->cpusubtype), name);
    case LCP_R_FAT_ALIGN_TOO_LARGE:
        return lipo_fatal(L, "align (2^%u) too large of fat file %s (cputype (%d) cpusubtype (%d)) (maximum 2^%d)",
                          (unsigned)err->value, name, (int)err->cputype, sub(err->cpusubtype), LIPO_MAX_SECTALIGN);
    case LCP_R_FAT_ARCH_ALIGN:
        return lipo_fatal(L,
                          "offset %llu of fat file %s (cputype (%d) cpusubtype (%d)) not aligned on its alignment "
                          "(2^%u)",
                          (unsigned long long)err->value, name, (int)err->cputype, sub(err->cpusubtype), err->index2);
    case LCP_R_FAT_ARCH_DUPLICATE:
        return lipo_fatal(L, "fat file %s contains two of the same architecture (cputype (%d) cpusubtype (%d))", name,
                          (int)err->cputype, sub(err->cpusubtype));
    case LCP_R_CMDS_PAST_END:
        return lipo_fatal(
            L, "truncated or malformed object (load commands would extend past the end of the file) in: %s", name);
    case LCP_R_CMDSIZE_ZERO:
        return lipo_fatal(L, "load command %u size is less than or equal to zero in: %s", err->index, name);
    case LCP_R_CMD_PAST_CMDS:
        /* Apple checks a command's alignment first and goes on */
        if (err->value % 4 != 0)
            lipo_error(L, "load command %u size not a multiple of sizeof(uint32_t) in: %s", err->index, name);
        return lipo_fatal(L, "load command %u extends past end of all load commands in: %s", err->index, name);
    case LCP_R_AR_MEMBER_BAD:
        if (err->index == 0)
            return lipo_fatal(L,
                              "truncated or malformed archive: %s (archive header of first member extends past the "
                              "end of the file)",
                              name);
        return lipo_fatal(
            L, "truncated or malformed archive: %s (archive member header extends past the end of the file)", name);
    default: break;
    }
    /* A fault lipo does not look for (lcpatch reads archive members whole):
     * the library's own message, which names the file and the offset. */
    if (err->status == LCP_E_IO)
        return lipo_fatal(L, "can't read input file: %s (%s)", name, strerror(err->sys_errno));
    return lipo_fatal(L, "truncated or malformed file: %s", err->message);
}

static int add_thin(struct lipo *L, const struct lipo_thin *t) {
    struct lipo_thin *n = lipo_push(L, (void **)&L->thins, &L->nthins, sizeof *n);
    if (n == NULL)
        return LIPO_FAIL;
    *n = *t;
    return 0;
}

static int too_large(const struct lipo *L, uint64_t size, const char *name) {
    if (!L->fat64 && size > UINT32_MAX)
        return lipo_fatal(L,
                          "file too large to be in a fat file because the size field in struct fat_arch is only "
                          "32-bits and the size (%llu) of %s exceeds that",
                          (unsigned long long)size, name);
    return 0;
}

/* get_align for a thin image: Apple reports every cmdsize that is not a
 * multiple of 4 (and goes on) and stops at a cmdsize of 0 or a command past
 * the file (src/format records where: img->walk_fault); then a known
 * architecture gets its page alignment, an unknown one the alignment
 * guessed from its segments. */
static int thin_align(const struct lipo *L, const lcp_image *img, const char *name, uint32_t *align) {
    for (size_t i = 0; i < img->ncmds; i++)
        if (img->lc[i].cmdsize % 4 != 0)
            lipo_error(L, "load command %zu size not a multiple of sizeof(uint32_t) in: %s", i, name);
    if (img->walk_fault != LCP_R_NONE) {
        lcp_error err = {.status = LCP_E_MALFORMED,
                         .reason = img->walk_fault,
                         .index = img->walk_fault_index,
                         .value = img->walk_fault_cmdsize};
        return read_failed(L, name, &err);
    }
    if (lcp_arch_name(img->cputype, img->cpusubtype) == NULL)
        lipo_warning(L, "unknown cputype (%u) cpusubtype (%u), computing the segment alignment from file contents.",
                     img->cputype, img->cpusubtype & ~LCP_CPU_SUBTYPE_MASK);
    *align = lcp_image_lipo_align(img);
    return 0;
}

/* check_archive: every Mach-O member has one cputype (and, for x86_64,
 * arm64 and 32-bit arm, one cpusubtype). *cputype is 0 when no member is
 * Mach-O. */
static int check_archive(const struct lipo *L, const lcp_slice *s, const char *name, uint32_t *cputype,
                         uint32_t *cpusubtype) {
    *cputype = 0;
    *cpusubtype = 0;
    if (s->size == 8)
        return lipo_fatal(L,
                          "empty archive with no architecture specification: %s (can't determine architecture for "
                          "it)",
                          name);
    for (size_t k = 0; k < s->archive->nmembers; k++) {
        const lcp_member *m = &s->archive->members[k];
        if (m->image == NULL)
            continue;
        uint32_t ct = m->image->cputype, cs = m->image->cpusubtype;
        bool strict_sub =
            m->image->is64 ? (ct == LCP_CPU_TYPE_X86_64 || ct == LCP_CPU_TYPE_ARM64) : ct == LCP_CPU_TYPE_ARM;
        if (*cputype == 0) {
            *cputype = ct;
            *cpusubtype = cs;
        } else if (*cputype != ct || (strict_sub && *cpusubtype != cs)) {
            return lipo_fatal(L,
                              "archive member %s(%s) cputype (%d) and cpusubtype (%d) does not match previous "
                              "archive members cputype (%d) and cpusubtype (%d) (all members must match)",
                              name, m->name, (int)ct, (int)(cs & ~LCP_CPU_SUBTYPE_MASK), (int)*cputype,
                              (int)(*cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
        }
    }
    return 0;
}

static int check_arch(const struct lipo *L, const struct lipo_input *in, const struct lipo_thin *t) {
    if (in->arch.cputype == t->cputype)
        return 0;
    return lipo_fatal(L,
                      "specifed architecture type (%s) for file (%s) does not match its cputype (%d) and cpusubtype "
                      "(%d) (should be cputype (%d) and cpusubtype (%d))",
                      in->arch.name, in->name, (int)t->cputype, (int)(t->cpusubtype & ~LCP_CPU_SUBTYPE_MASK),
                      (int)in->arch.cputype, (int)(in->arch.cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
}

/* True for the reasons only a fat header gives. */
static bool fat_reason(lcp_reason r) {
    return r == LCP_R_FAT_TABLE_PAST_END || r == LCP_R_FAT_ARCH_PAST_END || r == LCP_R_FAT_ALIGN_TOO_LARGE ||
           r == LCP_R_FAT_ARCH_ALIGN || r == LCP_R_FAT_ARCH_DUPLICATE;
}

/* Opens `name` as lipo reads it, refusing a fat file as the replacement or
 * with an architecture given. *f is NULL (and 0 returned) when the file is
 * not Mach-O, a fat file or an archive: the caller decides. */
static int open_model(const struct lipo *L, const char *name, bool replacement, bool arch_given, lcp_file **f) {
    lcp_error err = {0};
    *f = NULL;
    lcp_status st = lcp_file_open_flags(name, LIPO_PARSE_FLAGS, f, &err);
    /* Apple refuses these by their magic, before reading the fat table */
    bool fat = st == LCP_OK ? (*f)->kind == LCP_FAT || (*f)->kind == LCP_FAT64 : fat_reason(err.reason);
    if (replacement && fat)
        return lipo_fatal(L, "replacement file: %s is a fat file (must be a thin file)", name);
    if (arch_given && fat)
        return lipo_fatal(L,
                          "architecture specifed for fat input file: %s (architectures can't be specifed for fat "
                          "input files)",
                          name);
    if (st == LCP_OK)
        return 0;
    const char *what = replacement ? "replacement" : "input";
    if (st == LCP_E_IO) /* no errno: opened, but a directory or a device */
        return lipo_fatal(L, "can't open %s file: %s (%s)", what, name,
                          err.sys_errno ? strerror(err.sys_errno) : "not a regular file");
    /* not Mach-O, or too short for a mach header at its start: lipo's "no type" */
    if (st == LCP_E_NOT_MACHO || (err.reason == LCP_R_TRUNCATED_HEADER && err.offset == 0))
        return 0;
    return read_failed(L, name, &err);
}

/* A file lipo cannot read, given with an architecture: its bytes as they
 * are, the thin file *t of architecture a. */
static int open_blob(const struct lipo *L, struct lipo_input *in, const char *what, const struct lipo_arch *a,
                     struct lipo_thin *t) {
    int fd;
    do /* interrupted by a signal: try again */
        fd = open(in->name, O_RDONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return lipo_fatal(L, "can't open %s file: %s (%s)", what, in->name, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        return lipo_fatal(L, "can't stat input file: %s (%s)", in->name, strerror(e));
    }
    in->blob = malloc(sizeof *in->blob);
    if (in->blob == NULL) {
        close(fd);
        return lipo_fatal(L, "out of memory");
    }
    *in->blob = (lcp_source){fd, NULL, (uint64_t)sb.st_size};
    *t = (struct lipo_thin){
        .name = in->name, .src = in->blob, .size = in->blob->size, .cputype = a->cputype, .cpusubtype = a->cpusubtype};
    return too_large(L, t->size, in->name);
}

/* The thin file of a thin input (a Mach-O image or an archive). */
static int thin_of(const struct lipo *L, struct lipo_input *in, struct lipo_thin *t, bool replacement) {
    lcp_slice *s = &in->file->slices[0];
    *t = (struct lipo_thin){.name = in->name, .src = &in->file->src, .size = in->file->src.size};
    int rc = too_large(L, t->size, in->name);
    if (rc)
        return rc;
    if (s->image) {
        t->cputype = s->image->cputype;
        t->cpusubtype = s->image->cpusubtype;
        t->filetype = s->image->filetype;
        return thin_align(L, s->image, in->name, &t->align);
    }
    if ((rc = check_archive(L, s, in->name, &t->cputype, &t->cpusubtype)) != 0)
        return rc;
    t->align = replacement ? 2 : (t->cputype & LCP_CPU_ARCH_ABI64) ? 3 : 2;
    return 0;
}

static int read_input(struct lipo *L, struct lipo_input *in) {
    int rc = open_model(L, in->name, false, in->arch.name != NULL, &in->file);
    if (rc)
        return rc;
    struct lipo_thin t;
    if (in->file == NULL) {
        if (in->arch.name == NULL)
            return lipo_fatal(L, "can't figure out the architecture type of: %s", in->name);
        rc = open_blob(L, in, "input", &in->arch, &t);
        return rc ? rc : add_thin(L, &t);
    }
    lcp_file *f = in->file;
    if (f->kind == LCP_FAT || f->kind == LCP_FAT64) {
        for (size_t i = 0; rc == 0 && i < f->nslices; i++) {
            const lcp_slice *s = &f->slices[i];
            t = (struct lipo_thin){.name = in->name,
                                   .src = &f->src,
                                   .src_off = s->offset,
                                   .size = s->size,
                                   .cputype = s->cputype,
                                   .cpusubtype = s->cpusubtype,
                                   .align = s->align,
                                   .from_fat = true};
            rc = add_thin(L, &t);
        }
        return rc;
    }
    if ((rc = thin_of(L, in, &t, false)) != 0)
        return rc;
    if (f->kind == LCP_ARCHIVE && t.cputype == 0) {
        if (in->arch.name == NULL)
            return lipo_fatal(L, "archive with no architecture specification: %s (can't determine architecture for it)",
                              in->name);
        t.cputype = in->arch.cputype;
        t.cpusubtype = in->arch.cpusubtype;
    } else if (in->arch.name && (rc = check_arch(L, in, &t)) != 0) {
        return rc;
    }
    return add_thin(L, &t);
}

int lipo_read_inputs(struct lipo *L) {
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < L->ninputs; i++)
        rc = read_input(L, &L->inputs[i]);
    return rc;
}

int lipo_read_replacement(struct lipo *L, const struct lipo_arch *r, struct lipo_thin *t) {
    /* registered as an input so that its file is released with the others */
    struct lipo_input *in = lipo_add_input(L, r->file);
    if (in == NULL)
        return LIPO_FAIL;
    int rc = open_model(L, r->file, true, false, &in->file);
    if (rc)
        return rc;
    if (in->file == NULL) {
        if ((rc = open_blob(L, in, "replacement", r, t)) != 0)
            return rc;
    } else if ((rc = thin_of(L, in, t, true)) != 0) {
        return rc;
    }
    if (!lcp_arch_matches(t->cputype, t->cpusubtype, r->cputype, r->cpusubtype))
        return lipo_fatal(L,
                          "specified architecture: %s for replacement file: %s does not match the file's architecture",
                          r->name, r->file);
    return 0;
}

/* Apple's blank dylib is in the byte order of its architecture. */
static bool big_endian_cpu(uint32_t cputype) {
    return cputype == LCP_CPU_TYPE_POWERPC || cputype == LCP_CPU_TYPE_POWERPC64 || cputype == LCP_CPU_TYPE_MC680x0 ||
           cputype == LCP_CPU_TYPE_HPPA || cputype == LCP_CPU_TYPE_SPARC || cputype == LCP_CPU_TYPE_MC88000 ||
           cputype == 255;
}

int lipo_add_blank(struct lipo *L, const struct lipo_arch *a) {
    uint32_t align = lcp_default_segalign(a->cputype);
    uint32_t page = 1u << align;
    uint8_t *b = calloc(page, 1);
    if (b == NULL)
        return lipo_fatal(L, "out of memory");
    bool be = big_endian_cpu(a->cputype);
    bool is64 = (a->cputype & LCP_CPU_ARCH_ABI64) != 0;
    lcp_put_u32(b, page, 0, be, is64 ? LCP_MH_MAGIC_64 : LCP_MH_MAGIC);
    lcp_put_u32(b, page, 4, be, a->cputype);
    lcp_put_u32(b, page, 8, be, a->cpusubtype);
    lcp_put_u32(b, page, 12, be, LCP_MH_DYLIB_STUB);
    /* Apple's loop counts one more than log2 here */
    struct lipo_thin t = {.name = "blank dylib",
                          .mem = b,
                          .cputype = a->cputype,
                          .cpusubtype = a->cpusubtype,
                          .size = page,
                          .align = align + 1,
                          .filetype = LCP_MH_DYLIB_STUB};
    if (add_thin(L, &t) == 0)
        return 0;
    free(b);
    return LIPO_FAIL;
}

void lipo_release(struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        lcp_file_free(L->inputs[i].file);
        if (L->inputs[i].blob) {
            close(L->inputs[i].blob->fd);
            free(L->inputs[i].blob);
        }
    }
    for (size_t i = 0; i < L->nthins; i++)
        free(L->thins[i].mem);
    free(L->inputs);
    free(L->thins);
    free(L->removes.v);
    free(L->extracts.v);
    free(L->verifies.v);
    free(L->replaces.v);
    free(L->segaligns.v);
}
