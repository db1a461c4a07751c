/* Unit tests: lcp_walk, the one tree walker (util/walk.h): sorted depth
 * first order, skipping folders, symlink policy, loops, the depth bound and
 * errors reported per path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct seen {
    char log[4096];   /* "rel:kind;" for every visit and "!rel:failure;" */
    const char *skip; /* a folder not to enter */
    const char *stop; /* an entry that ends the walk */
} seen;

static void append(seen *s, const char *fmt, const char *rel, int kind) {
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, fmt, rel, kind);
}

static lcp_status visit(void *ctx, const lcp_walk_entry *e, bool *skip) {
    seen *s = ctx;
    char k = S_ISDIR(e->st->st_mode) ? 'd' : S_ISREG(e->st->st_mode) ? 'f' : S_ISLNK(e->st->st_mode) ? 'l' : '?';
    append(s, "%s:%c;", e->rel, k);
    /* path is the root as given joined to rel, without a doubled "/" */
    assert_non_null(strstr(e->path, e->rel));
    assert_null(strstr(e->path, "//"));
    assert_string_equal(e->name, strrchr(e->rel, '/') ? strrchr(e->rel, '/') + 1 : e->rel);
    if (s->skip && strcmp(e->rel, s->skip) == 0)
        *skip = true;
    if (s->stop && strcmp(e->rel, s->stop) == 0)
        return LCP_E_USAGE;
    return LCP_OK;
}

/* Folders are left after their contents: logged as ")rel;" */
static lcp_status leave(void *ctx, const lcp_walk_entry *e) {
    append(ctx, ")%s;", e->rel, 0); /* the kind is not printed */
    return LCP_OK;
}

static lcp_status on_error(void *ctx, const lcp_walk_error *e) {
    append(ctx, "!%s:%d;", e->rel, (int)e->kind);
    return LCP_OK;
}

static char root[64];

static void put(const char *rel) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    assert_true(fd >= 0);
    close(fd);
}

static void dir(const char *rel) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    assert_int_equal(mkdir(p, 0755), 0);
}

static void link_to(const char *target, const char *rel) {
    char p[256];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    assert_int_equal(symlink(target, p), 0);
}

/* root/{b/{z, a}, a-c, a/{x, loop -> .., y -> ../b}, c -> a} */
static int setup(void **state) {
    (void)state;
    snprintf(root, sizeof root, "/tmp/lcp-walk-XXXXXX");
    if (mkdtemp(root) == NULL)
        return -1;
    dir("b");
    put("b/z");
    put("b/a");
    put("a-c");
    dir("a");
    put("a/x");
    link_to("..", "a/loop");
    link_to("../b", "a/y");
    link_to("a", "c");
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static lcp_status walk(seen *s, const char *at, unsigned depth, bool follow) {
    lcp_walk_options o = {
        .max_depth = depth, .follow_symlinks = follow, .visit = visit, .leave = leave, .on_error = on_error, .ctx = s};
    lcp_error err;
    return lcp_walk(at, &o, &err);
}

static void sorted_depth_first_links_not_followed(void **state) {
    (void)state;
    seen s = {{0}, NULL, NULL};
    assert_int_equal(walk(&s, root, 64, false), LCP_OK);
    /* "a" before "a-c" (sorted per folder, not by whole path) */
    assert_string_equal(s.log, "a:d;a/loop:l;a/x:f;a/y:l;)a;a-c:f;b:d;b/a:f;b/z:f;)b;c:l;");
}

static void root_with_a_trailing_slash(void **state) {
    (void)state;
    char at[80];
    snprintf(at, sizeof at, "%s/", root);
    seen s = {{0}, NULL, NULL};
    assert_int_equal(walk(&s, at, 64, false), LCP_OK);
    assert_string_equal(s.log, "a:d;a/loop:l;a/x:f;a/y:l;)a;a-c:f;b:d;b/a:f;b/z:f;)b;c:l;");
}

static void skip_and_stop(void **state) {
    (void)state;
    seen s = {{0}, "a", NULL};
    assert_int_equal(walk(&s, root, 64, false), LCP_OK);
    assert_string_equal(s.log, "a:d;a-c:f;b:d;b/a:f;b/z:f;)b;c:l;"); /* a skipped: not left either */
    seen t = {{0}, NULL, "a-c"};
    assert_int_equal(walk(&t, root, 64, false), LCP_E_USAGE); /* the callback's status */
    assert_string_equal(t.log, "a:d;a/loop:l;a/x:f;a/y:l;)a;a-c:f;");
}

static void followed_links_stop_at_loops(void **state) {
    (void)state;
    seen s = {{0}, NULL, NULL};
    assert_int_equal(walk(&s, root, 64, true), LCP_OK);
    /* a/loop leads back to the root: reported (kind 3, a loop), not entered;
     * a/y and c are entered under their own names */
    assert_string_equal(s.log, "a:d;a/loop:d;!a/loop:3;)a/loop;a/x:f;a/y:d;a/y/a:f;a/y/z:f;)a/y;)a;a-c:f;b:d;b/a:f;"
                               "b/z:f;)b;c:d;c/loop:d;!c/loop:3;)c/loop;c/x:f;c/y:d;c/y/a:f;c/y/z:f;)c/y;)c;");
}

static void depth_bound(void **state) {
    (void)state;
    seen s = {{0}, NULL, NULL};
    assert_int_equal(walk(&s, root, 0, false), LCP_OK);
    /* depth 0: the root's entries only; each folder below is an error (kind 2) */
    assert_string_equal(s.log, "a:d;!a:2;)a;a-c:f;b:d;!b:2;)b;c:l;");
}

static void missing_root_is_an_error(void **state) {
    (void)state;
    char at[96];
    snprintf(at, sizeof at, "%s/no-such", root);
    seen s = {{0}, NULL, NULL};
    assert_int_equal(walk(&s, at, 64, false), LCP_OK);
    assert_string_equal(s.log, "!:0;"); /* the root (rel ""), LCP_WALK_OPEN */
    lcp_walk_options o = {.max_depth = 64, .visit = visit, .ctx = &s};
    lcp_error err;
    assert_int_equal(lcp_walk(at, &o, &err), LCP_OK); /* no on_error: passed over */
}

static void unreadable_folder(void **state) {
    (void)state;
    if (geteuid() == 0) {
        print_message("skipped: running as root, a folder with mode 000 still opens\n");
        skip();
    }
    char p[96];
    snprintf(p, sizeof p, "%s/b", root);
    assert_int_equal(chmod(p, 0), 0);
    seen s = {{0}, NULL, NULL};
    lcp_status st = walk(&s, root, 64, false);
    chmod(p, 0755);
    assert_int_equal(st, LCP_OK);
    assert_string_equal(s.log, "a:d;a/loop:l;a/x:f;a/y:l;)a;a-c:f;b:d;!b:0;)b;c:l;");
}

static void join(void **state) {
    (void)state;
    char *s = lcp_path_join("a", "b");
    assert_string_equal(s, "a/b");
    free(s);
    s = lcp_path_join("a/", "b");
    assert_string_equal(s, "a/b");
    free(s);
    s = lcp_path_join("/", "b");
    assert_string_equal(s, "/b");
    free(s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sorted_depth_first_links_not_followed),
        cmocka_unit_test(root_with_a_trailing_slash),
        cmocka_unit_test(skip_and_stop),
        cmocka_unit_test(followed_links_stop_at_loops),
        cmocka_unit_test(depth_bound),
        cmocka_unit_test(missing_root_is_an_error),
        cmocka_unit_test(unreadable_folder),
        cmocka_unit_test(join),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
