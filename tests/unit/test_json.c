/* Unit tests: the CLI's streaming JSON writer (separators, escapes, and
 * bytes from input files that are not UTF-8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/json.h"

/* Runs fn on a writer over a temporary file and returns what it wrote. */
static const char *render(void (*fn)(lcp_json *)) {
    static char text[512];
    FILE *f = tmpfile();
    assert_non_null(f);
    lcp_json j;
    lcp_json_init(&j, f);
    fn(&j);
    long n = ftell(f);
    assert_true(n >= 0 && (size_t)n < sizeof text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void nested(lcp_json *j) {
    lcp_json_begin_object(j);
    lcp_json_key(j, "a");
    lcp_json_begin_array(j);
    lcp_json_uint(j, 1);
    lcp_json_int(j, -2);
    lcp_json_bool(j, true);
    lcp_json_null(j);
    lcp_json_string(j, NULL);
    lcp_json_end_array(j);
    lcp_json_key(j, "b");
    lcp_json_begin_object(j);
    lcp_json_end_object(j);
    lcp_json_end_object(j);
    lcp_json_finish(j);
}

static void commas_between_values_only(void **state) {
    (void)state;
    assert_string_equal(render(nested), "{\"a\":[1,-2,true,null,null],\"b\":{}}\n");
}

static void fields(lcp_json *j) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "s", "x");
    lcp_json_field_string(j, "n", NULL);
    lcp_json_field_uint(j, "u", 7);
    lcp_json_field_int(j, "i", -7);
    lcp_json_field_bool(j, "b", false);
    lcp_json_field_uint_if(j, "u1", true, 1);
    lcp_json_field_uint_if(j, "u0", false, 1);
    lcp_json_field_int_if(j, "i1", true, -1);
    lcp_json_field_int_if(j, "i0", false, -1);
    if (lcp_json_field_object(j, "o1", true))
        lcp_json_end_object(j);
    assert_false(lcp_json_field_object(j, "o0", false));
    lcp_json_end_object(j);
}

/* A member in one call is its key and its value, or null when absent. */
static void fields_are_key_and_value(void **state) {
    (void)state;
    assert_string_equal(render(fields),
                        "{\"s\":\"x\",\"n\":null,\"u\":7,\"i\":-7,\"b\":false,\"u1\":1,\"u0\":null,\"i1\":-1,"
                        "\"i0\":null,\"o1\":{},\"o0\":null}");
}

static void escapes(lcp_json *j) { lcp_json_string(j, "q\"b\\n\n\t\x01\x7f/"); }

static void escapes_quotes_and_controls(void **state) {
    (void)state;
    assert_string_equal(render(escapes), "\"q\\\"b\\\\n\\n\\t\\u0001\\u007f/\"");
}

/* A fuzzed load path: stray continuation bytes, an overlong '/', a
 * surrogate, a truncated sequence; valid UTF-8 (é, €, 😀) is kept. */
static void bad_utf8(lcp_json *j) {
    lcp_json_string(j, "\x80"
                       "a\xc0\xaf"
                       "b\xed\xa0\x80"
                       "c\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                       "d\xe2\x82");
}

static void invalid_utf8_becomes_replacement_characters(void **state) {
    (void)state;
    assert_string_equal(render(bad_utf8),
                        "\"\\ufffda\\ufffd\\ufffdb\\ufffd\\ufffd\\ufffdc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
                        "d\\ufffd\\ufffd\"");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(commas_between_values_only),
        cmocka_unit_test(fields_are_key_and_value),
        cmocka_unit_test(escapes_quotes_and_controls),
        cmocka_unit_test(invalid_utf8_becomes_replacement_characters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
