/* Unit tests: the bounded reader and checked arithmetic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/checked.h"
#include "util/reader.h"

static void reads_both_byte_orders(void **state) {
    (void)state;
    const uint8_t b[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08};
    lcp_reader r;
    uint32_t v;
    lcp_reader_init(&r, b, sizeof b, false);
    assert_true(lcp_read_u32(&r, &v));
    assert_int_equal(v, 0x04030201);
    lcp_reader_init(&r, b, sizeof b, true);
    assert_true(lcp_read_u32(&r, &v));
    assert_int_equal(v, 0x01020304);
    uint64_t w;
    assert_true(lcp_get_u64(b, sizeof b, 0, true, &w));
    assert_int_equal(w, 0x0102030405060708ull);
}

static void refuses_every_read_past_the_end(void **state) {
    (void)state;
    const uint8_t b[6] = {0};
    lcp_reader r;
    lcp_reader_init(&r, b, sizeof b, false);
    uint32_t v;
    assert_true(lcp_read_u32(&r, &v));
    assert_false(lcp_read_u32(&r, &v)); /* 2 bytes left */
    assert_int_equal(r.pos, 4);         /* a failed read does not move */
    assert_false(lcp_get_u32(b, sizeof b, 3, false, &v));
    assert_false(lcp_get_u32(b, sizeof b, SIZE_MAX - 1, false, &v));
    assert_false(lcp_reader_skip(&r, 3));
    assert_false(lcp_reader_seek(&r, 7));
    lcp_reader sub;
    assert_false(lcp_reader_sub(&r, 4, 3, &sub));
    assert_true(lcp_reader_sub(&r, 4, 2, &sub));
}

static void cstring_must_end_inside(void **state) {
    (void)state;
    const uint8_t b[] = {'a', 'b', 0, 'c', 'd'};
    const char *s;
    assert_true(lcp_get_cstring(b, sizeof b, 0, &s));
    assert_string_equal(s, "ab");
    assert_false(lcp_get_cstring(b, sizeof b, 3, &s)); /* "cd" has no NUL */
    assert_false(lcp_get_cstring(b, sizeof b, 5, &s));
}

static void checked_arithmetic_catches_overflow(void **state) {
    (void)state;
    uint64_t r;
    assert_false(lcp_add_u64(UINT64_MAX, 1, &r));
    assert_false(lcp_mul_u64(UINT64_MAX / 2 + 1, 2, &r));
    assert_true(lcp_range_ok(4, 4, 8));
    assert_false(lcp_range_ok(5, 4, 8));
    assert_false(lcp_range_ok(UINT64_MAX, 2, 8));
    assert_true(lcp_round_up_u64(4097, 4096, &r));
    assert_int_equal(r, 8192);
    assert_false(lcp_round_up_u64(UINT64_MAX - 2, 4096, &r));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_both_byte_orders),
        cmocka_unit_test(refuses_every_read_past_the_end),
        cmocka_unit_test(cstring_must_end_inside),
        cmocka_unit_test(checked_arithmetic_catches_overflow),
    };
    return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
