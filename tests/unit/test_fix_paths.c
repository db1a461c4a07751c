/* Unit tests: lcp_fix_paths_plan / lcp_fix_paths_apply on a bundle built
 * in a temporary folder from tests/binaries fixtures:
 *
 *   Fix.app/Contents/MacOS/Fix        hello-x86_64 whose @rpath/libdemo.dylib
 *                                     load became /usr/local/lib/libold.1.dylib,
 *                                     with an extra LC_RPATH /opt/homebrew/lib
 *   Fix.app/Contents/Frameworks/libold.dylib          libold-x86_64.dylib
 *                                     (LC_ID_DYLIB /usr/local/lib/libold.1.dylib)
 *   Fix.app/Contents/Frameworks/Demo.framework/Versions/A/Demo
 *                                     fat64.dylib (x86_64 + arm64, id @rpath/libdemo.dylib)
 *   Fix.app/Contents/Frameworks/arm64/Other   libdemo-arm64.dylib: arm64 only
 *   Fix.app/Contents/Helpers/bin/Tool hello-x86_64 loading
 *                                     /Library/Frameworks/Demo.framework/Versions/A/Demo
 *
 * The problems given are what `lcpatch audit` reports for it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lcpatch/dylib_edit.h"
#include "lcpatch/file.h"
#include "lcpatch/fix_paths.h"
#include "lcpatch/macho.h"
#include "lcpatch/write.h"

#define BIN "tests/binaries/"

static char root[256];

static void mkdirs(const char *rel) {
    char p[512];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    for (char *s = p + strlen(root) + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0755);
            *s = '/';
        }
    mkdir(p, 0755);
}

/* Copies a fixture to root/rel, applying `edits` to every slice. */
static void place(const char *fixture, const char *rel, const lcp_name_edit *edits, size_t n) {
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(fixture, &f, &err), LCP_OK);
    lcp_plan plan;
    lcp_plan_init(&plan);
    uint64_t pos = 0;
    for (size_t s = 0; s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image;
        if (n) {
            lcp_name_report rep;
            assert_int_equal(lcp_image_edit_names(img, edits, n, 0, &rep, &err), LCP_OK);
            lcp_name_report_release(&rep);
        }
        assert_int_equal(lcp_plan_add_copy(&plan, pos, img->offset - pos, &err), LCP_OK);
        assert_int_equal(lcp_plan_add_image(&plan, img, img->size, &err), LCP_OK);
        pos = img->offset + img->size;
    }
    if (pos < f->src.size)
        assert_int_equal(lcp_plan_add_copy(&plan, pos, f->src.size - pos, &err), LCP_OK);
    char out[512];
    snprintf(out, sizeof out, "%s/%s", root, rel);
    assert_int_equal(lcp_plan_write_file(&plan, &f->src, out, fixture, &err), LCP_OK);
    lcp_plan_release(&plan);
    lcp_file_free(f);
}

static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/lcpatch-fix-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    strcat(root, "/Fix.app");
    mkdir(root, 0755);
    mkdirs("Contents/MacOS");
    mkdirs("Contents/Frameworks/Demo.framework/Versions/A");
    mkdirs("Contents/Helpers/bin");
    mkdirs("Contents/Frameworks/arm64");
    const lcp_name_edit fix[] = {{LCP_NAME_CHANGE, "@rpath/libdemo.dylib", "/usr/local/lib/libold.1.dylib"},
                                 {LCP_NAME_ADD_RPATH, NULL, "/opt/homebrew/lib"}};
    place(BIN "hello-x86_64", "Contents/MacOS/Fix", fix, 2);
    place(BIN "libold-x86_64.dylib", "Contents/Frameworks/libold.dylib", NULL, 0);
    place(BIN "fat64.dylib", "Contents/Frameworks/Demo.framework/Versions/A/Demo", NULL, 0);
    place(BIN "libdemo-arm64.dylib", "Contents/Frameworks/arm64/Other", NULL, 0);
    const lcp_name_edit tool[] = {
        {LCP_NAME_CHANGE, "@rpath/libdemo.dylib", "/Library/Frameworks/Demo.framework/Versions/A/Demo"}};
    place(BIN "hello-x86_64", "Contents/Helpers/bin/Tool", tool, 1);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[600];
    char *slash = strrchr(root, '/');
    *slash = '\0';
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static const lcp_fix_problem problems[] = {
    {LCP_FIX_BAD_LOAD, "Contents/MacOS/Fix", "x86_64", "/usr/local/lib/libold.1.dylib"},
    {LCP_FIX_RPATH_OUTSIDE, "Contents/MacOS/Fix", "x86_64", "/opt/homebrew/lib"},
    {LCP_FIX_BAD_LOAD, "Contents/Helpers/bin/Tool", "x86_64", "/Library/Frameworks/Demo.framework/Versions/A/Demo"},
    {LCP_FIX_BAD_LOAD, "Contents/Helpers/bin/Tool", "x86_64", "/usr/local/lib/libnothere.dylib"},
    /* named like a bundled library that has no x86_64 slice: not a match */
    {LCP_FIX_BAD_LOAD, "Contents/Helpers/bin/Tool", "x86_64", "/opt/lib/Other"},
};

static const lcp_fix_action *find(const lcp_fix_plan *p, lcp_fix_action_kind k, const char *file) {
    for (size_t i = 0; i < p->n; i++)
        if (p->actions[i].kind == k && strcmp(p->actions[i].file, file) == 0)
            return &p->actions[i];
    return NULL;
}

static void plan_matches_by_install_name_then_file_name(void **state) {
    (void)state;
    lcp_fix_plan plan;
    lcp_error err;
    assert_int_equal(lcp_fix_paths_plan(root, problems, 5, &plan, &err), LCP_OK);
    const lcp_fix_action *a = find(&plan, LCP_FIX_CHANGE, "Contents/MacOS/Fix");
    assert_non_null(a);
    assert_string_equal(a->old_path, "/usr/local/lib/libold.1.dylib");
    assert_string_equal(a->new_path, "@rpath/libold.dylib"); /* found by install name, named by its file */
    assert_string_equal(a->target, "Contents/Frameworks/libold.dylib");
    a = find(&plan, LCP_FIX_SET_ID, "Contents/Frameworks/libold.dylib");
    assert_non_null(a);
    assert_string_equal(a->new_path, "@rpath/libold.dylib");
    a = find(&plan, LCP_FIX_ADD_RPATH, "Contents/MacOS/Fix");
    assert_non_null(a);
    assert_string_equal(a->new_path, "@executable_path/../Frameworks");
    a = find(&plan, LCP_FIX_DELETE_RPATH, "Contents/MacOS/Fix");
    assert_non_null(a);
    assert_string_equal(a->old_path, "/opt/homebrew/lib");
    /* by file name, inside a framework: the rpath leads to the folder holding it */
    a = find(&plan, LCP_FIX_CHANGE, "Contents/Helpers/bin/Tool");
    assert_non_null(a);
    assert_string_equal(a->new_path, "@rpath/Demo.framework/Versions/A/Demo");
    assert_null(find(&plan, LCP_FIX_SET_ID, "Contents/Frameworks/Demo.framework/Versions/A/Demo"));
    a = find(&plan, LCP_FIX_ADD_RPATH, "Contents/Helpers/bin/Tool");
    assert_non_null(a);
    assert_string_equal(a->new_path, "@executable_path/../../Frameworks");
    size_t unresolved = 0;
    for (size_t i = 0; i < plan.n; i++)
        if (plan.actions[i].kind == LCP_FIX_UNRESOLVED) {
            assert_string_equal(plan.actions[i].file, "Contents/Helpers/bin/Tool");
            assert_string_equal(plan.actions[i].old_path,
                                unresolved ? "/opt/lib/Other" : "/usr/local/lib/libnothere.dylib");
            unresolved++;
        }
    assert_int_equal(unresolved, 2);
    lcp_fix_plan_release(&plan);
}

static bool has(const char *rel, uint32_t cmd, const char *path) {
    char full[512];
    snprintf(full, sizeof full, "%s/%s", root, rel);
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(full, &f, &err), LCP_OK);
    bool found = false;
    lcp_image *img = f->slices[0].image;
    for (size_t i = 0; i < img->ncmds; i++) {
        const char *s;
        if (img->lc[i].cmd == cmd && lcp_image_cmd_string(img, i, &s) && strcmp(s, path) == 0)
            found = true;
    }
    lcp_file_free(f);
    return found;
}

static void apply_then_apply_again_changes_nothing(void **state) {
    (void)state;
    lcp_fix_plan plan;
    lcp_fix_result res;
    lcp_error err;
    assert_int_equal(lcp_fix_paths_plan(root, problems, 5, &plan, &err), LCP_OK);
    assert_int_equal(lcp_fix_paths_apply(root, &plan, 0, &res, &err), LCP_OK);
    assert_int_equal(res.nfailures, 0);
    assert_int_equal(res.files_changed, 3);
    assert_int_equal(res.edits, 6);
    lcp_fix_result_release(&res);
    lcp_fix_plan_release(&plan);
    assert_true(has("Contents/MacOS/Fix", LCP_LC_LOAD_DYLIB, "@rpath/libold.dylib"));
    assert_false(has("Contents/MacOS/Fix", LCP_LC_LOAD_DYLIB, "/usr/local/lib/libold.1.dylib"));
    assert_true(has("Contents/MacOS/Fix", LCP_LC_RPATH, "@executable_path/../Frameworks"));
    assert_true(has("Contents/MacOS/Fix", LCP_LC_RPATH, "@executable_path/../lib")); /* inside: kept */
    assert_false(has("Contents/MacOS/Fix", LCP_LC_RPATH, "/opt/homebrew/lib"));
    assert_true(has("Contents/Frameworks/libold.dylib", LCP_LC_ID_DYLIB, "@rpath/libold.dylib"));
    assert_true(has("Contents/Helpers/bin/Tool", LCP_LC_LOAD_DYLIB, "@rpath/Demo.framework/Versions/A/Demo"));
    assert_true(has("Contents/Helpers/bin/Tool", LCP_LC_RPATH, "@executable_path/../../Frameworks"));

    /* The same problems again: the plan finds nothing left to change. */
    assert_int_equal(lcp_fix_paths_plan(root, problems, 5, &plan, &err), LCP_OK);
    assert_null(find(&plan, LCP_FIX_ADD_RPATH, "Contents/MacOS/Fix")); /* the rpath now reaches it */
    assert_int_equal(lcp_fix_paths_apply(root, &plan, 0, &res, &err), LCP_OK);
    assert_int_equal(res.files_changed, 0);
    assert_int_equal(res.nfailures, 0);
    lcp_fix_result_release(&res);
    lcp_fix_plan_release(&plan);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(plan_matches_by_install_name_then_file_name),
        cmocka_unit_test(apply_then_apply_again_changes_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
