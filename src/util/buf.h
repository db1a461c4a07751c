/* A growable byte buffer. Invariant: data[0..len) is valid; cap >= len;
 * data is NULL only when cap == 0. The struct's owner owns data and releases
 * it with lcp_buf_release. */
#ifndef LCP_UTIL_BUF_H
#define LCP_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct lcp_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} lcp_buf;

void lcp_buf_init(lcp_buf *b);
void lcp_buf_release(lcp_buf *b);
/* Make room for n more bytes; false when out of memory. */
bool lcp_buf_reserve(lcp_buf *b, size_t n);
bool lcp_buf_append(lcp_buf *b, const void *p, size_t n);
bool lcp_buf_append_zeros(lcp_buf *b, size_t n);
bool lcp_buf_append_u32(lcp_buf *b, bool big_endian, uint32_t v);
bool lcp_buf_append_u64(lcp_buf *b, bool big_endian, uint64_t v);
/* Detaches the bytes: the caller owns the result; b becomes empty. */
uint8_t *lcp_buf_detach(lcp_buf *b, size_t *len);

/* A printf-formatted string the caller frees; NULL when out of memory. */
char *lcp_strfmt(const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

#endif
