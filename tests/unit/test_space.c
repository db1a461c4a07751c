/* Unit tests: the header-space rules, one test per rule. lcp_image_space
 * (include/lcpatch/image.h) holds lcpatch's own: the safe rule and the edit
 * room; include/lcpatch/apple_space.h holds Apple's: vtool's (its bit test
 * and its type test) and install_name_tool's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lcpatch/apple_space.h"
#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "util/reader.h"

/* A 64-bit little-endian image of 1000 bytes: one LC_SEGMENT_64 "__TEXT"
 * (from `fileoff` to the end) with n sections, each given as (name, flags,
 * offset, size). The commands end at 32 + 72 + 80 n. */
struct sect {
    const char *name;
    uint32_t flags, offset;
    uint64_t size;
};

#define IMAGE_SIZE 1000
#define USED(n) (32 + 72 + 80 * (n))

static size_t build(uint8_t *b, size_t cap, const struct sect *s, uint32_t n, uint64_t fileoff) {
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
    lcp_put_u64(b, cap, c + 40, false, fileoff);
    lcp_put_u64(b, cap, c + 48, false, IMAGE_SIZE - fileoff); /* filesize: to the end */
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

static lcp_image *parse_at(const struct sect *s, uint32_t n, uint64_t fileoff) {
    static uint8_t b[1024];
    size_t len = build(b, sizeof b, s, n, fileoff);
    lcp_image *img = NULL;
    lcp_error err;
    assert_int_equal(lcp_image_parse(b, len, 0, IMAGE_SIZE, &img, &err), LCP_OK);
    return img;
}

static lcp_image *parse(const struct sect *s, uint32_t n) { return parse_at(s, n, 0); }

/* The safe rule: the first section that holds file bytes. Zerofill and
 * empty sections do not count; a __cstring (type 2) does. */
static void safe_rule_stops_at_the_first_section_with_bytes(void **state) {
    (void)state;
    const struct sect s[] = {{"__bss", LCP_S_ZEROFILL, 0, 64},
                             {"__empty", 0, 400, 0},
                             {"__cstring", 0x2, 500, 16},
                             {"__text", 0x80000400, 700, 32}};
    lcp_image *img = parse(s, 4);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.header_size, 32);
    assert_int_equal(sp.sizeofcmds, USED(4) - 32);
    assert_int_equal(sp.safe_limit, 500);
    assert_int_equal(sp.safe_free, 500 - USED(4));
    assert_false(sp.signed_image);
    lcp_image_free(img);
}

/* The edit room is the safe rule, and never past vtool's first section:
 * an empty section before the first one with bytes stops vtool, so it
 * stops lcpatch's edits too (Apple's vtool must still be able to edit the
 * result). Where vtool's rule is the higher one (it skips a __cstring),
 * the safe rule wins. signature_fits follows the edit room. */
static void edit_room_is_the_lower_of_safe_and_vtool(void **state) {
    (void)state;
    const struct sect empty_first[] = {{"__empty", 0, 270, 0}, {"__text", 0x80000400, 700, 32}};
    lcp_image *img = parse(empty_first, 2);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.safe_free, 700 - USED(2));
    assert_int_equal(sp.edit_free, 270 - USED(2)); /* 6 bytes */
    assert_false(sp.signature_fits);
    lcp_image_free(img);

    const struct sect cstring_first[] = {{"__cstring", 0x2, 400, 16}, {"__text", 0x80000400, 600, 32}};
    img = parse(cstring_first, 2);
    lcp_image_space(img, &sp);
    assert_int_equal(sp.edit_free, 400 - USED(2));
    assert_int_equal(sp.edit_free, sp.safe_free);
    assert_true(sp.signature_fits);
    lcp_image_free(img);
}

/* vtool's -show-space / -set test is on flag bits (cctools misc/vtool.c):
 * S_ZEROFILL's bit skips every odd type (0x13 here), S_THREAD_LOCAL_
 * ZEROFILL's bits skip a __cstring (type 2) though it holds bytes; an empty
 * section counts. */
static void vtool_bit_test(void **state) {
    (void)state;
    const struct sect s[] = {{"__thread_vars", 0x13, 150, 8},
                             {"__cstring", 0x2, 200, 16},
                             {"__thread_bss", 0x12, 250, 8},
                             {"__empty", 0, 500, 0},
                             {"__text", 0x80000400, 600, 32}};
    lcp_image *img = parse(s, 5);
    assert_int_equal(lcp_vtool_section_offset(img, true), 500);
    lcp_image_free(img);

    const struct sect cstring_first[] = {{"__cstring", 0x2, 400, 16}, {"__text", 0x80000400, 600, 32}};
    img = parse(cstring_first, 2);
    assert_int_equal(lcp_vtool_section_offset(img, true), 600); /* past the __cstring's bytes */
    lcp_image_free(img);
}

/* vtool's -remove test is on the section type: only S_ZEROFILL (1) and
 * S_THREAD_LOCAL_ZEROFILL (0x12) are skipped. */
static void vtool_type_test(void **state) {
    (void)state;
    const struct sect s[] = {{"__bss", LCP_S_ZEROFILL, 100, 64},
                             {"__thread_bss", 0x12, 120, 8},
                             {"__thread_vars", 0x13, 150, 8},
                             {"__cstring", 0x2, 200, 16},
                             {"__text", 0x80000400, 600, 32}};
    lcp_image *img = parse(s, 5);
    assert_int_equal(lcp_vtool_section_offset(img, false), 150);
    assert_int_equal(lcp_vtool_section_offset(img, true), 600); /* the bit test skips all four */
    lcp_image_free(img);
}

/* install_name_tool's rule (cctools misc/install_name_tool.c): empty
 * sections skipped, (flags & 0x1) == 0x1 skips every odd type, (flags &
 * 0x12) == 0x12 skips types 0x12, 0x13, 0x16, 0x17; a __cstring counts. */
static void install_name_tool_section_rule(void **state) {
    (void)state;
    const struct sect s[] = {{"__empty", 0, 520, 0},
                             {"__lit4", 0x3, 540, 8},
                             {"__thread_init", 0x16, 560, 8},
                             {"__cstring", 0x2, 600, 16},
                             {"__text", 0x80000400, 700, 32}};
    lcp_image *img = parse(s, 5);
    bool unbounded = true;
    assert_int_equal(lcp_install_name_tool_limit(img, &unbounded), 600);
    assert_false(unbounded);
    lcp_image_free(img);
}

/* A segment without sections counts by its fileoff; with no section and
 * no such segment, nothing bounds the header: the limit is the image size
 * and `unbounded` says Apple's tool would set none. */
static void install_name_tool_segments_and_unbounded(void **state) {
    (void)state;
    lcp_image *img = parse_at(NULL, 0, 800);
    bool unbounded = true;
    assert_int_equal(lcp_install_name_tool_limit(img, &unbounded), 800);
    assert_false(unbounded);
    lcp_image_free(img);

    const struct sect only_bss[] = {{"__bss", LCP_S_ZEROFILL, 0, 64}};
    img = parse(only_bss, 1);
    assert_int_equal(lcp_install_name_tool_limit(img, &unbounded), IMAGE_SIZE);
    assert_true(unbounded);
    lcp_image_free(img);
}

/* lcp_image_apple_space gives both Apple rules and the bytes free under
 * each (negative when the commands already run past the limit). */
static void apple_space_reports_both_rules(void **state) {
    (void)state;
    const struct sect s[] = {{"__cstring", 0x2, 200, 16}, {"__empty", 0, 300, 0}, {"__text", 0x80000400, 600, 32}};
    lcp_image *img = parse(s, 3);
    lcp_apple_space ap;
    lcp_image_apple_space(img, &ap);
    assert_int_equal(ap.vtool_limit, 300);
    assert_int_equal(ap.vtool_free, 300 - USED(3));
    assert_int_equal(ap.int_limit, 200);
    assert_int_equal(ap.int_free, 200 - USED(3)); /* < 0: the __cstring sits inside the commands */
    assert_false(ap.int_unbounded);
    lcp_image_free(img);
}

/* No section at all: the safe rule and vtool's fall back to the image size. */
static void no_sections_means_image_size(void **state) {
    (void)state;
    lcp_image *img = parse(NULL, 0);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.safe_limit, IMAGE_SIZE);
    assert_int_equal(sp.edit_free, IMAGE_SIZE - USED(0));
    assert_int_equal(lcp_vtool_section_offset(img, true), IMAGE_SIZE);
    lcp_image_free(img);
}

/* What still fits: 16 bytes are kept for the LC_CODE_SIGNATURE an unsigned
 * image will get; an LC_RPATH's cmdsize is a multiple of 8 in a 64-bit
 * image, and holds 12 fixed bytes and the path's NUL. */
static void what_still_fits(void **state) {
    (void)state;
    const struct sect s[] = {{"__text", 0x80000400, USED(1) + 16 + 24, 32}};
    lcp_image *img = parse(s, 1);
    lcp_space sp;
    lcp_image_space(img, &sp);
    assert_int_equal(sp.safe_free, 40);
    assert_true(sp.build_version_fits);
    assert_int_equal(sp.rpath_max, 24 - 12 - 1);
    lcp_image_free(img);

    const struct sect tight[] = {{"__text", 0x80000400, USED(1) + 16 + 23, 32}};
    img = parse(tight, 1);
    lcp_image_space(img, &sp);
    assert_false(sp.build_version_fits);
    assert_int_equal(sp.rpath_max, 16 - 12 - 1); /* 23 rounds down to 16 */
    lcp_image_free(img);

    const struct sect full[] = {{"__text", 0x80000400, USED(1) + 16 + 8, 32}};
    img = parse(full, 1);
    lcp_image_space(img, &sp);
    assert_int_equal(sp.rpath_max, -1);
    lcp_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(safe_rule_stops_at_the_first_section_with_bytes),
        cmocka_unit_test(edit_room_is_the_lower_of_safe_and_vtool),
        cmocka_unit_test(vtool_bit_test),
        cmocka_unit_test(vtool_type_test),
        cmocka_unit_test(install_name_tool_section_rule),
        cmocka_unit_test(install_name_tool_segments_and_unbounded),
        cmocka_unit_test(apple_space_reports_both_rules),
        cmocka_unit_test(no_sections_means_image_size),
        cmocka_unit_test(what_still_fits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
