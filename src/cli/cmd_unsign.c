/* lcpatch unsign: remove the code signature of every slice, exactly as
 * `codesign --remove-signature` (codesign_allocate -r) does. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/json.h"
#include "cli/json_field.h"
#include "cli/output_opts.h"
#include "cli/write_all.h"

#include <stdlib.h>

#include <string.h>

static const char unsign_help[] =
    "usage: lcpatch unsign [--json] [--no-fsync] (-o OUT | --in-place) FILE...\n"
    "\n"
    "Removes LC_CODE_SIGNATURE and the signature data from every slice, as\n"
    "Apple's `codesign --remove-signature` does: later load commands move up,\n"
    "__LINKEDIT shrinks, the slice is truncated and fat offsets are re-rounded\n"
    "to each slice's alignment. A file that is not signed is left as it is\n"
    "(\"not signed\"; with -o it is copied). -o takes one FILE.\n" LCP_OUTPUT_NO_FSYNC_HELP
        LCP_OUTPUT_ALL_OR_NOTHING_HELP "Exit status: 0 done, 2 usage, 3 an input failed (nothing written) or the\n"
    "output failed.\n";

/* One file's plan, for the report. */
struct planned {
    bool changed; /* signed: the signature goes */
    uint64_t in_size, out_size;
};

int cmd_unsign(int argc, char **argv) {
    bool json = false;
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    static const lcp_opt_spec specs[] = {LCP_OPT_JSON_SPEC, LCP_OPT_OUTPUT_SPECS};
    static const lcp_opt_command cmd = {"unsign", unsign_help, specs, LCP_OPT_COUNT(specs), 0};
    lcp_opts p;
    lcp_opts_begin(&p, &cmd, argc, argv);
    int id;
    while ((id = lcp_opts_next(&p)) > 0)
        if (!lcp_output_opts_take(&o, &p, id))
            json = true; /* LCP_OPT_ID_JSON */
    if (p.status >= 0)
        return p.status;
    int first = p.first;
    if (lcp_output_opts_check(&o, "unsign", argv + first, argc - first))
        return LCP_EXIT_USAGE;
    const char *out = o.in_place ? NULL : o.output;
    int nfiles = argc - first;
    struct planned *pl = calloc((size_t)nfiles, sizeof *pl);
    lcp_write_all w;
    if (pl == NULL || !lcp_write_all_init(&w, &o, nfiles)) {
        free(pl);
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    /* plan every file (and stage its output), then report, then write */
    for (int i = 0; i < nfiles; i++) {
        const char *path = argv[first + i];
        lcp_file *f = NULL;
        lcp_error err;
        lcp_plan plan;
        lcp_plan_init(&plan);
        lcp_status st = lcp_file_open(path, &f, &err);
        if (st == LCP_OK)
            st = lcp_unsign_file(f, &plan, &pl[i].changed, &err);
        /* in place and nothing to do: leave the file alone */
        lcp_write_all_plan(&w, i, st, &err, st == LCP_OK && (pl[i].changed || out), path, &plan, f ? &f->src : NULL);
        pl[i].in_size = f ? f->src.size : 0;
        pl[i].out_size = plan.size;
        lcp_plan_release(&plan);
        lcp_file_free(f);
    }
    /* write, then report what happened */
    int status = lcp_write_all_finish(&w, "unsign");
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    lcp_json_begin_files(&j, json);
    for (int i = 0; i < nfiles; i++) {
        const char *path = argv[first + i];
        bool changed = pl[i].changed;
        if (json) {
            if (lcp_write_all_json_head(&w, &j, i, path)) {
                lcp_json_field_bool(&j, "signed", changed);
                lcp_json_field_uint(&j, "size_before", pl[i].in_size);
                lcp_json_field_uint(&j, "size_after", pl[i].out_size);
            }
            lcp_json_end_object(&j);
        } else if (w.failed[i] || !lcp_write_all_ok(&w)) {
            continue; /* the failures and "nothing written" come last */
        } else if (changed) {
            printf("%s: signature removed (%llu -> %llu bytes)%s%s\n", path, (unsigned long long)pl[i].in_size,
                   (unsigned long long)pl[i].out_size, out ? ", written to " : "", out ? out : "");
        } else {
            printf("%s: not signed\n", path);
        }
    }
    if (json) /* every --json report ends with its failures */
        lcp_write_all_json_failures(&w, argv + first, &failures);
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    fflush(stdout);
    lcp_write_all_release(&w);
    free(pl);
    return status;
}
