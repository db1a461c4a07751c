/* One root of `rescue --fix-paths`: audit -> lcp_fix_paths_plan ->
 * lcp_fix_paths_apply -> audit (see lcpatch/fix_paths.h). */
#include "lcpatch/fix_paths.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool is_load(const char *command) {
    return command && (strcmp(command, "LC_LOAD_DYLIB") == 0 || strcmp(command, "LC_LOAD_WEAK_DYLIB") == 0 ||
                       strcmp(command, "LC_REEXPORT_DYLIB") == 0 || strcmp(command, "LC_LOAD_UPWARD_DYLIB") == 0 ||
                       strcmp(command, "LC_LAZY_LOAD_DYLIB") == 0);
}

/* The audit's findings as fix problems (pointing into the report). */
static lcp_fix_problem *problems_of(const lcp_audit_report *r, size_t *n) {
    lcp_fix_problem *p = calloc(r->nfindings ? r->nfindings : 1, sizeof *p);
    *n = 0;
    if (!p)
        return NULL;
    for (size_t i = 0; i < r->nfindings; i++) {
        const lcp_audit_finding *f = &r->findings[i];
        if (f->member || f->index < 0 || !f->file || !f->path)
            continue;
        if ((f->kind == LCP_AUDIT_DANGLING || f->kind == LCP_AUDIT_OUTSIDE_BUNDLE) && is_load(f->command))
            p[(*n)++] = (lcp_fix_problem){LCP_FIX_BAD_LOAD, f->file, f->arch, f->path};
        else if (f->kind == LCP_AUDIT_RPATH_OUTSIDE_BUNDLE)
            p[(*n)++] = (lcp_fix_problem){LCP_FIX_RPATH_OUTSIDE, f->file, f->arch, f->path};
    }
    return p;
}

static lcp_status audit(const char *root, lcp_audit_report *r, lcp_error *err) {
    lcp_audit_options opt;
    memset(&opt, 0, sizeof opt);
    lcp_audit_report_init(r);
    return lcp_audit_path(root, &opt, r, err);
}

void lcp_fix_root_run(lcp_fix_root *rf, const char *root, bool dry_run, unsigned write_flags) {
    memset(rf, 0, sizeof *rf);
    rf->root = root;
    struct stat sb;
    rf->is_dir = stat(rf->root, &sb) == 0 && S_ISDIR(sb.st_mode);
    lcp_fix_plan_init(&rf->plan);
    lcp_fix_result_init(&rf->result);
    lcp_audit_report_init(&rf->after);
    if (!rf->is_dir) {
        /* a single file: nothing around it to find libraries in */
        lcp_audit_report_init(&rf->before);
        return;
    }
    if (audit(rf->root, &rf->before, &rf->err) != LCP_OK) {
        rf->failed = true;
        return;
    }
    rf->errors_before = rf->before.errors;
    size_t n;
    lcp_fix_problem *p = problems_of(&rf->before, &n);
    if (!p || lcp_fix_paths_plan(rf->root, p, n, &rf->plan, &rf->err) != LCP_OK) {
        if (!p)
            lcp_error_set(&rf->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        free(p);
        rf->failed = true;
        return;
    }
    free(p);
    if (dry_run)
        return;
    if (lcp_fix_paths_apply(rf->root, &rf->plan, write_flags, &rf->result, &rf->err) != LCP_OK ||
        audit(rf->root, &rf->after, &rf->err) != LCP_OK)
        rf->failed = true;
}

void lcp_fix_root_release(lcp_fix_root *rf) {
    lcp_fix_plan_release(&rf->plan);
    lcp_fix_result_release(&rf->result);
    lcp_audit_report_release(&rf->before);
    lcp_audit_report_release(&rf->after);
}
