/* The bounded reader: see reader.h. */
#include "util/reader.h"

#include <string.h>

void lcp_reader_init(lcp_reader *r, const uint8_t *data, size_t len, bool big_endian) {
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->big_endian = big_endian;
}

bool lcp_reader_sub(const lcp_reader *r, size_t off, size_t n, lcp_reader *out) {
    if (off > r->len || n > r->len - off)
        return false;
    lcp_reader_init(out, r->data + off, n, r->big_endian);
    return true;
}

size_t lcp_reader_remaining(const lcp_reader *r) { return r->len - r->pos; }

bool lcp_reader_seek(lcp_reader *r, size_t pos) {
    if (pos > r->len)
        return false;
    r->pos = pos;
    return true;
}

bool lcp_reader_skip(lcp_reader *r, size_t n) {
    if (n > r->len - r->pos)
        return false;
    r->pos += n;
    return true;
}

static uint64_t load(const uint8_t *p, size_t n, bool big_endian) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = big_endian ? i : n - 1 - i;
        v = (v << 8) | p[k];
    }
    return v;
}

static void store(uint8_t *p, size_t n, bool big_endian, uint64_t v) {
    for (size_t i = 0; i < n; i++) {
        size_t k = big_endian ? n - 1 - i : i;
        p[k] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static bool read_n(lcp_reader *r, size_t n, uint64_t *out) {
    if (n > r->len - r->pos)
        return false;
    *out = load(r->data + r->pos, n, r->big_endian);
    r->pos += n;
    return true;
}

bool lcp_read_u8(lcp_reader *r, uint8_t *out) {
    uint64_t v;
    if (!read_n(r, 1, &v))
        return false;
    *out = (uint8_t)v;
    return true;
}

bool lcp_read_u16(lcp_reader *r, uint16_t *out) {
    uint64_t v;
    if (!read_n(r, 2, &v))
        return false;
    *out = (uint16_t)v;
    return true;
}

bool lcp_read_u32(lcp_reader *r, uint32_t *out) {
    uint64_t v;
    if (!read_n(r, 4, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

bool lcp_read_u64(lcp_reader *r, uint64_t *out) { return read_n(r, 8, out); }

bool lcp_read_bytes(lcp_reader *r, void *out, size_t n) {
    if (n > r->len - r->pos)
        return false;
    if (n)
        memcpy(out, r->data + r->pos, n);
    r->pos += n;
    return true;
}

bool lcp_read_fixed_string(lcp_reader *r, char *out, size_t n) {
    if (!lcp_read_bytes(r, out, n))
        return false;
    out[n] = '\0';
    return true;
}

bool lcp_get_u32(const uint8_t *data, size_t len, size_t off, bool big_endian, uint32_t *out) {
    if (off > len || 4 > len - off)
        return false;
    *out = (uint32_t)load(data + off, 4, big_endian);
    return true;
}

bool lcp_get_u64(const uint8_t *data, size_t len, size_t off, bool big_endian, uint64_t *out) {
    if (off > len || 8 > len - off)
        return false;
    *out = load(data + off, 8, big_endian);
    return true;
}

bool lcp_get_cstring(const uint8_t *data, size_t len, size_t off, const char **out) {
    if (off >= len)
        return false;
    if (memchr(data + off, '\0', len - off) == NULL)
        return false;
    *out = (const char *)(data + off);
    return true;
}

bool lcp_get_view(const uint8_t *data, size_t len, size_t off, size_t n, const uint8_t **out) {
    if (off > len || n > len - off)
        return false;
    *out = data + off;
    return true;
}

bool lcp_put_u32(uint8_t *data, size_t len, size_t off, bool big_endian, uint32_t v) {
    if (off > len || 4 > len - off)
        return false;
    store(data + off, 4, big_endian, v);
    return true;
}

bool lcp_put_u64(uint8_t *data, size_t len, size_t off, bool big_endian, uint64_t v) {
    if (off > len || 8 > len - off)
        return false;
    store(data + off, 8, big_endian, v);
    return true;
}

uint32_t lcp_be32(const uint8_t b[4]) { return (uint32_t)load(b, 4, true); }
uint32_t lcp_le32(const uint8_t b[4]) { return (uint32_t)load(b, 4, false); }
