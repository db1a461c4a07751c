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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* The issues of path, as "rule arch detail" lines sorted, in out. */
static size_t issues_of(const lcp_check_report *r, const char *path, char out[][160], size_t cap) {
    size_t n = 0;
    for (size_t i = 0; i < r->nissues && n < cap; i++)
        if (strcmp(r->issues[i].path, path) == 0)
            snprintf(out[n++], 160, "%s %s %s", lcp_check_rule_get(r->issues[i].rule)->id,
                     r->issues[i].arch ? r->issues[i].arch : "-", r->issues[i].detail ? r->issues[i].detail : "-");
    return n;
}

static bool has_rule(const lcp_check_report *r, const char *id, const char *path) {
    for (size_t i = 0; i < r->nissues; i++)
        if (strcmp(lcp_check_rule_get(r->issues[i].rule)->id, id) == 0 && strcmp(r->issues[i].path, path) == 0)
            return true;
    return false;
}

/* A signed file under three names (hard links, read and hashed once by the
 * pool) and a copy with one code page changed: each link has the file's
 * issues under its own name, the copy is invalid and the links are not;
 * a malformed file under two names is a failure named by each. */
static void hard_links_each_named(void **state) {
    (void)state;
    size_t len;
    uint8_t *macho = h_slurp("tests/binaries/signed-arm64", &len); /* linker-signed, 5 pages */
    assert_true(len > 0x3100);
    char dir[] = "/tmp/lcp-check-XXXXXX", p[5][96];
    assert_non_null(mkdtemp(dir));
    const char *names[5] = {"a-link", "b-link", "c-modified", "d-link", "e-truncated"};
    for (int i = 0; i < 5; i++)
        snprintf(p[i], sizeof p[i], "%s/%s", dir, names[i]);
    FILE *f = fopen(p[0], "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(macho, 1, len, f), len);
    fclose(f);
    assert_int_equal(link(p[0], p[1]), 0);
    assert_int_equal(link(p[0], p[3]), 0);
    macho[0x3000] ^= 1; /* page 3 */
    f = fopen(p[2], "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(macho, 1, len, f), len);
    fclose(f);
    f = fopen(p[4], "wb"); /* the header and half the load commands */
    assert_non_null(f);
    assert_int_equal(fwrite(macho, 1, 48, f), 48);
    fclose(f);
    char trunc2[112];
    snprintf(trunc2, sizeof trunc2, "%s/f-truncated", dir);
    assert_int_equal(link(p[4], trunc2), 0);

    lcp_check_report r;
    lcp_check_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_check_path(dir, NULL, &r, &err), LCP_OK);
    const char *base = strrchr(dir, '/') + 1;
    char in[5][128], want[8][160], got[8][160];
    for (int i = 0; i < 5; i++)
        snprintf(in[i], sizeof in[i], "%s/%s", base, names[i]);
    size_t nw = issues_of(&r, in[0], want, 8);
    assert_true(nw >= 3); /* not Developer ID, no timestamp, no runtime */
    assert_false(has_rule(&r, "signature-invalid", in[0]));
    for (int k = 1; k <= 3; k += 2) {
        assert_int_equal(issues_of(&r, in[k], got, 8), nw);
        for (size_t i = 0; i < nw; i++)
            assert_string_equal(got[i], want[i]);
    }
    assert_true(has_rule(&r, "signature-invalid", in[2]));
    assert_int_equal(r.macho_files, 4); /* the truncated ones are failures */
    assert_int_equal(r.nfailures, 2);
    char t2[128];
    snprintf(t2, sizeof t2, "%s/f-truncated", base);
    assert_string_equal(r.failures[0].path, in[4]);
    assert_string_equal(r.failures[1].path, t2);
    assert_non_null(strstr(r.failures[0].error.message, "e-truncated"));
    assert_non_null(strstr(r.failures[1].error.message, "f-truncated"));
    lcp_check_report_release(&r);
    for (int i = 0; i < 5; i++)
        unlink(p[i]);
    unlink(trunc2);
    rmdir(dir);
    free(macho);
}

/* The walk (lcp_walk) goes 256 folders deep: a folder below is a failure
 * named by its notary path, and what lies beside it is still checked. */
static void folders_nested_too_deep(void **state) {
    (void)state;
    char dir[] = "/tmp/lcp-check-XXXXXX", p[1024];
    assert_non_null(mkdtemp(dir));
    int n = snprintf(p, sizeof p, "%s/z", dir);
    assert_int_equal(mkdir(p, 0755), 0);
    for (int i = 0; i < 257; i++) {
        n += snprintf(p + n, sizeof p - (size_t)n, "/d");
        assert_int_equal(mkdir(p, 0755), 0);
    }
    size_t len;
    uint8_t *macho = h_slurp("tests/binaries/libold-x86_64.dylib", &len);
    char lib[96];
    snprintf(lib, sizeof lib, "%s/zz.dylib", dir);
    FILE *f = fopen(lib, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(macho, 1, len, f), len);
    fclose(f);
    lcp_check_report r;
    lcp_check_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_check_path(dir, NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfailures, 1);
    /* z + 255 times /d is at depth 256 and walked; its d is not */
    const char *base = strrchr(dir, '/') + 1;
    char want[1024];
    int w = snprintf(want, sizeof want, "%s/z", base);
    for (int i = 0; i < 256; i++)
        w += snprintf(want + w, sizeof want - (size_t)w, "/d");
    assert_string_equal(r.failures[0].path, want);
    assert_non_null(strstr(r.failures[0].error.message, "nested deeper than 256"));
    char zz[96];
    snprintf(zz, sizeof zz, "%s/zz.dylib", base);
    assert_true(has(&r, "unsigned", zz, "x86_64"));
    lcp_check_report_release(&r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(macho);
}

/* A folder that cannot be listed is a failure (its path and errno), and
 * a bundle folder that cannot be listed (mode 0311: its files can still be
 * opened by name) gets no bundle rules, as before lcp_walk; the walk goes
 * on beside it. Listed, the same bundle has a main executable of mode 0644. */
static void folders_that_cannot_be_listed(void **state) {
    (void)state;
    if (geteuid() == 0) {
        print_message("skipped: running as root, a folder with mode 000 still opens\n");
        skip();
    }
    char dir[] = "/tmp/lcp-check-XXXXXX", p[160];
    assert_non_null(mkdtemp(dir));
    const char *dirs[] = {"A.bundle", "A.bundle/Contents", "A.bundle/Contents/MacOS", "b"};
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, dirs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    snprintf(p, sizeof p, "%s/A.bundle/Contents/Info.plist", dir);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs("<plist><dict><key>CFBundleExecutable</key><string>A</string></dict></plist>", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/A.bundle/Contents/MacOS/A", dir);
    f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(p, 0644), 0);
    char a[96], b[96];
    snprintf(a, sizeof a, "%s/A.bundle", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    assert_int_equal(chmod(a, 0311), 0);
    assert_int_equal(chmod(b, 0), 0);
    lcp_check_report r;
    lcp_check_report_init(&r);
    lcp_error err;
    lcp_status st = lcp_check_path(dir, NULL, &r, &err);
    chmod(a, 0755);
    chmod(b, 0755);
    assert_int_equal(st, LCP_OK);
    const char *base = strrchr(dir, '/') + 1;
    char pa[96], pb[96];
    snprintf(pa, sizeof pa, "%s/A.bundle", base);
    snprintf(pb, sizeof pb, "%s/b", base);
    assert_int_equal(r.nfailures, 2);
    assert_string_equal(r.failures[0].path, pa);
    assert_string_equal(r.failures[1].path, pb);
    assert_non_null(strstr(r.failures[0].error.message, strerror(EACCES)));
    assert_int_equal(r.nissues, 0); /* no bundle rule ran on A.bundle */
    lcp_check_report_release(&r);
    lcp_check_report_init(&r);
    assert_int_equal(lcp_check_path(dir, NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfailures, 0);
    assert_true(has_rule(&r, "main-not-executable", pa)); /* the rule a listed A.bundle gets */
    lcp_check_report_release(&r);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flat_package_payload),          cmocka_unit_test(truncated_archive_is_a_failure),
        cmocka_unit_test(hard_links_each_named),         cmocka_unit_test(folders_nested_too_deep),
        cmocka_unit_test(folders_that_cannot_be_listed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
