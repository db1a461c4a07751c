/* Unit tests: atomic output files (src/util/outfile.c, lcp_plan_write_file)
 * and the CLI's -o / --in-place helper (src/cli/output_opts.c). Every test
 * works in a fresh temporary folder and checks that no temporary file is
 * left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"
#include "util/outfile.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[256];

static int make_dir(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/lcp-outfile-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state) {
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void path_in(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

static void write_bytes(const char *path, const char *s) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(s, f);
    fclose(f);
}

static char *slurp(const char *path) {
    static char buf[4096];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Files in dir whose name contains ".lcpatch-". */
static int temp_files_left(void) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".lcpatch-"))
            n++;
    closedir(d);
    return n;
}

/* A plan copying "HELLO" from a memory source and adding bytes. */
static const uint8_t input[] = "HELLO";
static void make_plan(lcp_plan *p, lcp_source *src) {
    lcp_plan_init(p);
    src->fd = -1;
    src->mem = input;
    src->size = 5;
    assert_int_equal(lcp_plan_add_copy(p, 0, 5, NULL), LCP_OK);
    assert_int_equal(lcp_plan_add_bytes(p, ",W", 2, NULL), LCP_OK);
}

static void plan_writes_file_with_mode_of_input(void **state) {
    (void)state;
    char in[300], out[300];
    path_in(in, sizeof in, "in");
    path_in(out, sizeof out, "out");
    write_bytes(in, "x");
    assert_int_equal(chmod(in, 0751), 0);
    write_bytes(out, "old contents");
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    lcp_error err;
    assert_int_equal(lcp_plan_write_file(&p, &src, out, in, &err), LCP_OK);
    assert_string_equal(slurp(out), "HELLO,W");
    struct stat sb;
    assert_int_equal(stat(out, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0751);
    assert_int_equal(temp_files_left(), 0);
    lcp_plan_release(&p);
}

static void plan_to_memory_matches_plan_to_file(void **state) {
    (void)state;
    char out[300];
    path_in(out, sizeof out, "m");
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    assert_int_equal(lcp_plan_add_zeros(&p, 3, NULL), LCP_OK);
    uint8_t *mem;
    size_t len;
    assert_int_equal(lcp_plan_write_memory(&p, &src, &mem, &len, NULL), LCP_OK);
    assert_int_equal(len, 10);
    assert_int_equal(lcp_plan_write_file(&p, &src, out, NULL, NULL), LCP_OK);
    FILE *f = fopen(out, "rb");
    uint8_t back[32];
    assert_int_equal(fread(back, 1, sizeof back, f), 10);
    fclose(f);
    assert_memory_equal(back, mem, 10);
    assert_memory_equal(mem, "HELLO,W\0\0\0", 10);
    free(mem);
    lcp_plan_release(&p);
}

static void copy_outside_input_is_refused_before_writing(void **state) {
    (void)state;
    char out[300];
    path_in(out, sizeof out, "o2");
    write_bytes(out, "keep");
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    assert_int_equal(lcp_plan_add_copy(&p, 3, 3, NULL), LCP_OK); /* 3+3 > 5 */
    lcp_error err;
    assert_int_equal(lcp_plan_write_file(&p, &src, out, NULL, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "0x3"));
    assert_string_equal(slurp(out), "keep");
    assert_int_equal(temp_files_left(), 0);
    uint8_t *mem = (uint8_t *)1;
    size_t len = 1;
    assert_int_equal(lcp_plan_write_memory(&p, &src, &mem, &len, NULL), LCP_E_MALFORMED);
    assert_null(mem);
    lcp_plan_release(&p);
}

static void missing_folder_fails_cleanly(void **state) {
    (void)state;
    char out[300];
    path_in(out, sizeof out, "no/such/folder/out");
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    lcp_error err;
    assert_int_equal(lcp_plan_write_file(&p, &src, out, NULL, &err), LCP_E_IO);
    assert_non_null(strstr(err.message, "no/such/folder/out"));
    lcp_plan_release(&p);
}

static void symlink_target_is_replaced_and_link_kept(void **state) {
    (void)state;
    char target[300], link[300];
    path_in(target, sizeof target, "target");
    path_in(link, sizeof link, "link");
    write_bytes(target, "old");
    assert_int_equal(chmod(target, 0700), 0);
    assert_int_equal(symlink("target", link), 0);
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    assert_int_equal(lcp_plan_write_file(&p, &src, link, link, NULL), LCP_OK);
    struct stat sb;
    assert_int_equal(lstat(link, &sb), 0);
    assert_true(S_ISLNK(sb.st_mode));
    assert_string_equal(slurp(target), "HELLO,W");
    assert_int_equal(stat(target, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    assert_int_equal(temp_files_left(), 0);
    lcp_plan_release(&p);
}

static void owner_and_group_are_kept_when_allowed(void **state) {
    (void)state;
    if (geteuid() != 0) {
        print_message("skipped: changing a file's owner needs root\n");
        skip();
    }
    char in[300];
    path_in(in, sizeof in, "owned");
    write_bytes(in, "x");
    assert_int_equal(chown(in, 12345, 23456), 0);
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    assert_int_equal(lcp_plan_write_file(&p, &src, in, in, NULL), LCP_OK);
    struct stat sb;
    assert_int_equal(stat(in, &sb), 0);
    assert_int_equal(sb.st_uid, 12345);
    assert_int_equal(sb.st_gid, 23456);
    lcp_plan_release(&p);
}

/* LCP_WRITE_NO_FSYNC changes nothing but the syncs: the same bytes (copied
 * from a file, so through copy_file_range, and from memory), the same mode,
 * the destination replaced, no temporary file left. (That it really skips
 * fsync, and that the default does not, is checked by tests/faults/run.sh
 * with the LD_PRELOAD shim, which counts the calls.) */
static void no_fsync_writes_the_same_file(void **state) {
    (void)state;
    char in[300], durable[300], fast[300];
    path_in(in, sizeof in, "in");
    path_in(durable, sizeof durable, "durable");
    path_in(fast, sizeof fast, "fast");
    write_bytes(in, "HELLO");
    assert_int_equal(chmod(in, 0751), 0);
    write_bytes(fast, "old contents of the destination");
    int fd = open(in, O_RDONLY);
    assert_true(fd >= 0);
    lcp_source from_file = {fd, NULL, 5};
    lcp_plan p;
    lcp_source from_mem;
    make_plan(&p, &from_mem);
    assert_int_equal(lcp_plan_add_zeros(&p, 5000, NULL), LCP_OK);
    assert_int_equal(lcp_plan_add_copy(&p, 1, 3, NULL), LCP_OK);
    for (int k = 0; k < 2; k++) {
        const lcp_source *src = k ? &from_file : &from_mem;
        lcp_error err;
        assert_int_equal(lcp_plan_write_file(&p, src, durable, in, &err), LCP_OK);
        assert_int_equal(lcp_plan_write_file_flags(&p, src, fast, in, LCP_WRITE_NO_FSYNC, &err), LCP_OK);
        uint8_t *want;
        size_t len;
        assert_int_equal(lcp_plan_write_memory(&p, src, &want, &len, NULL), LCP_OK);
        assert_int_equal(len, 5 + 2 + 5000 + 3);
        for (int w = 0; w < 2; w++) {
            FILE *f = fopen(w ? fast : durable, "rb");
            assert_non_null(f);
            static uint8_t back[8192];
            assert_int_equal(fread(back, 1, sizeof back, f), len);
            fclose(f);
            assert_memory_equal(back, want, len);
            struct stat sb;
            assert_int_equal(stat(w ? fast : durable, &sb), 0);
            assert_int_equal(sb.st_mode & 07777, 0751);
        }
        free(want);
        assert_int_equal(temp_files_left(), 0);
    }
    /* staged without fsync, then aborted: nothing left, nothing replaced */
    write_bytes(fast, "keep");
    lcp_staged_file *sf;
    assert_int_equal(lcp_plan_stage_file(&p, &from_file, fast, in, LCP_WRITE_NO_FSYNC, &sf, NULL), LCP_OK);
    assert_int_equal(temp_files_left(), 1);
    lcp_staged_file_abort(sf);
    assert_string_equal(slurp(fast), "keep");
    assert_int_equal(temp_files_left(), 0);
    /* a flag it does not know is refused before anything is written */
    lcp_error err;
    sf = (lcp_staged_file *)&p;
    assert_int_equal(lcp_plan_stage_file(&p, &from_file, fast, in, 2u, &sf, &err), LCP_E_USAGE);
    assert_null(sf);
    assert_int_equal(lcp_plan_write_file_flags(&p, &from_file, fast, in, LCP_WRITE_NO_FSYNC | 4u, &err), LCP_E_USAGE);
    assert_non_null(strstr(err.message, "flags"));
    assert_string_equal(slurp(fast), "keep");
    assert_int_equal(temp_files_left(), 0);
    close(fd);
    lcp_plan_release(&p);
}

/* lcp_outfile_open asks for the syncs; a caller (lcp_plan_stage_file)
 * clears them. */
static void outfile_syncs_by_default(void **state) {
    (void)state;
    char out[300];
    path_in(out, sizeof out, "of");
    lcp_outfile of;
    assert_int_equal(lcp_outfile_open(&of, out, NULL, NULL), LCP_OK);
    assert_true(of.sync);
    of.sync = false;
    assert_int_equal(lcp_outfile_write(&of, "abc", 3, NULL), LCP_OK);
    assert_int_equal(lcp_outfile_commit(&of, NULL), LCP_OK);
    assert_string_equal(slurp(out), "abc");
    assert_int_equal(temp_files_left(), 0);
}

/* ---- output_opts ---- */

static int parse_all(lcp_output_opts *o, int argc, char **argv) {
    lcp_output_opts_init(o);
    for (int i = 1; i < argc; i++) {
        int r = lcp_output_opts_parse(o, "test", argc, argv, &i);
        if (r < 0)
            return -1;
    }
    return 0;
}

static void output_options_parse(void **state) {
    (void)state;
    lcp_output_opts o;
    char *a1[] = {"cmd", "-o", "X", "in"};
    assert_int_equal(parse_all(&o, 4, a1), 0);
    assert_string_equal(o.output, "X");
    assert_false(o.in_place);
    char *a2[] = {"cmd", "--output=Y", "--in-place"};
    assert_int_equal(parse_all(&o, 3, a2), 0);
    assert_string_equal(o.output, "Y");
    assert_true(o.in_place);
    char *a3[] = {"cmd", "-o"};
    assert_int_equal(parse_all(&o, 2, a3), -1);
    char *a4[] = {"cmd", "-o", "A", "-o=B"};
    assert_int_equal(parse_all(&o, 4, a4), -1);
    char *a5[] = {"cmd", "-o="};
    assert_int_equal(parse_all(&o, 2, a5), -1);
    assert_int_equal(lcp_output_opts_write_flags(&o), 0);
    assert_false(o.no_fsync);
    char *a7[] = {"cmd", "--no-fsync", "--in-place", "in"};
    assert_int_equal(parse_all(&o, 4, a7), 0);
    assert_true(o.no_fsync);
    assert_true(o.in_place);
    assert_int_equal(lcp_output_opts_write_flags(&o), LCP_WRITE_NO_FSYNC);
    int i = 1;
    char *a6[] = {"cmd", "--json"};
    lcp_output_opts_init(&o);
    assert_int_equal(lcp_output_opts_parse(&o, "t", 2, a6, &i), 0);
    assert_int_equal(i, 1);
}

static void output_options_check(void **state) {
    (void)state;
    char in[300], alias[300], other[300];
    path_in(in, sizeof in, "input");
    path_in(alias, sizeof alias, "alias");
    path_in(other, sizeof other, "other");
    write_bytes(in, "x");
    assert_int_equal(symlink("input", alias), 0);
    char *inputs[] = {in, other};
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 1), 2); /* neither */
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 0), 2); /* no input */
    o.in_place = true;
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 2), 0);
    assert_string_equal(lcp_output_opts_dest(&o, in), in);
    o.in_place = false;
    o.output = other;
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 1), 0);
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 2), 2); /* -o with two inputs */
    assert_string_equal(lcp_output_opts_dest(&o, in), other);
    o.output = alias; /* -o names the input through a symlink */
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 1), 2);
    o.output = in;
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 1), 2);
    o.in_place = true;
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 1), 0);
    o.output = other; /* --in-place and a different -o */
    assert_int_equal(lcp_output_opts_check(&o, "t", inputs, 1), 2);
}

static void output_write_refuses_the_input_without_in_place(void **state) {
    (void)state;
    char in[300], alias[300];
    path_in(in, sizeof in, "in3");
    path_in(alias, sizeof alias, "alias3");
    write_bytes(in, "orig");
    assert_int_equal(link(in, alias), 0); /* a hard link is the same file too */
    lcp_plan p;
    lcp_source src;
    make_plan(&p, &src);
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    o.output = alias;
    lcp_error err;
    assert_int_equal(lcp_output_write(&o, in, &p, &src, &err), LCP_E_USAGE);
    assert_string_equal(slurp(in), "orig");
    o.in_place = true;
    o.output = NULL;
    assert_int_equal(lcp_output_write(&o, in, &p, &src, &err), LCP_OK);
    assert_string_equal(slurp(in), "HELLO,W");
    assert_int_equal(temp_files_left(), 0);
    o.no_fsync = true; /* the same refusal and the same result without the syncs */
    o.in_place = false;
    o.output = alias;
    assert_int_equal(unlink(alias), 0); /* the rename gave `in` a new inode: link it again */
    assert_int_equal(link(in, alias), 0);
    assert_int_equal(lcp_output_write(&o, in, &p, &src, &err), LCP_E_USAGE);
    write_bytes(in, "orig");
    o.in_place = true;
    o.output = NULL;
    assert_int_equal(lcp_output_write(&o, in, &p, &src, &err), LCP_OK);
    assert_string_equal(slurp(in), "HELLO,W");
    assert_int_equal(temp_files_left(), 0);
    lcp_plan_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(plan_writes_file_with_mode_of_input, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(plan_to_memory_matches_plan_to_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(copy_outside_input_is_refused_before_writing, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(missing_folder_fails_cleanly, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(symlink_target_is_replaced_and_link_kept, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(owner_and_group_are_kept_when_allowed, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(no_fsync_writes_the_same_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(outfile_syncs_by_default, make_dir, remove_dir),
        cmocka_unit_test(output_options_parse),
        cmocka_unit_test_setup_teardown(output_options_check, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(output_write_refuses_the_input_without_in_place, make_dir, remove_dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
