/* Unit tests: version load command edits (src/edit/version.c): vtool's
 * rules (lcp_vtool_apply) and the in-place SDK raise (lcp_version_raise_sdk). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "lcpatch/apple_space.h"
#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "lcpatch/version.h"
#include "lcpatch/write.h"
#include "util/reader.h"

/* ---- a tiny image builder: header, one segment with one section at
 * `sect_off`, then any commands given as 32-bit words ---- */

struct tb {
    uint8_t b[4096];
    size_t len;
    bool be, is64;
    uint32_t ncmds;
};

static void put(struct tb *t, size_t off, uint32_t v) { lcp_put_u32(t->b, sizeof t->b, off, t->be, v); }

static void tb_init(struct tb *t, bool is64, bool be, uint32_t cputype, uint32_t sect_off) {
    memset(t, 0, sizeof *t);
    t->is64 = is64;
    t->be = be;
    put(t, 0, is64 ? 0xfeedfacf : 0xfeedface);
    put(t, 4, cputype);
    put(t, 8, 3);
    put(t, 12, LCP_MH_EXECUTE);
    t->len = is64 ? 32 : 28;
    /* the segment */
    size_t c = t->len;
    uint32_t size = is64 ? 72 + 80 : 56 + 68;
    put(t, c, is64 ? LCP_LC_SEGMENT_64 : LCP_LC_SEGMENT);
    put(t, c + 4, size);
    memcpy(t->b + c + 8, "__TEXT", 6);
    size_t s = c + (is64 ? 72 : 56);
    memcpy(t->b + s, "__text", 6);
    memcpy(t->b + s + 16, "__TEXT", 6);
    if (is64) {
        lcp_put_u64(t->b, sizeof t->b, c + 48, be, 4096); /* filesize */
        put(t, c + 64, 1);                                /* nsects */
        lcp_put_u64(t->b, sizeof t->b, s + 40, be, 16);   /* size */
        put(t, s + 48, sect_off);
        put(t, s + 64, 0x80000400);
    } else {
        put(t, c + 36, 4096);
        put(t, c + 48, 1);
        put(t, s + 36, 16);
        put(t, s + 40, sect_off);
        put(t, s + 56, 0x80000400);
    }
    t->len += size;
    t->ncmds = 1;
}

static void tb_cmd(struct tb *t, const uint32_t *w, size_t n) {
    for (size_t i = 0; i < n; i++)
        put(t, t->len + 4 * i, w[i]);
    t->len += 4 * n;
    t->ncmds++;
}

static lcp_image *tb_parse(struct tb *t) {
    size_t hs = t->is64 ? 32 : 28;
    put(t, 16, t->ncmds);
    put(t, 20, (uint32_t)(t->len - hs));
    lcp_image *img = NULL;
    lcp_error err;
    assert_int_equal(lcp_image_parse(t->b, t->len, 0, 4096, &img, &err), LCP_OK);
    return img;
}

#define V(x, y) LCP_VERSION(x, y, 0)

static const uint32_t vmin_macos_106[] = {LCP_LC_VERSION_MIN_MACOSX, 16, V(10, 6), 0};
static const uint32_t vmin_ios_7[] = {LCP_LC_VERSION_MIN_IPHONEOS, 16, V(7, 0), V(7, 0)};
static const uint32_t bv_macos_1015_ld[] = {LCP_LC_BUILD_VERSION, 32,       LCP_PLATFORM_MACOS, V(10, 15), V(10, 15), 1,
                                            LCP_TOOL_LD,          V(530, 0)};
static const uint32_t source_v[] = {LCP_LC_SOURCE_VERSION, 16, 0, 0};
static const uint32_t uuid[] = {0x1b, 24, 1, 2, 3, 4};
static const uint32_t codesig[] = {LCP_LC_CODE_SIGNATURE, 16, 4000, 96};

static uint32_t cmd_u32(const lcp_image *img, size_t i, size_t field) {
    uint32_t v = 0;
    assert_true(lcp_image_cmd_u32(img, i, field, &v));
    return v;
}

/* ---- versions ---- */

static void versions_parse_and_format(void **state) {
    (void)state;
    uint32_t v;
    char buf[32];
    assert_true(lcp_version_parse("10.9", &v));
    assert_int_equal(v, 0x000a0900);
    assert_true(lcp_version_parse("65535.255.255", &v));
    assert_int_equal(v, 0xffffffff);
    assert_false(lcp_version_parse("65536", &v));
    assert_false(lcp_version_parse("10.256", &v));
    assert_false(lcp_version_parse("1.2.3.4", &v));
    assert_false(lcp_version_parse("10.x", &v));
    assert_false(lcp_version_parse("", &v));
    assert_string_equal(lcp_version_format(0x000a0900, buf, sizeof buf), "10.9");
    assert_string_equal(lcp_version_format(0x000a0901, buf, sizeof buf), "10.9.1");
    /* source versions: A.B, then C, D, E up to the last non-zero one */
    assert_string_equal(lcp_source_version_format((uint64_t)1 << 40 | 2u << 30, buf, sizeof buf), "1.2");
    assert_string_equal(lcp_source_version_format((uint64_t)1 << 40 | 3u << 10, buf, sizeof buf), "1.0.0.3");
    assert_string_equal(lcp_source_version_format(0xffffffffffffffffu, buf, sizeof buf),
                        "16777215.1023.1023.1023.1023");
}

/* ---- lcp_version_raise_sdk ---- */

/* An existing LC_VERSION_MIN_MACOSX: the sdk field changes, nothing else. */
static void sdk_rewritten_in_place_version_min(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    tb_cmd(&t, vmin_macos_106, 4);
    tb_cmd(&t, uuid, 6);
    lcp_image *img = tb_parse(&t);
    uint32_t before = img->sizeofcmds, n = img->ncmds;
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_REWRITTEN);
    assert_int_equal(r.old_sdk, 0);
    assert_int_equal(r.new_sdk, V(10, 9));
    assert_int_equal(r.new_minos, V(10, 6));
    assert_int_equal(img->sizeofcmds, before);
    assert_int_equal(img->ncmds, n);
    assert_int_equal(cmd_u32(img, 1, 8), V(10, 6));
    assert_int_equal(cmd_u32(img, 1, 12), V(10, 9));
    /* every other byte of the commands is the input's */
    const uint8_t *in = t.b + 32;
    for (size_t k = 0; k < img->sizeofcmds; k++)
        if (k < img->lc[1].offset + 12 || k >= img->lc[1].offset + 16)
            assert_int_equal(img->cmds[k], in[k]);
    lcp_image_free(img);
}

/* An LC_BUILD_VERSION with tools: sdk raised in place, tools kept; minos set
 * when asked, the sdk raised to at least that minos. */
static void sdk_build_version_keeps_tools_and_sets_minos(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    const uint32_t bv[] = {LCP_LC_BUILD_VERSION, 32, LCP_PLATFORM_MACOS, V(10, 6), V(10, 6), 1, LCP_TOOL_LD, V(530, 0)};
    tb_cmd(&t, bv, 8);
    lcp_image *img = tb_parse(&t);
    lcp_sdk_request req = {V(10, 9), V(10, 13), LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_REWRITTEN);
    lcp_build_version b;
    assert_true(lcp_image_build_version(img, 1, &b));
    assert_int_equal(b.minos, V(10, 13));
    assert_int_equal(b.sdk, V(10, 13));
    assert_int_equal(b.ntools, 1);
    uint32_t tool, version;
    assert_true(lcp_image_build_tool(img, 1, 0, &tool, &version));
    assert_int_equal(tool, LCP_TOOL_LD);
    assert_int_equal(version, V(530, 0));
    lcp_image_free(img);
}

/* An sdk is never raised to less than the command's minos. */
static void sdk_not_below_minos(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_ARM64, 1024);
    const uint32_t bv[] = {LCP_LC_BUILD_VERSION, 24, LCP_PLATFORM_MACOS, V(11, 0), 0, 0};
    tb_cmd(&t, bv, 6);
    lcp_image *img = tb_parse(&t);
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_REWRITTEN);
    assert_int_equal(cmd_u32(img, 1, 16), V(11, 0));
    lcp_image_free(img);
}

/* Already at or above the request: nothing changes, and says so. */
static void sdk_idempotent(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    tb_cmd(&t, bv_macos_1015_ld, 8);
    lcp_image *img = tb_parse(&t);
    uint8_t *cmds = img->cmds;
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_UNCHANGED);
    assert_ptr_equal(img->cmds, cmds); /* not even replaced */
    /* a second raise after a first one is unchanged too */
    struct tb u;
    tb_init(&u, false, false, LCP_CPU_TYPE_I386, 1024);
    tb_cmd(&u, vmin_macos_106, 4);
    lcp_image *img2 = tb_parse(&u);
    assert_int_equal(lcp_version_raise_sdk(img2, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_REWRITTEN);
    assert_int_equal(lcp_version_raise_sdk(img2, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_UNCHANGED);
    lcp_image_free(img);
    lcp_image_free(img2);
}

/* An iOS image is reported and left alone. */
static void sdk_other_platform_left_alone(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_ARM64, 1024);
    tb_cmd(&t, vmin_ios_7, 4);
    lcp_image *img = tb_parse(&t);
    uint8_t *cmds = img->cmds;
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_OTHER_PLATFORM);
    assert_int_equal(r.platform, LCP_PLATFORM_IOS);
    assert_ptr_equal(img->cmds, cmds);
    /* unless asked for that platform */
    lcp_sdk_request ios = {V(12, 0), 0, LCP_PLATFORM_IOS};
    assert_int_equal(lcp_version_raise_sdk(img, &ios, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_REWRITTEN);
    assert_int_equal(cmd_u32(img, 1, 12), V(12, 0));
    lcp_image_free(img);
}

/* Header space = sect_off - header - commands. The segment of a 32-bit
 * image takes 124 bytes after a 28-byte header: 152 used. */
static lcp_image *no_version_image(uint32_t free_bytes, bool sign) {
    struct tb t;
    tb_init(&t, false, false, LCP_CPU_TYPE_I386, 0);
    if (sign)
        tb_cmd(&t, codesig, 4);
    uint32_t used = (uint32_t)t.len;
    lcp_put_u32(t.b, sizeof t.b, 28 + 56 + 40, false, used + free_bytes); /* the section's offset */
    return tb_parse(&t);
}

static void sdk_adds_build_version_when_it_fits_with_reserve(void **state) {
    (void)state;
    lcp_image *img = no_version_image(40, false);
    uint32_t n = img->ncmds, size = img->sizeofcmds;
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_ADDED_BUILD_VERSION);
    assert_int_equal(img->ncmds, n + 1);
    assert_int_equal(img->sizeofcmds, size + 24);
    assert_int_equal(img->lc[n].cmd, LCP_LC_BUILD_VERSION);
    lcp_build_version b;
    assert_true(lcp_image_build_version(img, n, &b));
    assert_int_equal(b.platform, LCP_PLATFORM_MACOS);
    assert_int_equal(b.sdk, V(10, 9));
    assert_int_equal(b.minos, V(10, 4));
    assert_int_equal(b.ntools, 0);
    assert_int_equal(r.free_before, 40);
    assert_int_equal(r.free_after, 16);
    lcp_image_free(img);
}

static void sdk_falls_back_to_version_min(void **state) {
    (void)state;
    lcp_image *img = no_version_image(39, false); /* 24 + 16 does not fit, 16 + 16 does */
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_ADDED_VERSION_MIN);
    assert_int_equal(img->lc[img->ncmds - 1].cmd, LCP_LC_VERSION_MIN_MACOSX);
    lcp_version_min vm;
    assert_true(lcp_image_version_min(img, img->ncmds - 1, &vm));
    assert_int_equal(vm.sdk, V(10, 9));
    lcp_image_free(img);
}

static void sdk_refuses_when_nothing_fits(void **state) {
    (void)state;
    lcp_image *img = no_version_image(31, false);
    uint8_t *cmds = img->cmds;
    uint32_t n = img->ncmds;
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    lcp_error err;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, &err), LCP_E_NOSPACE);
    assert_int_equal(r.action, LCP_SDK_NO_SPACE);
    assert_int_equal(r.needed, 32);
    assert_int_equal(r.free_before, 31);
    assert_non_null(strstr(err.message, "needs 32 bytes"));
    assert_non_null(strstr(err.message, "31 free"));
    assert_ptr_equal(img->cmds, cmds);
    assert_int_equal(img->ncmds, n);
    lcp_image_free(img);
}

/* A signed image needs no reserve: 24 bytes are enough for LC_BUILD_VERSION. */
static void sdk_signed_image_needs_no_reserve(void **state) {
    (void)state;
    lcp_image *img = no_version_image(24, true);
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    lcp_sdk_change r;
    assert_int_equal(lcp_version_raise_sdk(img, &req, &r, NULL), LCP_OK);
    assert_int_equal(r.action, LCP_SDK_ADDED_BUILD_VERSION);
    assert_int_equal(r.free_after, 0);
    lcp_image_free(img);
}

/* Big-endian (PowerPC) images are edited in their own byte order. */
static void sdk_big_endian(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, false, true, LCP_CPU_TYPE_POWERPC, 1024);
    tb_cmd(&t, vmin_macos_106, 4);
    lcp_image *img = tb_parse(&t);
    lcp_sdk_request req = {V(10, 9), 0, LCP_PLATFORM_MACOS};
    assert_int_equal(lcp_version_raise_sdk(img, &req, NULL, NULL), LCP_OK);
    const uint8_t *c = lcp_image_command_bytes(img, 1);
    assert_int_equal(lcp_be32(c + 12), V(10, 9));
    lcp_version_min vm;
    assert_true(lcp_image_version_min(img, 1, &vm));
    assert_int_equal(vm.sdk, V(10, 9));
    lcp_image_free(img);
}

/* ---- lcp_vtool_apply ---- */

static lcp_status vt(lcp_image *img, const lcp_vtool_item *items, size_t n, bool replace, lcp_vtool_result *res) {
    lcp_vtool_edit e = {items, n, replace};
    lcp_error err;
    return lcp_vtool_apply(img, &e, res, &err);
}

/* -set-build-version macos drops the macOS version command and appends the
 * new one after every kept command; other commands keep their order. */
static void vtool_set_build_version_replaces_and_appends(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    tb_cmd(&t, vmin_macos_106, 4);
    tb_cmd(&t, source_v, 4);
    tb_cmd(&t, uuid, 6);
    lcp_image *img = tb_parse(&t);
    lcp_vtool_item it = {
        .kind = LCP_VTOOL_SET_BUILD, .platform = LCP_PLATFORM_MACOS, .version = V(10, 9), .sdk = V(10, 9)};
    lcp_vtool_result res;
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_DONE);
    assert_int_equal(img->ncmds, 4);
    assert_int_equal(img->lc[1].cmd, LCP_LC_SOURCE_VERSION);
    assert_int_equal(img->lc[2].cmd, 0x1b);
    assert_int_equal(img->lc[3].cmd, LCP_LC_BUILD_VERSION);
    assert_int_equal(img->lc[3].cmdsize, 24);
    lcp_image_free(img);
}

/* A set keeps 16 bytes for LC_CODE_SIGNATURE on an unsigned image. */
static void vtool_set_reserve(void **state) {
    (void)state;
    lcp_vtool_item it = {
        .kind = LCP_VTOOL_SET_BUILD, .platform = LCP_PLATFORM_MACOS, .version = V(10, 9), .sdk = V(10, 9)};
    lcp_vtool_result res;
    lcp_image *img = no_version_image(24, false); /* 24 fits, 24 + 16 does not */
    uint8_t *cmds = img->cmds;
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_NO_SPACE);
    assert_ptr_equal(img->cmds, cmds);
    lcp_image_free(img);
    img = no_version_image(40, false);
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_DONE);
    lcp_image_free(img);
    img = no_version_image(24, true); /* signed: no reserve */
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_DONE);
    lcp_image_free(img);
}

/* -remove-build-version needs no reserve and drops only its platform. */
static void vtool_remove_build_version(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 0);
    tb_cmd(&t, bv_macos_1015_ld, 8);
    tb_cmd(&t, vmin_ios_7, 4);
    lcp_put_u32(t.b, sizeof t.b, 32 + 72 + 48, false, (uint32_t)t.len); /* no free byte at all */
    lcp_image *img = tb_parse(&t);
    lcp_vtool_item it = {.kind = LCP_VTOOL_REMOVE_BUILD, .platform = LCP_PLATFORM_MACOS};
    lcp_vtool_result res;
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_DONE);
    assert_int_equal(img->ncmds, 2);
    assert_int_equal(img->lc[1].cmd, LCP_LC_VERSION_MIN_IPHONEOS);
    lcp_image_free(img);
}

/* Tools: refused for a version-min platform, refused without a build
 * version, kept or dropped (-replace) with -set-build-tool. */
static void vtool_tools(void **state) {
    (void)state;
    lcp_vtool_result res;
    lcp_vtool_item tool = {
        .kind = LCP_VTOOL_ADD_TOOL, .platform = LCP_PLATFORM_MACOS, .tool = LCP_TOOL_CLANG, .version = V(1100, 0)};
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    tb_cmd(&t, vmin_macos_106, 4);
    lcp_image *img = tb_parse(&t);
    assert_int_equal(vt(img, &tool, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_VERSMIN_TOOLS_FILE);
    lcp_image_free(img);

    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    img = tb_parse(&t);
    assert_int_equal(vt(img, &tool, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_NO_BUILD_VERSION);
    assert_int_equal(res.platform, LCP_PLATFORM_MACOS);
    lcp_image_free(img);

    lcp_vtool_item two[] = {{.kind = LCP_VTOOL_SET_BUILD, .platform = LCP_PLATFORM_MACOS, .version_min = true}, tool};
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
    img = tb_parse(&t);
    assert_int_equal(vt(img, two, 2, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_VERSMIN_TOOLS_ARG);
    lcp_image_free(img);

    for (int replace = 0; replace < 2; replace++) {
        tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 1024);
        tb_cmd(&t, bv_macos_1015_ld, 8);
        img = tb_parse(&t);
        assert_int_equal(vt(img, &tool, 1, replace, &res), LCP_OK);
        assert_int_equal(res.outcome, LCP_VTOOL_DONE);
        lcp_build_version b;
        assert_true(lcp_image_build_version(img, 1, &b));
        assert_int_equal(b.ntools, replace ? 1 : 2);
        uint32_t id, version;
        assert_true(lcp_image_build_tool(img, 1, b.ntools - 1, &id, &version));
        assert_int_equal(id, LCP_TOOL_CLANG);
        assert_int_equal(b.sdk, V(10, 15));
        lcp_image_free(img);
    }
}

/* Big-endian: every field of a new LC_VERSION_MIN_* and LC_BUILD_VERSION
 * (tools included) in the image's byte order; Apple left the sdk unswapped. */
static void vtool_big_endian(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, false, true, LCP_CPU_TYPE_POWERPC, 1024);
    lcp_image *img = tb_parse(&t);
    lcp_vtool_item vm = {.kind = LCP_VTOOL_SET_BUILD,
                         .platform = LCP_PLATFORM_MACOS,
                         .version = V(10, 6),
                         .sdk = V(10, 9),
                         .version_min = true};
    lcp_vtool_result res;
    assert_int_equal(vt(img, &vm, 1, false, &res), LCP_OK);
    const uint8_t *c = lcp_image_command_bytes(img, 1);
    assert_int_equal(lcp_be32(c), LCP_LC_VERSION_MIN_MACOSX);
    assert_int_equal(lcp_be32(c + 8), V(10, 6));
    assert_int_equal(lcp_be32(c + 12), V(10, 9));
    lcp_vtool_item bv[] = {
        {.kind = LCP_VTOOL_SET_BUILD, .platform = LCP_PLATFORM_MACOS, .version = V(11, 0), .sdk = V(14, 0)},
        {.kind = LCP_VTOOL_ADD_TOOL,
         .platform = LCP_PLATFORM_MACOS,
         .tool = LCP_TOOL_LD,
         .version = LCP_VERSION(1015, 7, 0)}};
    assert_int_equal(vt(img, bv, 2, false, &res), LCP_OK);
    c = lcp_image_command_bytes(img, 1);
    assert_int_equal(lcp_be32(c), LCP_LC_BUILD_VERSION);
    assert_int_equal(lcp_be32(c + 4), 32);
    assert_int_equal(lcp_be32(c + 20), 1);
    assert_int_equal(lcp_be32(c + 24), LCP_TOOL_LD);
    assert_int_equal(lcp_be32(c + 28), LCP_VERSION(1015, 7, 0));
    lcp_image_free(img);
}

/* vtool's rule skips a __cstring (its type has the S_THREAD_LOCAL_ZEROFILL
 * bit 0x2): Apple's space check passes and its tool writes over the
 * strings. lcpatch refuses instead. */
static void vtool_never_writes_over_cstring(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 0);
    uint32_t end = (uint32_t)t.len;
    lcp_put_u32(t.b, sizeof t.b, 32 + 72 + 48, false, end + 8); /* the section right after the commands */
    lcp_put_u32(t.b, sizeof t.b, 32 + 72 + 64, false, 0x2);     /* S_CSTRING_LITERALS */
    lcp_image *img = tb_parse(&t);
    lcp_vtool_item it = {
        .kind = LCP_VTOOL_SET_BUILD, .platform = LCP_PLATFORM_MACOS, .version = V(10, 9), .sdk = V(10, 9)};
    lcp_vtool_result res;
    assert_int_equal(lcp_vtool_section_offset(img, true), 4096); /* Apple's rule */
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_NO_SPACE);
    assert_int_equal(res.section_offset, end + 8);
    lcp_image_free(img);
}

/* A first section inside the mach header (a dSYM) is refused, not a crash. */
static void vtool_section_inside_header(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 0);
    lcp_image *img = tb_parse(&t);
    lcp_vtool_item it = {
        .kind = LCP_VTOOL_SET_BUILD, .platform = LCP_PLATFORM_MACOS, .version = V(10, 9), .sdk = V(10, 9)};
    lcp_vtool_result res;
    assert_int_equal(vt(img, &it, 1, false, &res), LCP_OK);
    assert_int_equal(res.outcome, LCP_VTOOL_NO_SPACE);
    assert_int_equal(res.section_offset, 0);
    lcp_image_free(img);
}

/* LC_VERSION_MIN_* <-> platform, both ways: the four platforms that have
 * one, and none for the others. */
static void version_min_command_and_platform(void **state) {
    (void)state;
    const uint32_t cmds[] = {LCP_LC_VERSION_MIN_MACOSX, LCP_LC_VERSION_MIN_IPHONEOS, LCP_LC_VERSION_MIN_TVOS,
                             LCP_LC_VERSION_MIN_WATCHOS};
    const uint32_t platforms[] = {LCP_PLATFORM_MACOS, LCP_PLATFORM_IOS, LCP_PLATFORM_TVOS, LCP_PLATFORM_WATCHOS};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(lcp_version_min_platform(cmds[i]), platforms[i]);
        assert_int_equal(lcp_version_min_cmd(platforms[i]), cmds[i]);
    }
    assert_int_equal(lcp_version_min_cmd(LCP_PLATFORM_MACCATALYST), 0);
    assert_int_equal(lcp_version_min_cmd(LCP_PLATFORM_VISIONOS), 0);
    assert_int_equal(lcp_version_min_cmd(0), 0);
    assert_int_equal(lcp_version_min_platform(LCP_LC_BUILD_VERSION), 0);
}

/* Either version command read as an LC_BUILD_VERSION: an LC_VERSION_MIN_*
 * gives its platform, minos and sdk and no tools; other commands none. */
static void platform_version_reads_both_kinds(void **state) {
    (void)state;
    struct tb t;
    tb_init(&t, true, false, LCP_CPU_TYPE_X86_64, 0x800);
    tb_cmd(&t, vmin_ios_7, 4);
    tb_cmd(&t, bv_macos_1015_ld, 8);
    tb_cmd(&t, source_v, 4);
    lcp_image *img = tb_parse(&t);
    lcp_build_version bv;
    assert_false(lcp_image_platform_version(img, 0, &bv)); /* the segment */
    assert_true(lcp_image_platform_version(img, 1, &bv));
    assert_int_equal(bv.platform, LCP_PLATFORM_IOS);
    assert_int_equal(bv.minos, V(7, 0));
    assert_int_equal(bv.sdk, V(7, 0));
    assert_int_equal(bv.ntools, 0);
    assert_true(lcp_image_platform_version(img, 2, &bv));
    assert_int_equal(bv.platform, LCP_PLATFORM_MACOS);
    assert_int_equal(bv.minos, V(10, 15));
    assert_int_equal(bv.ntools, 1);
    assert_false(lcp_image_platform_version(img, 3, &bv)); /* LC_SOURCE_VERSION */
    assert_false(lcp_image_platform_version(img, 4, &bv)); /* past the end */
    lcp_image_free(img);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(versions_parse_and_format),
        cmocka_unit_test(version_min_command_and_platform),
        cmocka_unit_test(platform_version_reads_both_kinds),
        cmocka_unit_test(sdk_rewritten_in_place_version_min),
        cmocka_unit_test(sdk_build_version_keeps_tools_and_sets_minos),
        cmocka_unit_test(sdk_not_below_minos),
        cmocka_unit_test(sdk_idempotent),
        cmocka_unit_test(sdk_other_platform_left_alone),
        cmocka_unit_test(sdk_adds_build_version_when_it_fits_with_reserve),
        cmocka_unit_test(sdk_falls_back_to_version_min),
        cmocka_unit_test(sdk_refuses_when_nothing_fits),
        cmocka_unit_test(sdk_signed_image_needs_no_reserve),
        cmocka_unit_test(sdk_big_endian),
        cmocka_unit_test(vtool_set_build_version_replaces_and_appends),
        cmocka_unit_test(vtool_set_reserve),
        cmocka_unit_test(vtool_remove_build_version),
        cmocka_unit_test(vtool_tools),
        cmocka_unit_test(vtool_big_endian),
        cmocka_unit_test(vtool_never_writes_over_cstring),
        cmocka_unit_test(vtool_section_inside_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
