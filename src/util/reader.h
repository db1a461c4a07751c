/* Bounded, byte-order-aware access to input bytes.
 *
 * This is the only code that does pointer arithmetic on bytes read from a
 * file: every other module asks for a field at an offset and gets false when
 * it lies outside the buffer. Nothing casts a struct over input. */
#ifndef LCP_UTIL_READER_H
#define LCP_UTIL_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A cursor over [data, data+len). big_endian selects the byte order of
 * multi-byte fields. The cursor never owns data. */
typedef struct lcp_reader {
    const uint8_t *data;
    size_t len;
    size_t pos;
    bool big_endian;
} lcp_reader;

void lcp_reader_init(lcp_reader *r, const uint8_t *data, size_t len, bool big_endian);
/* A sub-cursor over [off, off+n) of r's buffer; false if out of range. */
bool lcp_reader_sub(const lcp_reader *r, size_t off, size_t n, lcp_reader *out);
size_t lcp_reader_remaining(const lcp_reader *r);
bool lcp_reader_seek(lcp_reader *r, size_t pos);
bool lcp_reader_skip(lcp_reader *r, size_t n);
bool lcp_read_u8(lcp_reader *r, uint8_t *out);
bool lcp_read_u16(lcp_reader *r, uint16_t *out);
bool lcp_read_u32(lcp_reader *r, uint32_t *out);
bool lcp_read_u64(lcp_reader *r, uint64_t *out);
/* Copies n bytes out. */
bool lcp_read_bytes(lcp_reader *r, void *out, size_t n);
/* Reads a fixed-width name field (segname, sectname): n bytes, copied to out
 * (n+1 bytes) with a terminating NUL. */
bool lcp_read_fixed_string(lcp_reader *r, char *out, size_t n);

/* Positional reads that do not move a cursor: field at off of [data, len). */
bool lcp_get_u32(const uint8_t *data, size_t len, size_t off, bool big_endian, uint32_t *out);
bool lcp_get_u64(const uint8_t *data, size_t len, size_t off, bool big_endian, uint64_t *out);
/* The NUL-terminated string starting at off, which must end before len. */
bool lcp_get_cstring(const uint8_t *data, size_t len, size_t off, const char **out);
/* A pointer to n bytes at off (a view, never to be written through). */
bool lcp_get_view(const uint8_t *data, size_t len, size_t off, size_t n, const uint8_t **out);

/* Stores into caller-owned output buffers (bounds checked the same way). */
bool lcp_put_u32(uint8_t *data, size_t len, size_t off, bool big_endian, uint32_t v);
bool lcp_put_u64(uint8_t *data, size_t len, size_t off, bool big_endian, uint64_t v);

/* Host-independent 32-bit loads of 4 raw bytes, for magic numbers. */
uint32_t lcp_be32(const uint8_t b[4]);
uint32_t lcp_le32(const uint8_t b[4]);

#endif
