/* Plan all, then write all (see lcpatch/output.h). */
#include "lcpatch/output.h"

#include <stdlib.h>

bool lcp_write_all_init(lcp_write_all *w, const lcp_output_opts *o, int nfiles) {
    size_t n = nfiles > 0 ? (size_t)nfiles : 1;
    w->o = o;
    w->nfiles = nfiles;
    w->nfailed = 0;
    w->finished = false;
    w->stop_at_failed_rename = false;
    w->staged = calloc(n, sizeof *w->staged);
    w->errs = calloc(n, sizeof *w->errs);
    w->failed = calloc(n, sizeof *w->failed);
    w->written = calloc(n, sizeof *w->written);
    if (w->staged == NULL || w->errs == NULL || w->failed == NULL || w->written == NULL) {
        lcp_write_all_release(w);
        return false;
    }
    return true;
}

static void abort_all(lcp_write_all *w) {
    for (int i = 0; i < w->nfiles; i++) {
        lcp_staged_file_abort(w->staged[i]);
        w->staged[i] = NULL;
    }
}

void lcp_write_all_plan(lcp_write_all *w, int i, lcp_status st, const lcp_error *err, bool write, const char *input,
                        const lcp_plan *plan, const lcp_source *src) {
    if (st == LCP_OK && write && w->nfailed == 0) {
        lcp_error e;
        st = lcp_output_stage(w->o, input, plan, src, &w->staged[i], &e);
        if (st != LCP_OK) {
            w->errs[i] = e;
            w->failed[i] = true;
        }
    } else if (st != LCP_OK) {
        w->errs[i] = *err;
        w->failed[i] = true;
    }
    if (st != LCP_OK) {
        w->nfailed++;
        abort_all(w); /* one failure: nothing is written */
    }
}

void lcp_write_all_files(lcp_write_all *w, char *const *files, lcp_write_all_planner planner, void *ctx) {
    for (int i = 0; i < w->nfiles; i++) {
        lcp_file *f = NULL;
        lcp_error err;
        lcp_plan plan;
        lcp_plan_init(&plan);
        bool write = false, keep = false;
        lcp_status st = lcp_file_open(files[i], &f, &err);
        if (st == LCP_OK)
            st = planner(ctx, i, f, &plan, &write, &keep, &err);
        lcp_write_all_plan(w, i, st, &err, st == LCP_OK && write, files[i], &plan, f ? &f->src : NULL);
        lcp_plan_release(&plan);
        if (!keep)
            lcp_file_free(f);
    }
}

bool lcp_write_all_writes(const lcp_write_all *w, int i) {
    return w->finished ? w->written[i] : w->nfailed == 0 && w->staged[i] != NULL;
}

void lcp_write_all_commit(lcp_write_all *w) {
    w->finished = true;
    if (w->nfailed > 0) {
        abort_all(w);
        return;
    }
    for (int i = 0; i < w->nfiles; i++) {
        if (w->staged[i] == NULL)
            continue;
        lcp_error e;
        lcp_staged_file *sf = w->staged[i];
        w->staged[i] = NULL;
        if (lcp_staged_file_commit(sf, &e) != LCP_OK) {
            /* the report says so: failed, not written */
            w->errs[i] = e;
            w->failed[i] = true;
            if (w->stop_at_failed_rename)
                abort_all(w);
        } else {
            w->written[i] = true;
        }
    }
}

void lcp_write_all_release(lcp_write_all *w) {
    if (w->staged)
        abort_all(w);
    free(w->staged);
    free(w->errs);
    free(w->failed);
    free(w->written);
    w->written = NULL;
    w->staged = NULL;
    w->errs = NULL;
    w->failed = NULL;
}
