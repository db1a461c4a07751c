/* Unit tests: rescue's records of its files (src/job/rescue_items.c):
 * which item a finding counts for, and the codesign command to run next. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lcpatch/lcpatch.h"
#include "lcpatch/rescue.h"

#define BIN "tests/binaries/"

static lcp_rescue_file *plan(const char *path) {
    lcp_rescue_options o;
    lcp_rescue_options_init(&o);
    lcp_rescue_file *rf;
    lcp_error err;
    if (lcp_rescue_plan_file(path, &o, &rf, &err) != LCP_OK)
        fail_msg("%s", err.message);
    return rf;
}

/* One item per file found, in order, less the excluded ones; a PATH that
 * cannot be read is one failed item. */
static void items_found_per_path(void **state) {
    (void)state;
    char *roots[] = {(char *)BIN "legacy-fat.dylib", (char *)BIN "no-such-file", (char *)BIN "libstatic.a"};
    char *excl[] = {(char *)BIN "libstatic.a/"};
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    lcp_rescue_items s;
    assert_true(lcp_rescue_items_find(&s, roots, 3, excl, 1, &out, true));
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0].path, BIN "legacy-fat.dylib");
    assert_ptr_equal(s.v[0].root, roots[0]);
    assert_false(s.v[0].failed);
    assert_null(s.v[0].dest); /* a dry run without -o or --in-place */
    assert_true(s.v[1].failed);
    assert_ptr_equal(s.v[1].path, roots[1]);
    assert_int_equal(s.v[1].err.status, LCP_E_IO);
    assert_int_equal(s.nfound[1], 0);
    assert_int_equal(s.nfound[2], 1); /* found, then left out */
    assert_true(s.excl_used[0]);
    lcp_rescue_items_release(&s);
    out.in_place = true;
    assert_true(lcp_rescue_items_find(&s, roots, 1, excl, 1, &out, false));
    assert_string_equal(s.v[0].dest, BIN "legacy-fat.dylib");
    assert_false(s.excl_used[0]);
    lcp_rescue_items_release(&s);
}

/* A finding counts for the first item it is about, and only when that
 * item keeps the slice; relative paths block like errors. */
static void findings_count_for_the_kept_slices(void **state) {
    (void)state;
    lcp_rescue_item items[2];
    memset(items, 0, sizeof items);
    items[0].root = "dir";
    items[0].path = (char *)"dir/legacy-fat.dylib";
    items[0].rf = plan(BIN "legacy-fat.dylib"); /* ppc7400, i386 removed; x86_64 kept */
    items[1].root = "dir";
    items[1].path = (char *)"dir/other.dylib"; /* not planned: every finding kept */
    lcp_audit_finding fd[4];
    memset(fd, 0, sizeof fd);
    const char *files[] = {"legacy-fat.dylib", "legacy-fat.dylib", "other.dylib", "elsewhere.dylib"};
    const char *archs[] = {"x86_64", "i386", "arm64", "x86_64"};
    for (int i = 0; i < 4; i++) {
        fd[i].root = (char *)"dir";
        fd[i].file = (char *)files[i];
        fd[i].arch = (char *)archs[i];
        fd[i].severity = LCP_AUDIT_WARNING;
        fd[i].kind = LCP_AUDIT_RELATIVE_PATH; /* blocks: dyld refuses it when hardened */
    }
    fd[2].kind = LCP_AUDIT_DUPLICATE_RPATH; /* a warning that does not block */
    assert_ptr_equal(lcp_rescue_item_of(items, 2, &fd[0]), &items[0]);
    assert_null(lcp_rescue_item_of(items, 2, &fd[1])); /* the i386 slice goes */
    assert_ptr_equal(lcp_rescue_item_of(items, 2, &fd[2]), &items[1]);
    assert_null(lcp_rescue_item_of(items, 2, &fd[3])); /* not a planned file */
    lcp_audit_report ar;
    memset(&ar, 0, sizeof ar);
    ar.findings = fd;
    ar.nfindings = 4;
    assert_int_equal(lcp_rescue_items_count_findings(items, 2, &ar), 1);
    assert_int_equal(items[0].nfindings, 1);
    assert_int_equal(items[0].errors, 1);
    assert_int_equal(items[1].nfindings, 1);
    assert_int_equal(items[1].errors, 0);
    lcp_rescue_file_free(items[0].rf);
}

/* Outputs inside out, then the bundle PATHs; words quoted for sh; nothing
 * to run when nothing is signed. */
static void next_step_signs_outputs_then_bundles(void **state) {
    (void)state;
    lcp_rescue_item items[2];
    memset(items, 0, sizeof items);
    items[0].path = (char *)"My App.app/Contents/MacOS/lib.dylib";
    items[0].rf = plan(BIN "legacy-fat.dylib");
    items[1].path = (char *)"My App.app/libstatic.a";
    items[1].rf = plan(BIN "libstatic.a"); /* linked, not signed */
    char *roots[] = {(char *)"My App.app/", (char *)"plain"};
    char *step = lcp_rescue_next_step(items, 2, roots, 2);
    assert_non_null(step);
    assert_string_equal(step, "codesign --force --options runtime --timestamp --sign \"Developer ID Application: "
                              "YOUR NAME (TEAMID)\" 'My App.app/Contents/MacOS/lib.dylib' 'My App.app/'");
    free(step);
    assert_true(lcp_rescue_items_unsigned(items, 2));
    items[0].dest = "out/it's.dylib"; /* the output is what is signed */
    step = lcp_rescue_next_step(items, 1, roots + 1, 1);
    assert_non_null(strstr(step, "\" 'out/it'\\''s.dylib'"));
    assert_null(strstr(step, "plain"));
    free(step);
    assert_false(lcp_rescue_items_unsigned(items, 1));
    items[0].failed = true;
    assert_null(lcp_rescue_next_step(items, 2, roots, 2));
    lcp_rescue_file_free(items[0].rf);
    lcp_rescue_file_free(items[1].rf);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(items_found_per_path),
        cmocka_unit_test(findings_count_for_the_kept_slices),
        cmocka_unit_test(next_step_signs_outputs_then_bundles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
