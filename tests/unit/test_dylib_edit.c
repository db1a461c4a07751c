/* Unit tests: install-name and rpath edits (lcp_image_edit_names) and
 * install_name_tool's space rule. Images are built in memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lcpatch/apple_space.h"
#include "lcpatch/dylib_edit.h"
#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "util/reader.h"

/* ---- a tiny image builder ---- */

struct builder {
    uint8_t b[4096];
    size_t len; /* end of the load commands */
    uint32_t ncmds;
    bool is64, big;
};

static void put32(struct builder *w, size_t at, uint32_t v) { lcp_put_u32(w->b, sizeof w->b, at, w->big, v); }

static void begin(struct builder *w, bool is64, bool big) {
    memset(w, 0, sizeof *w);
    w->is64 = is64;
    w->big = big;
    w->len = is64 ? 32 : 28;
}

/* A command with an lc_str at byte 8 after `fixed` bytes (extra u32 words
 * after the string offset given in `words`). */
static void str_cmd(struct builder *w, uint32_t cmd, uint32_t fixed, const char *s, const uint32_t *words, size_t nw) {
    uint32_t align = w->is64 ? 8 : 4;
    uint32_t size = (uint32_t)((fixed + strlen(s) + 1 + align - 1) & ~(size_t)(align - 1));
    put32(w, w->len, cmd);
    put32(w, w->len + 4, size);
    put32(w, w->len + 8, fixed);
    for (size_t k = 0; k < nw; k++)
        put32(w, w->len + 12 + 4 * k, words[k]);
    memcpy(w->b + w->len + fixed, s, strlen(s));
    w->len += size;
    w->ncmds++;
}

static void dylib(struct builder *w, uint32_t cmd, const char *name) {
    const uint32_t v[] = {2, 0x10000, 0x10000};
    str_cmd(w, cmd, 24, name, v, 3);
}
static void rpath(struct builder *w, const char *p) { str_cmd(w, LCP_LC_RPATH, 12, p, NULL, 0); }

/* A segment "__TEXT" with one section at `sect_off` (size 16, `flags`). */
static void segment(struct builder *w, uint32_t sect_off, uint32_t flags) {
    size_t c = w->len;
    if (w->is64) {
        put32(w, c, LCP_LC_SEGMENT_64);
        put32(w, c + 4, 72 + 80);
        memcpy(w->b + c + 8, "__TEXT", 6);
        lcp_put_u64(w->b, sizeof w->b, c + 48, w->big, 4096); /* filesize */
        put32(w, c + 64, 1);
        size_t s = c + 72;
        memcpy(w->b + s, "__text", 6);
        memcpy(w->b + s + 16, "__TEXT", 6);
        lcp_put_u64(w->b, sizeof w->b, s + 40, w->big, 16);
        put32(w, s + 48, sect_off);
        put32(w, s + 64, flags);
        w->len += 152;
    } else {
        put32(w, c, LCP_LC_SEGMENT);
        put32(w, c + 4, 56 + 68);
        memcpy(w->b + c + 8, "__TEXT", 6);
        put32(w, c + 36, 4096);
        put32(w, c + 48, 1);
        size_t s = c + 56;
        memcpy(w->b + s, "__text", 6);
        memcpy(w->b + s + 16, "__TEXT", 6);
        put32(w, s + 36, 16);
        put32(w, s + 40, sect_off);
        put32(w, s + 56, flags);
        w->len += 124;
    }
    w->ncmds++;
}

static void code_signature(struct builder *w) {
    put32(w, w->len, LCP_LC_CODE_SIGNATURE);
    put32(w, w->len + 4, 16);
    put32(w, w->len + 8, 4000);
    put32(w, w->len + 12, 96);
    w->len += 16;
    w->ncmds++;
}

static lcp_image *finish(struct builder *w, uint32_t filetype) {
    put32(w, 0, w->is64 ? LCP_MH_MAGIC_64 : LCP_MH_MAGIC);
    put32(w, 4, w->is64 ? LCP_CPU_TYPE_X86_64 : LCP_CPU_TYPE_POWERPC);
    put32(w, 12, filetype);
    put32(w, 16, w->ncmds);
    put32(w, 20, (uint32_t)(w->len - (w->is64 ? 32 : 28)));
    lcp_image *img = NULL;
    lcp_error err;
    assert_int_equal(lcp_image_parse(w->b, sizeof w->b, 0, 4096, &img, &err), LCP_OK);
    return img;
}

/* A dylib: __TEXT (section at `sect_off`), LC_ID_DYLIB, two loads, two rpaths. */
static lcp_image *sample(bool is64, bool big, uint32_t sect_off) {
    struct builder w;
    begin(&w, is64, big);
    segment(&w, sect_off, 0x80000400);
    dylib(&w, LCP_LC_ID_DYLIB, "/usr/local/lib/libdodo.dylib");
    dylib(&w, LCP_LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib");
    dylib(&w, LCP_LC_LOAD_WEAK_DYLIB, "/opt/old/libz.1.dylib");
    rpath(&w, "/opt/old/lib");
    rpath(&w, "@loader_path/../lib");
    return finish(&w, LCP_MH_DYLIB);
}

static const char *str_of(const lcp_image *img, size_t i) {
    const char *s = NULL;
    assert_true(lcp_image_cmd_string(img, i, &s));
    return s;
}

static lcp_status run(lcp_image *img, const lcp_name_edit *e, size_t n, lcp_name_report *rep, lcp_error *err) {
    return lcp_image_edit_names(img, e, n, 0, rep, err);
}

/* ---- edits ---- */

static void change_rewrites_every_matching_load(void **state) {
    (void)state;
    lcp_image *img = sample(true, false, 2048);
    const lcp_name_edit e[] = {{LCP_NAME_CHANGE, "/opt/old/libz.1.dylib", "@rpath/libz.1.dylib"}};
    lcp_name_report rep;
    lcp_error err;
    assert_int_equal(run(img, e, 1, &rep, &err), LCP_OK);
    assert_int_equal(rep.changed, 1);
    assert_int_equal(img->lc[3].cmd, LCP_LC_LOAD_WEAK_DYLIB);
    assert_string_equal(str_of(img, 3), "@rpath/libz.1.dylib");
    /* 24 + round8(strlen + 1) */
    assert_int_equal(img->lc[3].cmdsize, 24 + 24);
    lcp_dylib d;
    assert_true(lcp_image_dylib(img, 3, &d));
    assert_int_equal(d.timestamp, 2);
    assert_int_equal(d.current_version, 0x10000);
    assert_string_equal(str_of(img, 1), "/usr/local/lib/libdodo.dylib"); /* LC_ID_DYLIB untouched */
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

static void change_does_not_touch_the_id(void **state) {
    (void)state;
    lcp_image *img = sample(true, false, 2048);
    const lcp_name_edit e[] = {{LCP_NAME_CHANGE, "/usr/local/lib/libdodo.dylib", "@rpath/x.dylib"}};
    lcp_name_report rep;
    assert_int_equal(run(img, e, 1, &rep, NULL), LCP_OK);
    assert_int_equal(rep.changed, 0);
    assert_string_equal(str_of(img, 1), "/usr/local/lib/libdodo.dylib");
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

static void id_and_rpath_rename_in_a_big_endian_32_bit_image(void **state) {
    (void)state;
    lcp_image *img = sample(false, true, 2048);
    const lcp_name_edit e[] = {{LCP_NAME_ID, NULL, "@rpath/libdodo.dylib"},
                               {LCP_NAME_RPATH, "/opt/old/lib", "@loader_path/../Frameworks"}};
    lcp_name_report rep;
    lcp_error err;
    assert_int_equal(run(img, e, 2, &rep, &err), LCP_OK);
    assert_true(img->big_endian);
    assert_string_equal(str_of(img, 1), "@rpath/libdodo.dylib");
    assert_int_equal(img->lc[1].cmdsize, 24 + 24); /* 24 + round4(21) */
    assert_string_equal(str_of(img, 4), "@loader_path/../Frameworks");
    assert_int_equal(img->lc[4].cmdsize, 40); /* round4(12 + 27) */
    assert_int_equal(img->ncmds, 6);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

static void id_is_ignored_without_lc_id_dylib(void **state) {
    (void)state;
    struct builder w;
    begin(&w, true, false);
    segment(&w, 1024, 0);
    dylib(&w, LCP_LC_LOAD_DYLIB, "/usr/lib/libSystem.B.dylib");
    lcp_image *img = finish(&w, LCP_MH_EXECUTE);
    uint8_t before[512];
    memcpy(before, img->cmds, img->sizeofcmds);
    const lcp_name_edit e[] = {{LCP_NAME_ID, NULL, "@rpath/x"}};
    lcp_name_report rep;
    assert_int_equal(run(img, e, 1, &rep, NULL), LCP_OK);
    assert_int_equal(rep.changed, 0);
    assert_memory_equal(before, img->cmds, img->sizeofcmds);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

static void add_prepend_and_delete_rpaths(void **state) {
    (void)state;
    lcp_image *img = sample(true, false, 2048);
    const lcp_name_edit e[] = {{LCP_NAME_ADD_RPATH, NULL, "@executable_path/../Frameworks"},
                               {LCP_NAME_DELETE_RPATH, "/opt/old/lib", NULL},
                               {LCP_NAME_PREPEND_RPATH, NULL, "@loader_path/first"}};
    lcp_name_report rep;
    lcp_error err;
    assert_int_equal(run(img, e, 3, &rep, &err), LCP_OK);
    assert_int_equal(img->ncmds, 7);
    /* the deleted rpath's place: the prepended one goes before the kept one */
    assert_int_equal(img->lc[4].cmd, LCP_LC_RPATH);
    assert_string_equal(str_of(img, 4), "@loader_path/first");
    assert_string_equal(str_of(img, 5), "@loader_path/../lib");
    assert_string_equal(str_of(img, 6), "@executable_path/../Frameworks");
    assert_int_equal(img->lc[6].cmdsize, 48); /* round8(12 + 31) */
    assert_int_equal(rep.changed, 3);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

static void delete_all_rpaths_then_add(void **state) {
    (void)state;
    lcp_image *img = sample(true, false, 2048);
    const lcp_name_edit e[] = {{LCP_NAME_DELETE_ALL_RPATHS, NULL, NULL},
                               {LCP_NAME_ADD_RPATH, NULL, "/opt/old/lib"}}; /* not a duplicate: all go */
    lcp_name_report rep;
    assert_int_equal(run(img, e, 2, &rep, NULL), LCP_OK);
    assert_int_equal(img->ncmds, 5);
    assert_int_equal(lcp_image_find(img, LCP_LC_RPATH, 0), 4);
    assert_string_equal(str_of(img, 4), "/opt/old/lib");
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

/* The native commands' idempotence: each edit is "done" exactly when it
 * would change nothing, and delete-rpath removes every copy of the path. */
static void native_edits_are_idempotent(void **state) {
    (void)state;
    lcp_image *img = sample(true, false, 2048);
    const lcp_name_edit add_new = {LCP_NAME_ADD_RPATH, NULL, "@rpath/new"};
    const lcp_name_edit add_old = {LCP_NAME_ADD_RPATH, NULL, "/opt/old/lib"};
    const lcp_name_edit del_old = {LCP_NAME_DELETE_RPATH, "/opt/old/lib", NULL};
    const lcp_name_edit id_same = {LCP_NAME_ID, NULL, "/usr/local/lib/libdodo.dylib"};
    const lcp_name_edit id_new = {LCP_NAME_ID, NULL, "@rpath/libdodo.dylib"};
    const lcp_name_edit change_z = {LCP_NAME_CHANGE, "/opt/old/libz.1.dylib", "@rpath/libz.1.dylib"};
    const lcp_name_edit change_id = {LCP_NAME_CHANGE, "/usr/local/lib/libdodo.dylib", "@rpath/x"};
    const lcp_name_edit change_same = {LCP_NAME_CHANGE, "/opt/old/libz.1.dylib", "/opt/old/libz.1.dylib"};
    assert_false(lcp_name_edit_done(img, &add_new));
    assert_true(lcp_name_edit_done(img, &add_old));
    assert_false(lcp_name_edit_done(img, &del_old));
    assert_true(lcp_name_edit_done(img, &id_same));
    assert_false(lcp_name_edit_done(img, &id_new));
    assert_false(lcp_name_edit_done(img, &change_z));
    assert_true(lcp_name_edit_done(img, &change_id)); /* the id is no load */
    assert_true(lcp_name_edit_done(img, &change_same));
    /* a second copy of /opt/old/lib: one delete-rpath removes both */
    lcp_name_report rep;
    lcp_image *two = NULL;
    {
        struct builder w;
        begin(&w, true, false);
        segment(&w, 2048, 0x80000400);
        rpath(&w, "/opt/old/lib");
        rpath(&w, "@loader_path/../lib");
        rpath(&w, "/opt/old/lib");
        two = finish(&w, LCP_MH_DYLIB);
    }
    assert_int_equal(lcp_image_edit_name_all(two, &del_old, &rep, NULL), LCP_OK);
    assert_int_equal(rep.changed, 2);
    assert_int_equal(two->ncmds, 2);
    assert_true(lcp_name_edit_done(two, &del_old));
    lcp_name_report_release(&rep);
    lcp_image_free(two);
    lcp_image_free(img);
}

/* ---- failures leave the image unchanged ---- */

static void assert_unchanged(const lcp_image *img, const uint8_t *before, uint32_t size, uint32_t ncmds) {
    assert_int_equal(img->sizeofcmds, size);
    assert_int_equal(img->ncmds, ncmds);
    assert_memory_equal(img->cmds, before, size);
}

static void missing_rpath_and_duplicate_are_reported_in_apple_order(void **state) {
    (void)state;
    lcp_image *img = sample(true, false, 2048);
    uint8_t before[1024];
    uint32_t size = img->sizeofcmds, n = img->ncmds;
    memcpy(before, img->cmds, size);
    const lcp_name_edit e[] = {{LCP_NAME_RPATH, "/nowhere", "/x"},
                               {LCP_NAME_DELETE_RPATH, "/also-nowhere", NULL},
                               {LCP_NAME_ADD_RPATH, NULL, "@loader_path/../lib"}};
    lcp_name_report rep;
    lcp_error err;
    assert_int_not_equal(run(img, e, 3, &rep, &err), LCP_OK);
    assert_int_equal(rep.nproblems, 3);
    assert_int_equal(rep.problems[0].kind, LCP_NAME_DUPLICATE_RPATH);
    assert_int_equal(rep.problems[0].edit, 2);
    assert_int_equal(rep.problems[0].command, 5);
    assert_int_equal(rep.problems[1].kind, LCP_NAME_RPATH_NOT_FOUND); /* deletes first */
    assert_int_equal(rep.problems[1].edit, 1);
    assert_int_equal(rep.problems[2].edit, 0);
    assert_int_equal(err.status, LCP_E_USAGE);
    assert_unchanged(img, before, size, n);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

static void conflicting_arguments(void **state) {
    (void)state;
    char msg[256];
    const lcp_name_edit a[] = {
        {LCP_NAME_ID, NULL, "x"}, {LCP_NAME_RPATH, "/a", "/b"}, {LCP_NAME_ADD_RPATH, NULL, "/c"}};
    lcp_name_edit next = {LCP_NAME_ID, NULL, "y"};
    assert_false(lcp_name_edit_conflicts(a, 3, &next, msg, sizeof msg));
    assert_string_equal(msg, "more than one: -id option specified");
    next = (lcp_name_edit){LCP_NAME_RPATH, "/a", "/b"};
    assert_false(lcp_name_edit_conflicts(a, 3, &next, msg, sizeof msg));
    assert_string_equal(msg, "\"-rpath /a /b\" specified more than once");
    next = (lcp_name_edit){LCP_NAME_DELETE_RPATH, "/b", NULL};
    assert_false(lcp_name_edit_conflicts(a, 3, &next, msg, sizeof msg));
    assert_string_equal(msg, "can't specify both \"-rpath /a /b\" and \"-delete_rpath /b\"");
    next = (lcp_name_edit){LCP_NAME_DELETE_RPATH, "/c", NULL};
    assert_false(lcp_name_edit_conflicts(a, 3, &next, msg, sizeof msg));
    assert_string_equal(msg, "can't specify both \"-add_rpath /c\" and \"-delete_rpath /c\"");
    next = (lcp_name_edit){LCP_NAME_CHANGE, "/c", "/c"};
    assert_true(lcp_name_edit_conflicts(a, 3, &next, msg, sizeof msg));
    /* the library refuses the same conflicts */
    lcp_image *img = sample(true, false, 2048);
    const lcp_name_edit bad[] = {{LCP_NAME_ADD_RPATH, NULL, "/c"}, {LCP_NAME_ADD_RPATH, NULL, "/c"}};
    lcp_error err;
    assert_int_equal(run(img, bad, 2, NULL, &err), LCP_E_USAGE);
    lcp_image_free(img);
}

/* ---- space ---- */

/* header 32 + commands; the section at `limit`. An edit that brings the
 * header to exactly limit - 16 fits (16 kept for LC_CODE_SIGNATURE); one
 * more rounding step does not. */
static void space_keeps_16_bytes_for_a_signature(void **state) {
    (void)state;
    lcp_image *probe = sample(true, false, 4000);
    uint32_t used = 32 + probe->sizeofcmds;
    lcp_image_free(probe);
    /* an rpath of 12 + 19 + 1 -> 32 bytes */
    const lcp_name_edit e[] = {{LCP_NAME_ADD_RPATH, NULL, "/a/b/c/d/e/f/g/h/ij"}};
    lcp_image *img = sample(true, false, used + 32 + 16);
    lcp_name_report rep;
    assert_int_equal(run(img, e, 1, &rep, NULL), LCP_OK);
    lcp_name_report_release(&rep);
    lcp_image_free(img);

    img = sample(true, false, used + 32 + 15);
    uint8_t before[1024];
    uint32_t size = img->sizeofcmds;
    memcpy(before, img->cmds, size);
    lcp_error err;
    assert_int_equal(run(img, e, 1, &rep, &err), LCP_E_NOSPACE);
    assert_int_equal(rep.needed, used + 32 + 16);
    assert_int_equal(rep.limit, used + 32 + 15);
    assert_non_null(strstr(err.message, "1 bytes missing"));
    assert_unchanged(img, before, size, 6);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

/* A no-op edit on a full header: Apple's rule still refuses it (its tool
 * checks unconditionally), lcpatch's own rule does not. */
static void no_op_edit_on_a_full_header(void **state) {
    (void)state;
    lcp_image *probe = sample(true, false, 4000);
    uint32_t used = 32 + probe->sizeofcmds;
    lcp_image_free(probe);
    lcp_image *img = sample(true, false, used + 8); /* less than the 16 kept for a signature */
    const lcp_name_edit e[] = {{LCP_NAME_CHANGE, "/not/loaded.dylib", "/x"}};
    lcp_name_report rep;
    assert_int_equal(lcp_image_edit_names(img, e, 1, 0, &rep, NULL), LCP_OK);
    assert_int_equal(rep.changed, 0);
    lcp_name_report_release(&rep);
    assert_int_equal(lcp_image_edit_names(img, e, 1, LCP_NAME_APPLE_LIMIT, &rep, NULL), LCP_E_NOSPACE);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

/* With an LC_CODE_SIGNATURE nothing is kept back. */
static void space_of_a_signed_image(void **state) {
    (void)state;
    struct builder w;
    begin(&w, true, false);
    segment(&w, 0, 0); /* placeholder offset, fixed below */
    code_signature(&w);
    size_t used = w.len;
    lcp_put_u32(w.b, sizeof w.b, 32 + 72 + 48, false, (uint32_t)(used + 24));
    lcp_image *img = finish(&w, LCP_MH_EXECUTE);
    const lcp_name_edit e[] = {{LCP_NAME_ADD_RPATH, NULL, "/a/b/c/d/e/f/g/h/ij"}}; /* 32 bytes */
    lcp_name_report rep;
    assert_int_equal(run(img, e, 1, &rep, NULL), LCP_E_NOSPACE);
    assert_int_equal(rep.needed, used + 32);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

/* install_name_tool's rule tests flag bits: a section whose type is odd
 * (here S_4BYTE_LITERALS, 3) does not bound the header; the safe rule
 * (the default) still stops at it, LCP_NAME_APPLE_LIMIT does not. */
static void apple_rule_skips_odd_section_types(void **state) {
    (void)state;
    struct builder w;
    begin(&w, true, false);
    segment(&w, 300, 0x3);
    lcp_image *img = finish(&w, LCP_MH_EXECUTE);
    lcp_space sp;
    lcp_image_space(img, &sp);
    lcp_apple_space ap;
    lcp_image_apple_space(img, &ap);
    assert_true(ap.int_unbounded);
    assert_int_equal(ap.int_limit, 4096);
    assert_int_equal(sp.safe_limit, 300);
    const lcp_name_edit e[] = {{LCP_NAME_ADD_RPATH, NULL, "/a/very/long/path/that/needs/space/for/itself/and/more"}};
    /* 32 + 152 + 72 + 16 = 272 fits before 300 ... */
    lcp_name_report rep;
    assert_int_equal(lcp_image_edit_names(img, e, 1, 0, &rep, NULL), LCP_OK);
    lcp_name_report_release(&rep);
    /* ... a second one does not under the safe rule, does under Apple's */
    const lcp_name_edit e2[] = {{LCP_NAME_ADD_RPATH, NULL, "/another/very/long/path/that/needs/space/for/itself"}};
    assert_int_equal(lcp_image_edit_names(img, e2, 1, 0, &rep, NULL), LCP_E_NOSPACE);
    lcp_name_report_release(&rep);
    assert_int_equal(lcp_image_edit_names(img, e2, 1, LCP_NAME_APPLE_LIMIT, &rep, NULL), LCP_OK);
    lcp_name_report_release(&rep);
    lcp_image_free(img);

    begin(&w, true, false);
    segment(&w, 300, 0x2); /* __cstring: even type, counts */
    img = finish(&w, LCP_MH_EXECUTE);
    lcp_image_apple_space(img, &ap);
    assert_false(ap.int_unbounded);
    assert_int_equal(ap.int_limit, 300);
    lcp_image_free(img);
}

/* cctools accepts an lc_str offset inside the fixed part (offset <
 * cmdsize is its only test): LCP_PARSE_APPLE_LC_STR reads such images,
 * the default refuses them, and edits keep to the flag they were read with. */
static void lc_str_inside_the_fixed_part(void **state) {
    (void)state;
    struct builder w;
    begin(&w, true, false);
    segment(&w, 1024, 0);
    str_cmd(&w, LCP_LC_LOAD_DYLINKER, 12, "/usr/lib/dyld", NULL, 0);
    put32(&w, 32 + 152 + 8, 0);
    put32(&w, 0, LCP_MH_MAGIC_64);
    put32(&w, 4, LCP_CPU_TYPE_X86_64);
    put32(&w, 12, LCP_MH_EXECUTE);
    put32(&w, 16, w.ncmds);
    put32(&w, 20, (uint32_t)(w.len - 32));
    lcp_image *img = NULL;
    lcp_error err;
    assert_int_equal(lcp_image_parse(w.b, sizeof w.b, 0, 4096, &img, &err), LCP_E_MALFORMED);
    assert_int_equal(lcp_image_parse_flags(w.b, sizeof w.b, 0, 4096, LCP_PARSE_APPLE_LC_STR, &img, &err), LCP_OK);
    const lcp_name_edit e[] = {{LCP_NAME_ADD_RPATH, NULL, "/x"}};
    lcp_name_report rep;
    assert_int_equal(lcp_image_edit_names(img, e, 1, 0, &rep, &err), LCP_OK);
    assert_int_equal(img->ncmds, 3);
    lcp_name_report_release(&rep);
    lcp_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(change_rewrites_every_matching_load),
        cmocka_unit_test(change_does_not_touch_the_id),
        cmocka_unit_test(id_and_rpath_rename_in_a_big_endian_32_bit_image),
        cmocka_unit_test(id_is_ignored_without_lc_id_dylib),
        cmocka_unit_test(add_prepend_and_delete_rpaths),
        cmocka_unit_test(delete_all_rpaths_then_add),
        cmocka_unit_test(native_edits_are_idempotent),
        cmocka_unit_test(missing_rpath_and_duplicate_are_reported_in_apple_order),
        cmocka_unit_test(conflicting_arguments),
        cmocka_unit_test(space_keeps_16_bytes_for_a_signature),
        cmocka_unit_test(no_op_edit_on_a_full_header),
        cmocka_unit_test(space_of_a_signed_image),
        cmocka_unit_test(apple_rule_skips_odd_section_types),
        cmocka_unit_test(lc_str_inside_the_fixed_part),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
