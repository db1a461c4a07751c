/* Pointers stored in an image's data, as dyld will find them once rebased
 * (see lcp_image_pointer_at in include/lcpatch/symbols.h).
 *
 * Images linked for the older dyld (rebase opcodes of LC_DYLD_INFO, or
 * relocation entries) store the pointer's unslid address as it is. Images
 * with LC_DYLD_CHAINED_FIXUPS store each pointer encoded: a rebase or a
 * bind, with a "next" field threading the chain, in the format that the
 * pointer's segment names (dyld's mach-o/fixup-chains.h). One pointer
 * decodes on its own once that format is known, so no chain is walked.
 *
 * Only the chained fixups header, the segment's starts record and the
 * pointer itself are read, each with a bounded read. */
#include "lcpatch/symbols.h"

#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

/* dyld_chained_starts_in_segment.pointer_format values (fixup-chains.h). */
enum {
    CHAINED_PTR_ARM64E = 1,
    CHAINED_PTR_64 = 2,
    CHAINED_PTR_32 = 3,
    CHAINED_PTR_64_OFFSET = 6,
    CHAINED_PTR_ARM64E_KERNEL = 7,
    CHAINED_PTR_ARM64E_USERLAND = 9,
    CHAINED_PTR_ARM64E_FIRMWARE = 10,
    CHAINED_PTR_ARM64E_USERLAND24 = 12
};

static bool read_at(const lcp_source *src, const lcp_image *img, uint64_t off, void *buf, size_t n) {
    uint64_t at;
    return lcp_range_ok(off, n, img->size) && lcp_add_u64(img->offset, off, &at) &&
           lcp_source_read(src, at, buf, n, NULL) == LCP_OK;
}

/* The ordinal among segment commands (what the chained starts index) of
 * the segment whose file data holds addr. */
static bool segment_ordinal(const lcp_image *img, uint64_t addr, uint32_t *ordinal) {
    uint32_t n = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        if (addr >= seg.vmaddr && addr - seg.vmaddr < seg.filesize) {
            *ordinal = n;
            return true;
        }
        n++;
    }
    return false;
}

/* The pointer_format of addr's segment; 0 when the segment has no fixups. */
static bool chained_format(const lcp_source *src, const lcp_image *img, size_t cmd, uint64_t addr, uint16_t *format) {
    lcp_linkedit_data fx;
    uint32_t ordinal;
    if (!lcp_image_linkedit_data(img, cmd, &fx) || !segment_ordinal(img, addr, &ordinal))
        return false;
    /* dyld_chained_fixups_header: fixups_version, starts_offset, ... */
    uint8_t hdr[8];
    if (fx.datasize < 28 || !read_at(src, img, fx.dataoff, hdr, sizeof hdr))
        return false;
    uint32_t starts = lcp_le32(hdr + 4), seg_count, seg_info;
    uint8_t word[4];
    /* dyld_chained_starts_in_image: seg_count, seg_info_offset[seg_count] */
    if (starts > fx.datasize || fx.datasize - starts < 4 || !read_at(src, img, (uint64_t)fx.dataoff + starts, word, 4))
        return false;
    seg_count = lcp_le32(word);
    if (ordinal >= seg_count || (fx.datasize - starts - 4) / 4 < seg_count ||
        !read_at(src, img, (uint64_t)fx.dataoff + starts + 4 + 4 * (uint64_t)ordinal, word, 4))
        return false;
    seg_info = lcp_le32(word);
    if (seg_info == 0) {
        *format = 0;
        return true;
    }
    /* dyld_chained_starts_in_segment: size (4), page_size (2), pointer_format (2) */
    uint64_t at = (uint64_t)starts + seg_info;
    uint8_t seg[8];
    if (at > fx.datasize || fx.datasize - at < sizeof seg || !read_at(src, img, fx.dataoff + at, seg, sizeof seg))
        return false;
    *format = (uint16_t)(seg[6] | seg[7] << 8);
    return true;
}

/* A chained rebase decoded to an unslid address; false for binds and for
 * formats outside user space (kernel collections, the shared cache). */
static bool decode_chained(const lcp_image *img, uint16_t format, uint64_t raw, uint64_t *target) {
    uint64_t base = 0;
    bool have_base = lcp_image_load_address(img, &base);
    switch (format) {
    case CHAINED_PTR_64:
    case CHAINED_PTR_64_OFFSET: {
        if (raw >> 63) /* bind */
            return false;
        uint64_t t = raw & 0xfffffffffull, high8 = (raw >> 36) & 0xff;
        if (format == CHAINED_PTR_64_OFFSET) {
            if (!have_base)
                return false;
            t += base;
        }
        *target = high8 << 56 | t;
        return true;
    }
    case CHAINED_PTR_ARM64E:
    case CHAINED_PTR_ARM64E_USERLAND:
    case CHAINED_PTR_ARM64E_USERLAND24:
    case CHAINED_PTR_ARM64E_KERNEL:
    case CHAINED_PTR_ARM64E_FIRMWARE: {
        bool auth = raw >> 63, bind = (raw >> 62) & 1;
        if (bind)
            return false;
        if (auth) { /* a 32-bit offset from the load address, whatever the format */
            if (!have_base)
                return false;
            *target = base + (raw & 0xffffffffu);
            return true;
        }
        uint64_t t = raw & 0x7ffffffffffull, high8 = (raw >> 43) & 0xff;
        if (format != CHAINED_PTR_ARM64E) { /* the others store offsets */
            if (!have_base)
                return false;
            t += base;
        }
        *target = high8 << 56 | t;
        return true;
    }
    case CHAINED_PTR_32:
        if (raw >> 31) /* bind */
            return false;
        *target = raw & 0x3ffffff; /* larger values encode non-pointers (max_valid_pointer) */
        return true;
    default: return false;
    }
}

bool lcp_image_pointer_at(const lcp_source *src, const lcp_image *img, uint64_t addr, uint64_t *target) {
    size_t width = img->is64 ? 8 : 4;
    uint64_t off, avail;
    uint8_t b[8];
    if (!lcp_image_addr_to_offset(img, addr, &off, &avail) || avail < width || !read_at(src, img, off, b, width))
        return false;
    uint64_t raw;
    if (img->is64) {
        if (!lcp_get_u64(b, width, 0, img->big_endian, &raw))
            return false;
    } else {
        uint32_t r32;
        if (!lcp_get_u32(b, width, 0, img->big_endian, &r32))
            return false;
        raw = r32;
    }
    long fx = lcp_image_find(img, LCP_LC_DYLD_CHAINED_FIXUPS, 0);
    if (fx < 0) {
        *target = raw;
        return true;
    }
    uint16_t format;
    if (!chained_format(src, img, (size_t)fx, addr, &format))
        return false;
    if (format == 0) { /* a segment without fixups holds plain values */
        *target = raw;
        return true;
    }
    return decode_chained(img, format, raw, target);
}
