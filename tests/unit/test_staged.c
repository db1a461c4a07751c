/* Unit tests: staged outputs (lcp_plan_stage_file, commit, abort): the
 * destination is replaced only on commit, and abort leaves nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lcpatch/write.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[64];
static char dest[96];

static int setup(void **state) {
    (void)state;
    strcpy(dir, "/tmp/lcp-staged-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    snprintf(dest, sizeof dest, "%s/out", dir);
    FILE *f = fopen(dest, "w");
    if (f == NULL)
        return -1;
    fputs("old", f);
    fclose(f);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[400];
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

static int entries(void) {
    int n = 0;
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    if (d)
        closedir(d);
    return n;
}

static void contents(char *buf, size_t n) {
    FILE *f = fopen(dest, "r");
    assert_non_null(f);
    size_t got = fread(buf, 1, n - 1, f);
    buf[got] = '\0';
    fclose(f);
}

static void stage_then_commit_replaces(void **state) {
    (void)state;
    static const uint8_t input[] = "new bytes";
    lcp_source src = {-1, input, sizeof input - 1};
    lcp_plan p;
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_add_copy(&p, 0, sizeof input - 1, NULL), LCP_OK);
    lcp_staged_file *sf;
    assert_int_equal(lcp_plan_stage_file(&p, &src, dest, NULL, 0, &sf, NULL), LCP_OK);
    char buf[32];
    contents(buf, sizeof buf);
    assert_string_equal(buf, "old"); /* staged, not replaced */
    assert_int_equal(entries(), 2);  /* the destination and the staged file */
    assert_int_equal(lcp_staged_file_commit(sf, NULL), LCP_OK);
    contents(buf, sizeof buf);
    assert_string_equal(buf, "new bytes");
    assert_int_equal(entries(), 1);
    lcp_plan_release(&p);
}

static void abort_leaves_nothing(void **state) {
    (void)state;
    static const uint8_t input[] = "new bytes";
    lcp_source src = {-1, input, sizeof input - 1};
    lcp_plan p;
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_add_copy(&p, 0, sizeof input - 1, NULL), LCP_OK);
    lcp_staged_file *sf;
    assert_int_equal(lcp_plan_stage_file(&p, &src, dest, NULL, 0, &sf, NULL), LCP_OK);
    lcp_staged_file_abort(sf);
    lcp_staged_file_abort(NULL);
    char buf[32];
    contents(buf, sizeof buf);
    assert_string_equal(buf, "old");
    assert_int_equal(entries(), 1);
    lcp_plan_release(&p);
}

static void a_failed_stage_leaves_nothing(void **state) {
    (void)state;
    static const uint8_t input[] = "short";
    lcp_source src = {-1, input, sizeof input - 1};
    lcp_plan p;
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_add_copy(&p, 2, 100, NULL), LCP_OK); /* past the input */
    lcp_staged_file *sf = (lcp_staged_file *)&p;
    lcp_error err;
    assert_int_equal(lcp_plan_stage_file(&p, &src, dest, NULL, 0, &sf, &err), LCP_E_MALFORMED);
    assert_null(sf);
    assert_int_equal(entries(), 1);
    lcp_plan_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(stage_then_commit_replaces, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(a_failed_stage_leaves_nothing, setup, teardown),
    };
    return cmocka_run_group_tests_name("staged", tests, NULL, NULL);
}
