/* Unit tests: the parse options that make src/format read what Apple's
 * vtool reads (LCP_PARSE_* bits 16-23), one behaviour each, against the
 * default reading of the same bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"

static lcp_status open_flags(const uint8_t *b, size_t len, unsigned flags, lcp_file **f, lcp_error *err) {
    memset(err, 0, sizeof *err);
    *f = NULL;
    return lcp_file_open_memory_flags(b, len, "t", flags, f, err);
}

/* Overlapping, misaligned slices: refused by default; with
 * FAT_RANGES_ONLY only offset + size within the file counts. */
static void fat_ranges_only_skips_layout_checks(void **state) {
    (void)state;
    static uint8_t b[3 * 4096];
    size_t len = h_fat(b, 2);
    h_put32(b + 8 + 20 + 8, true, 0x1000); /* slice 1 at slice 0's offset: overlap */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, len, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_RANGES_ONLY, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 2);
    assert_non_null(f->slices[1].image);
    lcp_file_free(f);
}

/* Apple's 32-bit sum: an entry past the end is refused (and named), one
 * whose offset + size wraps past 2^32 passes the range test. */
static void fat_ranges_only_sums_in_32_bits(void **state) {
    (void)state;
    static uint8_t b[3 * 4096];
    size_t len = h_fat(b, 2);
    h_put32(b + 8 + 20 + 12, true, 0x10000); /* slice 1 runs past the end */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_RANGES_ONLY, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ARCH_PAST_END);
    assert_int_equal(err.index, 1);
    h_put32(b + 8 + 20 + 12, true, 0xfffff000u); /* 0x2000 + 0xfffff000 wraps to 0x1000 */
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_RANGES_ONLY, &f, &err), LCP_OK);
    assert_int_equal(f->slices[1].size, 0xfffff000u); /* read as vtool reads it: its header is there */
    lcp_file_free(f);
}

/* KEEP_BAD_SLICES: the open succeeds, the bad slice keeps its error and
 * no image, the good one is read. */
static void keep_bad_slices_keeps_the_error(void **state) {
    (void)state;
    static uint8_t b[3 * 4096];
    size_t len = h_fat(b, 2);
    memset(b + 0x2000, 0, 4); /* slice 1 is not Mach-O */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_RANGES_ONLY, &f, &err), LCP_E_NOT_MACHO);
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_RANGES_ONLY | LCP_PARSE_KEEP_BAD_SLICES, &f, &err), LCP_OK);
    assert_non_null(f->slices[0].image);
    assert_null(f->slices[0].error);
    assert_null(f->slices[1].image);
    assert_non_null(f->slices[1].error);
    assert_int_equal(f->slices[1].error->status, LCP_E_NOT_MACHO);
    lcp_file_free(f);
}

/* NO_ARCHIVES: "!<arch>\n" is not Mach-O. */
static void no_archives_refuses_an_archive(void **state) {
    (void)state;
    static const uint8_t b[] = "!<arch>\n";
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, 8, 0, &f, &err), LCP_OK);
    lcp_file_free(f);
    assert_int_equal(open_flags(b, 8, LCP_PARSE_NO_ARCHIVES, &f, &err), LCP_E_NOT_MACHO);
}

/* NO_FAT64: a FAT_MAGIC_64 header is not Mach-O. */
static void no_fat64_refuses_fat64(void **state) {
    (void)state;
    static uint8_t b[2 * 4096];
    memset(b, 0, sizeof b);
    h_put32(b, true, 0xcafebabf);
    h_put32(b + 4, true, 1);
    h_put32(b + 8, true, 0x01000007);
    h_put32(b + 12, true, 3);
    h_put64(b + 16, true, 0x1000);
    h_put64(b + 24, true, H_SIZE);
    h_put32(b + 32, true, 12);
    h_image64(b + 0x1000, false);
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, sizeof b, 0, &f, &err), LCP_OK);
    lcp_file_free(f);
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_NO_FAT64, &f, &err), LCP_E_NOT_MACHO);
}

/* LENIENT_COMMANDS: an lc_str out of its command fails the default parse;
 * the lenient walk builds the image and keeps that first error. A clean
 * image has no strict_error and edits under the default rules. */
static void lenient_walk_keeps_the_first_error(void **state) {
    (void)state;
    static uint8_t b[H_SIZE];
    h_image64(b, false);
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_OK);
    assert_null(f->slices[0].image->strict_error);
    assert_false(f->slices[0].image->parse_flags & LCP_PARSE_LENIENT_COMMANDS);
    lcp_file_free(f);
    h_put32(b + H_RPATH + 8, false, 200); /* path offset past cmdsize 32 */
    assert_int_equal(open_flags(b, sizeof b, 0, &f, &err), LCP_E_MALFORMED);
    char strict[sizeof err.message];
    strcpy(strict, err.message);
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_OK);
    const lcp_image *img = f->slices[0].image;
    assert_int_equal(img->ncmds, 3);
    assert_non_null(img->strict_error);
    assert_non_null(strstr(strict, img->strict_error->message)); /* the same error, without the path */
    lcp_image *copy;
    assert_int_equal(lcp_image_clone(img, &copy, &err), LCP_OK);
    assert_string_equal(copy->strict_error->message, img->strict_error->message);
    lcp_image_free(copy);
    lcp_file_free(f);
}

/* The walk's own errors, with the reasons vtool's messages need. */
static void lenient_walk_errors(void **state) {
    (void)state;
    static uint8_t b[H_SIZE];
    h_image64(b, false);
    h_put32(b + H_BV + 4, false, 16); /* LC_BUILD_VERSION shorter than its tools */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS | LCP_PARSE_KEEP_BAD_SLICES, &f, &err), LCP_OK);
    const lcp_error *e = f->slices[0].error;
    assert_non_null(e);
    assert_int_equal(e->reason, LCP_R_VTOOL_LC_BAD_SIZE);
    assert_int_equal(e->index, 2);
    assert_int_equal(e->value, (uint64_t)0x32 << 32 | 16);
    assert_int_equal(e->cputype, 0x01000007);
    lcp_file_free(f);
    h_image64(b, false);
    h_put32(b + H_BV + 4, false, 0x100); /* past sizeofcmds */
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_VTOOL_LC_PAST_CMDS);
    assert_int_equal(err.value, 0x32);
    h_image64(b, false);
    h_put32(b + 16, false, 4); /* a fourth command after the last byte */
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_VTOOL_LC_HEADER_PAST_CMDS);
    assert_int_equal(err.index, 3);
}

/* An odd cmdsize (the default parse wants a multiple of 4) is walked, and
 * a zero cmdsize ends the walk after one entry however large ncmds is. */
static void lenient_walk_odd_and_zero_cmdsize(void **state) {
    (void)state;
    static uint8_t b[H_SIZE];
    h_image64(b, false);
    h_put32(b + H_RPATH + 4, false, 0);
    h_put32(b + 16, false, 0xffffffffu); /* ncmds */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].image->ncmds, 2);
    lcp_file_free(f);
    h_image64(b, false);
    h_put32(b + 16, false, 2);
    h_put32(b + 20, false, 152 + 33); /* LC_RPATH 33 bytes long, the last command */
    h_put32(b + H_RPATH + 4, false, 33);
    assert_int_equal(open_flags(b, sizeof b, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, sizeof b, LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].image->lc[1].cmdsize, 33);
    lcp_file_free(f);
}

/* FAT_HIDDEN_ARM64: the entry after nfat_arch is a slice when the header
 * lists arm but no arm64 and it is arm64; it must be in the file. */
static void hidden_arm64_entry(void **state) {
    (void)state;
    static uint8_t b[3 * 4096];
    size_t len = h_fat(b, 2);
    h_put32(b + 4, true, 1);
    h_put32(b + 8, true, 12); /* CPU_TYPE_ARM over an x86_64 image: no label check under RANGES_ONLY */
    h_put32(b + 8 + 20, true, 0x0100000c);
    unsigned fl = LCP_PARSE_FAT_RANGES_ONLY | LCP_PARSE_FAT_HIDDEN_ARM64;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_RANGES_ONLY, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 1);
    lcp_file_free(f);
    assert_int_equal(open_flags(b, len, fl, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 2);
    assert_int_equal(f->nfat_arch, 1);
    assert_int_equal(f->slices[1].cputype, 0x0100000c);
    lcp_file_free(f);
    /* the table plus the extra entry must be in the file */
    assert_int_equal(open_flags(b, 8 + 20 + 10, fl, &f, &err), LCP_E_NOT_MACHO);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fat_ranges_only_skips_layout_checks),
        cmocka_unit_test(fat_ranges_only_sums_in_32_bits),
        cmocka_unit_test(keep_bad_slices_keeps_the_error),
        cmocka_unit_test(no_archives_refuses_an_archive),
        cmocka_unit_test(no_fat64_refuses_fat64),
        cmocka_unit_test(lenient_walk_keeps_the_first_error),
        cmocka_unit_test(lenient_walk_errors),
        cmocka_unit_test(lenient_walk_odd_and_zero_cmdsize),
        cmocka_unit_test(hidden_arm64_entry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
