/* Unit tests: entitlements as DER (lcp_entitlements_der), against the
 * encodings codesign writes (the vectors apple-codesign's tests record from
 * `codesign --generate-entitlement-der`) and the corpus file's DER blob;
 * what DER cannot carry is refused; implied exec-segment flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcpatch/codesign_format.h"
#include "lcpatch/lcpatch.h"
#include "lcpatch/sign.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n"
#define TAIL "</plist>\n"

static void expect_der(const char *body, const uint8_t *want, size_t want_len) {
    char xml[2048];
    snprintf(xml, sizeof xml, HEAD "%s" TAIL, body);
    uint8_t *der = NULL;
    size_t len = 0;
    lcp_error err;
    assert_int_equal(lcp_entitlements_der((const uint8_t *)xml, strlen(xml), &der, &len, NULL, &err), LCP_OK);
    if (len != want_len || memcmp(der, want, len) != 0) {
        fprintf(stderr, "for %s got:", body);
        for (size_t k = 0; k < len; k++)
            fprintf(stderr, " %u", der[k]);
        fprintf(stderr, "\n");
    }
    assert_int_equal(len, want_len);
    assert_memory_equal(der, want, len);
    free(der);
}

static void values_encode_as_codesign_writes_them(void **state) {
    (void)state;
    static const uint8_t empty[] = {112, 5, 2, 1, 1, 176, 0};
    static const uint8_t bfalse[] = {112, 15, 2, 1, 1, 176, 10, 48, 8, 12, 3, 107, 101, 121, 1, 1, 0};
    static const uint8_t btrue[] = {112, 15, 2, 1, 1, 176, 10, 48, 8, 12, 3, 107, 101, 121, 1, 1, 255};
    static const uint8_t i0[] = {112, 15, 2, 1, 1, 176, 10, 48, 8, 12, 3, 107, 101, 121, 2, 1, 0};
    static const uint8_t ineg1[] = {112, 15, 2, 1, 1, 176, 10, 48, 8, 12, 3, 107, 101, 121, 2, 1, 255};
    static const uint8_t i42[] = {112, 15, 2, 1, 1, 176, 10, 48, 8, 12, 3, 107, 101, 121, 2, 1, 42};
    static const uint8_t sempty[] = {112, 14, 2, 1, 1, 176, 9, 48, 7, 12, 3, 107, 101, 121, 12, 0};
    static const uint8_t svalue[] = {112, 19,  2,   1,  1, 176, 14, 48,  12,  12, 3,
                                     107, 101, 121, 12, 5, 118, 97, 108, 117, 101};
    static const uint8_t aempty[] = {112, 14, 2, 1, 1, 176, 9, 48, 7, 12, 3, 107, 101, 121, 48, 0};
    static const uint8_t atruefoo[] = {112, 22,  2,  1, 1, 176, 17,  48, 15, 12,  3,   107,
                                       101, 121, 48, 8, 1, 1,   255, 12, 3,  102, 111, 111};
    static const uint8_t dbool[] = {112, 26, 2,  1,  1,  176, 21,  48,  19,  12,  3,   107, 101, 121,
                                    176, 12, 48, 10, 12, 5,   105, 110, 110, 101, 114, 1,   1,   0};
    static const uint8_t multi[] = {112, 37,  2,   1,  1, 176, 32,  48, 8, 12, 3, 107, 101, 121, 1,  1, 0, 48, 9, 12, 4,
                                    107, 101, 121, 50, 1, 1,   255, 48, 9, 12, 4, 107, 101, 121, 51, 2, 1, 42};
    expect_der("<dict/>", empty, sizeof empty);
    expect_der("<dict></dict>", empty, sizeof empty);
    expect_der("<dict><key>key</key><false/></dict>", bfalse, sizeof bfalse);
    expect_der("<dict><key>key</key><true/></dict>", btrue, sizeof btrue);
    expect_der("<dict><key>key</key><integer>0</integer></dict>", i0, sizeof i0);
    expect_der("<dict><key>key</key><integer>-1</integer></dict>", ineg1, sizeof ineg1);
    expect_der("<dict><key>key</key><integer>42</integer></dict>", i42, sizeof i42);
    expect_der("<dict><key>key</key><string></string></dict>", sempty, sizeof sempty);
    expect_der("<dict><key>key</key><string/></dict>", sempty, sizeof sempty);
    expect_der("<dict><key>key</key><string>value</string></dict>", svalue, sizeof svalue);
    expect_der("<dict><key>key</key><array/></dict>", aempty, sizeof aempty);
    expect_der("<dict><key>key</key><array><true/><string>foo</string></array></dict>", atruefoo, sizeof atruefoo);
    expect_der("<dict><key>key</key><dict><key>inner</key><false/></dict></dict>", dbool, sizeof dbool);
    /* keys sorted bytewise whatever the XML's order */
    expect_der("<dict><key>key3</key><integer>42</integer><key>key</key><false/><key>key2</key><true/></dict>", multi,
               sizeof multi);
}

/* The DER blob of the corpus file codesign signed, from its XML. */
static void the_corpus_entitlements_encode_as_codesign_did(void **state) {
    (void)state;
    static const char xml[] =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
        "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n\t<key>"
        "com.apple.security.get-task-allow</key>\n\t<true/>\n</dict>\n</plist>\n";
    static const uint8_t want[] = {0x70, 0x2d, 0x02, 0x01, 0x01, 0xb0, 0x28, 0x30, 0x26, 0x0c, 0x21, 0x63,
                                   0x6f, 0x6d, 0x2e, 0x61, 0x70, 0x70, 0x6c, 0x65, 0x2e, 0x73, 0x65, 0x63,
                                   0x75, 0x72, 0x69, 0x74, 0x79, 0x2e, 0x67, 0x65, 0x74, 0x2d, 0x74, 0x61,
                                   0x73, 0x6b, 0x2d, 0x61, 0x6c, 0x6c, 0x6f, 0x77, 0x01, 0x01, 0xff};
    uint8_t *der = NULL;
    size_t len = 0;
    uint64_t flags = 99;
    lcp_error err;
    assert_int_equal(lcp_entitlements_der((const uint8_t *)xml, strlen(xml), &der, &len, &flags, &err), LCP_OK);
    assert_int_equal(len, sizeof want);
    assert_memory_equal(der, want, len);
    assert_int_equal(flags, 0); /* the macOS key implies nothing */
    free(der);
}

/* Long content: a length past 127 takes the long form. */
static void long_values_take_long_lengths(void **state) {
    (void)state;
    char body[1024] = "<dict><key>k</key><string>";
    size_t n = strlen(body);
    memset(body + n, 'x', 300);
    strcpy(body + n + 300, "</string></dict>");
    char xml[2048];
    snprintf(xml, sizeof xml, HEAD "%s" TAIL, body);
    uint8_t *der = NULL;
    size_t len = 0;
    lcp_error err;
    assert_int_equal(lcp_entitlements_der((const uint8_t *)xml, strlen(xml), &der, &len, NULL, &err), LCP_OK);
    /* 70 82 LL LL | 02 01 01 | b0 82 .. | 30 82 .. | 0c 01 'k' | 0c 82 01 2c x*300 */
    assert_int_equal(len, 4 + 3 + 4 + 4 + 3 + 4 + 300);
    assert_int_equal(der[0], 0x70);
    assert_int_equal(der[1], 0x82);
    assert_int_equal((der[2] << 8) | der[3], len - 4);
    assert_int_equal(der[len - 300 - 4], 0x0c);
    assert_int_equal(der[len - 300 - 3], 0x82);
    assert_int_equal((der[len - 300 - 2] << 8) | der[len - 300 - 1], 300);
    free(der);
}

static void what_der_cannot_carry_is_refused(void **state) {
    (void)state;
    const char *bad[] = {"<dict><key>k</key><data>AAEC</data></dict>",
                         "<dict><key>k</key><real>1.5</real></dict>",
                         "<dict><key>k</key><date>2020-01-01T00:00:00Z</date></dict>",
                         "<dict><key>k</key><integer>12x</integer></dict>",
                         "<dict><key>k</key><true/><key>k</key><false/></dict>",
                         "<array/>",
                         "<dict><key>k</key>"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char xml[512];
        snprintf(xml, sizeof xml, HEAD "%s" TAIL, bad[k]);
        uint8_t *der = (uint8_t *)1;
        size_t len = 7;
        lcp_error err;
        assert_int_not_equal(lcp_entitlements_der((const uint8_t *)xml, strlen(xml), &der, &len, NULL, &err), LCP_OK);
        assert_null(der);
        assert_int_equal(len, 0);
    }
    lcp_error err;
    uint8_t *der;
    size_t len;
    assert_int_not_equal(lcp_entitlements_der((const uint8_t *)"bplist00", 8, &der, &len, NULL, &err), LCP_OK);
}

static void true_entitlements_imply_exec_segment_flags(void **state) {
    (void)state;
    static const char xml[] = HEAD "<dict><key>get-task-allow</key><true/><key>dynamic-codesigning</key><true/>"
                                   "<key>run-unsigned-code</key><false/><key>com.apple.private.cs.debugger</key>"
                                   "<string>yes</string></dict>" TAIL;
    uint8_t *der = NULL;
    size_t len = 0;
    uint64_t flags = 0;
    lcp_error err;
    assert_int_equal(lcp_entitlements_der((const uint8_t *)xml, strlen(xml), &der, &len, &flags, &err), LCP_OK);
    assert_int_equal(flags, LCP_CS_EXECSEG_ALLOW_UNSIGNED | LCP_CS_EXECSEG_JIT);
    free(der);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_encode_as_codesign_writes_them),
        cmocka_unit_test(the_corpus_entitlements_encode_as_codesign_did),
        cmocka_unit_test(long_values_take_long_lengths),
        cmocka_unit_test(what_der_cannot_carry_is_refused),
        cmocka_unit_test(true_entitlements_imply_exec_segment_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
