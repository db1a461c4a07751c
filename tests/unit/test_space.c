/* Unit tests: lcp_image_space, the three header-space rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "util/reader.h"

/* A 64-bit little-endian image: one LC_SEGMENT_64 "__TEXT" with two
 * sections, each given as (name, type, offset, size). */
struct sect {
    const char *name;
    uint32_t flags, offset;
    uint64_t size;
};

static size_t build(uint8_t *b, size_t cap, const struct sect *s, uint32_t n) {
    memset(b, 0, cap);
    uint32_t cmdsize = 72 + 80 * n;
    lcp_put_u32(b, cap, 0, false, 0xfeedfacf);
    lcp_put_u32(b, cap, 4, false, LCP_CPU_TYPE_X86_64);
    lcp_put_u32(b, cap, 8, false, 3);
    lcp_put_u32(b, cap, 12, false, LCP_MH_EXECUTE);
    lcp_put_u32(b, cap, 16, false, 1);
    lcp_put_u32(b, cap, 20, false, cmdsize);
    size_t c = 32;
    lcp_put_u32(b, cap, c, false, LCP_LC_SEGMENT_64);
    lcp_put_u32(b, cap, c + 4, false, cmdsize);
    memcpy(b + c + 8, "__TEXT", 6);
    lcp_put_u64(b, cap, c + 40, false, 0);    /* fileoff */
    lcp_put_u64(b, cap, c + 48, false, 1000); /* filesize */
    lcp_put_u32(b, cap, c + 64, false, n);
    for (uint32_t k = 0; k < n; k++) {
        size_t o = c + 72 + 80 * k;
        memcpy(b + o, s[k].name, strlen(s[k].name));
        memcpy(b + o + 16, "__TEXT", 6);
        lcp_put_u64(b, cap, o + 40, false, s[k].size);
        lcp_put_u32(b, cap, o + 48, false, s[k].offset);
        lcp_put_u32(b, cap, o + 64, false, s[k].flags);
    }
    return 32 + cmdsize;
}

static lcp_image *parse(const struct sect *s, uint32_t n) {
    static uint8_t b[1024];
    size_t len = build(b, sizeof b, s, n);
    lcp_image *img = NULL;
    lcp_error err;
    assert_int_equal(lcp_image_parse(b, len, 0, 1000, &img, &err), LCP_OK);
    return img;
}

/* vtool tests flag bits: a __cstring (type 2) is skipped, so its limit is
 * the __text behind it, while the safe rule stops at the __cstring. */
static void vtool_skips_cstring_like_apple(void **state) {
    (void)state;
    const struct sect s[] = {{"__cstring", 0x2, 400, 16}, {"__text", 0x80000400, 600, 32}};
    lcp_image *img = parse(s, 2);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.vtool_limit, 600);
    assert_int_equal(sp.safe_limit, 400);
    assert_int_equal(sp.int_limit, 400);
    assert_int_equal(sp.vtool_free, 600 - 32 - 232);
    assert_int_equal(sp.safe_free, 400 - 32 - 232);
    lcp_image_free(img);
}

/* A zerofill section (offset 0) and an empty regular section do not limit
 * the safe rule; vtool counts the empty one. */
static void zerofill_and_empty_sections(void **state) {
    (void)state;
    const struct sect s[] = {{"__bss", LCP_S_ZEROFILL, 0, 64}, {"__empty", 0, 400, 0}, {"__text", 0, 700, 8}};
    lcp_image *img = parse(s, 3);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.vtool_limit, 400);
    assert_int_equal(sp.safe_limit, 700);
    assert_false(sp.signed_image);
    assert_true(sp.signature_fits);
    lcp_image_free(img);
}

/* No section at all: every rule falls back to the image size. */
static void no_sections_means_image_size(void **state) {
    (void)state;
    lcp_image *img = parse(NULL, 0);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.vtool_limit, 1000);
    assert_int_equal(sp.safe_limit, 1000);
    lcp_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vtool_skips_cstring_like_apple),
        cmocka_unit_test(zerofill_and_empty_sections),
        cmocka_unit_test(no_sections_means_image_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
