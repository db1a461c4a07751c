/* Unit tests: SYSV long names in archives, and the bound on their table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcpatch/file.h"

/* Appends a 60-byte ar header for `name` and `size` data bytes. */
static size_t header(uint8_t *b, size_t at, const char *name, size_t size) {
    char h[61];
    snprintf(h, sizeof h, "%-16s%-12s%-6s%-6s%-8s%-10zu`\n", name, "0", "0", "0", "644", size);
    memcpy(b + at, h, 60);
    return at + 60;
}

/* "//" table naming one member "a_rather_long_member_name.txt", then that
 * member (not Mach-O, so the archive has no image: only names are read). */
static void sysv_long_name_is_read(void **state) {
    (void)state;
    uint8_t b[512];
    memset(b, '\n', sizeof b);
    memcpy(b, "!<arch>\n", 8);
    const char *table = "a_rather_long_member_name.txt/\n";
    size_t at = header(b, 8, "//", strlen(table));
    memcpy(b + at, table, strlen(table));
    at += strlen(table);
    at += at & 1;
    at = header(b, at, "/0", 4);
    memcpy(b + at, "abcd", 4);
    at += 4;
    lcp_file *f = NULL;
    lcp_error err;
    assert_int_equal(lcp_file_open_memory(b, at, "t.a", &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].archive->nmembers, 2);
    assert_string_equal(f->slices[0].archive->members[1].name, "a_rather_long_member_name.txt");
    lcp_file_free(f);
}

/* A 16 MiB + 2 byte name table is refused before it is read. */
static void huge_name_table_is_refused(void **state) {
    (void)state;
    size_t n = (16u << 20) + 2, len = 8 + 60 + n;
    uint8_t *b = calloc(1, len);
    assert_non_null(b);
    memcpy(b, "!<arch>\n", 8);
    header(b, 8, "//", n);
    lcp_file *f = NULL;
    lcp_error err;
    assert_int_equal(lcp_file_open_memory(b, len, "big.a", &f, &err), LCP_E_UNSUPPORTED);
    assert_int_equal(err.offset, 8);
    assert_non_null(strstr(err.message, "long-name table"));
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sysv_long_name_is_read),
        cmocka_unit_test(huge_name_table_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
