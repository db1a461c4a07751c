/* Unit tests: hostile Mach-O images built in memory (lcp_image_parse and
 * lcp_file_open_memory on thin files): truncation at every byte, cmdsize 0 /
 * unaligned / huge, impossible ncmds and sizeofcmds (refused before any large
 * allocation), lc_str out of range or unterminated, nsects/ntools that do not
 * fit, segments past the end. Every error must name the right offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/lcpatch.h"

/* From the sanitizers' allocator interface (the header ships with clang,
 * not with every gcc): calls the hooks on every malloc and free. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
#include <stdlib.h>
#include <string.h>

static uint8_t img[H_SIZE];

/* Parses img[0..len) as a whole file; returns the status, fills err. */
static lcp_status parse(size_t len, lcp_error *err) { return h_parse(img, len, "t.dylib", err); }

static void expect_malformed(size_t len, uint64_t offset, const char *needle) {
    lcp_error err;
    assert_int_equal(parse(len, &err), LCP_E_MALFORMED);
    assert_int_equal(err.status, LCP_E_MALFORMED);
    if (err.offset != offset)
        fail_msg("offset 0x%llx, want 0x%llx: %s", (unsigned long long)err.offset, (unsigned long long)offset,
                 err.message);
    if (strstr(err.message, needle) == NULL || strncmp(err.message, "t.dylib", 7) != 0)
        fail_msg("message '%s' lacks '%s' or the file name", err.message, needle);
}

static void valid_image_parses_in_both_byte_orders(void **state) {
    (void)state;
    for (int be = 0; be < 2; be++) {
        h_image64(img, be);
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open_memory(img, H_SIZE, "t.dylib", &f, &err), LCP_OK);
        lcp_image *im = f->slices[0].image;
        assert_int_equal(im->ncmds, 3);
        assert_int_equal(im->big_endian, be);
        const char *s;
        assert_true(lcp_image_cmd_string(im, 1, &s));
        assert_string_equal(s, "@loader_path/x");
        lcp_build_version bv;
        assert_true(lcp_image_build_version(im, 2, &bv));
        assert_int_equal(bv.sdk, 0x0b0000);
        assert_false(lcp_image_build_version(im, 1, &bv));         /* wrong kind */
        assert_false(lcp_image_segment(im, 3, &(lcp_segment){0})); /* no such command */
        lcp_space sp;
        lcp_image_space(im, &sp);
        assert_int_equal(sp.safe_free, H_SECT_OFF - H_CMDS_END);
        assert_int_equal(sp.edit_free, H_SECT_OFF - H_CMDS_END);
        lcp_file_free(f);
    }
}

/* Every length short of the whole file fails: the header, the commands and
 * (since __TEXT covers the whole file) the segment's range. */
static void truncation_at_every_byte_is_refused(void **state) {
    (void)state;
    for (int be = 0; be < 2; be++) {
        h_image64(img, be);
        for (size_t len = 0; len < H_SIZE; len++) {
            lcp_error err;
            lcp_status st = parse(len, &err);
            if (st != LCP_E_MALFORMED && st != LCP_E_NOT_MACHO)
                fail_msg("length %zu: status %d", len, st);
            assert_true(err.message[0] != '\0');
            if (len >= 4 && st != LCP_E_MALFORMED)
                fail_msg("length %zu: a Mach-O magic must give 'malformed': %s", len, err.message);
        }
        lcp_error err;
        assert_int_equal(parse(H_SIZE, &err), LCP_OK);
    }
}

static void truncated_image_parse_direct(void **state) {
    (void)state;
    h_image64(img, false);
    /* lcp_image_parse with fewer bytes than header + sizeofcmds. */
    for (size_t len = 0; len < H_CMDS_END; len++) {
        lcp_image *im = (lcp_image *)1;
        lcp_error err;
        assert_int_not_equal(lcp_image_parse(img, len, 0, H_SIZE, &im, &err), LCP_OK);
        assert_null(im);
    }
}

static void cmdsize_zero_small_unaligned_or_huge(void **state) {
    (void)state;
    const uint32_t starts[] = {H_SEG, H_RPATH, H_BV};
    for (size_t k = 0; k < 3; k++) {
        uint32_t at = starts[k];
        h_image64(img, false);
        h_put32(img + at + 4, false, 0);
        expect_malformed(H_SIZE, at + 4, "cmdsize 0 is less than 8");
        h_put32(img + at + 4, false, 4);
        expect_malformed(H_SIZE, at + 4, "less than 8");
        h_put32(img + at + 4, false, 30);
        expect_malformed(H_SIZE, at + 4, "not a multiple of 4");
        h_put32(img + at + 4, false, 0xfffffffc);
        expect_malformed(H_SIZE, at + 4, "extends past sizeofcmds");
    }
    /* A segment whose cmdsize is below its fixed part. */
    h_image64(img, false);
    h_put32(img + H_SEG + 4, false, 64);
    expect_malformed(H_SIZE, H_SEG, "smaller than 0x48");
}

/* The ASan allocator tells us every allocation: the largest one made while
 * parsing a hostile header must stay near the input's size. */
static size_t largest_alloc;
static void on_malloc(const volatile void *p, size_t size) {
    (void)p;
    if (size > largest_alloc)
        largest_alloc = size;
}
static void on_free(const volatile void *p) { (void)p; }

static void impossible_counts_are_refused_before_allocating(void **state) {
    (void)state;
    struct {
        size_t field;
        uint32_t value;
        uint64_t offset;
        const char *needle;
    } cases[] = {
        {16, 0xffffffff, 32, "ncmds 4294967295 cannot fit"},        /* 2^32 - 1 load commands */
        {16, 28, 32, "ncmds 28 cannot fit"},                        /* just over 216 / 8 */
        {20, 0xffffffff, 20, "sizeofcmds 4294967295 extends past"}, /* 4 GiB sizeofcmds */
        {20, 0xfffffff0, 20, "extends past the end of the image"},
        {20, H_SIZE - 31, 20, "extends past the end of the image"}, /* one byte too many */
    };
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        h_image64(img, false);
        h_put32(img + cases[k].field, false, cases[k].value);
        largest_alloc = 0;
        expect_malformed(H_SIZE, cases[k].offset, cases[k].needle);
        if (largest_alloc > 2 * H_SIZE)
            fail_msg("case %zu: allocated %zu bytes for a %d-byte input", k, largest_alloc, H_SIZE);
    }
    /* nsects and ntools that cannot fit their command. */
    h_image64(img, false);
    h_put32(img + H_SEG + 64, false, 0xffffffff);
    largest_alloc = 0;
    expect_malformed(H_SIZE, H_SEG + 64, "nsects 4294967295 do not fit");
    assert_true(largest_alloc <= 2 * H_SIZE);
    h_put32(img + H_SEG + 64, false, 2);
    expect_malformed(H_SIZE, H_SEG + 64, "nsects 2 do not fit");
    h_image64(img, false);
    h_put32(img + H_BV + 20, false, 0x20000000);
    expect_malformed(H_SIZE, H_BV + 20, "ntools 536870912 do not fit");
    h_put32(img + H_BV + 20, false, 2);
    expect_malformed(H_SIZE, H_BV + 20, "ntools 2 do not fit");
    __sanitizer_install_malloc_and_free_hooks(NULL, NULL);
}

static void lc_str_outside_or_unterminated(void **state) {
    (void)state;
    const uint32_t bad[] = {0, 4, 11, 32, 33, 0x7fffffff, 0xffffffff};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        h_image64(img, false);
        h_put32(img + H_RPATH + 8, false, bad[k]);
        expect_malformed(H_SIZE, H_RPATH + 8, "string offset");
    }
    /* The string fills the command to cmdsize with no NUL. */
    h_image64(img, false);
    memset(img + H_RPATH + 12, 'A', 20);
    expect_malformed(H_SIZE, H_RPATH + 12, "not NUL-terminated");
    /* The last possible byte as the NUL is fine. */
    img[H_RPATH + 31] = 0;
    lcp_error err;
    assert_int_equal(parse(H_SIZE, &err), LCP_OK);
}

/* Regression (found writing this suite): a segment or LC_CODE_SIGNATURE
 * whose range runs past the end of the image was accepted, and an edit
 * would later copy bytes that are not there. */
static void segment_or_linkedit_past_the_end(void **state) {
    (void)state;
    h_image64(img, false);
    h_put64(img + H_SEG + 48, false, H_SIZE + 1); /* filesize */
    expect_malformed(H_SIZE, H_SEG, "fileoff 0x0 + filesize 0x1001 extends past the end");
    h_image64(img, false);
    h_put64(img + H_SEG + 40, false, UINT64_MAX); /* fileoff: the sum overflows */
    expect_malformed(H_SIZE, H_SEG, "extends past the end");
    /* Replace the build version by an LC_CODE_SIGNATURE pointing outside. */
    h_image64(img, false);
    h_put32(img + H_BV, false, 0x1d);
    h_put32(img + H_BV + 8, false, H_SIZE - 16);
    h_put32(img + H_BV + 12, false, 17);
    expect_malformed(H_SIZE, H_BV, "dataoff 0xff0 + datasize 0x11");
    h_put32(img + H_BV + 12, false, 16);
    lcp_error err;
    assert_int_equal(parse(H_SIZE, &err), LCP_OK);
}

static void failed_set_commands_leaves_image_unchanged(void **state) {
    (void)state;
    h_image64(img, false);
    lcp_image *im;
    assert_int_equal(lcp_image_parse(img, H_SIZE, 0, H_SIZE, &im, NULL), LCP_OK);
    uint8_t bad[16] = {0};
    h_put32(bad, false, 0x1c);
    h_put32(bad + 4, false, 0); /* cmdsize 0 */
    lcp_error err;
    assert_int_equal(lcp_image_set_commands(im, bad, sizeof bad, 1, &err), LCP_E_MALFORMED);
    assert_int_equal(im->ncmds, 3);
    assert_int_equal(im->sizeofcmds, 216);
    assert_memory_equal(im->cmds, img + 32, 216);
    /* ncmds larger than the bytes can hold */
    assert_int_equal(lcp_image_set_commands(im, img + 32, 216, 1000, &err), LCP_E_MALFORMED);
    assert_int_equal(im->ncmds, 3);
    lcp_image *c;
    assert_int_equal(lcp_image_clone(im, &c, NULL), LCP_OK);
    assert_memory_equal(c->cmds, im->cmds, 216);
    lcp_image_free(c);
    lcp_image_free(im);
    lcp_image_free(NULL);
}

static void not_macho_is_not_malformed(void **state) {
    (void)state;
    memset(img, 0x41, 64);
    lcp_error err;
    assert_int_equal(parse(64, &err), LCP_E_NOT_MACHO);
    assert_int_equal(parse(0, &err), LCP_E_NOT_MACHO);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_image_parses_in_both_byte_orders),
        cmocka_unit_test(truncation_at_every_byte_is_refused),
        cmocka_unit_test(truncated_image_parse_direct),
        cmocka_unit_test(cmdsize_zero_small_unaligned_or_huge),
        cmocka_unit_test(impossible_counts_are_refused_before_allocating),
        cmocka_unit_test(lc_str_outside_or_unterminated),
        cmocka_unit_test(segment_or_linkedit_past_the_end),
        cmocka_unit_test(failed_set_commands_leaves_image_unchanged),
        cmocka_unit_test(not_macho_is_not_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
