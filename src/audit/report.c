/* Findings: kinds, the report's storage, and its final order (walk order of
 * roots, files and images, then load command index, kind and chain), with
 * exact duplicates (the same failure met again through an equivalent
 * chain) removed. */
#include "audit/internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    lcp_audit_severity severity;
    const char *description;
} kinds[] = {
    [LCP_AUDIT_DANGLING] = {"dangling", LCP_AUDIT_ERROR, "A load path that dyld cannot resolve"},
    [LCP_AUDIT_MISSING_WEAK] = {"missing-weak", LCP_AUDIT_WARNING, "A weak load path that resolves nowhere"},
    [LCP_AUDIT_OUTSIDE_BUNDLE] = {"outside-bundle", LCP_AUDIT_ERROR,
                                  "A load path that resolves only outside the bundle, not to a system location"},
    [LCP_AUDIT_RPATH_OUTSIDE_BUNDLE] = {"rpath-outside-bundle", LCP_AUDIT_WARNING,
                                        "An LC_RPATH that points outside the bundle and the system"},
    [LCP_AUDIT_DUPLICATE_RPATH] = {"duplicate-rpath", LCP_AUDIT_WARNING, "The same LC_RPATH twice in one image"},
    [LCP_AUDIT_UNUSED_RPATH] = {"unused-rpath", LCP_AUDIT_WARNING, "An LC_RPATH through which no @rpath load resolves"},
    [LCP_AUDIT_RELATIVE_PATH] = {"relative-path", LCP_AUDIT_WARNING,
                                 "A relative load path or LC_RPATH (refused in hardened programs)"},
    [LCP_AUDIT_ABSOLUTE_ID] = {"absolute-id", LCP_AUDIT_WARNING,
                               "An absolute LC_ID_DYLIB for a library inside a bundle"},
    [LCP_AUDIT_DLOPEN] = {"dlopen", LCP_AUDIT_WARNING, "A constant path passed to dlopen() that does not resolve"},
    [LCP_AUDIT_LOADER_RPATH] = {"loader-rpath", LCP_AUDIT_WARNING,
                                "An @rpath load that no LC_RPATH of the image resolves: only its loader's can"},
};

const char *lcp_audit_kind_name(lcp_audit_kind kind) {
    return (size_t)kind < sizeof kinds / sizeof kinds[0] ? kinds[kind].name : "unknown";
}

const char *lcp_audit_kind_description(lcp_audit_kind kind) {
    return (size_t)kind < sizeof kinds / sizeof kinds[0] ? kinds[kind].description : "";
}

lcp_audit_severity lcp_audit_kind_severity(lcp_audit_kind kind) {
    return (size_t)kind < sizeof kinds / sizeof kinds[0] ? kinds[kind].severity : LCP_AUDIT_ERROR;
}

void lcp_audit_report_init(lcp_audit_report *r) { memset(r, 0, sizeof *r); }

static void finding_release(lcp_audit_finding *f) {
    free(f->root);
    free(f->file);
    free(f->member);
    free(f->arch);
    free(f->path);
    free(f->resolved);
    free(f->via);
    free(f->hint);
}

void lcp_audit_report_release(lcp_audit_report *r) {
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nfindings; i++)
        finding_release(&r->findings[i]);
    free(r->findings);
    for (size_t i = 0; i < r->nfailures; i++) {
        free(r->failures[i].root);
        free(r->failures[i].file);
    }
    free(r->failures);
    memset(r, 0, sizeof *r);
}

static char *dup_or_null(const char *s, bool *ok) {
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        *ok = false;
    return d;
}

lcp_status au_add_finding(au_ctx *ctx, const au_node *n, const au_image *img, lcp_audit_kind kind, const char *command,
                          long index, uint64_t address, const char *path, const char *resolved, const char *via,
                          const char *hint) {
    lcp_audit_report *r = ctx->report;
    if (!ctx->report_all && !n->report)
        return LCP_OK; /* a helper node (the main executable of a file root) */
    if (r->nfindings == r->cap_findings) {
        size_t cap = r->cap_findings ? r->cap_findings * 2 : 32;
        lcp_audit_finding *f = realloc(r->findings, cap * sizeof *f);
        if (f == NULL)
            return LCP_E_NOMEM;
        r->findings = f;
        r->cap_findings = cap;
    }
    lcp_audit_finding *f = &r->findings[r->nfindings];
    memset(f, 0, sizeof *f);
    bool ok = true;
    f->kind = kind;
    f->severity = lcp_audit_kind_severity(kind);
    f->root = dup_or_null(ctx->root_given, &ok);
    f->file = dup_or_null(n->label, &ok);
    f->member = dup_or_null(img->member, &ok);
    f->arch = dup_or_null(img->arch, &ok);
    f->command = command;
    f->index = index;
    f->address = address;
    f->path = dup_or_null(path, &ok);
    f->resolved = dup_or_null(resolved, &ok);
    f->via = dup_or_null(via, &ok);
    f->hint = dup_or_null(hint, &ok);
    f->order[0] = r->roots;
    f->order[1] = (uint64_t)(n - ctx->nodes);
    f->order[2] = (uint64_t)(img - n->images);
    if (!ok) {
        finding_release(f);
        return LCP_E_NOMEM;
    }
    r->nfindings++;
    return LCP_OK;
}

lcp_status lcp_audit_report_add_failure(lcp_audit_report *r, const char *root, const char *file, const lcp_error *e) {
    if (r->nfailures == r->cap_failures) {
        size_t cap = r->cap_failures ? r->cap_failures * 2 : 8;
        lcp_audit_failure *f = realloc(r->failures, cap * sizeof *f);
        if (f == NULL)
            return LCP_E_NOMEM;
        r->failures = f;
        r->cap_failures = cap;
    }
    lcp_audit_failure *f = &r->failures[r->nfailures];
    f->root = strdup(root);
    f->file = strdup(file);
    f->error = *e;
    if (f->root == NULL || f->file == NULL) {
        free(f->root);
        free(f->file);
        return LCP_E_NOMEM;
    }
    r->nfailures++;
    return LCP_OK;
}

lcp_status au_add_failure(au_ctx *ctx, const char *file, const lcp_error *e) {
    return lcp_audit_report_add_failure(ctx->report, ctx->root_given, file, e);
}

static int cmp_str(const char *a, const char *b) {
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_finding(const void *a_, const void *b_) {
    const lcp_audit_finding *a = a_, *b = b_;
    for (int i = 0; i < 3; i++)
        if (a->order[i] != b->order[i])
            return a->order[i] < b->order[i] ? -1 : 1;
    /* dlopen findings (index -1) after the load commands, by address */
    long ia = a->index < 0 ? 0x7fffffffL : a->index, ib = b->index < 0 ? 0x7fffffffL : b->index;
    if (ia != ib)
        return ia < ib ? -1 : 1;
    if (a->address != b->address)
        return a->address < b->address ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1;
    int c = cmp_str(a->via, b->via);
    if (c)
        return c;
    if ((c = cmp_str(a->resolved, b->resolved)) != 0)
        return c;
    if ((c = cmp_str(a->path, b->path)) != 0)
        return c;
    return cmp_str(a->hint, b->hint);
}

void au_report_finish(lcp_audit_report *r) {
    if (r->nfindings > 1)
        qsort(r->findings, r->nfindings, sizeof *r->findings, cmp_finding);
    size_t o = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        if (o > 0 && cmp_finding(&r->findings[o - 1], &r->findings[i]) == 0) {
            finding_release(&r->findings[i]);
            continue;
        }
        r->findings[o++] = r->findings[i];
    }
    r->nfindings = o;
    r->errors = r->warnings = 0;
    for (size_t i = 0; i < r->nfindings; i++) {
        if (r->findings[i].severity == LCP_AUDIT_ERROR)
            r->errors++;
        else
            r->warnings++;
    }
}
