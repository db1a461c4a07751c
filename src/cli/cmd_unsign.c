/* lcpatch unsign: remove the code signature of every slice, exactly as
 * `codesign --remove-signature` (codesign_allocate -r) does. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/output_opts.h"
#include "cli/edit_files.h"

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

struct unsign_run {
    struct planned *pl; /* [nfiles] */
    const char *out;    /* -o OUT, or NULL */
};

static lcp_status plan_file(void *ctx, int i, lcp_file *f, lcp_plan *plan, bool *write, bool *keep, lcp_error *err) {
    struct unsign_run *u = ctx;
    (void)keep;
    lcp_status st = lcp_unsign_file(f, plan, &u->pl[i].changed, err);
    *write = u->pl[i].changed || u->out; /* in place and nothing to do: leave the file alone */
    u->pl[i].in_size = f->src.size;
    u->pl[i].out_size = plan->size;
    return st;
}

static void report_file(void *ctx, const lcp_write_all *w, int i, const char *path, lcp_json *j) {
    const struct unsign_run *u = ctx;
    const struct planned *p = &u->pl[i];
    (void)w;
    if (j) {
        lcp_json_field_bool(j, "signed", p->changed);
        lcp_json_field_uint(j, "size_before", p->in_size);
        lcp_json_field_uint(j, "size_after", p->out_size);
    } else if (p->changed) {
        printf("%s: signature removed (%llu -> %llu bytes)%s%s\n", path, (unsigned long long)p->in_size,
               (unsigned long long)p->out_size, u->out ? ", written to " : "", u->out ? u->out : "");
    } else {
        printf("%s: not signed\n", path);
    }
}

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
    int nfiles = argc - first;
    struct unsign_run u = {calloc((size_t)nfiles, sizeof *u.pl), o.in_place ? NULL : o.output};
    if (u.pl == NULL) {
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    /* plan every file (and stage its output), write, then report what happened */
    int status = lcp_write_all_run("unsign", &o, json, argv + first, nfiles, plan_file, report_file, &u);
    free(u.pl);
    return status;
}
