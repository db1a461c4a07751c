/* The report of plan all, then write all, and of the in-place image
 * editors (see edit_files.h). */
#include "cli/edit_files.h"

#include "cli/cli.h"

#include <stdio.h>

/* "error": the text of file i's failure. */
static void json_error(lcp_json *j, const lcp_write_all *w, int i) {
    char etext[LCP_CLI_ERROR_TEXT_MAX];
    lcp_json_key(j, "error");
    lcp_json_string(j, lcp_cli_error_text(&w->errs[i], etext, sizeof etext));
}

/* Renames every staged file (lcp_write_all_commit), prints every failure,
 * a failed rename too, and after a planning failure "nothing written";
 * then the report: with --json, {"files": [...]} with what each(..., j)
 * writes for every file, then the failures of every file, its rename
 * included; else each(..., NULL) for every file. Returns the exit status. */
static int write_and_report(lcp_write_all *w, const char *command, bool json, char *const *files,
                            lcp_write_all_reporter each, void *ctx) {
    lcp_write_all_commit(w);
    int status = LCP_EXIT_OK;
    for (int i = 0; i < w->nfiles; i++)
        if (w->failed[i])
            status = lcp_cli_worse(status, lcp_cli_fail(&w->errs[i]));
    if (w->nfailed > 0) {
        if (w->nfiles > 1) /* one file: its own message says it all */
            fprintf(stderr, "lcpatch %s: nothing written: %d of %d files failed\n", command, w->nfailed, w->nfiles);
        status = lcp_cli_worse(status, LCP_EXIT_FAILED);
    }
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
    return status;
}

/* lcp_write_all_run's reporter around the command's. */
struct run_report {
    lcp_write_all_reporter report;
    void *ctx;
};

static void run_report_file(void *r_, const lcp_write_all *w, int i, const char *path, lcp_json *j) {
    const struct run_report *r = r_;
    if (j) {
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "file", path);
        if (w->failed[i]) {
            json_error(j, w, i);
        } else {
            bool to_output = !w->o->in_place && w->o->output;
            bool shown = lcp_write_all_writes(w, i) || (lcp_write_all_ok(w) && !to_output);
            lcp_json_field_string(j, "output", shown ? lcp_output_opts_dest(w->o, path) : NULL);
            r->report(r->ctx, w, i, path, j);
        }
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
    struct run_report r = {report, ctx};
    int status = write_and_report(&w, command, json, files, run_report_file, &r);
    lcp_write_all_release(&w);
    return status;
}

/* Prints the records of file i, from *k on (records are in file order). */
static void print_records(const lcp_edit_files *e, int i, size_t *k, lcp_json *json) {
    for (; *k < e->nrecords && e->rec_file[*k] == i; ++*k)
        e->print(e->rec_data + *k * e->record_size, json);
}

/* What the report of one edited file needs besides the records. */
struct edit_report {
    const lcp_edit_files *e;
    const lcp_output_opts *out;
    bool say_unchanged;
    size_t k; /* the next record: records are in file order */
};

static void edit_report_file(void *r_, const lcp_write_all *w, int i, const char *path, lcp_json *j) {
    struct edit_report *r = r_;
    const lcp_edit_files *e = r->e;
    if (j) {
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "file", path);
        if (e->outcome[i].opened) {
            lcp_json_key(j, "images");
            lcp_json_begin_array(j);
            print_records(e, i, &r->k, j);
            lcp_json_end_array(j);
        }
        lcp_json_field_string(j, "output", w->written[i] ? lcp_output_opts_dest(r->out, path) : NULL);
        lcp_json_field_bool(j, "changed", w->written[i] && e->outcome[i].edited);
        if (w->failed[i])
            json_error(j, w, i);
        lcp_json_end_object(j);
    } else if (lcp_write_all_ok(w) && !w->failed[i] && e->outcome[i].visited) {
        print_records(e, i, &r->k, NULL);
        if (!e->outcome[i].edited && r->say_unchanged)
            printf("%s: nothing to change\n", path);
    }
    while (r->k < e->nrecords && e->rec_file[r->k] == i)
        r->k++; /* the records of a file not reported */
}

int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err)) {
    lcp_write_all w;
    if (!lcp_edit_files_stage(e, &w, out, files, nfiles, visit, ctx, after)) {
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    /* write them all (or nothing, after a failure), the failures on
     * stderr, then the report, from what happened: a file whose write
     * failed is reported as failed, never as edited; after a planning
     * failure the text report is only the failures */
    struct edit_report r = {e, out, say_unchanged, 0};
    int status = write_and_report(&w, e->command, json, files, edit_report_file, &r);
    /* then warn about the signatures that the edit broke */
    for (size_t k = 0; k < e->nresign; k++)
        if (w.written[e->resign[k].file])
            fprintf(stderr, "lcpatch %s: warning: %s: the code signature is now invalid: re-sign it\n", e->command,
                    e->resign[k].label);
    lcp_write_all_release(&w);
    return status;
}
