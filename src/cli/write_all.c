/* Plan all, then write all (see write_all.h). */
#include "cli/write_all.h"

#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

bool lcp_write_all_init(lcp_write_all *w, const char *command, const lcp_output_opts *o, int nfiles) {
    size_t n = nfiles > 0 ? (size_t)nfiles : 1;
    w->command = command;
    w->o = o;
    w->nfiles = nfiles;
    w->nfailed = 0;
    w->finished = false;
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

bool lcp_write_all_writes(const lcp_write_all *w, int i) {
    return w->finished ? w->written[i] : w->nfailed == 0 && w->staged[i] != NULL;
}

int lcp_write_all_finish(lcp_write_all *w) {
    int status = LCP_EXIT_OK;
    w->finished = true;
    for (int i = 0; i < w->nfiles; i++)
        if (w->failed[i])
            status = lcp_cli_worse(status, lcp_cli_fail(&w->errs[i]));
    if (w->nfailed > 0) {
        abort_all(w);
        if (w->nfiles > 1) /* one file: its own message says it all */
            fprintf(stderr, "lcpatch %s: nothing written: %d of %d files failed\n", w->command, w->nfailed, w->nfiles);
        return lcp_cli_worse(status, LCP_EXIT_FAILED);
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
            status = lcp_cli_worse(status, lcp_cli_fail(&e));
        } else {
            w->written[i] = true;
        }
    }
    return status;
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

bool lcp_write_all_json_head(const lcp_write_all *w, lcp_json *j, int i, const char *path) {
    lcp_json_begin_object(j);
    lcp_json_key(j, "file");
    lcp_json_string(j, path);
    if (w->failed[i]) {
        lcp_json_key(j, "error");
        char etext[LCP_CLI_ERROR_TEXT_MAX];
        lcp_json_string(j, lcp_cli_error_text(&w->errs[i], etext, sizeof etext));
        return false;
    }
    bool to_output = !w->o->in_place && w->o->output;
    lcp_json_key(j, "output");
    lcp_json_string(
        j, lcp_write_all_writes(w, i) || (lcp_write_all_ok(w) && !to_output) ? lcp_output_opts_dest(w->o, path) : NULL);
    return true;
}

void lcp_write_all_json_failures(const lcp_write_all *w, char *const *files, lcp_json_failures *fl) {
    for (int i = 0; i < w->nfiles; i++)
        if (w->failed[i])
            lcp_json_failures_add(fl, files[i], &w->errs[i]);
}
