/* lcpatch unsign: remove the code signature of every slice, exactly as
 * `codesign --remove-signature` (codesign_allocate -r) does. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/json.h"
#include "cli/output_opts.h"

#include <string.h>

static const char unsign_help[] =
    "usage: lcpatch unsign [--json] [--no-fsync] (-o OUT | --in-place) FILE...\n"
    "\n"
    "Removes LC_CODE_SIGNATURE and the signature data from every slice, as\n"
    "Apple's `codesign --remove-signature` does: later load commands move up,\n"
    "__LINKEDIT shrinks, the slice is truncated and fat offsets are re-rounded\n"
    "to each slice's alignment. A file that is not signed is left as it is\n"
    "(\"not signed\"; with -o it is copied). -o takes one FILE.\n" LCP_OUTPUT_NO_FSYNC_HELP
    "Exit status: 0 done, 2 usage, 3 the input or the output failed.\n";

int cmd_unsign(int argc, char **argv) {
    bool json = false;
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        const char *a = argv[first];
        if (lcp_cli_is_help(a)) {
            fputs(unsign_help, stdout);
            return LCP_EXIT_OK;
        }
        int r = lcp_output_opts_parse(&o, "unsign", argc, argv, &first);
        if (r < 0)
            return LCP_EXIT_USAGE;
        if (r > 0)
            continue;
        if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else
            return lcp_cli_usage_error("unsign", "unknown option '%s'", a);
    }
    if (lcp_output_opts_check(&o, "unsign", argv + first, argc - first))
        return LCP_EXIT_USAGE;
    const char *out = o.in_place ? NULL : o.output;
    int status = LCP_EXIT_OK;
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    lcp_json_begin_files(&j, json);
    for (int i = first; i < argc; i++) {
        const char *path = argv[i], *dest = lcp_output_opts_dest(&o, path);
        lcp_file *f = NULL;
        lcp_error err;
        lcp_plan plan;
        lcp_plan_init(&plan);
        bool changed = false;
        lcp_status st = lcp_file_open(path, &f, &err);
        if (st == LCP_OK)
            st = lcp_unsign_file(f, &plan, &changed, &err);
        /* in place and nothing to do: leave the file alone */
        if (st == LCP_OK && (changed || out))
            st = lcp_output_write(&o, path, &plan, &f->src, &err);
        uint64_t in_size = f ? f->src.size : 0, out_size = plan.size;
        lcp_plan_release(&plan);
        lcp_file_free(f);
        if (st) {
            status = lcp_cli_worse(status, lcp_cli_fail(&err));
            if (json) {
                lcp_json_failures_add(&failures, path, &err);
                lcp_json_begin_object(&j);
                lcp_json_key(&j, "file");
                lcp_json_string(&j, path);
                lcp_json_key(&j, "error");
                lcp_json_string(&j, err.message);
                lcp_json_end_object(&j);
            }
            continue;
        }
        if (json) {
            lcp_json_begin_object(&j);
            lcp_json_key(&j, "file");
            lcp_json_string(&j, path);
            lcp_json_key(&j, "output");
            lcp_json_string(&j, dest);
            lcp_json_key(&j, "signed");
            lcp_json_bool(&j, changed);
            lcp_json_key(&j, "size_before");
            lcp_json_uint(&j, in_size);
            lcp_json_key(&j, "size_after");
            lcp_json_uint(&j, out_size);
            lcp_json_end_object(&j);
        } else if (changed) {
            printf("%s: signature removed (%llu -> %llu bytes)%s%s\n", path, (unsigned long long)in_size,
                   (unsigned long long)out_size, out ? ", written to " : "", out ? out : "");
        } else {
            printf("%s: not signed\n", path);
        }
    }
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    return status;
}
