/* Apple vtool's edits over a whole file (include/lcpatch/vtool_file.h):
 * its answer for images only its lenient walk accepts, and the plan of
 * its output (cctools misc/vtool.c process, file_write). */
#include "lcpatch/vtool_file.h"

#include "lcpatch/apple_space.h"
#include "lcpatch/macho.h"
#include "lcpatch/sign.h"

#include <stdlib.h>
#include <string.h>

static bool has_item(const lcp_vtool_edit *e, lcp_vtool_item_kind kind) {
    for (size_t j = 0; j < e->nitems; j++)
        if (e->items[j].kind == kind)
            return true;
    return false;
}

/* True when a remove cannot change img's commands (nothing to drop, no
 * tool to take out): vtool accepts images the strict parse refuses. */
static bool remove_is_noop(const lcp_vtool_edit *e, const lcp_image *img) {
    if (has_item(e, LCP_VTOOL_REMOVE_TOOL))
        return false;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd, platform = 0;
        if (cmd == LCP_LC_SOURCE_VERSION && has_item(e, LCP_VTOOL_REMOVE_SOURCE))
            return false;
        if (cmd == LCP_LC_BUILD_VERSION)
            lcp_image_cmd_u32(img, i, 8, &platform);
        else if (lcp_cmd_is_version_min(cmd))
            platform = lcp_version_min_platform(cmd);
        else
            continue;
        for (size_t j = 0; j < e->nitems; j++)
            if (e->items[j].kind == LCP_VTOOL_REMOVE_BUILD && e->items[j].platform == platform)
                return false;
    }
    return true;
}

/* True when a set surely cannot fit by vtool's rule (the commands it
 * drops counted, tools it would carry over not counted, so never a false
 * "no space"). */
static bool set_needs_more_than_room(const lcp_vtool_edit *e, const lcp_image *img) {
    uint64_t add = 0, drop = 0;
    bool source = false, is_signed = false;
    for (size_t j = 0; j < e->nitems; j++) {
        const lcp_vtool_item *it = &e->items[j];
        if (it->kind == LCP_VTOOL_SET_BUILD)
            add += it->version_min ? 16 : 24;
        else if (it->kind == LCP_VTOOL_ADD_TOOL)
            add += 8;
        else if (it->kind == LCP_VTOOL_SET_SOURCE) {
            add += 16;
            source = true;
        }
    }
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        if (cmd == LCP_LC_CODE_SIGNATURE)
            is_signed = true;
        else if (cmd == LCP_LC_SOURCE_VERSION && source)
            drop += img->lc[i].cmdsize;
        else if (cmd == LCP_LC_BUILD_VERSION || lcp_cmd_is_version_min(cmd))
            drop += img->lc[i].cmdsize; /* at most: every version command */
    }
    uint64_t sect = lcp_vtool_section_offset(img, true), used = img->sizeofcmds + add;
    uint64_t need = used - (drop < used ? drop : 0) + (is_signed ? 0 : 16);
    return sect < img->header_size || sect - img->header_size < need;
}

lcp_status lcp_vtool_check_lenient(const lcp_image *img, const lcp_vtool_edit *e, lcp_error *err) {
    /* set and remove items never mix: the first tells which command it is */
    bool remove = e->nitems > 0 && e->items[0].kind >= LCP_VTOOL_REMOVE_BUILD;
    if (remove && remove_is_noop(e, img)) {
        uint64_t sect = lcp_vtool_section_offset(img, false);
        if (sect >= img->header_size && sect - img->header_size >= img->sizeofcmds)
            return LCP_OK;
        return lcp_error_set(err, LCP_E_NOSPACE, img->offset, "not enough space to hold load commands");
    }
    if (!remove && set_needs_more_than_room(e, img))
        return lcp_error_set(err, LCP_E_NOSPACE, img->offset, "not enough space to hold load commands");
    *err = *img->strict_error;
    return err->status;
}

/* vtool's split: at dots, into at most n components, each read with
 * strtoull from a copy of at most 63 characters (so "abc" reads 0);
 * false when there are more. */
static bool split_version(const char *s, uint64_t *c, int n) {
    const char *p = s;
    for (int i = 0;; i++) {
        if (i == n)
            return false;
        char buf[64];
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        c[i] = (uint64_t)strtoull(buf, NULL, 10);
        if (!dot)
            return true;
        p = dot + 1;
    }
}

int lcp_vtool_version_parse(const char *s, int n, uint64_t *out) {
    uint64_t c[5] = {0, 0, 0, 0, 0}, packed = 0;
    if ((n != 3 && n != 5) || !split_version(s, c, n))
        return -1;
    for (int i = 0; i < n; i++) {
        unsigned bits = n == 3 ? (i == 0 ? 16 : 8) : (i == 0 ? 24 : 10);
        uint64_t v = n == 3 ? (uint32_t)c[i] : c[i];
        if (v >> bits) {
            *out = v;
            return i + 1;
        }
        packed = packed << bits | v;
    }
    *out = packed;
    return 0;
}

const lcp_vtool_item *lcp_vtool_repeated(const lcp_vtool_item *items, size_t n, lcp_vtool_item_kind kind) {
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i && items[i].kind == kind; j++) {
            const lcp_vtool_item *x = &items[i], *y = &items[j];
            if (y->kind == kind && (kind == LCP_VTOOL_SET_SOURCE ||
                                    (x->platform == y->platform && (kind != LCP_VTOOL_ADD_TOOL || x->tool == y->tool))))
                return x;
        }
    return NULL;
}

static int by_offset(const void *a, const void *b) {
    const lcp_vtool_slice *x = a, *y = b;
    return x->img->offset < y->img->offset ? -1 : x->img->offset > y->img->offset;
}

/* vtool's own layout: each edited slice's header, commands and zeros up
 * to its first section, in place; every other byte copied by range. */
static lcp_status plan_in_place(const lcp_file *f, const lcp_vtool_slice *edits, lcp_plan *plan, lcp_error *err) {
    lcp_vtool_slice *p = calloc(f->nslices ? f->nslices : 1, sizeof *p);
    if (p == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < f->nslices; i++)
        if (edits[i].img)
            p[n++] = edits[i];
    qsort(p, n, sizeof *p, by_offset);
    lcp_status st = LCP_OK;
    uint64_t pos = 0;
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        const lcp_image *img = p[i].img;
        if (img->offset < pos) {
            st = lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "slices overlap at offset %llu",
                               (unsigned long long)img->offset);
            break;
        }
        st = lcp_plan_add_copy(plan, pos, img->offset - pos, err);
        /* no byte copied: zeros from the commands' end to the section */
        if (st == LCP_OK)
            st = lcp_plan_add_image_upto(plan, img, 0, p[i].sect, err);
        pos = img->offset + p[i].sect;
    }
    if (st == LCP_OK)
        st = lcp_plan_add_copy(plan, pos, f->src.size - pos, err);
    free(p);
    return st;
}

lcp_status lcp_vtool_plan(const lcp_file *f, const lcp_vtool_slice *edits, lcp_plan *plan, bool *stale,
                          lcp_error *err) {
    /* Which signatures go stale: a linker signature of an edited slice is
     * made again; any other signature (a certificate's, or an unedited
     * slice's under vtool's rule) draws Apple's warning. */
    size_t nedited = 0, nresign = 0;
    *stale = false;
    lcp_image **edited = calloc(f->nslices ? f->nslices : 1, sizeof *edited);
    if (edited == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    /* re-signing lays the fat header out again: never over a hidden arm64
     * entry, which must stay hidden (the signature then goes stale) */
    bool can_resign = f->kind == LCP_THIN || f->nslices == f->nfat_arch;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_image *img = f->slices[i].image;
        bool is_signed = img && lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) >= 0;
        bool linker = can_resign && edits[i].img && lcp_image_linker_signed(&f->src, img);
        if (edits[i].img)
            edited[nedited++] = edits[i].img;
        nresign += linker;
        *stale = *stale || (is_signed && !linker);
    }
    bool resigned = false;
    lcp_status st = nresign ? lcp_sign_edited_in_place(f, edited, nedited, plan, &resigned, err)
                            : plan_in_place(f, edits, plan, err);
    free(edited);
    return st;
}
