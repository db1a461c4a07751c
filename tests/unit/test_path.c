/* Unit tests: lcp_path_normalize, the one path normaliser (util/path.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/path.h"

#include <stdio.h>
#include <string.h>

/* Normalises `in` in `mode`; asserts the outcome and, when it succeeds,
 * the result. */
static void expect(const char *in, lcp_path_mode mode, const char *want) {
    char p[256];
    snprintf(p, sizeof p, "%s", in);
    bool ok = lcp_path_normalize(p, mode);
    if (want == NULL) {
        if (ok)
            fail_msg("\"%s\" (mode %d) normalised to \"%s\", expected a refusal", in, (int)mode, p);
        return;
    }
    if (!ok)
        fail_msg("\"%s\" (mode %d) was refused, expected \"%s\"", in, (int)mode, want);
    if (strcmp(p, want) != 0)
        fail_msg("\"%s\" (mode %d) normalised to \"%s\", expected \"%s\"", in, (int)mode, p, want);
}

static void absolute_paths(void **state) {
    (void)state;
    expect("/a/./b/../c//d/", LCP_PATH_ABSOLUTE, "/a/c/d");
    expect("/../../x", LCP_PATH_ABSOLUTE, "/x"); /* ".." at "/" stays at "/" */
    expect("/a/..", LCP_PATH_ABSOLUTE, "/");
    expect("/", LCP_PATH_ABSOLUTE, "/");
    expect("//", LCP_PATH_ABSOLUTE, "/");
    expect("/.", LCP_PATH_ABSOLUTE, "/");
    expect("//usr//lib///libz.dylib", LCP_PATH_ABSOLUTE, "/usr/lib/libz.dylib");
    expect("/a/b/", LCP_PATH_ABSOLUTE, "/a/b");
    expect("/a/b/c/../../d", LCP_PATH_ABSOLUTE, "/a/d");
    expect("/...", LCP_PATH_ABSOLUTE, "/..."); /* a name, not ".." */
    expect("/a/.b/..c", LCP_PATH_ABSOLUTE, "/a/.b/..c");
    expect("a/b", LCP_PATH_ABSOLUTE, NULL); /* not absolute */
    expect("", LCP_PATH_ABSOLUTE, NULL);
}

static void paths_in_a_root(void **state) {
    (void)state;
    expect("a/./b/../c", LCP_PATH_IN_ROOT, "a/c");
    expect("/Frameworks//X.framework/", LCP_PATH_IN_ROOT, "Frameworks/X.framework"); /* leading "/" dropped */
    expect("Contents/MacOS/../Frameworks", LCP_PATH_IN_ROOT, "Contents/Frameworks");
    expect("a/..", LCP_PATH_IN_ROOT, ""); /* the root itself */
    expect("", LCP_PATH_IN_ROOT, "");
    expect(".", LCP_PATH_IN_ROOT, "");
    expect("..", LCP_PATH_IN_ROOT, NULL); /* above the root */
    expect("a/../..", LCP_PATH_IN_ROOT, NULL);
    expect("/../x", LCP_PATH_IN_ROOT, NULL);
    expect("@loader_path/..", LCP_PATH_IN_ROOT, ""); /* no prefixes in a root: a folder name */
}

static void load_paths(void **state) {
    (void)state;
    expect("@loader_path/../Frameworks/./X.framework//X", LCP_PATH_LOAD, "@loader_path/../Frameworks/X.framework/X");
    expect("@loader_path/a/../b/", LCP_PATH_LOAD, "@loader_path/b");
    expect("@loader_path/..", LCP_PATH_LOAD, "@loader_path/..");
    expect("@loader_path/../../lib/../x", LCP_PATH_LOAD, "@loader_path/../../x");
    expect("@executable_path/.", LCP_PATH_LOAD, "@executable_path");
    expect("@rpath//libfoo.dylib", LCP_PATH_LOAD, "@rpath/libfoo.dylib");
    expect("a/../../x", LCP_PATH_LOAD, "../x"); /* a relative path keeps what climbs out */
    expect("/usr/lib/../lib/libc++.dylib", LCP_PATH_LOAD, "/usr/lib/libc++.dylib");
    expect("/../x", LCP_PATH_LOAD, "/x");
    expect("x/@rpath/..", LCP_PATH_LOAD, "x"); /* "@" is a prefix only first */
}

/* A message names a long path by its ends: the shown path fits, keeps
 * the first and last folders whole, and a short path is shown as is. */
static void long_paths_shown(void **state) {
    (void)state;
    char buf[LCP_PATH_SHOWN_MAX];
    const char *short_path = "/tmp/App.app";
    assert_ptr_equal(lcp_path_shown(short_path, buf), short_path);
    char deep[2048] = "/tmp/App.app/Contents/Resources";
    for (int i = 0; i < 300; i++)
        strcat(deep, "/d");
    strcat(deep, "/last-folder");
    const char *shown = lcp_path_shown(deep, buf);
    assert_ptr_equal(shown, buf);
    assert_true(strlen(shown) < LCP_PATH_SHOWN_MAX);
    assert_true(strncmp(shown, "/tmp/App.app/Contents/Resources/d/", 34) == 0);
    assert_non_null(strstr(shown, "/d/.../d/"));
    size_t n = strlen(shown);
    assert_string_equal(shown + n - strlen("/d/last-folder"), "/d/last-folder");
    /* one name longer than the bound: cut off whole characters (é is 2 bytes) */
    char word[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(word, "\xc3\xa9");
    shown = lcp_path_shown(word, buf);
    n = strlen(shown);
    assert_true(n < LCP_PATH_SHOWN_MAX);
    assert_non_null(strstr(shown, "/.../"));
    const char *gap = strstr(shown, "/.../");
    assert_true((gap - shown) % 2 == 0);                   /* whole é before the gap */
    assert_true((n - (size_t)(gap - shown) - 5) % 2 == 0); /* and after it */
    assert_int_equal((unsigned char)gap[5], 0xc3);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(absolute_paths),
        cmocka_unit_test(paths_in_a_root),
        cmocka_unit_test(load_paths),
        cmocka_unit_test(long_paths_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
