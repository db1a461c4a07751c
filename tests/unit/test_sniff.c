/* Unit tests: lcp_magic_sniff and lcp_fat_is_java_class, the one rule for
 * telling Mach-O, fat, archive and Java class files apart by their first
 * bytes (rescue's and fix-paths' tree walks pick candidates with it). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lcpatch/file.h"
#include "lcpatch/macho.h"

static lcp_sniff sniff_u32(uint32_t magic, uint32_t second, size_t n) {
    uint8_t b[8] = {(uint8_t)(magic >> 24),  (uint8_t)(magic >> 16),  (uint8_t)(magic >> 8),  (uint8_t)magic,
                    (uint8_t)(second >> 24), (uint8_t)(second >> 16), (uint8_t)(second >> 8), (uint8_t)second};
    return lcp_magic_sniff(b, n);
}

static void mach_o_magics(void **state) {
    (void)state;
    assert_int_equal(sniff_u32(LCP_MH_MAGIC, 0, 4), LCP_SNIFF_MACHO);
    assert_int_equal(sniff_u32(LCP_MH_CIGAM, 0, 8), LCP_SNIFF_MACHO);
    assert_int_equal(sniff_u32(LCP_MH_MAGIC_64, 0, 8), LCP_SNIFF_MACHO);
    assert_int_equal(sniff_u32(LCP_MH_CIGAM_64, 0, 8), LCP_SNIFF_MACHO);
    assert_int_equal(sniff_u32(LCP_MH_CIGAM_64, 0, 3), LCP_SNIFF_OTHER); /* too short */
    assert_int_equal(sniff_u32(0x7f454c46u, 0, 8), LCP_SNIFF_OTHER);     /* ELF */
}

static void fat_counts(void **state) {
    (void)state;
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, 1, 8), LCP_SNIFF_FAT);
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, LCP_FAT_MAX_ARCHS, 8), LCP_SNIFF_FAT);
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, LCP_FAT_MAX_ARCHS + 1, 8), LCP_SNIFF_FAT_BAD_COUNT);
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, 0, 8), LCP_SNIFF_FAT_BAD_COUNT);
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, 2, 6), LCP_SNIFF_FAT_BAD_COUNT); /* count not read */
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC_64, 2, 8), LCP_SNIFF_FAT);
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC_64, 52, 8), LCP_SNIFF_FAT_BAD_COUNT); /* 0xcafebabf is never Java */
}

static void java_classes(void **state) {
    (void)state;
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, 52, 8), LCP_SNIFF_JAVA_CLASS);          /* Java 8: 0.52 */
    assert_int_equal(sniff_u32(LCP_FAT_MAGIC, 0xffff0041u, 8), LCP_SNIFF_JAVA_CLASS); /* preview: 65535.65 */
    assert_true(lcp_fat_is_java_class(45));
    assert_true(lcp_fat_is_java_class(255));
    assert_false(lcp_fat_is_java_class(256));        /* no such major */
    assert_false(lcp_fat_is_java_class(0x00010034)); /* minor 1 */
    assert_false(lcp_fat_is_java_class(LCP_FAT_MAX_ARCHS));
    assert_false(lcp_fat_is_java_class(2));
}

static void archives(void **state) {
    (void)state;
    const uint8_t ar[8] = {'!', '<', 'a', 'r', 'c', 'h', '>', '\n'};
    assert_int_equal(lcp_magic_sniff(ar, 8), LCP_SNIFF_ARCHIVE);
    assert_int_equal(lcp_magic_sniff(ar, 7), LCP_SNIFF_OTHER);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mach_o_magics),
        cmocka_unit_test(fat_counts),
        cmocka_unit_test(java_classes),
        cmocka_unit_test(archives),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
