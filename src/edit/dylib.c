/* Install-name and rpath edits on one image (include/lcpatch/dylib_edit.h):
 * one pass computes the new load commands with install_name_tool's rules,
 * then lcp_image_set_commands validates and installs them. */
#include "lcpatch/dylib_edit.h"

#include "lcpatch/apple_space.h"
#include "lcpatch/macho.h"
#include "util/buf.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { DYLIB_FIXED = 24, RPATH_FIXED = 12, PREBOUND_FIXED = 20, SIGNATURE_RESERVE = 16 };

const char *lcp_name_edit_option(lcp_name_edit_kind kind) {
    switch (kind) {
    case LCP_NAME_CHANGE: return "-change";
    case LCP_NAME_ID: return "-id";
    case LCP_NAME_ADD_RPATH: return "-add_rpath";
    case LCP_NAME_PREPEND_RPATH: return "-prepend_rpath";
    case LCP_NAME_DELETE_RPATH: return "-delete_rpath";
    case LCP_NAME_RPATH: return "-rpath";
    case LCP_NAME_DELETE_ALL_RPATHS: return "-delete_all_rpaths";
    }
    return "?";
}

static bool eq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static bool conflict(char *msg, size_t len, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static bool conflict(char *msg, size_t len, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    if (msg && len)
        vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return false;
}

static bool is_adding(lcp_name_edit_kind k) { return k == LCP_NAME_ADD_RPATH || k == LCP_NAME_PREPEND_RPATH; }

/* The checks of install_name_tool's argument loop, in its order: for each
 * new option, the prior options of each kind in turn. -prepend_rpath is
 * checked like -add_rpath; -delete_all_rpaths may not meet -rpath. */
bool lcp_name_edit_conflicts(const lcp_name_edit *prior, size_t nprior, const lcp_name_edit *next, char *msg,
                             size_t len) {
    const lcp_name_edit *n = next;
    const char *nopt = lcp_name_edit_option(n->kind);
    switch (n->kind) {
    case LCP_NAME_CHANGE: return true;
    case LCP_NAME_ID:
    case LCP_NAME_DELETE_ALL_RPATHS:
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == n->kind)
                return conflict(msg, len, "more than one: %s option specified", nopt);
        if (n->kind == LCP_NAME_DELETE_ALL_RPATHS)
            for (size_t i = 0; i < nprior; i++)
                if (prior[i].kind == LCP_NAME_RPATH)
                    return conflict(msg, len, "can't specify both \"-rpath %s %s\" and \"-delete_all_rpaths\"",
                                    prior[i].old_path, prior[i].new_path);
        return true;
    case LCP_NAME_RPATH:
        for (size_t i = 0; i < nprior; i++) {
            const lcp_name_edit *p = &prior[i];
            if (p->kind != LCP_NAME_RPATH)
                continue;
            if (eq(p->old_path, n->old_path)) {
                if (eq(p->new_path, n->new_path))
                    return conflict(msg, len, "\"-rpath %s %s\" specified more than once", n->old_path, n->new_path);
                return conflict(msg, len, "can't specify both \"-rpath %s %s\" and \"-rpath %s %s\"", p->old_path,
                                p->new_path, n->old_path, n->new_path);
            }
            if (eq(p->new_path, n->old_path) || eq(p->old_path, n->new_path) || eq(p->new_path, n->new_path))
                return conflict(msg, len, "can't specify both \"-rpath %s %s\" and \"-rpath %s %s\"", p->old_path,
                                p->new_path, n->old_path, n->new_path);
        }
        for (size_t i = 0; i < nprior; i++)
            if (is_adding(prior[i].kind) && (eq(prior[i].new_path, n->old_path) || eq(prior[i].new_path, n->new_path)))
                return conflict(msg, len, "can't specify both \"%s %s\" and \"-rpath %s %s\"",
                                lcp_name_edit_option(prior[i].kind), prior[i].new_path, n->old_path, n->new_path);
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == LCP_NAME_DELETE_RPATH &&
                (eq(prior[i].old_path, n->old_path) || eq(prior[i].old_path, n->new_path)))
                return conflict(msg, len, "can't specify both \"-delete_rpath %s\" and \"-rpath %s %s\"",
                                prior[i].old_path, n->old_path, n->new_path);
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == LCP_NAME_DELETE_ALL_RPATHS)
                return conflict(msg, len, "can't specify both \"-delete_all_rpaths\" and \"-rpath %s %s\"", n->old_path,
                                n->new_path);
        return true;
    case LCP_NAME_ADD_RPATH:
    case LCP_NAME_PREPEND_RPATH:
        for (size_t i = 0; i < nprior; i++)
            if (is_adding(prior[i].kind) && eq(prior[i].new_path, n->new_path)) {
                if (prior[i].kind == n->kind)
                    return conflict(msg, len, "\"%s %s\" specified more than once", nopt, n->new_path);
                return conflict(msg, len, "can't specify both \"%s %s\" and \"%s %s\"",
                                lcp_name_edit_option(prior[i].kind), prior[i].new_path, nopt, n->new_path);
            }
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == LCP_NAME_RPATH &&
                (eq(prior[i].old_path, n->new_path) || eq(prior[i].new_path, n->new_path)))
                return conflict(msg, len, "can't specify both \"-rpath %s %s\" and \"%s %s\"", prior[i].old_path,
                                prior[i].new_path, nopt, n->new_path);
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == LCP_NAME_DELETE_RPATH && eq(prior[i].old_path, n->new_path))
                return conflict(msg, len, "can't specify both \"-delete_rpath %s\" and \"%s %s\"", prior[i].old_path,
                                nopt, n->new_path);
        return true;
    case LCP_NAME_DELETE_RPATH:
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == LCP_NAME_DELETE_RPATH && eq(prior[i].old_path, n->old_path))
                return conflict(msg, len, "\"-delete_rpath %s\" specified more than once", n->old_path);
        for (size_t i = 0; i < nprior; i++)
            if (prior[i].kind == LCP_NAME_RPATH &&
                (eq(prior[i].old_path, n->old_path) || eq(prior[i].new_path, n->old_path)))
                return conflict(msg, len, "can't specify both \"-rpath %s %s\" and \"-delete_rpath %s\"",
                                prior[i].old_path, prior[i].new_path, n->old_path);
        for (size_t i = 0; i < nprior; i++)
            if (is_adding(prior[i].kind) && eq(prior[i].new_path, n->old_path))
                return conflict(msg, len, "can't specify both \"%s %s\" and \"-delete_rpath %s\"",
                                lcp_name_edit_option(prior[i].kind), prior[i].new_path, n->old_path);
        return true;
    }
    return true;
}

void lcp_name_report_init(lcp_name_report *r) { memset(r, 0, sizeof *r); }

void lcp_name_report_release(lcp_name_report *r) {
    if (!r)
        return;
    free(r->problems);
    memset(r, 0, sizeof *r);
}

static bool add_problem(lcp_name_report *r, lcp_name_problem_kind kind, size_t edit, size_t command) {
    if (!r)
        return true;
    lcp_name_problem *p = realloc(r->problems, (r->nproblems + 1) * sizeof *p);
    if (!p)
        return false;
    r->problems = p;
    p[r->nproblems++] = (lcp_name_problem){kind, edit, command};
    return true;
}

/* Rounds v up to a multiple of a (4 or 8). */
static uint64_t rnd(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

/* Appends a command of `fixed` bytes copied from `src` (with cmdsize and
 * the lc_str at `str_field` replaced) followed by `s`, NUL-padded to
 * `cmdsize` bytes. */
static bool put_string_cmd(lcp_buf *b, const lcp_image *img, const uint8_t *src, uint32_t fixed, uint32_t cmd,
                           uint64_t cmdsize, uint32_t str_field, const char *s) {
    size_t at = b->len;
    if (cmdsize > UINT32_MAX || !lcp_buf_append_zeros(b, (size_t)cmdsize))
        return false;
    uint8_t *c = b->data + at;
    if (src)
        memcpy(c, src, fixed);
    lcp_put_u32(c, (size_t)cmdsize, 0, img->big_endian, cmd);
    lcp_put_u32(c, (size_t)cmdsize, 4, img->big_endian, (uint32_t)cmdsize);
    lcp_put_u32(c, (size_t)cmdsize, str_field, img->big_endian, fixed);
    memcpy(c + fixed, s, strlen(s));
    return true;
}

static bool put_rpath(lcp_buf *b, const lcp_image *img, const char *path, uint32_t align) {
    return put_string_cmd(b, img, NULL, RPATH_FIXED, LCP_LC_RPATH, rnd(RPATH_FIXED + strlen(path) + 1, align), 8, path);
}

/* A dylib command with a new name: install_name_tool keeps the fixed part
 * (timestamp and versions) and drops whatever followed the old name. */
static bool put_dylib(lcp_buf *b, const lcp_image *img, const uint8_t *src, uint32_t cmd, const char *name,
                      uint32_t align) {
    return put_string_cmd(b, img, src, DYLIB_FIXED, cmd, DYLIB_FIXED + rnd(strlen(name) + 1, align), 8, name);
}

/* LC_PREBOUND_DYLIB with a new name: the linked-modules bit vector that
 * followed the old (rounded) name follows the new one. */
static lcp_status put_prebound(lcp_buf *b, const lcp_image *img, size_t i, const char *old_name, const char *name,
                               uint32_t align, lcp_error *err) {
    const uint8_t *src = lcp_image_command_bytes(img, i);
    uint32_t cmdsize = img->lc[i].cmdsize, lm_off = 0;
    uint64_t old_head = PREBOUND_FIXED + rnd(strlen(old_name) + 1, align);
    if (!lcp_image_cmd_u32(img, i, 16, &lm_off) || old_head > cmdsize || lm_off > cmdsize ||
        cmdsize - old_head > cmdsize - lm_off)
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset + img->header_size + img->lc[i].offset,
                             "load command %zu 'LC_PREBOUND_DYLIB': linked modules do not follow the name", i);
    uint64_t lm_size = cmdsize - old_head;
    uint64_t head = PREBOUND_FIXED + rnd(strlen(name) + 1, align);
    size_t at = b->len;
    if (!put_string_cmd(b, img, src, PREBOUND_FIXED, LCP_LC_PREBOUND_DYLIB, head + lm_size, 8, name))
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    uint8_t *c = b->data + at;
    lcp_put_u32(c, (size_t)(head + lm_size), 16, img->big_endian, (uint32_t)head);
    memcpy(c + head, src + lm_off, (size_t)lm_size);
    return LCP_OK;
}

static bool has_kind(const lcp_name_edit *e, size_t n, lcp_name_edit_kind k) {
    for (size_t i = 0; i < n; i++)
        if (e[i].kind == k)
            return true;
    return false;
}

static bool needs_old(lcp_name_edit_kind k) {
    return k == LCP_NAME_CHANGE || k == LCP_NAME_DELETE_RPATH || k == LCP_NAME_RPATH;
}
static bool needs_new(lcp_name_edit_kind k) {
    return k == LCP_NAME_CHANGE || k == LCP_NAME_ID || k == LCP_NAME_RPATH || is_adding(k);
}

lcp_status lcp_image_edit_names(lcp_image *img, const lcp_name_edit *edits, size_t nedits, unsigned flags,
                                lcp_name_report *report, lcp_error *err) {
    if (report)
        lcp_name_report_init(report);
    char msg[512];
    for (size_t k = 0; k < nedits; k++) {
        if ((needs_old(edits[k].kind) && !edits[k].old_path) || (needs_new(edits[k].kind) && !edits[k].new_path))
            return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "%s: missing argument",
                                 lcp_name_edit_option(edits[k].kind));
        if (!lcp_name_edit_conflicts(edits, k, &edits[k], msg, sizeof msg))
            return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "%s", msg);
    }
    uint32_t align = img->is64 ? 8 : 4;
    bool delete_all = has_kind(edits, nedits, LCP_NAME_DELETE_ALL_RPATHS);
    bool *found = calloc(nedits ? nedits : 1, sizeof *found);
    if (!found)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_buf b;
    lcp_buf_init(&b);
    lcp_status st = LCP_OK;
    bool oom = false, has_signature = false, prepended = false;
    size_t changed = 0;
    uint32_t ncmds = 0;
#define EMIT_PREPENDS()                                                                                                \
    do {                                                                                                               \
        for (size_t k_ = 0; k_ < nedits && !oom; k_++)                                                                 \
            if (edits[k_].kind == LCP_NAME_PREPEND_RPATH) {                                                            \
                oom = !put_rpath(&b, img, edits[k_].new_path, align);                                                  \
                ncmds++, changed++;                                                                                    \
            }                                                                                                          \
        prepended = true;                                                                                              \
    } while (0)

    for (size_t i = 0; i < img->ncmds && st == LCP_OK && !oom; i++) {
        uint32_t cmd = img->lc[i].cmd;
        const uint8_t *src = lcp_image_command_bytes(img, i);
        const char *name = NULL;
        if (cmd == LCP_LC_CODE_SIGNATURE)
            has_signature = true;
        if (cmd == LCP_LC_ID_DYLIB) {
            const lcp_name_edit *id = NULL;
            for (size_t k = 0; k < nedits; k++)
                if (edits[k].kind == LCP_NAME_ID)
                    id = &edits[k];
            if (id) {
                oom = !put_dylib(&b, img, src, cmd, id->new_path, align);
                ncmds++, changed++;
                continue;
            }
        } else if ((lcp_cmd_is_dylib(cmd) || cmd == LCP_LC_PREBOUND_DYLIB) && lcp_image_cmd_string(img, i, &name)) {
            const lcp_name_edit *ch = NULL;
            for (size_t k = 0; k < nedits && !ch; k++)
                if (edits[k].kind == LCP_NAME_CHANGE && strcmp(edits[k].old_path, name) == 0)
                    ch = &edits[k];
            if (ch) {
                if (cmd == LCP_LC_PREBOUND_DYLIB)
                    st = put_prebound(&b, img, i, name, ch->new_path, align, err);
                else
                    oom = !put_dylib(&b, img, src, cmd, ch->new_path, align);
                ncmds++, changed++;
                continue;
            }
        } else if (cmd == LCP_LC_RPATH && lcp_image_cmd_string(img, i, &name)) {
            /* Duplicates are checked against every existing LC_RPATH, as
             * install_name_tool does, unless all of them go. */
            for (size_t k = 0; k < nedits && !delete_all; k++)
                if (is_adding(edits[k].kind) && strcmp(edits[k].new_path, name) == 0)
                    oom |= !add_problem(report, LCP_NAME_DUPLICATE_RPATH, k, i);
            if (delete_all) {
                for (size_t k = 0; k < nedits; k++)
                    if (edits[k].kind == LCP_NAME_DELETE_RPATH && !found[k] && strcmp(edits[k].old_path, name) == 0)
                        found[k] = true;
                changed++;
                continue;
            }
            bool gone = false;
            for (size_t k = 0; k < nedits && !gone; k++)
                if (edits[k].kind == LCP_NAME_DELETE_RPATH && !found[k] && strcmp(edits[k].old_path, name) == 0)
                    found[k] = gone = true;
            if (gone) {
                changed++;
                continue;
            }
            if (!prepended)
                EMIT_PREPENDS();
            const lcp_name_edit *rp = NULL;
            for (size_t k = 0; k < nedits && !rp; k++)
                if (edits[k].kind == LCP_NAME_RPATH && !found[k] && strcmp(edits[k].old_path, name) == 0) {
                    found[k] = true;
                    rp = &edits[k];
                }
            if (rp) {
                oom = !put_rpath(&b, img, rp->new_path, align);
                ncmds++, changed++;
                continue;
            }
        }
        oom = !lcp_buf_append(&b, src, img->lc[i].cmdsize);
        ncmds++;
    }
    if (st == LCP_OK && !oom && !prepended)
        EMIT_PREPENDS();
    for (size_t k = 0; k < nedits && st == LCP_OK && !oom; k++)
        if (edits[k].kind == LCP_NAME_ADD_RPATH) {
            oom = !put_rpath(&b, img, edits[k].new_path, align);
            ncmds++, changed++;
        }
#undef EMIT_PREPENDS
    if (oom)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    /* install_name_tool reports the deletes, then the renames, not found. */
    for (size_t k = 0; k < nedits && st == LCP_OK; k++)
        if (edits[k].kind == LCP_NAME_DELETE_RPATH && !found[k] && !add_problem(report, LCP_NAME_RPATH_NOT_FOUND, k, 0))
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t k = 0; k < nedits && st == LCP_OK; k++)
        if (edits[k].kind == LCP_NAME_RPATH && !found[k] && !add_problem(report, LCP_NAME_RPATH_NOT_FOUND, k, 0))
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");

    /* install_name_tool's rule always (Apple's tool refuses what it does
     * not fit); lcpatch's own edits also keep to the safe rule. */
    uint64_t needed = (uint64_t)img->header_size + b.len + (has_signature ? 0 : SIGNATURE_RESERVE);
    bool unbounded;
    uint64_t limit = lcp_install_name_tool_limit(img, &unbounded);
    if (flags & LCP_NAME_APPLE_LIMIT) {
        if (unbounded)
            limit = UINT64_MAX;
    } else {
        lcp_space sp;
        lcp_image_space(img, &sp);
        if (sp.safe_limit < limit)
            limit = sp.safe_limit;
    }
    if (report) {
        report->needed = needed;
        report->limit = limit;
        report->new_sizeofcmds = b.len > UINT32_MAX ? UINT32_MAX : (uint32_t)b.len;
        report->new_ncmds = ncmds;
        report->changed = changed;
    }
    /* Apple's tool checks even when nothing changes; lcpatch's own edits
     * never fail for space when they change nothing. */
    bool nospace = needed > limit && (changed > 0 || (flags & LCP_NAME_APPLE_LIMIT));
    if (st == LCP_OK && nospace && !add_problem(report, LCP_NAME_NO_SPACE, 0, 0))
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");

    if (st == LCP_OK) {
        /* The first problem in order becomes the error. */
        bool reported = false;
        for (size_t i = 0; i < img->ncmds && !reported; i++) {
            const char *name;
            if (delete_all || img->lc[i].cmd != LCP_LC_RPATH || !lcp_image_cmd_string(img, i, &name))
                continue;
            for (size_t k = 0; k < nedits && !reported; k++)
                if (is_adding(edits[k].kind) && strcmp(edits[k].new_path, name) == 0) {
                    st = lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET,
                                       "\"%s %s\" would duplicate path, load command %zu 'LC_RPATH' already has it",
                                       lcp_name_edit_option(edits[k].kind), edits[k].new_path, i);
                    reported = true;
                }
        }
        for (size_t k = 0; k < nedits && !reported; k++)
            if ((edits[k].kind == LCP_NAME_DELETE_RPATH || edits[k].kind == LCP_NAME_RPATH) && !found[k]) {
                st = lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "no LC_RPATH load command with path: %s",
                                   edits[k].old_path);
                reported = true;
            }
        if (!reported && nospace) {
            st = lcp_error_set(err, LCP_E_NOSPACE, img->offset,
                               "the new load commands need %llu bytes of header (%u bytes of load commands%s) "
                               "but only %llu are available before the first section: %llu bytes missing",
                               (unsigned long long)needed, (unsigned)b.len,
                               has_signature ? "" : " and 16 kept for LC_CODE_SIGNATURE", (unsigned long long)limit,
                               (unsigned long long)(needed - limit));
            reported = true;
        }
    }
    if (st == LCP_OK) {
        if (b.len > UINT32_MAX)
            st = lcp_error_set(err, LCP_E_NOSPACE, img->offset, "load commands larger than 4 GiB");
        else
            st = lcp_image_set_commands(img, b.data, b.len, ncmds, err);
    }
    lcp_buf_release(&b);
    free(found);
    return st;
}
