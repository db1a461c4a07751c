/* vtool's -set-* and -remove-* on the library's images (lcp_vtool_apply),
 * and the output written through one lcp_plan. An edited slice that
 * carried a linker signature is signed again, as Xcode's vtool (built with
 * CODEDIRECTORY_SUPPORT) does: lcp_sign_edited, the native writers' path. */
#include "compat/vtool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has_item(const vt_opts *o, lcp_vtool_item_kind kind) {
    for (size_t j = 0; j < o->nitems; j++)
        if (o->items[j].kind == kind)
            return true;
    return false;
}

/* True when a remove cannot change img's commands (nothing to drop, no
 * tool to take out): vtool accepts images the strict parse refuses. */
static bool remove_is_noop(const vt_opts *o, const lcp_image *img) {
    if (has_item(o, LCP_VTOOL_REMOVE_TOOL))
        return false;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd, platform = 0;
        if (cmd == LCP_LC_SOURCE_VERSION && has_item(o, LCP_VTOOL_REMOVE_SOURCE))
            return false;
        if (cmd == LCP_LC_BUILD_VERSION)
            lcp_image_cmd_u32(img, i, 8, &platform);
        else if (lcp_cmd_is_version_min(cmd))
            platform = lcp_version_min_platform(cmd);
        else
            continue;
        for (size_t j = 0; j < o->nitems; j++)
            if (o->items[j].kind == LCP_VTOOL_REMOVE_BUILD && o->items[j].platform == platform)
                return false;
    }
    return true;
}

/* For an image the strict parse refuses: true when a set surely cannot fit
 * by vtool's rule (the commands it drops counted, tools it would carry
 * over not counted, so never a false "no space"). */
static bool set_needs_more_than_room(const vt_opts *o, const lcp_image *img) {
    uint64_t add = 0, drop = 0;
    bool source = false, is_signed = false;
    for (size_t j = 0; j < o->nitems; j++) {
        const lcp_vtool_item *it = &o->items[j];
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

/* An image only vtool's lenient walk accepts: vtool goes ahead when
 * nothing changes, else it fails for space or the library says why. */
static int edit_lenient(const vt_opts *o, const lcp_file *f, const lcp_image *img) {
    if (o->command == VT_REMOVE && remove_is_noop(o, img)) {
        uint64_t sect = lcp_vtool_section_offset(img, false);
        if (sect >= img->header_size && sect - img->header_size >= img->sizeofcmds)
            return 0;
        vt_print_no_space(o, f, img);
        return 1;
    }
    if (o->command == VT_SET && set_needs_more_than_room(o, img)) {
        vt_print_no_space(o, f, img);
        return 1;
    }
    fprintf(stderr, "%s error: %s: %s\n", o->prog, o->in_path, img->strict_error->message);
    return 1;
}

int vt_edit_slice(const vt_opts *o, const lcp_file *f, size_t i, vt_slice_edit *out) {
    lcp_image *img = f->slices[i].image;
    out->img = NULL;
    if (img->strict_error)
        return edit_lenient(o, f, img);
    lcp_vtool_edit e = {o->items, o->nitems, o->replace};
    lcp_vtool_result res;
    lcp_error err;
    if (lcp_vtool_apply(img, &e, &res, &err) != LCP_OK) {
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->in_path, err.message);
        return 1;
    }
    if (res.outcome == LCP_VTOOL_NO_SPACE) {
        vt_print_no_space(o, f, img);
        return 1;
    }
    if (res.outcome != LCP_VTOOL_DONE) {
        vt_print_outcome(o, &res);
        return 1;
    }
    out->img = img;
    out->sect = res.section_offset;
    return 0;
}

static int by_offset(const void *a, const void *b) {
    const vt_slice_edit *x = a, *y = b;
    return x->img->offset < y->img->offset ? -1 : x->img->offset > y->img->offset;
}

/* vtool's own layout: each edited slice's header, commands and zeros up
 * to its first section, in place; every other byte copied by range. */
static lcp_status plan_in_place(const lcp_file *f, const vt_slice_edit *edits, lcp_plan *plan, lcp_error *err) {
    vt_slice_edit *p = calloc(f->nslices ? f->nslices : 1, sizeof *p);
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
        uint8_t h[32];
        lcp_image_encode_header(img, h);
        st = lcp_plan_add_copy(plan, pos, img->offset - pos, err);
        if (st == LCP_OK)
            st = lcp_plan_add_bytes(plan, h, img->header_size, err);
        if (st == LCP_OK)
            st = lcp_plan_add_bytes(plan, img->cmds, img->sizeofcmds, err);
        pos = img->offset + p[i].sect;
        if (st == LCP_OK)
            st = lcp_plan_pad_to(plan, pos, err);
    }
    if (st == LCP_OK)
        st = lcp_plan_add_copy(plan, pos, f->src.size - pos, err);
    free(p);
    return st;
}

int vt_write_output(const vt_opts *o, const lcp_file *f, vt_slice_edit *edits) {
    /* Which signatures go stale: a linker signature of an edited slice is
     * made again; any other signature (a certificate's, or an unedited
     * slice's under vtool's rule) draws Apple's warning. */
    size_t nedited = 0, nresign = 0;
    bool stale = false;
    lcp_image **edited = calloc(f->nslices ? f->nslices : 1, sizeof *edited);
    if (edited == NULL) {
        fprintf(stderr, "%s error: %s: out of memory\n", o->prog, o->out_path);
        return 1;
    }
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
        stale = stale || (is_signed && !linker);
    }
    if (stale)
        fprintf(stderr, "%s warning: code signature will be invalid for %s\n", o->prog, o->out_path);
    fflush(stdout);
    lcp_plan plan;
    lcp_plan_init(&plan);
    lcp_error err;
    bool resigned = false;
    lcp_status st = nresign ? lcp_sign_edited_in_place(f, edited, nedited, &plan, &resigned, &err)
                            : plan_in_place(f, edits, &plan, &err);
    if (st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, o->out_path, o->in_path, &err);
    lcp_plan_release(&plan);
    free(edited);
    if (st != LCP_OK) {
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->out_path, err.message);
        return 1;
    }
    return 0;
}
