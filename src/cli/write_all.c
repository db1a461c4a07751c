/* The report of plan all, then write all (see write_all.h). */
#include "cli/write_all.h"

#include "cli/cli.h"
#include "cli/json_field.h"

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

bool lcp_write_all_json_head(const lcp_write_all *w, lcp_json *j, int i, const char *path) {
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

void lcp_write_all_json_failures(const lcp_write_all *w, char *const *files, lcp_json_failures *fl) {
    for (int i = 0; i < w->nfiles; i++)
        if (w->failed[i])
            lcp_json_failures_add(fl, files[i], &w->errs[i]);
}
