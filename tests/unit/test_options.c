/* Unit tests: the option-spec parser of the native commands (options.h):
 * values, operands, and the four usage errors every command shares. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli/options.h"
#include "lcpatch/lcpatch.h"

enum { O_SDK = 1, O_ARCH, O_FLAG, O_JOBS, O_TOOL, O_PLATFORM, O_NAME };

static const lcp_opt_spec specs[] = {
    {O_SDK, "--sdk", 0, LCP_OPT_VERSION, 0, "V", "the sdk", 0, 0},
    {O_ARCH, "--arch", 0, LCP_OPT_ARCH, LCP_OPT_REPEAT, "A", "an arch", 0, 0},
    {O_FLAG, "--flag", 'f', LCP_OPT_FLAG, 0, NULL, "a flag", 0, 0},
    {O_JOBS, "--jobs", 'j', LCP_OPT_NUMBER, 0, "N", "threads", 1, 64},
    {O_TOOL, "--tool", 0, LCP_OPT_PAIR, LCP_OPT_REPEAT, "TOOL VERSION", "a tool", 0, 0},
    {O_PLATFORM, "--platform", 0, LCP_OPT_PLATFORM, 0, "P", "a platform", 0, 0},
    {O_NAME, "--a-rather-long-option-name", 0, LCP_OPT_STRING, LCP_OPT_HIDDEN, "NAME", "hidden", 0, 0},
    LCP_OPT_OUTPUT_SPECS,
};
static const lcp_opt_command posix = {"t", "usage: lcpatch t [options] FILE...\n\nBody.\n", specs, LCP_OPT_COUNT(specs),
                                      0};
static const lcp_opt_command mixed = {"t", "usage: lcpatch t ...\n", specs, LCP_OPT_COUNT(specs), LCP_OPTS_INTERLEAVED};

/* Parses the NULL-terminated args (argv[0] = "t") and returns the final
 * status; the ids seen go to ids[] (up to 16). */
static int parse(const lcp_opt_command *cmd, char **args, lcp_opts *p, int *ids, int *nids) {
    int argc = 0;
    while (args[argc])
        argc++;
    lcp_opts_begin(p, cmd, argc, args);
    int id;
    *nids = 0;
    while ((id = lcp_opts_next(p)) > 0)
        if (*nids < 16)
            ids[(*nids)++] = id;
    return p->status;
}

static void values_and_operands(void **state) {
    (void)state;
    char *args[] = {"t", "--sdk", "11.2", "--arch=arm64", "-f", "-j", "8", "-o=out", "a", "b", NULL};
    lcp_opts p;
    int ids[16], n;
    assert_int_equal(parse(&posix, args, &p, ids, &n), -1);
    assert_int_equal(n, 5);
    assert_int_equal(ids[0], O_SDK);
    assert_int_equal(ids[4], LCP_OPT_ID_OUTPUT);
    assert_string_equal(p.value, "out");
    assert_int_equal(p.noperands, 2);
    assert_int_equal(p.first, 8);
}

static void typed_values(void **state) {
    (void)state;
    char *a1[] = {"t", "--sdk", "10.9.1", NULL};
    lcp_opts p;
    int ids[16], n;
    assert_int_equal(parse(&posix, a1, &p, ids, &n), -1);
    assert_int_equal(p.version, LCP_VERSION(10, 9, 1));
    char *a2[] = {"t", "--arch", "x86_64", NULL};
    assert_int_equal(parse(&posix, a2, &p, ids, &n), -1);
    assert_int_equal(p.cputype, LCP_CPU_TYPE_X86_64);
    char *a3[] = {"t", "--platform", "ios", NULL};
    assert_int_equal(parse(&posix, a3, &p, ids, &n), -1);
    assert_int_equal(p.platform, LCP_PLATFORM_IOS);
    char *a4[] = {"t", "--jobs", "64", NULL};
    assert_int_equal(parse(&posix, a4, &p, ids, &n), -1);
    assert_int_equal(p.number, 64);
    char *a5[] = {"t", "--tool", "ld", "1.0", "--tool", "clang", "2", NULL};
    assert_int_equal(parse(&posix, a5, &p, ids, &n), -1);
    assert_int_equal(n, 2);
    assert_string_equal(p.value, "clang");
    assert_string_equal(p.value2, "2");
}

/* Every malformed command line: exit 2, and parsing stops. */
static void usage_errors(void **state) {
    (void)state;
    char *bad[][6] = {
        {"t", "--nope", "f", NULL},                /* unknown */
        {"t", "-x", NULL},                         /* unknown short */
        {"t", "--sdk", NULL},                      /* missing value */
        {"t", "--tool", "ld", NULL},               /* missing second value */
        {"t", "--sdk", "", "f", NULL},             /* empty value */
        {"t", "--sdk=", "f", NULL},                /* empty value after = */
        {"t", "-o", "", "f", NULL},                /* empty -o */
        {"t", "--sdk", "11", "--sdk", "12", NULL}, /* twice */
        {"t", "-f", "--flag", NULL},               /* twice, short then long */
        {"t", "-o", "a", "--output=b", NULL},      /* -o twice */
        {"t", "--flag=1", NULL},                   /* a flag with a value */
        {"t", "--sdk", "abc", NULL},               /* not a version */
        {"t", "--arch", "vax", NULL},              /* not an arch */
        {"t", "--platform", "amiga", NULL},        /* not a platform */
        {"t", "--jobs", "0", NULL},                /* out of range */
        {"t", "--jobs", "9x", NULL},               /* not a number */
        {"t", "--jobs", "-3", NULL},               /* negative */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lcp_opts p;
        int ids[16], n;
        assert_int_equal(parse(&posix, bad[i], &p, ids, &n), 2);
        assert_int_equal(lcp_opts_next(&p), 0); /* stays stopped */
    }
}

static void repeatable(void **state) {
    (void)state;
    char *args[] = {"t", "--arch", "arm64", "--arch", "x86_64", "f", NULL};
    lcp_opts p;
    int ids[16], n;
    assert_int_equal(parse(&posix, args, &p, ids, &n), -1);
    assert_int_equal(n, 2);
}

static void operands_end_options(void **state) {
    (void)state;
    /* POSIX: after the first operand, "-f" is an operand */
    char *a1[] = {"t", "a", "-f", NULL};
    lcp_opts p;
    int ids[16], n;
    assert_int_equal(parse(&posix, a1, &p, ids, &n), -1);
    assert_int_equal(n, 0);
    assert_int_equal(p.noperands, 2);
    assert_int_equal(p.first, 1);
    assert_string_equal(a1[2], "-f");
    /* interleaved: options anywhere until "--"; "-" is an operand */
    char *a2[] = {"t", "a", "-f", "-", "--", "--sdk", NULL};
    assert_int_equal(parse(&mixed, a2, &p, ids, &n), -1);
    assert_int_equal(n, 1);
    assert_int_equal(p.noperands, 3);
    assert_int_equal(p.first, 1);
    assert_string_equal(a2[1], "a");
    assert_string_equal(a2[2], "-");
    assert_string_equal(a2[3], "--sdk");
}

static void help(void **state) {
    (void)state;
    char *args[] = {"t", "--sdk", "11", "--help", "--nope", NULL};
    lcp_opts p;
    int ids[16], n;
    FILE *saved = stdout;
    FILE *sink = tmpfile();
    assert_non_null(sink);
    stdout = sink;
    int st = parse(&posix, args, &p, ids, &n);
    stdout = saved;
    fclose(sink);
    assert_int_equal(st, 0);
    char text[2048];
    FILE *f = tmpfile();
    assert_non_null(f);
    lcp_opts_print_help(&posix, f);
    long len = ftell(f);
    assert_true(len > 0 && (size_t)len < sizeof text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
    text[len] = '\0';
    fclose(f);
    assert_non_null(strstr(text, "usage: lcpatch t"));
    assert_non_null(strstr(text, "  -o, --output OUT "));
    assert_non_null(strstr(text, "      --arch A "));
    assert_non_null(strstr(text, "(repeatable)"));
    assert_null(strstr(text, "--a-rather-long")); /* hidden */
    assert_non_null(strstr(text, "\nBody.\n"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_and_operands), cmocka_unit_test(typed_values),         cmocka_unit_test(usage_errors),
        cmocka_unit_test(repeatable),          cmocka_unit_test(operands_end_options), cmocka_unit_test(help),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
