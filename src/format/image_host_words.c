/* The load-command area of an image as a little-endian host holds it after
 * swapping each field to its byte order (cctools swap_object_headers):
 * lcp_image_host_word, see include/lcpatch/image.h. Read from the parsed
 * command table, never from the file. */
#include "lcpatch/image.h"

#include "lcpatch/macho.h"
#include "util/reader.h"

/* Kind of the 4 bytes at byte f of command i: 0 a 32-bit field, 1 the low
 * and 2 the high half of a 64-bit field, 3 raw bytes (names, strings, the
 * UUID). */
static int field_kind(const lcp_image *img, size_t i, uint32_t f) {
    uint32_t cmd = img->lc[i].cmd;
    if (f < 8)
        return 0;
    if (cmd == LCP_LC_SEGMENT) {
        if (f < 24)
            return 3;
        if (f < 56)
            return 0;
        uint32_t r = (f - 56) % 68;
        return r < 32 ? 3 : 0;
    }
    if (cmd == LCP_LC_SEGMENT_64) {
        if (f < 24)
            return 3;
        if (f < 56)
            return (f - 24) % 8 == 0 ? 1 : 2;
        if (f < 72)
            return 0;
        uint32_t r = (f - 72) % 80;
        if (r < 32)
            return 3;
        if (r < 48)
            return (r - 32) % 8 == 0 ? 1 : 2;
        return 0;
    }
    if (cmd == LCP_LC_UUID)
        return 3;
    const char *s;
    if (lcp_image_cmd_string(img, i, &s)) {
        uint32_t soff = (uint32_t)((const uint8_t *)s - lcp_image_command_bytes(img, i));
        if (f >= soff)
            return 3;
    }
    return 0;
}

bool lcp_image_host_word(const lcp_image *img, uint64_t at, uint32_t *out) {
    if (at + 4 > img->sizeofcmds)
        return false;
    /* commands are in offset order: binary search (the walk may be long) */
    size_t lo = 0, hi = img->ncmds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)img->lc[mid].offset + img->lc[mid].cmdsize <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo >= img->ncmds || at < img->lc[lo].offset)
        return false;
    const lcp_load_command *lc = &img->lc[lo];
    uint32_t f = (uint32_t)(at - lc->offset);
    const uint8_t *c = lcp_image_command_bytes(img, lo);
    int k = field_kind(img, lo, f);
    if (k == 3)
        return lcp_get_u32(c, lc->cmdsize, f, false, out);
    if (k == 0)
        return lcp_get_u32(c, lc->cmdsize, f, img->big_endian, out);
    uint64_t v;
    if (!lcp_get_u64(c, lc->cmdsize, k == 1 ? f : f - 4, img->big_endian, &v))
        return false;
    *out = k == 1 ? (uint32_t)v : (uint32_t)(v >> 32);
    return true;
}
