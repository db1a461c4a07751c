/* The dlopen scan's reads of the image: bounded reads of its bytes, the
 * two read caches (code, and the strings and records arguments point to),
 * and the constants a path argument can name: a printable C string or a
 * constant CFString record. */
#include "disasm/dlopen_internal.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* Reads n bytes at `off` from the start of the image (checked against its size). */
bool dlp_img_read(scan *s, uint64_t off, void *buf, size_t n) {
    uint64_t at;
    if (!lcp_range_ok(off, n, s->img->size) || !lcp_add_u64(s->img->offset, off, &at))
        return false;
    return lcp_source_read(s->src, at, buf, n, NULL) == LCP_OK;
}

/* n bytes at `off` through cache c, in place: inside the cached bytes, or
 * after refilling the cache from `off` (as much as it holds). NULL when the
 * cache cannot hold them or they cannot be read. */
const uint8_t *dlp_img_peek_cached(scan *s, int c, uint64_t off, size_t n) {
    struct read_cache *rc = &s->cache[c];
    if (rc->buf == NULL || n > rc->cap)
        return NULL;
    if (off < rc->off || off - rc->off > rc->len || n > rc->len - (off - rc->off)) {
        rc->len = 0;
        if (off > s->img->size)
            return NULL;
        uint64_t left = s->img->size - off;
        size_t want = left < rc->cap ? (size_t)left : rc->cap;
        if (want < n || !dlp_img_read(s, off, rc->buf, want))
            return NULL;
        rc->off = off;
        rc->len = want;
    }
    return rc->buf + (off - rc->off);
}

/* img_read through cache c (see img_peek_cached). */
static bool img_read_cached(scan *s, int c, uint64_t off, void *buf, size_t n) {
    const uint8_t *p = dlp_img_peek_cached(s, c, off, n);
    if (p == NULL)
        return dlp_img_read(s, off, buf, n);
    memcpy(buf, p, n);
    return true;
}

/* The printable C string at vmaddr (at most 1024 bytes), or NULL. */
char *dlp_string_at(scan *s, uint64_t addr) {
    uint64_t off, left;
    if (!lcp_image_addr_to_offset(s->img, addr, &off, &left))
        return NULL;
    size_t n = left < 1024 ? (size_t)left : 1024;
    const uint8_t *p = dlp_img_peek_cached(s, CACHE_DATA, off, n);
    char buf[1024];
    if (p == NULL) { /* no cache: read it */
        if (!dlp_img_read(s, off, buf, n))
            return NULL;
        p = (const uint8_t *)buf;
    }
    const uint8_t *nul = memchr(p, 0, n);
    if (nul == NULL || nul == p)
        return NULL;
    size_t len = (size_t)(nul - p);
    for (size_t k = 0; k < len; k++)
        if (p[k] < 0x20 || p[k] == 0x7f)
            return NULL;
    char *str = malloc(len + 1);
    if (str != NULL) {
        memcpy(str, p, len);
        str[len] = '\0';
    }
    return str;
}

/* CoreFoundation's flags word of a constant 8-bit string (CFSTR). */
#define CFSTRING_CONSTANT_8BIT 0x7c8u

/* The address of the characters of the constant CFString record at addr:
 * {isa, flags, chars, length}, every field pointer-sized but flags (padded
 * to the pointer width). Only 8-bit strings whose chars are a C string of
 * exactly `length` bytes qualify. */
bool dlp_cfstring_chars(scan *s, uint64_t addr, uint64_t *chars) {
    const lcp_image *img = s->img;
    size_t w = img->is64 ? 8 : 4;
    uint8_t rec[32];
    uint64_t off, left, length;
    uint32_t flags, len32;
    if (!lcp_image_addr_to_offset(img, addr, &off, &left) || left < 4 * w ||
        !img_read_cached(s, CACHE_DATA, off, rec, 4 * w) || !lcp_get_u32(rec, sizeof rec, w, img->big_endian, &flags) ||
        flags != CFSTRING_CONSTANT_8BIT)
        return false;
    if (img->is64 ? !lcp_get_u64(rec, sizeof rec, 3 * w, img->big_endian, &length)
                  : !lcp_get_u32(rec, sizeof rec, 3 * w, img->big_endian, &len32))
        return false;
    if (!img->is64)
        length = len32;
    if (!lcp_image_pointer_at(s->src, img, addr + 2 * w, chars))
        return false;
    char *p = dlp_string_at(s, *chars);
    bool ok = p != NULL && strlen(p) == length;
    free(p);
    return ok;
}
