/* Growable byte buffer: see buf.h. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>

#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

void lcp_buf_init(lcp_buf *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void lcp_buf_release(lcp_buf *b) {
    if (b == NULL)
        return;
    free(b->data);
    lcp_buf_init(b);
}

bool lcp_buf_reserve(lcp_buf *b, size_t n) {
    if (n <= b->cap - b->len)
        return true;
    if (n > SIZE_MAX - b->len)
        return false;
    size_t want = b->len + n;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < want)
        cap = cap > SIZE_MAX / 2 ? want : cap * 2;
    uint8_t *p = realloc(b->data, cap);
    if (p == NULL)
        return false;
    b->data = p;
    b->cap = cap;
    return true;
}

bool lcp_buf_append(lcp_buf *b, const void *p, size_t n) {
    if (!lcp_buf_reserve(b, n))
        return false;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return true;
}

bool lcp_buf_append_zeros(lcp_buf *b, size_t n) {
    if (!lcp_buf_reserve(b, n))
        return false;
    if (n)
        memset(b->data + b->len, 0, n);
    b->len += n;
    return true;
}

bool lcp_buf_append_u32(lcp_buf *b, bool big_endian, uint32_t v) {
    if (!lcp_buf_append_zeros(b, 4))
        return false;
    return lcp_put_u32(b->data, b->len, b->len - 4, big_endian, v);
}

bool lcp_buf_append_u64(lcp_buf *b, bool big_endian, uint64_t v) {
    if (!lcp_buf_append_zeros(b, 8))
        return false;
    return lcp_put_u64(b->data, b->len, b->len - 8, big_endian, v);
}

uint8_t *lcp_buf_detach(lcp_buf *b, size_t *len) {
    uint8_t *p = b->data;
    if (len)
        *len = b->len;
    lcp_buf_init(b);
    return p;
}

char *lcp_strfmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (s == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}
