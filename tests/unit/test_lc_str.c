/* Unit tests: an lc_str must start after its command's fixed fields. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "util/reader.h"

/* A 64-bit little-endian image with one 48-byte command `cmd` whose lc_str
 * (at byte 8) holds `name_off`; the bytes from 24 on hold a path. */
static lcp_status parse_one(uint32_t cmd, uint32_t name_off, lcp_error *err) {
    uint8_t b[32 + 48];
    memset(b, 0, sizeof b);
    lcp_put_u32(b, sizeof b, 0, false, 0xfeedfacf);
    lcp_put_u32(b, sizeof b, 4, false, LCP_CPU_TYPE_X86_64);
    lcp_put_u32(b, sizeof b, 8, false, 3);
    lcp_put_u32(b, sizeof b, 12, false, LCP_MH_EXECUTE);
    lcp_put_u32(b, sizeof b, 16, false, 1);
    lcp_put_u32(b, sizeof b, 20, false, 48);
    lcp_put_u32(b, sizeof b, 32, false, cmd);
    lcp_put_u32(b, sizeof b, 36, false, 48);
    lcp_put_u32(b, sizeof b, 40, false, name_off);
    memcpy(b + 32 + 24, "/usr/lib/libz.dylib", 19);
    lcp_image *img = NULL;
    lcp_status st = lcp_image_parse(b, sizeof b, 0, sizeof b, &img, err);
    lcp_image_free(img);
    return st;
}

static void dylib_name_inside_the_versions_is_refused(void **state) {
    (void)state;
    lcp_error err;
    assert_int_equal(parse_one(LCP_LC_LOAD_DYLIB, 24, &err), LCP_OK);
    const uint32_t inside[] = {12, 16, 20, 23};
    for (size_t k = 0; k < sizeof inside / sizeof inside[0]; k++) {
        memset(&err, 0, sizeof err);
        assert_int_equal(parse_one(LCP_LC_LOAD_DYLIB, inside[k], &err), LCP_E_MALFORMED);
        assert_int_equal(err.offset, 32 + 8);
        assert_non_null(strstr(err.message, "fixed fields"));
        assert_non_null(strstr(err.message, "LC_LOAD_DYLIB"));
    }
}

static void fvmlib_name_after_its_header_addr(void **state) {
    (void)state;
    lcp_error err;
    /* fvmlib_command: name, minor_version, header_addr: 20 fixed bytes. */
    assert_int_equal(parse_one(LCP_LC_LOADFVMLIB, 16, &err), LCP_E_MALFORMED);
    assert_int_equal(parse_one(LCP_LC_LOADFVMLIB, 20, &err), LCP_OK); /* an empty name, terminated */
}

static void rpath_right_after_its_offset_is_fine(void **state) {
    (void)state;
    lcp_error err;
    assert_int_equal(parse_one(LCP_LC_RPATH, 12, &err), LCP_OK);
    assert_int_equal(parse_one(LCP_LC_RPATH, 8, &err), LCP_E_MALFORMED);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dylib_name_inside_the_versions_is_refused),
        cmocka_unit_test(fvmlib_name_after_its_header_addr),
        cmocka_unit_test(rpath_right_after_its_offset_is_fine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
