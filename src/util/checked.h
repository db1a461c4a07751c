/* Overflow-checked arithmetic on values that come from input files.
 * Each returns true on success and stores the result; false on overflow
 * (the output is then unspecified). */
#ifndef LCP_UTIL_CHECKED_H
#define LCP_UTIL_CHECKED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline bool lcp_add_u64(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline bool lcp_sub_u64(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_sub_overflow(a, b, r); }
static inline bool lcp_mul_u64(uint64_t a, uint64_t b, uint64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool lcp_add_u32(uint32_t a, uint32_t b, uint32_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline bool lcp_mul_size(size_t a, size_t b, size_t *r) { return !__builtin_mul_overflow(a, b, r); }

/* True when [off, off+n) lies inside [0, len). */
static inline bool lcp_range_ok(uint64_t off, uint64_t n, uint64_t len) { return off <= len && n <= len - off; }

/* Rounds v up to a multiple of align (a power of two); false on overflow. */
static inline bool lcp_round_up_u64(uint64_t v, uint64_t align, uint64_t *r) {
    if (align == 0) {
        *r = v;
        return true;
    }
    uint64_t t;
    if (!lcp_add_u64(v, align - 1, &t))
        return false;
    *r = t & ~(align - 1);
    return true;
}

#endif
