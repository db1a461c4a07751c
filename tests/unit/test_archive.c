/* Unit tests: hostile static archives built in memory: bad member headers
 * (size not decimal, past the end, bad terminator), BSD #1/ names longer
 * than the member, SYSV /N names outside the name table, truncation at every
 * byte, and a Mach-O member whose image is broken. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/lcpatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint8_t ar[8 + 60 + 16 + H_SIZE + 60 + 4 + 64];
static size_t ar_len;
enum { M0 = 8, M0_DATA = 8 + 60, M1 = 8 + 60 + 16 + H_SIZE };

static void header(uint8_t *h, const char *name, size_t size) {
    char buf[61];
    snprintf(buf, sizeof buf, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name, "0", "0", "0", "644", size);
    memcpy(h, buf, 60);
}

/* "!<arch>\n", member "#1/16" (name "member_long_name" + h_image64), then
 * a SYSV-style short member "x.txt/" of 3 bytes plus its pad byte. */
static void build(void) {
    memset(ar, 0, sizeof ar);
    memcpy(ar, "!<arch>\n", 8);
    header(ar + M0, "#1/16", 16 + H_SIZE);
    memcpy(ar + M0_DATA, "member_long_name", 16);
    h_image64(ar + M0_DATA + 16, false);
    header(ar + M1, "x.txt/", 3);
    memcpy(ar + M1 + 60, "abc\n", 4);
    ar_len = M1 + 60 + 4;
}

static lcp_status parse(size_t len, lcp_error *err) { return h_parse(ar, len, "lib.a", err); }

static void expect_malformed(uint64_t offset, const char *needle) {
    lcp_error err;
    lcp_status st = parse(ar_len, &err);
    if (st != LCP_E_MALFORMED || err.offset != offset || strstr(err.message, needle) == NULL)
        fail_msg("status %d offset 0x%llx '%s'; want malformed 0x%llx '%s'", st, (unsigned long long)err.offset,
                 err.message, (unsigned long long)offset, needle);
}

static void valid_archive_parses(void **state) {
    (void)state;
    build();
    lcp_file *f;
    assert_int_equal(lcp_file_open_memory(ar, ar_len, "lib.a", &f, NULL), LCP_OK);
    assert_int_equal(f->kind, LCP_ARCHIVE);
    lcp_archive *a = f->slices[0].archive;
    assert_int_equal(a->nmembers, 2);
    assert_string_equal(a->members[0].name, "member_long_name");
    assert_int_equal(a->members[0].data_offset, M0_DATA + 16);
    assert_non_null(a->members[0].image);
    assert_string_equal(a->members[1].name, "x.txt");
    assert_null(a->members[1].image);
    lcp_file_free(f);
}

static void bad_member_headers(void **state) {
    (void)state;
    build();
    memcpy(ar + M1 + 48, "9999999999", 10);
    expect_malformed(M1 + 48, "runs past the end of the archive");
    build();
    memcpy(ar + M1 + 48, "1x        ", 10);
    expect_malformed(M1, "bad archive member header");
    build();
    memcpy(ar + M1 + 48, "          ", 10);
    expect_malformed(M1, "bad archive member header");
    build();
    memcpy(ar + M1 + 58, "XX", 2);
    expect_malformed(M1, "bad archive member header");
    build();
    memcpy(ar + M0 + 48, "99999999999999999999", 10); /* 10 nines: past the end, no overflow */
    expect_malformed(M0 + 48, "runs past the end");
}

static void long_names_out_of_range(void **state) {
    (void)state;
    build();
    memcpy(ar + M0, "#1/99999       ", 15); /* longer than the member */
    expect_malformed(M0, "long name length 99999 too large");
    build();
    memcpy(ar + M1, "/5              ", 16); /* SYSV /N without a name table */
    expect_malformed(M1, "long name /5 not in the name table");
}

static void broken_member_image_names_the_member(void **state) {
    (void)state;
    build();
    h_put32(ar + M0_DATA + 16 + 20, false, 0xffffffff); /* sizeofcmds */
    lcp_error err;
    assert_int_equal(parse(ar_len, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "member_long_name"));
    assert_int_equal(err.offset, M0_DATA + 16 + 20);
}

static void truncation_at_every_byte(void **state) {
    (void)state;
    build();
    /* 8 bytes is an empty archive, which is fine; the last byte is a pad */
    for (size_t len = 9; len < ar_len - 1; len++) {
        lcp_error err;
        lcp_status st = parse(len, &err);
        if (len == M1 || len == M1 + 60 + 3) /* a member boundary, or a missing pad byte */
            continue;
        if (st != LCP_E_MALFORMED)
            fail_msg("length %zu: status %d '%s'", len, st, err.message);
    }
}

/* Many tiny members: linear, and every one listed. */
static void many_members(void **state) {
    (void)state;
    enum { N = 20000 };
    size_t len = 8 + (size_t)N * 62;
    uint8_t *b = malloc(len);
    assert_non_null(b);
    memcpy(b, "!<arch>\n", 8);
    for (size_t i = 0; i < N; i++) {
        header(b + 8 + i * 62, "a/", 1);
        b[8 + i * 62 + 60] = 'x';
        b[8 + i * 62 + 61] = '\n';
    }
    lcp_file *f;
    assert_int_equal(lcp_file_open_memory(b, len, "many.a", &f, NULL), LCP_OK);
    assert_int_equal(f->slices[0].archive->nmembers, N);
    lcp_file_free(f);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_archive_parses),     cmocka_unit_test(bad_member_headers),
        cmocka_unit_test(long_names_out_of_range),  cmocka_unit_test(broken_member_image_names_the_member),
        cmocka_unit_test(truncation_at_every_byte), cmocka_unit_test(many_members),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
