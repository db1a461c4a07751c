/* Reading a fat (or fat64) header and checking it: the fat_arch table in
 * the file, nfat_arch (Java class files, the count limit), each slice's
 * range and alignment, slices that overlap the header or each other, a
 * label that lies about its slice, an architecture listed twice, and the
 * Apple dialects' rules (vtool's ranges-only walk, lipo's hidden arm64
 * slice, MAXSECTALIGN). The slices themselves are read by file.c. */
#include "format/file_internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* Apple's MAXSECTALIGN: lipo refuses a fat_arch align above 2^15. */
#define APPLE_MAX_FAT_ALIGN 15u

/* vtool's fat rules (LCP_PARSE_FAT_RANGES_ONLY, LCP_PARSE_FAT_HIDDEN_ARM64):
 * each entry's offset + size, summed in 32 bits as Apple's tool sums them,
 * within the file; no other check of the header. */
static lcp_status read_fat_ranges_only(lcp_file *f, uint32_t nfat, const uint8_t *tab, lcp_error *err) {
    unsigned flags = f->parse_flags;
    uint32_t n = nfat;
    if (flags & LCP_PARSE_FAT_HIDDEN_ARM64) {
        bool arm = false, arm64 = false;
        for (uint32_t i = 0; i < nfat; i++) {
            arm = arm || lcp_be32(tab + (size_t)i * LCP_FAT_ARCH_SIZE) == LCP_CPU_TYPE_ARM;
            arm64 = arm64 || lcp_be32(tab + (size_t)i * LCP_FAT_ARCH_SIZE) == LCP_CPU_TYPE_ARM64;
        }
        if (arm && !arm64 && lcp_be32(tab + (size_t)nfat * LCP_FAT_ARCH_SIZE) == LCP_CPU_TYPE_ARM64)
            n++;
    }
    if (n == 0)
        return lcp_error_set(err, LCP_E_NOT_MACHO, 4, "fat header has nfat_arch 0");
    f->nfat_arch = nfat;
    f->slices = calloc(n, sizeof *f->slices);
    if (f->slices == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    f->nslices = n;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *e = tab + (size_t)i * LCP_FAT_ARCH_SIZE;
        lcp_slice *s = &f->slices[i];
        s->cputype = lcp_be32(e);
        s->cpusubtype = lcp_be32(e + 4);
        s->offset = lcp_be32(e + 8);
        s->size = lcp_be32(e + 12);
        s->align = lcp_be32(e + 16);
    }
    lcp_status st = LCP_OK;
    for (uint32_t i = 0; i < n && st == LCP_OK; i++) {
        lcp_slice *s = &f->slices[i];
        uint32_t end = (uint32_t)s->offset + (uint32_t)s->size; /* Apple's 32-bit sum */
        if (end > f->src.size) {
            lcp_error e;
            st = lcp_error_set(&e, LCP_E_MALFORMED, 8 + (uint64_t)i * LCP_FAT_ARCH_SIZE,
                               "fat_arch %u: offset 0x%llx size 0x%llx extends past the end of the file (%llu bytes)",
                               i, (unsigned long long)s->offset, (unsigned long long)s->size,
                               (unsigned long long)f->src.size);
            lcp_error_reason(&e, LCP_R_FAT_ARCH_PAST_END, i, 0, (int32_t)s->cputype, (int32_t)s->cpusubtype);
            if (err)
                *err = e;
            st = lcp_file_keep_slice_error(flags, s, st, &e, err);
        }
    }
    for (uint32_t i = 0; i < n && st == LCP_OK; i++) {
        lcp_slice *s = &f->slices[i];
        if (s->error)
            continue;
        lcp_error e;
        st = lcp_file_read_slice(&f->src, s, flags, &e);
        if (st) {
            char lbuf[48];
            lcp_error_prefix(&e, "fat_arch %u (%s)", i, lcp_arch_label(s->cputype, s->cpusubtype, lbuf, sizeof lbuf));
            if (err)
                *err = e;
            st = lcp_file_keep_slice_error(flags, s, st, &e, err);
        }
    }
    return st;
}

struct slice_at {
    uint64_t offset;
    uint32_t index;
};

static int by_offset(const void *a, const void *b) {
    const struct slice_at *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->index < y->index ? -1 : 1;
}

/* No two non-empty slices may share a byte. Sorted by offset, a slice can
 * only overlap the one before it, so this is O(n log n) even for the
 * hundreds of thousands of entries a hostile FAT_MAGIC_64 header can hold
 * (a pairwise check would be quadratic). Every range is inside the file,
 * so offset + size does not overflow. */
static lcp_status check_overlaps(const lcp_file *f, size_t entry, lcp_error *err) {
    struct slice_at *order = malloc(f->nslices * sizeof *order);
    if (order == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < f->nslices; i++)
        if (f->slices[i].size != 0)
            order[n++] = (struct slice_at){f->slices[i].offset, (uint32_t)i};
    qsort(order, n, sizeof *order, by_offset);
    lcp_status st = LCP_OK;
    for (size_t k = 1; k < n && st == LCP_OK; k++) {
        const lcp_slice *prev = &f->slices[order[k - 1].index];
        if (order[k].offset < prev->offset + prev->size) {
            uint32_t i = order[k].index > order[k - 1].index ? order[k].index : order[k - 1].index;
            uint32_t j = order[k].index > order[k - 1].index ? order[k - 1].index : order[k].index;
            st = lcp_error_set(err, LCP_E_MALFORMED, 8 + (uint64_t)i * entry, "fat_arch %u overlaps fat_arch %u", i, j);
        }
    }
    free(order);
    return st;
}

/* True when a fat_arch and a mach header name the same architecture, by
 * lipo's rule: the cputype exactly, the cpusubtype without its capability
 * bits (a fat_arch may say x86_64 ALL over an image with LIB64 set). */
static bool same_arch(uint32_t ct1, uint32_t cs1, uint32_t ct2, uint32_t cs2) {
    return ct1 == ct2 && (cs1 & ~LCP_CPU_SUBTYPE_MASK) == (cs2 & ~LCP_CPU_SUBTYPE_MASK);
}

/* The fat header's label must be the truth about its slice: a fat_arch
 * that says x86_64 over an i386 image would have every command (and dyld)
 * pick or drop the wrong code. `where` is the fat_arch's file offset. */
static lcp_status check_label(const lcp_slice *s, uint32_t i, uint64_t where, uint32_t cputype, uint32_t cpusubtype,
                              const char *what, uint64_t at, lcp_error *err) {
    if (same_arch(s->cputype, s->cpusubtype, cputype, cpusubtype))
        return LCP_OK;
    char b1[48], b2[48];
    const char *said = lcp_arch_label(s->cputype, s->cpusubtype, b1, sizeof b1);
    const char *is = lcp_arch_label(cputype, cpusubtype, b2, sizeof b2);
    /* an unnamed architecture's label already reads "cputype N cpusubtype M" */
    const char *field = strncmp(said, "cputype ", 8) == 0 ? "" : s->cputype == cputype ? "cpusubtype " : "cputype ";
    lcp_status st =
        lcp_error_set(err, LCP_E_MALFORMED, where, "fat_arch %u at offset 0x%llx: %s%s but the %s at 0x%llx is %s", i,
                      (unsigned long long)where, field, said, what, (unsigned long long)at, is);
    lcp_error_reason(err, LCP_R_FAT_ARCH_MISMATCH, i, 0, (int32_t)s->cputype, (int32_t)s->cpusubtype);
    return st;
}

static lcp_status check_slice_label(const lcp_slice *s, uint32_t i, uint64_t where, lcp_error *err) {
    if (s->image)
        return check_label(s, i, where, s->image->cputype, s->image->cpusubtype, "slice", s->image->offset, err);
    for (size_t k = 0; s->archive && k < s->archive->nmembers; k++) {
        const lcp_image *img = s->archive->members[k].image;
        if (img) {
            lcp_status st = check_label(s, i, where, img->cputype, img->cpusubtype, "archive member", img->offset, err);
            if (st)
                return st;
        }
    }
    return LCP_OK;
}

struct arch_at {
    uint32_t cputype, cpusubtype; /* cpusubtype without the capability bits */
    uint32_t index;
};

static int by_arch(const void *a, const void *b) {
    const struct arch_at *x = a, *y = b;
    if (x->cputype != y->cputype)
        return x->cputype < y->cputype ? -1 : 1;
    if (x->cpusubtype != y->cpusubtype)
        return x->cpusubtype < y->cpusubtype ? -1 : 1;
    return x->index < y->index ? -1 : 1;
}

/* One architecture listed twice leaves "which slice is x86_64?" without an
 * answer (lipo refuses it too). Sorted by architecture, a repeat sits next
 * to its first listing: O(n log n) however many entries a FAT_MAGIC_64
 * header holds. The later fat_arch of the two is named. */
static lcp_status check_duplicates(const lcp_file *f, size_t entry, lcp_error *err) {
    if (f->nslices < 2) /* LCP_PARSE_FAT_ANY_COUNT allows none */
        return LCP_OK;
    struct arch_at *order = malloc(f->nslices * sizeof *order);
    if (order == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < f->nslices; i++)
        order[i] = (struct arch_at){f->slices[i].cputype, f->slices[i].cpusubtype & ~LCP_CPU_SUBTYPE_MASK, (uint32_t)i};
    qsort(order, f->nslices, sizeof *order, by_arch);
    /* In each run of one architecture the first entry has the lowest
     * index and the second is the first repeat: name the lowest repeat. */
    uint32_t dup = UINT32_MAX, first = 0;
    size_t run = 0;
    for (size_t k = 1; k < f->nslices; k++) {
        bool same = order[k].cputype == order[run].cputype && order[k].cpusubtype == order[run].cpusubtype;
        if (!same)
            run = k;
        else if (k == run + 1 && order[k].index < dup) {
            dup = order[k].index;
            first = order[run].index;
        }
    }
    free(order);
    if (dup == UINT32_MAX)
        return LCP_OK;
    char lbuf[48];
    const lcp_slice *b = &f->slices[dup];
    uint64_t where = 8 + (uint64_t)dup * entry;
    lcp_status st = lcp_error_set(
        err, LCP_E_MALFORMED, where, "fat_arch %u at offset 0x%llx: %s is listed twice (fat_arch %u too)", dup,
        (unsigned long long)where, lcp_arch_label(b->cputype, b->cpusubtype, lbuf, sizeof lbuf), first);
    lcp_error_reason(err, LCP_R_FAT_ARCH_DUPLICATE, dup, first, (int32_t)b->cputype, (int32_t)b->cpusubtype);
    return st;
}

/* A reason's number, for the dialects' messages (lcp_error_reason sets the rest). */
static void error_value(lcp_error *err, uint64_t value) {
    if (err)
        err->value = value;
}

/* LCP_PARSE_FAT_HIDDEN_ARM64: whether the fat_arch after the nfat counted
 * ones (table bytes tab[0, table + entry)) is Apple's hidden arm64 slice.
 * Apple compares the entry's end with the first slice offset read without
 * swapping its bytes (cctools lipo.c assigns the swapped value to the
 * wrong variable), so the offsets are read byte-reversed here too. */
static bool hidden_arm64(const uint8_t *tab, uint32_t nfat, uint64_t table) {
    uint32_t first = UINT32_MAX;
    for (uint32_t i = 0; i < nfat; i++) {
        uint32_t raw = lcp_le32(tab + (size_t)i * LCP_FAT_ARCH_SIZE + 8);
        if (raw < first)
            first = raw;
    }
    return 8 + table + LCP_FAT_ARCH_SIZE <= first && lcp_be32(tab + table) == LCP_CPU_TYPE_ARM64;
}

lcp_status lcp_fat_read(lcp_file *f, bool is64, lcp_error *err) {
    uint8_t hdr[8];
    lcp_status st = lcp_source_read(&f->src, 0, hdr, 8, err);
    if (st)
        return st;
    uint32_t nfat = lcp_be32(hdr + 4);
    size_t entry = is64 ? LCP_FAT_ARCH_SIZE_64 : LCP_FAT_ARCH_SIZE;
    unsigned pf = f->parse_flags;
    bool any_count = (pf & LCP_PARSE_FAT_ANY_COUNT) != 0, overlap_ok = (pf & LCP_PARSE_FAT_OVERLAP_OK) != 0;
    if (!is64 && (pf & LCP_PARSE_FAT_RANGES_ONLY)) {
        /* the table (and the hidden entry after it) must be in the file */
        uint64_t want = ((uint64_t)nfat + ((f->parse_flags & LCP_PARSE_FAT_HIDDEN_ARM64) ? 1 : 0)) * entry;
        if (!lcp_range_ok(8, want, f->src.size))
            return lcp_error_set(err, LCP_E_NOT_MACHO, 4,
                                 "nfat_arch %u: the fat_arch table runs past the end of the file", nfat);
        uint8_t *t = malloc(want ? (size_t)want : 1);
        if (t == NULL)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        st = lcp_source_read(&f->src, 8, t, (size_t)want, err);
        if (st == LCP_OK)
            st = read_fat_ranges_only(f, nfat, t, err);
        free(t);
        return st;
    }
    /* LCP_PARSE_FAT_ALWAYS (install_name_tool, codesign_allocate) and
     * LCP_PARSE_FAT_ANY_COUNT (lipo): Apple's tools guess no Java class file
     * and set no limit; the table must still lie inside the file (below). */
    bool apple = (pf & (LCP_PARSE_FAT_ALWAYS | LCP_PARSE_FAT_ANY_COUNT)) != 0;
    if (!apple && !is64 && lcp_fat_is_java_class(nfat))
        return lcp_error_set(err, LCP_E_NOT_MACHO, 4,
                             "not a Mach-O file (0xcafebabe with %u architectures: a Java class file?)", nfat);
    if (!apple && !is64 && nfat > LCP_FAT_MAX_ARCHS)
        return lcp_error_set(err, LCP_E_MALFORMED, 4,
                             "fat header: nfat_arch %u (0x%x) is too large (at most %u architectures)", nfat, nfat,
                             LCP_FAT_MAX_ARCHS);
    if (nfat == 0 && !any_count) {
        st = lcp_error_set(err, LCP_E_MALFORMED, 4, "fat header has nfat_arch 0");
        lcp_error_reason(err, LCP_R_FAT_NO_ARCHS, 0, 0, 0, 0);
        return st;
    }
    uint64_t table;
    if (!lcp_mul_u64(nfat, entry, &table) || !lcp_range_ok(8, table, f->src.size)) {
        st = lcp_error_set(err, LCP_E_MALFORMED, 4, "nfat_arch %u: the fat_arch table runs past the end of the file",
                           nfat);
        lcp_error_reason(err, LCP_R_FAT_TABLE_PAST_END, (uint32_t)entry, 0, 0, 0);
        error_value(err, nfat);
        return st;
    }
    f->nfat_arch = nfat;
    /* one entry more to read when a hidden arm64 slice may follow the table */
    bool maybe_hidden =
        (pf & LCP_PARSE_FAT_HIDDEN_ARM64) && !is64 && lcp_range_ok(8, table + LCP_FAT_ARCH_SIZE, f->src.size);
    uint64_t readlen = table + (maybe_hidden ? LCP_FAT_ARCH_SIZE : 0);
    f->slices = calloc(nfat + 1u, sizeof *f->slices);
    if (f->slices == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    uint8_t *tab = malloc((size_t)readlen);
    if (tab == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    st = lcp_source_read(&f->src, 8, tab, (size_t)readlen, err);
    if (st) {
        free(tab);
        return st;
    }
    if (maybe_hidden && hidden_arm64(tab, nfat, table)) {
        nfat++;
        table += LCP_FAT_ARCH_SIZE;
    }
    lcp_reader r;
    lcp_reader_init(&r, tab, (size_t)readlen, true);
    for (uint32_t i = 0; i < nfat; i++) {
        lcp_slice *s = &f->slices[i];
        uint64_t where = 8 + (uint64_t)i * entry;
        if (is64) {
            lcp_read_u32(&r, &s->cputype);
            lcp_read_u32(&r, &s->cpusubtype);
            lcp_read_u64(&r, &s->offset);
            lcp_read_u64(&r, &s->size);
            lcp_read_u32(&r, &s->align);
            lcp_read_u32(&r, &s->reserved);
        } else {
            uint32_t o, z;
            lcp_read_u32(&r, &s->cputype);
            lcp_read_u32(&r, &s->cpusubtype);
            lcp_read_u32(&r, &o);
            lcp_read_u32(&r, &z);
            lcp_read_u32(&r, &s->align);
            s->offset = o;
            s->size = z;
        }
        f->nslices = i + 1;
        if (!lcp_range_ok(s->offset, s->size, f->src.size)) {
            free(tab);
            st = lcp_error_set(err, LCP_E_MALFORMED, where,
                               "fat_arch %u: offset 0x%llx size 0x%llx extends past the end of the file (%llu bytes)",
                               i, (unsigned long long)s->offset, (unsigned long long)s->size,
                               (unsigned long long)f->src.size);
            lcp_error_reason(err, LCP_R_FAT_ARCH_PAST_END, i, 0, (int32_t)s->cputype, (int32_t)s->cpusubtype);
            return st;
        }
        if ((pf & LCP_PARSE_FAT_MAX_ALIGN_15) && s->align > APPLE_MAX_FAT_ALIGN) {
            free(tab);
            st = lcp_error_set(err, LCP_E_MALFORMED, where, "fat_arch %u: align 2^%u is more than 2^%u", i, s->align,
                               APPLE_MAX_FAT_ALIGN);
            lcp_error_reason(err, LCP_R_FAT_ALIGN_TOO_LARGE, i, 0, (int32_t)s->cputype, (int32_t)s->cpusubtype);
            error_value(err, s->align);
            return st;
        }
        if (s->offset < 8 + table && !overlap_ok) {
            free(tab);
            return lcp_error_set(err, LCP_E_MALFORMED, where, "fat_arch %u: offset 0x%llx overlaps the fat header", i,
                                 (unsigned long long)s->offset);
        }
        if (s->align > 31 || s->offset % ((uint64_t)1 << s->align) != 0) {
            free(tab);
            st = lcp_error_set(err, LCP_E_MALFORMED, where, "fat_arch %u: offset 0x%llx not aligned to 2^%u", i,
                               (unsigned long long)s->offset, s->align);
            lcp_error_reason(err, LCP_R_FAT_ARCH_ALIGN, i, s->align, (int32_t)s->cputype, (int32_t)s->cpusubtype);
            error_value(err, s->offset);
            return st;
        }
    }
    free(tab);
    if (!overlap_ok && (st = check_overlaps(f, entry, err)) != LCP_OK)
        return st;
    for (uint32_t i = 0; i < nfat && !(pf & LCP_PARSE_FAT_TABLE_ONLY); i++) {
        char lbuf[48];
        lcp_slice *s = &f->slices[i];
        st = lcp_file_read_slice(&f->src, s, f->parse_flags, err);
        if (st) {
            lcp_error_prefix(err, "fat_arch %u (%s)", i, lcp_arch_label(s->cputype, s->cpusubtype, lbuf, sizeof lbuf));
            return st;
        }
        if ((st = check_slice_label(s, i, 8 + (uint64_t)i * entry, err)) != LCP_OK)
            return st;
    }
    return check_duplicates(f, entry, err);
}
