/* The report of the in-place image editors (see edit_files.h). */
#include "cli/edit_files.h"

#include "cli/cli.h"
#include "cli/json_field.h"
#include "cli/write_all.h"

#include <stdio.h>

/* Prints the records of file i, from *k on (records are in file order). */
static void print_records(const lcp_edit_files *e, int i, size_t *k, lcp_json *json) {
    for (; *k < e->nrecords && e->rec_file[*k] == i; ++*k)
        e->print(e->rec_data + *k * e->record_size, json);
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
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    lcp_json_begin_files(&j, json);
    size_t k = 0;
    for (int i = 0; i < nfiles; i++) {
        const char *path = files[i];
        if (json) {
            lcp_json_begin_object(&j);
            lcp_json_field_string(&j, "file", path);
            if (e->outcome[i].opened) {
                lcp_json_key(&j, "images");
                lcp_json_begin_array(&j);
                print_records(e, i, &k, &j);
                lcp_json_end_array(&j);
            }
            lcp_json_field_string(&j, "output", w.written[i] ? lcp_output_opts_dest(out, path) : NULL);
            lcp_json_field_bool(&j, "changed", w.written[i] && e->outcome[i].edited);
            if (w.failed[i]) {
                lcp_json_key(&j, "error");
                char etext[LCP_CLI_ERROR_TEXT_MAX];
                lcp_json_string(&j, lcp_cli_error_text(&w.errs[i], etext, sizeof etext));
            }
            lcp_json_end_object(&j);
        } else if (lcp_write_all_ok(&w) && !w.failed[i] && e->outcome[i].visited) {
            print_records(e, i, &k, NULL);
            if (!e->outcome[i].edited && say_unchanged)
                printf("%s: nothing to change\n", path);
        }
        while (k < e->nrecords && e->rec_file[k] == i)
            k++; /* the records of a file not reported */
    }
    if (json) /* every --json report ends with its failures */
        lcp_write_all_json_failures(&w, files, &failures);
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    fflush(stdout);
    /* then warn about the signatures that the edit broke */
    for (size_t r = 0; r < e->nresign; r++)
        if (w.written[e->resign[r].file])
            fprintf(stderr, "lcpatch %s: warning: %s: the code signature is now invalid: re-sign it\n", e->command,
                    e->resign[r].label);
    lcp_write_all_release(&w);
    return status;
}
