/* The report of the in-place image editors (see edit_files.h). */
#include "cli/edit_files.h"

#include "cli/cli.h"
#include "cli/write_all.h"

#include <stdio.h>

/* Prints the records of file i, from *k on (records are in file order). */
static void print_records(const lcp_edit_files *e, int i, size_t *k, lcp_json *json) {
    for (; *k < e->nrecords && e->rec_file[*k] == i; ++*k)
        e->print(e->rec_data + *k * e->record_size, json);
}

/* What the report of one file needs besides the records. */
struct report {
    const lcp_edit_files *e;
    const lcp_output_opts *out;
    bool say_unchanged;
    size_t k; /* the next record: records are in file order */
};

static void report_file(void *r_, const lcp_write_all *w, int i, const char *path, lcp_json *j) {
    struct report *r = r_;
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
        if (w->failed[i]) {
            lcp_json_key(j, "error");
            char etext[LCP_CLI_ERROR_TEXT_MAX];
            lcp_json_string(j, lcp_cli_error_text(&w->errs[i], etext, sizeof etext));
        }
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
    /* write them all (or nothing, after a failure); the failures are
     * printed on stderr */
    int status = lcp_write_all_finish(&w, e->command);
    /* the report, from what happened: a file whose write failed is
     * reported as failed, never as edited; after a planning failure the
     * text report is only the failures */
    struct report r = {e, out, say_unchanged, 0};
    lcp_write_all_report(&w, json, files, report_file, &r);
    /* then warn about the signatures that the edit broke */
    for (size_t k = 0; k < e->nresign; k++)
        if (w.written[e->resign[k].file])
            fprintf(stderr, "lcpatch %s: warning: %s: the code signature is now invalid: re-sign it\n", e->command,
                    e->resign[k].label);
    lcp_write_all_release(&w);
    return status;
}
