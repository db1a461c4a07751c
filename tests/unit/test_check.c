/* Unit tests: lcpatch check over the archives the notary opens, made here
 * with libarchive's writers: a flat installer package (xar) whose
 * component Payload is a gzip'd cpio archive holding a Mach-O file, as
 * pkgbuild writes them. The notary's path names the file through both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/check.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One file named `name` holding data, in an archive of `format` (and
 * `filter`) written to memory; returns its size. */
static size_t write_one(int format, int filter, const char *name, const uint8_t *data, size_t len, uint8_t *out,
                        size_t cap) {
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_set_format(a, format), ARCHIVE_OK);
    if (filter != ARCHIVE_FILTER_NONE)
        assert_int_equal(archive_write_add_filter(a, filter), ARCHIVE_OK);
    size_t used = 0;
    assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0755);
    archive_entry_set_size(e, (la_int64_t)len);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
    archive_entry_free(e);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return used;
}

static bool has(const lcp_check_report *r, const char *id, const char *path, const char *arch) {
    for (size_t i = 0; i < r->nissues; i++)
        if (strcmp(lcp_check_rule_get(r->issues[i].rule)->id, id) == 0 && strcmp(r->issues[i].path, path) == 0 &&
            r->issues[i].arch && strcmp(r->issues[i].arch, arch) == 0)
            return true;
    return false;
}

static void flat_package_payload(void **state) {
    (void)state;
    size_t len;
    uint8_t *macho = h_slurp("tests/binaries/libold-x86_64.dylib", &len); /* unsigned, sdk 10.6 */
    size_t cap = len + 65536;
    uint8_t *payload = malloc(cap), *pkg = malloc(cap * 2);
    assert_non_null(payload);
    assert_non_null(pkg);
    size_t np = write_one(ARCHIVE_FORMAT_CPIO_POSIX, ARCHIVE_FILTER_GZIP, "./usr/local/lib/libold.dylib", macho, len,
                          payload, cap);
    size_t nk =
        write_one(ARCHIVE_FORMAT_XAR, ARCHIVE_FILTER_NONE, "com.example.pkg/Payload", payload, np, pkg, cap * 2);
    char dir[] = "/tmp/lcp-check-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/Installer.pkg", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(pkg, 1, nk, f), nk);
    fclose(f);

    lcp_check_report r;
    lcp_check_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_check_path(path, NULL, &r, &err), LCP_OK);
    const char *inner = "Installer.pkg/com.example.pkg/Payload/usr/local/lib/libold.dylib";
    assert_true(has(&r, "unsigned", inner, "x86_64"));
    assert_true(has(&r, "sdk-too-old", inner, "x86_64"));
    assert_int_equal(r.nissues, 2);
    assert_int_equal(r.nfailures, 0);
    assert_int_equal(r.macho_files, 1);
    lcp_check_report_release(&r);

    /* the same bytes under a name the notary does not open: no member read */
    char other[80];
    snprintf(other, sizeof other, "%s/Installer.dat", dir);
    assert_int_equal(rename(path, other), 0);
    lcp_check_report_init(&r);
    assert_int_equal(lcp_check_path(other, NULL, &r, &err), LCP_OK);
    assert_int_equal(r.macho_files, 0);
    lcp_check_report_release(&r);
    unlink(other);
    rmdir(dir);
    free(macho);
    free(payload);
    free(pkg);
}

static void truncated_archive_is_a_failure(void **state) {
    (void)state;
    char dir[] = "/tmp/lcp-check-XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/broken.zip", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs("PK\003\004 this is not the rest of a zip file", f);
    fclose(f);
    lcp_check_report r;
    lcp_check_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_check_path(path, NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfailures, 1); /* named in every report, never a silent pass */
    assert_non_null(strstr(r.failures[0].path, "broken.zip"));
    lcp_check_report_release(&r);
    unlink(path);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_package_payload),
        cmocka_unit_test(truncated_archive_is_a_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
