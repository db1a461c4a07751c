/* Unit tests: the bundle API of liblcpatch, as a library user calls it:
 * lcp_sign_bundle_adhoc (lcpatch/sign.h) signs a bundle built in a
 * temporary folder from tests/binaries fixtures, lcp_cs_bundle_tree_read
 * (lcpatch/codesign.h) reads it back for verification, lcp_cs_check
 * checks its main executable with the bundle's seal bound:
 *
 *   App.app/Contents/Info.plist                 CFBundleExecutable App
 *   App.app/Contents/MacOS/App                  calls-arm64
 *   App.app/Contents/Resources/a.txt            a resource
 *   App.app/Contents/Frameworks/libdemo.dylib   libdemo-arm64.dylib (nested code, a file)
 *   App.app/Contents/PlugIns/P.bundle           a nested bundle (calls-x86_64)
 *
 * and a failure (a nested bundle with no executable) leaves the bundle as
 * it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lcpatch/codesign.h"
#include "lcpatch/file.h"
#include "lcpatch/sign.h"
#include "lcpatch/write.h"

#define BIN "tests/binaries/"

static char tmp[256], app[300];

static void path_of(char *out, size_t len, const char *rel) { snprintf(out, len, "%s/%s", app, rel); }

static void mkdirs(const char *rel) {
    char p[512];
    path_of(p, sizeof p, rel);
    for (char *s = p + strlen(tmp) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static void put(const char *rel, const void *bytes, size_t len) {
    char p[512];
    path_of(p, sizeof p, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n > 0);
    rewind(f);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void copy(const char *fixture, const char *rel) {
    size_t len;
    uint8_t *b = slurp(fixture, &len);
    put(rel, b, len);
    free(b);
}

static void info_plist(const char *rel, const char *exe) {
    char xml[400];
    int n = snprintf(xml, sizeof xml,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                     "<key>CFBundleExecutable</key><string>%s</string>"
                     "<key>CFBundleIdentifier</key><string>com.example.%s</string></dict></plist>\n",
                     exe, exe);
    put(rel, xml, (size_t)n);
}

static int setup(void **state) {
    (void)state;
    snprintf(tmp, sizeof tmp, "/tmp/lcpatch-signbundle-XXXXXX");
    if (!mkdtemp(tmp))
        return -1;
    snprintf(app, sizeof app, "%s/App.app", tmp);
    mkdirs("Contents/MacOS");
    mkdirs("Contents/Resources");
    mkdirs("Contents/Frameworks");
    mkdirs("Contents/PlugIns/P.bundle/Contents/MacOS");
    info_plist("Contents/Info.plist", "App");
    copy(BIN "calls-arm64", "Contents/MacOS/App");
    put("Contents/Resources/a.txt", "hello\n", 6);
    copy(BIN "libdemo-arm64.dylib", "Contents/Frameworks/libdemo.dylib");
    info_plist("Contents/PlugIns/P.bundle/Contents/Info.plist", "P");
    copy(BIN "calls-x86_64", "Contents/PlugIns/P.bundle/Contents/MacOS/P");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    return system(cmd) == 0 ? 0 : -1;
}

static bool exists(const char *rel) {
    char p[512];
    struct stat st;
    path_of(p, sizeof p, rel);
    return stat(p, &st) == 0;
}

/* The main executable's verdict with the bundle's Info.plist and seal bound. */
static lcp_cs_verdict executable_verdict(const lcp_cs_bundle *b, char *identifier, size_t len) {
    lcp_file *f;
    lcp_error err;
    assert_non_null(b->executable);
    assert_int_equal(lcp_file_open(b->executable, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 1);
    lcp_cs_signature sig;
    lcp_cs_result res;
    memset(&sig, 0, sizeof sig);
    assert_int_equal(lcp_cs_check(&f->src, f->slices[0].image, &b->ext, &sig, &res, &err), LCP_OK);
    snprintf(identifier, len, "%s", sig.ncds && sig.cds[0].identifier ? sig.cds[0].identifier : "");
    lcp_cs_signature_release(&sig);
    lcp_file_free(f);
    return res.verdict;
}

static void signed_bundle_reads_back_valid(void **state) {
    (void)state;
    lcp_adhoc_opts o = {NULL, NULL, false, NULL, 0, NULL, 0, NULL, 0};
    lcp_error err;
    assert_int_equal(lcp_sign_bundle_adhoc(app, &o, LCP_WRITE_NO_FSYNC, &err), LCP_OK);
    assert_true(exists("Contents/_CodeSignature/CodeResources"));
    assert_true(exists("Contents/PlugIns/P.bundle/Contents/_CodeSignature/CodeResources"));

    lcp_cs_bundle_tree t;
    assert_int_equal(lcp_cs_bundle_tree_read(app, &t), LCP_OK);
    assert_int_equal(t.seal_status, LCP_OK);
    assert_true(t.seal.sealed);
    assert_int_equal(t.seal.nchanges, 0);
    /* the nested code, in the seal's (path) order: a file, then a bundle */
    assert_int_equal(t.nnested, 2);
    assert_non_null(strstr(t.nested[0].path, "/Contents/Frameworks/libdemo.dylib"));
    assert_null(t.nested[0].bundle);
    assert_non_null(strstr(t.nested[1].path, "/Contents/PlugIns/P.bundle"));
    assert_non_null(t.nested[1].bundle);
    const lcp_cs_bundle_tree *p = t.nested[1].bundle;
    assert_int_equal(p->status, LCP_OK);
    assert_true(p->seal.sealed);
    assert_int_equal(p->seal.nchanges, 0);
    char ident[128];
    assert_int_equal(executable_verdict(&p->bundle, ident, sizeof ident), LCP_CSV_VALID);
    assert_string_equal(ident, "com.example.P");
    /* the identifier: the Info.plist's, as codesign takes it */
    assert_int_equal(executable_verdict(&t.bundle, ident, sizeof ident), LCP_CSV_VALID);
    assert_string_equal(ident, "com.example.App");
    lcp_cs_bundle_tree_release(&t);

    /* a resource changed after signing: the seal names it */
    put("Contents/Resources/a.txt", "changed\n", 8);
    assert_int_equal(lcp_cs_bundle_tree_read(app, &t), LCP_OK);
    assert_int_equal(t.seal.nchanges, 1);
    assert_int_equal(t.seal.changes[0].kind, LCP_CS_FILE_MODIFIED);
    assert_string_equal(t.seal.changes[0].path, "Resources/a.txt");
    lcp_cs_bundle_tree_release(&t);
    put("Contents/Resources/a.txt", "hello\n", 6);
}

static void failure_leaves_the_bundle_as_it_was(void **state) {
    (void)state;
    /* Q.bundle (signed after P.bundle, in name order) names no executable */
    mkdirs("Contents/PlugIns/Q.bundle/Contents");
    info_plist("Contents/PlugIns/Q.bundle/Contents/Info.plist", "Missing");
    char exe[512], pexe[512];
    path_of(exe, sizeof exe, "Contents/MacOS/App");
    path_of(pexe, sizeof pexe, "Contents/PlugIns/P.bundle/Contents/MacOS/P");
    size_t len, plen;
    uint8_t *before = slurp(exe, &len), *pbefore = slurp(pexe, &plen);
    lcp_adhoc_opts o = {"com.example.other", NULL, false, NULL, 0, NULL, 0, NULL, 0};
    lcp_error err;
    assert_int_equal(lcp_sign_bundle_adhoc(app, &o, LCP_WRITE_NO_FSYNC, &err), LCP_E_UNSUPPORTED);
    assert_non_null(strstr(err.message, "no main executable"));
    size_t len2, plen2;
    uint8_t *after = slurp(exe, &len2), *pafter = slurp(pexe, &plen2);
    assert_int_equal(len, len2);
    assert_memory_equal(before, after, len);
    assert_int_equal(plen, plen2);
    assert_memory_equal(pbefore, pafter, plen);
    free(before);
    free(after);
    free(pbefore);
    free(pafter);

    /* no bundle at all: the tree says why, and releases cleanly */
    lcp_cs_bundle_tree t;
    char q[512];
    path_of(q, sizeof q, "Contents/Resources");
    assert_int_equal(lcp_cs_bundle_tree_read(q, &t), LCP_E_NOTFOUND);
    assert_non_null(strstr(t.err.message, "not a bundle"));
    lcp_cs_bundle_tree_release(&t);
}

static void folders_made_before_a_failure_are_removed(void **state) {
    (void)state;
    /* a fresh bundle whose nested Q.bundle fails: the _CodeSignature
     * folders made on the way are removed again */
    char cmd[800];
    snprintf(cmd, sizeof cmd,
             "rm -rf '%s/Contents/_CodeSignature' '%s/Contents/PlugIns/P.bundle/Contents/_CodeSignature'", app, app);
    assert_int_equal(system(cmd), 0);
    lcp_adhoc_opts o = {NULL, NULL, false, NULL, 0, NULL, 0, NULL, 0};
    lcp_error err;
    assert_int_equal(lcp_sign_bundle_adhoc(app, &o, LCP_WRITE_NO_FSYNC, &err), LCP_E_UNSUPPORTED);
    assert_false(exists("Contents/PlugIns/P.bundle/Contents/_CodeSignature"));
    assert_false(exists("Contents/_CodeSignature"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_bundle_reads_back_valid),
        cmocka_unit_test(failure_leaves_the_bundle_as_it_was),
        cmocka_unit_test(folders_made_before_a_failure_are_removed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
