/* rescue's records of its files (lcpatch/rescue.h): the files under the
 * PATHs, which one a finding counts for, and what codesign is to sign
 * next. */
#include "lcpatch/rescue.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* True when path is one of excl or lies under such a folder. */
static bool excluded(const char *path, char *const *excl, size_t nexcl, bool *used) {
    for (size_t e = 0; e < nexcl; e++) {
        size_t l = strlen(excl[e]);
        while (l > 1 && excl[e][l - 1] == '/')
            l--;
        if (strncmp(path, excl[e], l) == 0 && (path[l] == '\0' || path[l] == '/')) {
            used[e] = true;
            return true;
        }
    }
    return false;
}

bool lcp_rescue_items_find(lcp_rescue_items *s, char *const *roots, size_t nroots, char *const *excl, size_t nexcl,
                           const lcp_output_opts *out, bool dry_run) {
    memset(s, 0, sizeof *s);
    s->found = calloc(nroots, sizeof *s->found);
    s->nfound = calloc(nroots, sizeof *s->nfound);
    s->excl_used = calloc(nexcl ? nexcl : 1, sizeof *s->excl_used);
    if (s->found == NULL || s->nfound == NULL || s->excl_used == NULL)
        return false;
    s->nroots = nroots;
    for (size_t r = 0; r < nroots; r++) {
        lcp_error err;
        bool root_failed = lcp_rescue_find_files(roots[r], &s->found[r], &s->nfound[r], &err) != LCP_OK;
        lcp_rescue_item *more = realloc(s->v, (s->n + s->nfound[r] + 1) * sizeof *s->v);
        if (more == NULL)
            return false;
        s->v = more;
        if (root_failed) {
            lcp_rescue_item *it = &s->v[s->n++];
            memset(it, 0, sizeof *it);
            it->root = roots[r];
            it->path = roots[r];
            it->failed = true;
            it->err = err;
            continue;
        }
        for (size_t k = 0; k < s->nfound[r]; k++) {
            if (excluded(s->found[r][k], excl, nexcl, s->excl_used))
                continue;
            lcp_rescue_item *it = &s->v[s->n++];
            memset(it, 0, sizeof *it);
            it->root = roots[r];
            it->path = s->found[r][k];
            it->dest = dry_run && !out->output && !out->in_place ? NULL : lcp_output_opts_dest(out, it->path);
        }
    }
    return true;
}

void lcp_rescue_items_release(lcp_rescue_items *s) {
    for (size_t k = 0; k < s->n; k++) {
        lcp_rescue_file_free(s->v[k].rf);
        lcp_rescue_adhoc_free(s->v[k].adhoc);
    }
    free(s->v);
    for (size_t r = 0; s->found && r < s->nroots; r++)
        lcp_rescue_paths_free(s->found[r], s->nfound[r]);
    free(s->found);
    free(s->nfound);
    free(s->excl_used);
    memset(s, 0, sizeof *s);
}

lcp_rescue_item *lcp_rescue_item_of(lcp_rescue_item *items, size_t n, const lcp_audit_finding *fd) {
    for (size_t i = 0; i < n; i++)
        if (lcp_rescue_finding_of(items[i].root, items[i].path, fd))
            return lcp_rescue_finding_kept(items[i].rf, fd) ? &items[i] : NULL;
    return NULL;
}

size_t lcp_rescue_items_count_findings(lcp_rescue_item *items, size_t n, const lcp_audit_report *ar) {
    size_t errors = 0;
    for (size_t f = 0; f < ar->nfindings; f++) {
        lcp_rescue_item *it = lcp_rescue_item_of(items, n, &ar->findings[f]);
        if (it) {
            it->nfindings++;
            if (lcp_rescue_finding_blocks(&ar->findings[f])) {
                it->errors++;
                errors++;
            }
        }
    }
    return errors;
}

/* Quotes a path for sh when it needs it. */
static void print_shell_word(FILE *fp, const char *s) {
    if (s[strcspn(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~")] == '\0' && s[0]) {
        fputs(s, fp);
        return;
    }
    fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", fp);
        else
            fputc(*s, fp);
    }
    fputc('\'', fp);
}

static bool is_bundle(const char *p) {
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    static const char *const ext[] = {".app", ".framework", ".bundle", ".plugin", ".appex", ".xpc"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strncmp(p + n - e, ext[i], e) == 0)
            return true;
    }
    return false;
}

bool lcp_rescue_items_unsigned(const lcp_rescue_item *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const lcp_rescue_file *rf = items[i].rf;
        if (!items[i].failed && !items[i].skipped && rf &&
            (rf->state == LCP_RESCUE_CHANGED || rf->state == LCP_RESCUE_ALREADY) && !lcp_rescue_signable(rf))
            return true;
    }
    return false;
}

/* Written to a string, for the JSON and the text report alike. */
char *lcp_rescue_next_step(const lcp_rescue_item *items, size_t n, char *const *roots, size_t nroots) {
    size_t nsign = 0;
    for (size_t i = 0; i < n; i++)
        nsign += !items[i].failed && !items[i].skipped && lcp_rescue_signable(items[i].rf);
    if (nsign == 0)
        return NULL; /* archives, objects, files left alone: codesign has nothing to sign */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp == NULL)
        return NULL;
    fputs("codesign --force --options runtime --timestamp --sign \"Developer ID Application: YOUR NAME (TEAMID)\"", fp);
    for (size_t i = 0; i < n; i++) {
        if (items[i].failed || items[i].skipped || !lcp_rescue_signable(items[i].rf))
            continue; /* static archives are linked and dSYMs kept aside, not signed */
        fputc(' ', fp);
        print_shell_word(fp, items[i].dest ? items[i].dest : items[i].path);
    }
    for (size_t r = 0; r < nroots; r++)
        if (is_bundle(roots[r])) {
            fputc(' ', fp);
            print_shell_word(fp, roots[r]);
        }
    fclose(fp);
    return buf;
}
