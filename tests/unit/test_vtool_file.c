/* Unit tests: Apple vtool's edits over a whole file (src/edit/vtool_file.c):
 * its answer for an image only its lenient walk accepts
 * (lcp_vtool_check_lenient), and the plan of its output (lcp_vtool_plan). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "lcpatch/macho.h"
#include "lcpatch/vtool_file.h"
#include "util/reader.h"

/* A thin 64-bit x86_64 file of 4096 bytes: header, one __TEXT segment
 * whose one section starts at sect_off, then the commands given as words;
 * every byte after the commands is 0xee, so that zeros show what the plan
 * wrote. */
struct tb {
    uint8_t b[4096];
    size_t len;
    uint32_t ncmds;
};

static void put(struct tb *t, size_t off, uint32_t v) { lcp_put_u32(t->b, sizeof t->b, off, false, v); }

static void tb_init(struct tb *t, uint32_t sect_off) {
    memset(t, 0, sizeof *t);
    put(t, 0, 0xfeedfacf);
    put(t, 4, LCP_CPU_TYPE_X86_64);
    put(t, 8, 3);
    put(t, 12, LCP_MH_EXECUTE);
    put(t, 32, LCP_LC_SEGMENT_64);
    put(t, 36, 72 + 80);
    memcpy(t->b + 40, "__TEXT", 6);
    lcp_put_u64(t->b, sizeof t->b, 32 + 48, false, 4096); /* filesize */
    put(t, 32 + 64, 1);                                   /* nsects */
    memcpy(t->b + 104, "__text", 6);
    memcpy(t->b + 104 + 16, "__TEXT", 6);
    lcp_put_u64(t->b, sizeof t->b, 104 + 40, false, 16);
    put(t, 104 + 48, sect_off);
    put(t, 104 + 64, 0x80000400);
    t->len = 32 + 72 + 80;
    t->ncmds = 1;
}

static void tb_cmd(struct tb *t, const uint32_t *w, size_t n) {
    for (size_t i = 0; i < n; i++)
        put(t, t->len + 4 * i, w[i]);
    t->len += 4 * n;
    t->ncmds++;
}

static lcp_file *tb_open(struct tb *t) {
    put(t, 16, t->ncmds);
    put(t, 20, (uint32_t)(t->len - 32));
    memset(t->b + t->len, 0xee, sizeof t->b - t->len);
    lcp_file *f = NULL;
    lcp_error err;
    assert_int_equal(lcp_file_open_memory_flags(t->b, sizeof t->b, "t", LCP_PARSE_LENIENT_COMMANDS, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 1);
    assert_non_null(f->slices[0].image);
    return f;
}

static const uint32_t vmin_macos[] = {LCP_LC_VERSION_MIN_MACOSX, 16, LCP_VERSION(10, 6, 0), 0};
/* an LC_UUID 8 bytes short: vtool's walk does not read it, the strict parse refuses it */
static const uint32_t short_uuid[] = {0x1b, 16, 1, 2};

static lcp_status check(const lcp_image *img, lcp_vtool_item it, lcp_error *err) {
    lcp_vtool_edit e = {&it, 1, false};
    return lcp_vtool_check_lenient(img, &e, err);
}

static void lenient_remove_and_set(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, 1024);
    tb_cmd(&t, vmin_macos, 4);
    tb_cmd(&t, short_uuid, 4);
    lcp_file *f = tb_open(&t);
    const lcp_image *img = f->slices[0].image;
    assert_non_null(img->strict_error);
    lcp_error err;
    /* a remove that drops nothing: vtool copies the slice */
    lcp_vtool_item ios = {LCP_VTOOL_REMOVE_BUILD, LCP_PLATFORM_IOS, 0, 0, 0, 0, false};
    assert_int_equal(check(img, ios, &err), LCP_OK);
    /* one that would drop a command: the strict parse's error */
    lcp_vtool_item macos = {LCP_VTOOL_REMOVE_BUILD, LCP_PLATFORM_MACOS, 0, 0, 0, 0, false};
    assert_int_equal(check(img, macos, &err), img->strict_error->status);
    assert_string_equal(err.message, img->strict_error->message);
    /* a set that may fit: the strict error too */
    lcp_vtool_item set = {LCP_VTOOL_SET_BUILD, LCP_PLATFORM_MACOS, 0, LCP_VERSION(11, 0, 0), 0, 0, false};
    assert_int_equal(check(img, set, &err), img->strict_error->status);
    lcp_file_free(f);

    /* no room after the commands: a set is surely refused, and so is a
     * remove whose commands already run into the section */
    tb_init(&t, 32 + 152 + 32 + 8);
    tb_cmd(&t, vmin_macos, 4);
    tb_cmd(&t, short_uuid, 4);
    f = tb_open(&t);
    img = f->slices[0].image;
    assert_int_equal(check(img, set, &err), LCP_E_NOSPACE);
    assert_int_equal(check(img, ios, &err), LCP_OK);
    lcp_file_free(f);
    tb_init(&t, 32 + 152 + 16);
    tb_cmd(&t, vmin_macos, 4);
    tb_cmd(&t, short_uuid, 4);
    f = tb_open(&t);
    assert_int_equal(check(f->slices[0].image, ios, &err), LCP_E_NOSPACE);
    lcp_file_free(f);
}

/* vtool's layout: the new commands, zeros up to the section, then every
 * byte from the section on as it was; nothing signed, nothing stale. */
static void plan_in_place_zeros_to_section(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, 1024);
    tb_cmd(&t, vmin_macos, 4);
    lcp_file *f = tb_open(&t);
    lcp_image *img = f->slices[0].image;
    lcp_vtool_item set = {LCP_VTOOL_SET_BUILD, LCP_PLATFORM_MACOS, 0, LCP_VERSION(11, 0, 0), 0, 0, false};
    lcp_vtool_edit e = {&set, 1, false};
    lcp_vtool_result res;
    lcp_error err;
    assert_int_equal(lcp_vtool_apply(img, &e, &res, &err), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_DONE);
    lcp_vtool_slice s = {img, res.section_offset};
    lcp_plan plan;
    lcp_plan_init(&plan);
    bool stale = true;
    assert_int_equal(lcp_vtool_plan(f, &s, &plan, &stale, &err), LCP_OK);
    assert_false(stale);
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_equal(lcp_plan_write_memory(&plan, &f->src, &out, &len, &err), LCP_OK);
    assert_int_equal(len, sizeof t.b);
    uint32_t sizeofcmds = 0;
    assert_true(lcp_get_u32(out, len, 20, false, &sizeofcmds));
    assert_int_equal(sizeofcmds, img->sizeofcmds);
    assert_memory_equal(out + 32, img->cmds, img->sizeofcmds);
    for (size_t i = 32 + img->sizeofcmds; i < res.section_offset; i++)
        assert_int_equal(out[i], 0);
    assert_memory_equal(out + res.section_offset, t.b + res.section_offset, len - res.section_offset);
    free(out);
    lcp_plan_release(&plan);
    lcp_file_free(f);
}

/* vtool's repeats: a build version per platform, a tool per platform
 * and tool, one source version; the later item is the one named. */
static void repeated_items(void **state) {
    (void)state;
    lcp_vtool_item v[] = {
        {LCP_VTOOL_SET_BUILD, LCP_PLATFORM_MACOS, 0, 0, 0, 0, false},
        {LCP_VTOOL_ADD_TOOL, LCP_PLATFORM_MACOS, LCP_TOOL_LD, 1, 0, 0, false},
        {LCP_VTOOL_SET_BUILD, LCP_PLATFORM_IOS, 0, 0, 0, 0, false},
        {LCP_VTOOL_ADD_TOOL, LCP_PLATFORM_IOS, LCP_TOOL_LD, 2, 0, 0, false},
        {LCP_VTOOL_ADD_TOOL, LCP_PLATFORM_MACOS, LCP_TOOL_LD, 3, 0, 0, false},
        {LCP_VTOOL_SET_BUILD, LCP_PLATFORM_IOS, 0, 0, 0, 0, false},
    };
    assert_null(lcp_vtool_repeated(v, 4, LCP_VTOOL_SET_BUILD));
    assert_null(lcp_vtool_repeated(v, 4, LCP_VTOOL_ADD_TOOL));
    assert_ptr_equal(lcp_vtool_repeated(v, 5, LCP_VTOOL_ADD_TOOL), &v[4]);
    assert_ptr_equal(lcp_vtool_repeated(v, 6, LCP_VTOOL_SET_BUILD), &v[5]);
    assert_null(lcp_vtool_repeated(v, 6, LCP_VTOOL_SET_SOURCE));
}

/* vtool's numbers: the count checked before the sizes, each component
 * cut to 32 bits for X.Y.Z, the first component too large named. */
static void version_numbers(void **state) {
    (void)state;
    uint64_t v = 0;
    assert_int_equal(lcp_vtool_version_parse("10.9.1", 3, &v), 0);
    assert_int_equal(v, 0x000a0901);
    assert_int_equal(lcp_vtool_version_parse("abc", 3, &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(lcp_vtool_version_parse("1.2.3.", 3, &v), -1);
    assert_int_equal(lcp_vtool_version_parse("70000.2.3.4", 3, &v), -1);
    assert_int_equal(lcp_vtool_version_parse("1.256", 3, &v), 2);
    assert_int_equal(v, 256);
    assert_int_equal(lcp_vtool_version_parse("4294967297", 3, &v), 0); /* 2^32 + 1 cut to 1 */
    assert_int_equal(v, 0x00010000);
    assert_int_equal(lcp_vtool_version_parse("1.2.3.4.5", 5, &v), 0);
    assert_int_equal(v, (uint64_t)1 << 40 | 2u << 30 | 3u << 20 | 4u << 10 | 5u);
    assert_int_equal(lcp_vtool_version_parse("16777216", 5, &v), 1);
    assert_int_equal(v, 16777216);
    assert_int_equal(lcp_vtool_version_parse("1.2.3.4.5.6", 5, &v), -1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lenient_remove_and_set),
        cmocka_unit_test(plan_in_place_zeros_to_section),
        cmocka_unit_test(repeated_items),
        cmocka_unit_test(version_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
