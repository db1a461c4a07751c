/* Unit tests: hostile fat containers built in memory (lcp_file_open_memory):
 * nfat_arch 0, +1, 2^32-1 (FAT and FAT_MAGIC_64, refused before any large
 * allocation), slices overlapping, over the fat header, misaligned, past
 * EOF, empty; a label that is not its slice's architecture, one listed
 * twice; truncation at every byte; a huge fat_arch table must not take
 * quadratic time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/lcpatch.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));

static uint8_t fat[4 * 4096];

static lcp_status parse(const uint8_t *b, size_t len, lcp_error *err) { return h_parse(b, len, "fat.dylib", err); }

static void expect(const uint8_t *b, size_t len, lcp_status want, uint64_t offset, const char *needle) {
    lcp_error err;
    lcp_status st = parse(b, len, &err);
    if (st != want || err.offset != offset || strstr(err.message, needle) == NULL ||
        strncmp(err.message, "fat.dylib", 9) != 0)
        fail_msg("status %d offset 0x%llx '%s'; want %d 0x%llx '%s'", st, (unsigned long long)err.offset, err.message,
                 want, (unsigned long long)offset, needle);
}

static void valid_fat_parses(void **state) {
    (void)state;
    size_t n = h_fat(fat, 2);
    lcp_file *f;
    assert_int_equal(lcp_file_open_memory(fat, n, "fat.dylib", &f, NULL), LCP_OK);
    assert_int_equal(f->kind, LCP_FAT);
    assert_int_equal(f->nslices, 2);
    assert_int_equal(f->slices[1].offset, 0x2000);
    assert_non_null(f->slices[1].image);
    assert_int_equal(f->slices[1].image->offset, 0x2000);
    lcp_file_free(f);
}

static void nfat_arch_zero_one_more_and_max(void **state) {
    (void)state;
    size_t n = h_fat(fat, 2);
    h_put32(fat + 4, true, 0);
    expect(fat, n, LCP_E_MALFORMED, 4, "nfat_arch 0");
    /* One more entry than written: it reads as zeros, offset 0 over the header. */
    h_fat(fat, 2);
    h_put32(fat + 4, true, 3);
    expect(fat, n, LCP_E_MALFORMED, 8 + 2 * 20, "overlaps the fat header");
    /* FAT_MAGIC with a huge count is a malformed fat header, not a Java
     * class file: its count does not read as a class file's version */
    h_fat(fat, 2);
    h_put32(fat + 4, true, 0xffffffff);
    expect(fat, n, LCP_E_MALFORMED, 4, "nfat_arch 4294967295 (0xffffffff) is too large (at most 32");
    h_fat(fat, 2);
    h_put32(fat + 4, true, 0x7fffffff);
    expect(fat, n, LCP_E_MALFORMED, 4, "is too large");
    /* ... where a class file's version (minor 0, major 52) is one */
    h_fat(fat, 2);
    h_put32(fat + 4, true, 52);
    expect(fat, n, LCP_E_NOT_MACHO, 4, "Java class");
    /* one more than LCP_FAT_MAX_ARCHS that is no class version: too large */
    h_fat(fat, 2);
    h_put32(fat + 4, true, LCP_FAT_MAX_ARCHS + 1);
    expect(fat, n, LCP_E_MALFORMED, 4, "(at most 32 architectures)");
}

static size_t largest_alloc;
static void on_malloc(const volatile void *p, size_t size) {
    (void)p;
    if (size > largest_alloc)
        largest_alloc = size;
}
static void on_free(const volatile void *p) { (void)p; }

static void fat64_huge_count_refused_before_allocating(void **state) {
    (void)state;
    size_t n = h_fat(fat, 2);
    h_put32(fat, true, 0xcafebabf); /* the table now reads as fat_arch_64 */
    h_put32(fat + 4, true, 0xffffffff);
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    largest_alloc = 0;
    expect(fat, n, LCP_E_MALFORMED, 4, "nfat_arch 4294967295");
    __sanitizer_install_malloc_and_free_hooks(NULL, NULL);
    if (largest_alloc > sizeof fat)
        fail_msg("allocated %zu bytes for a %zu-byte input", largest_alloc, n);
}

static void slices_out_of_place(void **state) {
    (void)state;
    size_t n = h_fat(fat, 2);
    const uint64_t e1 = 8 + 20; /* second fat_arch */
    /* past EOF */
    h_put32(fat + e1 + 12, true, 0x1001);
    expect(fat, n, LCP_E_MALFORMED, e1, "extends past the end of the file");
    h_fat(fat, 2);
    h_put32(fat + e1 + 8, true, 0xfffff000);
    expect(fat, n, LCP_E_MALFORMED, e1, "extends past the end of the file");
    /* over the fat header */
    h_fat(fat, 2);
    h_put32(fat + e1 + 8, true, 0);
    expect(fat, n, LCP_E_MALFORMED, e1, "overlaps the fat header");
    /* misaligned for its align */
    h_fat(fat, 2);
    h_put32(fat + e1 + 8, true, 0x1800);
    h_put32(fat + e1 + 12, true, 0x800);
    expect(fat, n, LCP_E_MALFORMED, e1, "not aligned to 2^12");
    h_fat(fat, 2);
    h_put32(fat + e1 + 16, true, 32);
    expect(fat, n, LCP_E_MALFORMED, e1, "not aligned to 2^32");
    /* overlapping: the second starts inside the first, or both the same */
    h_fat(fat, 2);
    h_put32(fat + 8 + 12, true, 0x1001 + 0x1000 - 1); /* first slice size runs into the second */
    expect(fat, n, LCP_E_MALFORMED, e1, "fat_arch 1 overlaps fat_arch 0");
    h_fat(fat, 2);
    h_put32(fat + e1 + 8, true, 0x1000);
    expect(fat, n, LCP_E_MALFORMED, e1, "fat_arch 1 overlaps fat_arch 0");
    /* an empty slice is not Mach-O */
    h_fat(fat, 2);
    h_put32(fat + e1 + 12, true, 0);
    expect(fat, n, LCP_E_NOT_MACHO, 0x2000, "neither Mach-O nor an archive");
    /* a slice whose image is broken names the slice */
    h_fat(fat, 2);
    h_put32(fat + 0x2000 + 16, false, 0xffffffff);
    lcp_error err;
    assert_int_equal(parse(fat, n, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "(x86_64h)"));
    assert_int_equal(err.offset, 0x2000 + 32);
}

/* The fat header's label must be the slice's architecture (issue 12, 2.3):
 * cputype exactly, cpusubtype without the capability bits, as lipo
 * compares them; the fat_arch is named with its offset. */
static void fat_label_must_match_slice(void **state) {
    (void)state;
    const uint64_t e1 = 8 + 20;
    size_t n = h_fat(fat, 2);
    /* x86_64 over an i386 image (cputype byte changed in the image) */
    h_put32(fat + 0x2000 + 4, false, 7);
    expect(fat, n, LCP_E_MALFORMED, e1, "fat_arch 1 at offset 0x1c: cputype x86_64h but the slice at 0x2000 is ");
    /* the fat_arch names another cpusubtype than its image's */
    h_fat(fat, 2);
    h_put32(fat + e1 + 4, true, 3);
    expect(fat, n, LCP_E_MALFORMED, e1,
           "fat_arch 1 at offset 0x1c: cpusubtype x86_64 but the slice at 0x2000 is x86_64h");
    /* an architecture with no name is named by its numbers, once */
    h_put32(fat + e1 + 4, true, 0x10);
    expect(fat, n, LCP_E_MALFORMED, e1,
           "fat_arch 1 at offset 0x1c: cputype 16777223 cpusubtype 16 but the slice at 0x2000 is x86_64h");
    /* the capability bits (LIB64) may differ: lipo ignores them */
    h_fat(fat, 2);
    h_put32(fat + 0x2000 + 8, false, 0x80000008);
    lcp_file *f;
    assert_int_equal(lcp_file_open_memory(fat, n, "fat.dylib", &f, NULL), LCP_OK);
    lcp_file_free(f);
    h_fat(fat, 2);
    h_put32(fat + 8 + 4, true, 0x80000003);
    assert_int_equal(lcp_file_open_memory(fat, n, "fat.dylib", &f, NULL), LCP_OK);
    lcp_file_free(f);
}

/* One architecture listed twice: the later fat_arch is named. */
static void duplicate_architecture_refused(void **state) {
    (void)state;
    size_t n = h_fat(fat, 3);
    /* slice 2 (subtype 9) relabelled with its image as x86_64h, like slice 1 */
    h_put32(fat + 8 + 2 * 20 + 4, true, 8);
    h_put32(fat + 0x3000 + 8, false, 8);
    expect(fat, n, LCP_E_MALFORMED, 8 + 2 * 20, "fat_arch 2 at offset 0x30: x86_64h is listed twice (fat_arch 1 too)");
    /* capability bits do not make two listings different */
    h_put32(fat + 8 + 2 * 20 + 4, true, 0x80000008);
    expect(fat, n, LCP_E_MALFORMED, 8 + 2 * 20, "listed twice");
    /* FAT_MAGIC_64: the same rule */
    static uint8_t f64[4 * 4096];
    memset(f64, 0, sizeof f64);
    h_put32(f64, true, 0xcafebabf);
    h_put32(f64 + 4, true, 2);
    for (uint32_t i = 0; i < 2; i++) {
        uint8_t *e = f64 + 8 + 32 * i;
        h_put32(e, true, 0x01000007);
        h_put32(e + 4, true, 3);
        h_put64(e + 8, true, 0x1000 * (i + 1));
        h_put64(e + 16, true, H_SIZE);
        h_put32(e + 24, true, 12);
        h_image64(f64 + 0x1000 * (i + 1), false);
    }
    expect(f64, 3 * 4096, LCP_E_MALFORMED, 8 + 32,
           "fat_arch 1 at offset 0x28: x86_64 is listed twice (fat_arch 0 too)");
}

static void truncation_at_every_byte(void **state) {
    (void)state;
    size_t n = h_fat(fat, 2);
    for (size_t len = 0; len < n; len++) {
        lcp_error err;
        lcp_status st = parse(fat, len, &err);
        if (st != LCP_E_MALFORMED && st != LCP_E_NOT_MACHO)
            fail_msg("length %zu: status %d", len, st);
        if (len >= 8 && st != LCP_E_MALFORMED)
            fail_msg("length %zu: a fat header must give 'malformed': %s", len, err.message);
    }
}

/* FAT_MAGIC_64 has no plausibility cap on nfat_arch: a table of 2^17 valid,
 * disjoint one-byte slices must still be checked in far less than quadratic
 * time (2^34 comparisons would take minutes). SIGALRM fails the test. */
static void on_alarm(int sig) {
    (void)sig;
    static const char msg[] = "test_file: the fat_arch overlap check did not finish in 20 s\n";
    (void)!write(2, msg, sizeof msg - 1);
    _exit(1);
}

static void huge_fat64_table_is_not_quadratic(void **state) {
    (void)state;
    const uint32_t n = 1u << 17;
    size_t table = 8 + (size_t)n * 32;
    size_t len = table + n;
    uint8_t *b = calloc(1, len);
    assert_non_null(b);
    h_put32(b, true, 0xcafebabf);
    h_put32(b + 4, true, n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = b + 8 + (size_t)i * 32;
        h_put32(e, true, 0x01000007);
        h_put64(e + 8, true, table + (n - 1 - i)); /* in reverse order */
        h_put64(e + 16, true, 1);
    }
    signal(SIGALRM, on_alarm);
    alarm(20);
    lcp_error err;
    lcp_status st = parse(b, len, &err);
    alarm(0);
    assert_int_equal(st, LCP_E_NOT_MACHO); /* one byte is no Mach-O */
    /* and an overlap far apart in the table is still found */
    h_put64(b + 8 + 5 * 32 + 8, true, table + (n - 1 - 100000));
    alarm(20);
    st = parse(b, len, &err);
    alarm(0);
    assert_int_equal(st, LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "overlaps"));
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_fat_parses),
        cmocka_unit_test(nfat_arch_zero_one_more_and_max),
        cmocka_unit_test(fat64_huge_count_refused_before_allocating),
        cmocka_unit_test(slices_out_of_place),
        cmocka_unit_test(fat_label_must_match_slice),
        cmocka_unit_test(duplicate_architecture_refused),
        cmocka_unit_test(truncation_at_every_byte),
        cmocka_unit_test(huge_fat64_table_is_not_quadratic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
