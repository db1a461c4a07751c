/* The report of plan all, then write all (see write_all.h). */
#include "cli/write_all.h"

#include "cli/cli.h"

#include <stdio.h>

int lcp_write_all_finish(lcp_write_all *w, const char *command) {
    lcp_write_all_commit(w);
    int status = LCP_EXIT_OK;
    for (int i = 0; i < w->nfiles; i++)
        if (w->failed[i])
            status = lcp_cli_worse(status, lcp_cli_fail(&w->errs[i]));
    if (w->nfailed > 0) {
        if (w->nfiles > 1) /* one file: its own message says it all */
            fprintf(stderr, "lcpatch %s: nothing written: %d of %d files failed\n", command, w->nfailed, w->nfiles);
        return lcp_cli_worse(status, LCP_EXIT_FAILED);
    }
    return status;
}

/* Opens file i's JSON object with "file" and then "error" (returns false)
 * or "output" (returns true: the caller adds its keys). */
static bool json_head(const lcp_write_all *w, lcp_json *j, int i, const char *path) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "file", path);
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

void lcp_write_all_report(const lcp_write_all *w, bool json, char *const *files, lcp_write_all_reporter each,
                          void *ctx) {
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    lcp_json_begin_files(&j, json);
    for (int i = 0; i < w->nfiles; i++)
        each(ctx, w, i, files[i], json ? &j : NULL);
    for (int i = 0; json && i < w->nfiles; i++) /* every --json report ends with its failures */
        if (w->failed[i])
            lcp_json_failures_add(&failures, files[i], &w->errs[i]);
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    fflush(stdout);
}

/* lcp_write_all_run's reporter around the command's. */
struct run_report {
    lcp_write_all_reporter report;
    void *ctx;
};

static void report_file(void *r_, const lcp_write_all *w, int i, const char *path, lcp_json *j) {
    const struct run_report *r = r_;
    if (j) {
        if (json_head(w, j, i, path))
            r->report(r->ctx, w, i, path, j);
        lcp_json_end_object(j);
    } else if (!w->failed[i] && lcp_write_all_ok(w)) {
        r->report(r->ctx, w, i, path, NULL); /* the failures and "nothing written" come last */
    }
}

int lcp_write_all_run(const char *command, const lcp_output_opts *o, bool json, char *const *files, int nfiles,
                      lcp_write_all_planner plan, lcp_write_all_reporter report, void *ctx) {
    lcp_write_all w;
    if (!lcp_write_all_init(&w, o, nfiles)) {
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    lcp_write_all_files(&w, files, plan, ctx);
    int status = lcp_write_all_finish(&w, command);
    struct run_report r = {report, ctx};
    lcp_write_all_report(&w, json, files, report_file, &r);
    lcp_write_all_release(&w);
    return status;
}
