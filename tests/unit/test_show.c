/* Unit tests: the version formats of lcpatch show. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/show.h"
#include "lcpatch/codesign.h"

static void packed_versions(void **state) {
    (void)state;
    char b[32];
    assert_string_equal(lcp_version_format(LCP_VERSION(10, 5, 0), b, sizeof b), "10.5");
    assert_string_equal(lcp_show_version(LCP_VERSION(10, 5, 0), b, sizeof b), "10.5.0");
    assert_string_equal(lcp_version_format(LCP_VERSION(10, 4, 11), b, sizeof b), "10.4.11");
    assert_string_equal(lcp_show_version(0xffffffffu, b, sizeof b), "65535.255.255");
    assert_string_equal(lcp_version_format(0, b, sizeof b), "0.0");
}

static uint64_t source(uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e) {
    return a << 40 | b << 30 | c << 20 | d << 10 | e;
}

/* otool's form: A.B, then down to the last non-zero part. */
static void source_versions(void **state) {
    (void)state;
    char b[64];
    assert_string_equal(lcp_source_version_format(source(353, 100, 22, 0, 0), b, sizeof b), "353.100.22");
    assert_string_equal(lcp_source_version_format(0, b, sizeof b), "0.0");
    assert_string_equal(lcp_source_version_format(source(1, 0, 0, 0, 5), b, sizeof b), "1.0.0.0.5");
    assert_string_equal(lcp_source_version_format(source(1, 2, 0, 4, 0), b, sizeof b), "1.2.0.4");
    assert_string_equal(lcp_source_version_format(UINT64_MAX, b, sizeof b), "16777215.1023.1023.1023.1023");
}

static void dylib_kinds(void **state) {
    (void)state;
    assert_string_equal(lcp_show_dylib_kind(LCP_LC_LOAD_WEAK_DYLIB), "weak");
    assert_string_equal(lcp_show_dylib_kind(LCP_LC_LAZY_LOAD_DYLIB), "lazy");
    assert_string_equal(lcp_show_dylib_kind(LCP_LC_LOAD_UPWARD_DYLIB), "upward");
    assert_string_equal(lcp_show_dylib_kind(LCP_LC_REEXPORT_DYLIB), "reexport");
    assert_null(lcp_show_dylib_kind(LCP_LC_RPATH));
}

/* A value is written by its name, or as a number (hex for flags and file
 * types, decimal for platforms and tools) when it has none. */
static void names_or_numbers(void **state) {
    (void)state;
    char b[16];
    assert_string_equal(lcp_show_name(lcp_mh_flag_name, 0x1, true, b, sizeof b), "MH_NOUNDEFS");
    assert_string_equal(lcp_show_name(lcp_mh_flag_name, 0x40000000u, true, b, sizeof b), "0x40000000");
    assert_string_equal(lcp_show_name(lcp_cs_flag_name, 0x2, true, b, sizeof b), "adhoc");
    assert_string_equal(lcp_show_name(lcp_platform_name, 9999, false, b, sizeof b), "9999");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(packed_versions),
        cmocka_unit_test(source_versions),
        cmocka_unit_test(dylib_kinds),
        cmocka_unit_test(names_or_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
