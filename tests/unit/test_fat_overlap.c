/* Unit tests: fat slices that overlap, and huge FAT_MAGIC_64 tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lcpatch/file.h"
#include "lcpatch/macho.h"
#include "util/reader.h"

/* A FAT_MAGIC_64 file of n entries (offset[i], size[i], align 0) over len
 * bytes of zeros. */
static uint8_t *fat64(uint32_t n, const uint64_t *off, const uint64_t *size, size_t len) {
    uint8_t *b = calloc(1, len);
    assert_non_null(b);
    lcp_put_u32(b, len, 0, true, LCP_FAT_MAGIC_64);
    lcp_put_u32(b, len, 4, true, n);
    for (uint32_t i = 0; i < n; i++) {
        size_t e = 8 + (size_t)i * 32;
        lcp_put_u32(b, len, e, true, LCP_CPU_TYPE_X86_64);
        lcp_put_u32(b, len, e + 4, true, 3);
        lcp_put_u64(b, len, e + 8, true, off[i]);
        lcp_put_u64(b, len, e + 16, true, size[i]);
    }
    return b;
}

/* Entry 2 overlaps entry 0 with entry 1 between them in the file. */
static void overlap_found_whatever_the_order(void **state) {
    (void)state;
    const uint64_t off[] = {200, 400, 250}, size[] = {100, 50, 10};
    uint8_t *b = fat64(3, off, size, 1024);
    lcp_file *f = NULL;
    lcp_error err;
    assert_int_equal(lcp_file_open_memory(b, 1024, "x.dylib", &f, &err), LCP_E_MALFORMED);
    assert_null(f);
    assert_string_equal(err.message, "x.dylib: fat_arch 2 overlaps fat_arch 0");
    assert_int_equal(err.offset, 8 + 2 * 32);
    free(b);
}

/* Touching slices do not overlap. */
static void adjacent_slices_are_fine(void **state) {
    (void)state;
    const uint64_t off[] = {300, 200}, size[] = {100, 100};
    uint8_t *b = fat64(2, off, size, 1024);
    lcp_file *f = NULL;
    lcp_error err;
    /* They pass the layout checks and fail later: zeros are not Mach-O. */
    assert_int_equal(lcp_file_open_memory(b, 1024, "x.dylib", &f, &err), LCP_E_NOT_MACHO);
    free(b);
}

/* 100000 entries that all pass the per-entry checks: a pairwise overlap
 * check would make 5e9 comparisons; the file must be refused at once (its
 * first slice is not Mach-O). */
static void huge_fat64_table_is_not_quadratic(void **state) {
    (void)state;
    const uint32_t n = 100000;
    uint64_t *off = malloc(n * sizeof *off), *size = malloc(n * sizeof *size);
    assert_true(off && size);
    size_t table_end = 8 + (size_t)n * 32;
    for (uint32_t i = 0; i < n; i++) {
        off[i] = table_end + (uint64_t)(n - 1 - i) * 32; /* reverse order */
        size[i] = 32;
    }
    size_t len = table_end + (size_t)n * 32;
    uint8_t *b = fat64(n, off, size, len);
    lcp_file *f = NULL;
    lcp_error err;
    assert_int_equal(lcp_file_open_memory(b, len, "big", &f, &err), LCP_E_NOT_MACHO);
    free(b);
    free(off);
    free(size);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(overlap_found_whatever_the_order),
        cmocka_unit_test(adjacent_slices_are_fine),
        cmocka_unit_test(huge_fat64_table_is_not_quadratic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
