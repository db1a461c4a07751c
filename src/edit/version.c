/* Version load command edits: Apple vtool's rules and the in-place SDK raise
 * (see include/lcpatch/version.h). */
#include "lcpatch/version.h"

#include "lcpatch/apple_space.h"
#include "lcpatch/file.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/buf.h"
#include "util/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUILD_VERSION_SIZE 24u
#define BUILD_TOOL_SIZE 8u
#define VERSION_MIN_SIZE 16u
#define SOURCE_VERSION_SIZE 16u
#define CODE_SIGNATURE_SIZE 16u

/* ---- version numbers ---- */

static bool parse_component(const char **p, uint32_t max, uint32_t *out) {
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s - '0');
        if (v > max)
            return false;
        s++;
    }
    *out = (uint32_t)v;
    *p = s;
    return true;
}

bool lcp_version_parse(const char *s, uint32_t *out) {
    uint32_t c[3] = {0, 0, 0};
    const uint32_t max[3] = {0xffff, 0xff, 0xff};
    for (int i = 0; i < 3; i++) {
        if (!parse_component(&s, max[i], &c[i]))
            return false;
        if (*s == '\0') {
            *out = LCP_VERSION(c[0], c[1], c[2]);
            return true;
        }
        if (*s != '.')
            return false;
        s++;
    }
    return false;
}

const char *lcp_version_format(uint32_t v, char *buf, size_t len) {
    if ((v & 0xff) == 0)
        snprintf(buf, len, "%u.%u", v >> 16, (v >> 8) & 0xff);
    else
        snprintf(buf, len, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
    return buf;
}

const char *lcp_source_version_format(uint64_t v, char *buf, size_t len) {
    unsigned a = (unsigned)(v >> 40), b = (unsigned)((v >> 30) & 0x3ff), c = (unsigned)((v >> 20) & 0x3ff),
             d = (unsigned)((v >> 10) & 0x3ff), e = (unsigned)(v & 0x3ff);
    if (e)
        snprintf(buf, len, "%u.%u.%u.%u.%u", a, b, c, d, e);
    else if (d)
        snprintf(buf, len, "%u.%u.%u.%u", a, b, c, d);
    else if (c)
        snprintf(buf, len, "%u.%u.%u", a, b, c);
    else
        snprintf(buf, len, "%u.%u", a, b);
    return buf;
}

/* ---- helpers on the model ---- */

static bool is_version_cmd(uint32_t cmd) { return cmd == LCP_LC_BUILD_VERSION || lcp_cmd_is_version_min(cmd); }

/* The platform of a version command (LC_BUILD_VERSION's field, or the one an
 * LC_VERSION_MIN_* stands for). */
static uint32_t cmd_platform(const lcp_image *img, size_t i) {
    if (img->lc[i].cmd == LCP_LC_BUILD_VERSION) {
        lcp_build_version bv;
        return lcp_image_build_version(img, i, &bv) ? bv.platform : 0;
    }
    return lcp_version_min_platform(img->lc[i].cmd);
}

static bool has_signature(const lcp_image *img) { return lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) >= 0; }

/* ---- vtool ---- */

typedef struct item_list {
    lcp_vtool_item *v;
    size_t n, cap;
} item_list;

static bool push(item_list *l, const lcp_vtool_item *it) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        lcp_vtool_item *v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *it;
    return true;
}

/* Looks for the build version a tool item belongs to in the image, as
 * vtool does: the first LC_BUILD_VERSION of that platform, failing on an
 * LC_VERSION_MIN_* of it met first. Returns the command index, -1 when none,
 * -2 for the LC_VERSION_MIN_* case. */
static long find_build_version(const lcp_image *img, uint32_t platform) {
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        if (cmd == LCP_LC_BUILD_VERSION) {
            if (cmd_platform(img, i) == platform)
                return (long)i;
        } else if (lcp_cmd_is_version_min(cmd) && lcp_version_min_platform(cmd) == platform) {
            return -2;
        }
    }
    return -1;
}

/* Adds the build version found at index bi, and (unless skipped) its tools
 * that no option names. */
static bool add_existing(item_list *items, const lcp_image *img, long bi, uint32_t platform, const lcp_vtool_item *opts,
                         size_t nopts, bool keep_tools) {
    lcp_build_version bv;
    if (!lcp_image_build_version(img, (size_t)bi, &bv))
        return false;
    lcp_vtool_item it = {.kind = LCP_VTOOL_SET_BUILD, .platform = platform, .version = bv.minos, .sdk = bv.sdk};
    if (!push(items, &it))
        return false;
    if (!keep_tools)
        return true;
    for (uint32_t k = 0; k < bv.ntools; k++) {
        uint32_t tool, version;
        if (!lcp_image_build_tool(img, (size_t)bi, k, &tool, &version))
            return false;
        bool named = false;
        for (size_t j = 0; j < nopts && !named; j++)
            if (opts[j].platform == platform && opts[j].tool == tool)
                named = true;
        if (!named) {
            lcp_vtool_item t = {.kind = LCP_VTOOL_ADD_TOOL, .platform = platform, .tool = tool, .version = version};
            if (!push(items, &t))
                return false;
        }
    }
    return true;
}

static bool opts_remove_build(const lcp_vtool_edit *e, uint32_t platform) {
    for (size_t j = 0; j < e->nitems; j++)
        if (e->items[j].kind == LCP_VTOOL_REMOVE_BUILD && e->items[j].platform == platform)
            return true;
    return false;
}

static bool opts_have(const lcp_vtool_edit *e, lcp_vtool_item_kind kind) {
    for (size_t j = 0; j < e->nitems; j++)
        if (e->items[j].kind == kind)
            return true;
    return false;
}

static bool items_set_build(const item_list *items, uint32_t platform) {
    for (size_t j = 0; j < items->n; j++)
        if (items->v[j].kind == LCP_VTOOL_SET_BUILD && items->v[j].platform == platform)
            return true;
    return false;
}

/* True when command i is dropped by the edit (vtool's copy rule). */
static bool dropped(const lcp_image *img, size_t i, const lcp_vtool_edit *e, const item_list *items, bool remove) {
    uint32_t cmd = img->lc[i].cmd;
    if (is_version_cmd(cmd)) {
        if (!remove && e->replace)
            return true;
        uint32_t platform = cmd_platform(img, i);
        if (remove && opts_remove_build(e, platform))
            return true;
        return items_set_build(items, platform);
    }
    if (cmd == LCP_LC_SOURCE_VERSION) {
        if (remove)
            return opts_have(e, LCP_VTOOL_REMOVE_SOURCE);
        for (size_t j = 0; j < items->n; j++)
            if (items->v[j].kind == LCP_VTOOL_SET_SOURCE)
                return true;
    }
    return false;
}

/* The one encoder of each version command (vtool's edits and set-sdk's
 * additions both append through them). */

/* LC_VERSION_MIN_*: cmd, cmdsize, version (the minimum OS), sdk. */
static bool put_version_min(lcp_buf *b, bool be, uint32_t cmd, uint32_t minos, uint32_t sdk) {
    return lcp_buf_append_u32(b, be, cmd) && lcp_buf_append_u32(b, be, VERSION_MIN_SIZE) &&
           lcp_buf_append_u32(b, be, minos) && lcp_buf_append_u32(b, be, sdk);
}

/* LC_BUILD_VERSION's fixed part: cmd, cmdsize, platform, minos, sdk,
 * ntools; the caller appends the ntools (tool, version) pairs. */
static bool put_build_version(lcp_buf *b, bool be, uint32_t platform, uint32_t minos, uint32_t sdk, uint32_t ntools) {
    return lcp_buf_append_u32(b, be, LCP_LC_BUILD_VERSION) &&
           lcp_buf_append_u32(b, be, BUILD_VERSION_SIZE + BUILD_TOOL_SIZE * ntools) &&
           lcp_buf_append_u32(b, be, platform) && lcp_buf_append_u32(b, be, minos) && lcp_buf_append_u32(b, be, sdk) &&
           lcp_buf_append_u32(b, be, ntools);
}

/* Appends the new version commands of `items` to b, in the image's order. */
static bool emit_items(lcp_buf *b, const item_list *items, bool be, uint32_t *ncmds) {
    for (size_t i = 0; i < items->n; i++) {
        const lcp_vtool_item *it = &items->v[i];
        if (it->kind == LCP_VTOOL_SET_BUILD && it->version_min) {
            if (!put_version_min(b, be, lcp_version_min_cmd(it->platform), it->version, it->sdk))
                return false;
            (*ncmds)++;
        } else if (it->kind == LCP_VTOOL_SET_BUILD) {
            uint32_t ntools = 0;
            for (size_t k = i + 1; k < items->n; k++)
                if (items->v[k].kind == LCP_VTOOL_ADD_TOOL && items->v[k].platform == it->platform)
                    ntools++;
            if (!put_build_version(b, be, it->platform, it->version, it->sdk, ntools))
                return false;
            for (size_t k = i + 1; k < items->n; k++) {
                const lcp_vtool_item *t = &items->v[k];
                if (t->kind != LCP_VTOOL_ADD_TOOL || t->platform != it->platform)
                    continue;
                if (!lcp_buf_append_u32(b, be, t->tool) || !lcp_buf_append_u32(b, be, t->version))
                    return false;
            }
            (*ncmds)++;
        } else if (it->kind == LCP_VTOOL_SET_SOURCE) {
            if (!lcp_buf_append_u32(b, be, LCP_LC_SOURCE_VERSION) || !lcp_buf_append_u32(b, be, SOURCE_VERSION_SIZE) ||
                !lcp_buf_append_u64(b, be, it->source_version))
                return false;
            (*ncmds)++;
        }
    }
    return true;
}

lcp_status lcp_vtool_apply(lcp_image *img, const lcp_vtool_edit *e, lcp_vtool_result *res, lcp_error *err) {
    lcp_vtool_result local;
    if (res == NULL)
        res = &local;
    memset(res, 0, sizeof *res);
    bool remove = false;
    for (size_t j = 0; j < e->nitems; j++)
        if (e->items[j].kind >= LCP_VTOOL_REMOVE_BUILD)
            remove = true;
    item_list items = {0};
    lcp_status st = LCP_OK;

    /* 1. the list of commands to write: vtool's set items (or, for a tool
     * edit, the build version it belongs to, from the options or the image) */
    if (!remove) {
        for (size_t j = 0; j < e->nitems; j++)
            if (e->items[j].kind != LCP_VTOOL_ADD_TOOL && !push(&items, &e->items[j]))
                goto nomem;
    }
    for (size_t j = 0; j < e->nitems; j++) {
        const lcp_vtool_item *o = &e->items[j];
        if (o->kind != (remove ? LCP_VTOOL_REMOVE_TOOL : LCP_VTOOL_ADD_TOOL))
            continue;
        bool found = false;
        if (remove) {
            found = opts_remove_build(e, o->platform);
        } else {
            for (size_t k = 0; k < items.n && !found; k++) {
                if (items.v[k].platform != o->platform || items.v[k].kind == LCP_VTOOL_ADD_TOOL)
                    continue;
                if (items.v[k].version_min) {
                    res->outcome = LCP_VTOOL_VERSMIN_TOOLS_ARG;
                    goto refused;
                }
                found = true;
            }
        }
        if (!found) {
            long bi = find_build_version(img, o->platform);
            if (bi == -2) {
                res->outcome = LCP_VTOOL_VERSMIN_TOOLS_FILE;
                goto refused;
            }
            if (bi < 0) {
                res->outcome = LCP_VTOOL_NO_BUILD_VERSION;
                res->platform = o->platform;
                goto refused;
            }
            if (!add_existing(&items, img, bi, o->platform, e->items, e->nitems, remove || !e->replace))
                goto nomem;
        }
        if (!remove && !push(&items, o))
            goto nomem;
    }

    /* 2. the space check */
    /* vtool's own rule skips sections whose type shares a bit with
     * S_ZEROFILL (__cstring...), and Apple's tool then writes over their
     * bytes: the room ends at the first section that holds file bytes. */
    uint64_t sect = lcp_vtool_section_offset(img, !remove);
    lcp_space sp;
    lcp_image_space(img, &sp);
    if (sp.safe_limit < sect)
        sect = sp.safe_limit;
    res->section_offset = sect;
    lcp_buf b;
    lcp_buf_init(&b);
    uint32_t ncmds = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        if (dropped(img, i, e, &items, remove))
            continue;
        if (!lcp_buf_append(&b, lcp_image_command_bytes(img, i), img->lc[i].cmdsize)) {
            lcp_buf_release(&b);
            goto nomem;
        }
        ncmds++;
    }
    if (!emit_items(&b, &items, img->big_endian, &ncmds)) {
        lcp_buf_release(&b);
        goto nomem;
    }
    res->new_sizeofcmds = b.len;
    /* a set keeps room for the LC_CODE_SIGNATURE codesign will add */
    uint64_t need = b.len + (!remove && !has_signature(img) ? CODE_SIGNATURE_SIZE : 0);
    res->needed = need;
    if (sect < img->header_size || sect - img->header_size < need) {
        lcp_buf_release(&b);
        res->outcome = LCP_VTOOL_NO_SPACE;
        goto refused;
    }
    res->changed = b.len != img->sizeofcmds || ncmds != img->ncmds || (b.len && memcmp(b.data, img->cmds, b.len) != 0);
    if (res->changed)
        st = lcp_image_set_commands(img, b.data, b.len, ncmds, err);
    lcp_buf_release(&b);
    free(items.v);
    return st;

refused:
    free(items.v);
    return LCP_OK;
nomem:
    free(items.v);
    return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
}

/* ---- raising the SDK ---- */

/* The minos of a new version command when none is asked for: the first
 * macOS that ran the architecture, else the requested sdk. */
static uint32_t default_minos(const lcp_image *img, uint32_t platform, uint32_t sdk) {
    if (platform == LCP_PLATFORM_MACOS)
        return (img->cputype == LCP_CPU_TYPE_ARM64) ? LCP_VERSION(11, 0, 0) : LCP_VERSION(10, 4, 0);
    return sdk;
}

lcp_status lcp_version_raise_sdk(lcp_image *img, const lcp_sdk_request *req, lcp_sdk_change *report, lcp_error *err) {
    lcp_sdk_change local;
    if (report == NULL)
        report = &local;
    memset(report, 0, sizeof *report);
    report->cmd_index = -1;
    lcp_space sp;
    lcp_image_space(img, &sp);
    /* the room lcpatch's edits count on: the safe rule, never past vtool's
     * first section, so that Apple's vtool can still edit the result */
    int64_t room = sp.edit_free;
    report->free_before = report->free_after = room;
    uint32_t want_sdk = req->sdk;
    if (req->minos > want_sdk)
        want_sdk = req->minos;

    /* the image's version commands */
    bool any = false, mine = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        if (!is_version_cmd(img->lc[i].cmd))
            continue;
        uint32_t p = cmd_platform(img, i);
        if (!any) {
            report->platform = p;
            report->cmd = img->lc[i].cmd;
            report->cmd_index = (long)i;
        }
        any = true;
        if (p == req->platform && !mine) {
            mine = true;
            report->platform = p;
            report->cmd = img->lc[i].cmd;
            report->cmd_index = (long)i;
        }
    }
    if (any && !mine) {
        report->action = LCP_SDK_OTHER_PLATFORM;
        if (report->cmd == LCP_LC_BUILD_VERSION) {
            lcp_build_version bv;
            if (lcp_image_build_version(img, (size_t)report->cmd_index, &bv)) {
                report->old_minos = report->new_minos = bv.minos;
                report->old_sdk = report->new_sdk = bv.sdk;
            }
        } else {
            lcp_version_min vm;
            if (lcp_image_version_min(img, (size_t)report->cmd_index, &vm)) {
                report->old_minos = report->new_minos = vm.version;
                report->old_sdk = report->new_sdk = vm.sdk;
            }
        }
        return LCP_OK;
    }

    if (mine) {
        /* rewrite fields in place, in a copy of the commands */
        uint8_t *copy = malloc(img->sizeofcmds ? img->sizeofcmds : 1);
        if (copy == NULL)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        memcpy(copy, img->cmds, img->sizeofcmds);
        bool changed = false, first = true;
        for (size_t i = 0; i < img->ncmds; i++) {
            if (!is_version_cmd(img->lc[i].cmd) || cmd_platform(img, i) != req->platform)
                continue;
            /* minos at +8 for LC_VERSION_MIN_* (version), +12 for LC_BUILD_VERSION; sdk follows it */
            size_t fmin = img->lc[i].cmd == LCP_LC_BUILD_VERSION ? 12 : 8;
            size_t off = img->lc[i].offset;
            uint32_t minos = 0, sdk = 0;
            lcp_get_u32(copy, img->sizeofcmds, off + fmin, img->big_endian, &minos);
            lcp_get_u32(copy, img->sizeofcmds, off + fmin + 4, img->big_endian, &sdk);
            uint32_t nminos = req->minos ? req->minos : minos;
            /* an sdk below the minimum OS makes no sense: at least minos */
            uint32_t floor = want_sdk > nminos ? want_sdk : nminos;
            uint32_t nsdk = sdk < floor ? floor : sdk;
            if (first) {
                report->old_minos = minos;
                report->old_sdk = sdk;
                report->new_minos = nminos;
                report->new_sdk = nsdk;
                first = false;
            }
            if (nminos != minos || nsdk != sdk) {
                changed = true;
                lcp_put_u32(copy, img->sizeofcmds, off + fmin, img->big_endian, nminos);
                lcp_put_u32(copy, img->sizeofcmds, off + fmin + 4, img->big_endian, nsdk);
            }
        }
        lcp_status st = LCP_OK;
        if (changed)
            st = lcp_image_set_commands(img, copy, img->sizeofcmds, img->ncmds, err);
        free(copy);
        if (st)
            return st;
        report->action = changed ? LCP_SDK_REWRITTEN : LCP_SDK_UNCHANGED;
        return LCP_OK;
    }

    /* no version command: append one, if it fits */
    uint32_t minos = req->minos ? req->minos : default_minos(img, req->platform, want_sdk);
    if (want_sdk < minos)
        want_sdk = minos; /* never an sdk below the minimum OS */
    uint32_t reserve = sp.signed_image ? 0 : CODE_SIGNATURE_SIZE;
    uint32_t vmin_cmd = lcp_version_min_cmd(req->platform);
    report->platform = req->platform;
    report->new_minos = minos;
    report->new_sdk = want_sdk;
    lcp_buf b;
    lcp_buf_init(&b);
    /* The new command goes right after the last command, not after
     * sizeofcmds: bytes past the last command (slack a linker or a hostile
     * file left in sizeofcmds) would otherwise be read as command 0..n-1 and
     * the new command never reached (found by tests/fuzz/fuzz_roundtrip). */
    size_t used = img->ncmds ? (size_t)img->lc[img->ncmds - 1].offset + img->lc[img->ncmds - 1].cmdsize : 0;
    if (!lcp_buf_append(&b, img->cmds, used)) {
        lcp_buf_release(&b);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    bool ok;
    if (room >= (int64_t)(BUILD_VERSION_SIZE + reserve)) {
        report->action = LCP_SDK_ADDED_BUILD_VERSION;
        report->cmd = LCP_LC_BUILD_VERSION;
        ok = put_build_version(&b, img->big_endian, req->platform, minos, want_sdk, 0);
    } else if (vmin_cmd != 0 && room >= (int64_t)(VERSION_MIN_SIZE + reserve)) {
        report->action = LCP_SDK_ADDED_VERSION_MIN;
        report->cmd = vmin_cmd;
        ok = put_version_min(&b, img->big_endian, vmin_cmd, minos, want_sdk);
    } else {
        lcp_buf_release(&b);
        report->action = LCP_SDK_NO_SPACE;
        report->cmd = 0;
        report->new_minos = report->new_sdk = 0;
        report->needed = (vmin_cmd ? VERSION_MIN_SIZE : BUILD_VERSION_SIZE) + reserve;
        return lcp_error_set(err, LCP_E_NOSPACE, img->offset + img->header_size + img->sizeofcmds,
                             "no version command and no room for one: needs %u bytes (%u for %s%s), %lld free "
                             "before the first section",
                             report->needed, vmin_cmd ? VERSION_MIN_SIZE : BUILD_VERSION_SIZE,
                             vmin_cmd ? lcp_lc_name(vmin_cmd) : "LC_BUILD_VERSION",
                             reserve ? " + 16 kept for LC_CODE_SIGNATURE" : "", (long long)room);
    }
    if (!ok) {
        lcp_buf_release(&b);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    lcp_status st = lcp_image_set_commands(img, b.data, b.len, img->ncmds + 1, err);
    lcp_buf_release(&b);
    if (st)
        return st;
    report->cmd_index = (long)img->ncmds - 1;
    lcp_image_space(img, &sp);
    report->free_after = sp.edit_free;
    return LCP_OK;
}
