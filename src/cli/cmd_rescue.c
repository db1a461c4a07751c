/* lcpatch rescue: one command from a legacy library to a file codesign and
 * the notary service accept (the plan is src/edit/rescue.c). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/rescue_cli.h"
#include "lcpatch/slices.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* -o OUT naming a folder fails at the rename, after the output was written
 * to a temporary file: say it before anything is written. */
static bool output_is_folder(const lcp_output_opts *out) {
    struct stat sb;
    return out->output && stat(out->output, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cmd_rescue(int argc, char **argv) {
    struct rescue_args args;
    int status = rescue_parse_args(&args, argc, argv);
    lcp_rescue_items found = {0}; /* the files under the PATHs, one item each */
    size_t nroots = args.nroots;
    lcp_write_all w = {0}; /* the writes, once every file is planned */
    if (status >= 0)
        goto cleanup;
    status = LCP_EXIT_OK;
    if (nroots == 0) {
        status = lcp_cli_usage_error("rescue", "no PATH given");
        goto cleanup;
    }
    if (!args.dry_run && lcp_output_opts_check(&args.out, "rescue", args.roots, (int)nroots)) {
        status = LCP_EXIT_USAGE;
        goto cleanup;
    }
    if (args.fix_paths && args.out.output) {
        status = lcp_cli_usage_error("rescue", "--fix-paths edits bundles in place: use --in-place (or --dry-run)");
        goto cleanup;
    }
    if (output_is_folder(&args.out)) {
        status = lcp_cli_usage_error("rescue", "-o %s is a folder: name the output file (e.g. %s/NAME)",
                                     args.out.output, args.out.output);
        goto cleanup;
    }
    for (size_t r = 0; r < nroots; r++) {
        struct stat sb;
        if (args.out.output && stat(args.roots[r], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            status =
                lcp_cli_usage_error("rescue", "%s is a folder: rescue it --in-place (or --dry-run)", args.roots[r]);
            goto cleanup;
        }
    }
    /* Expand folders and bundles into their Mach-O files. A PATH that
     * cannot be read is a failure like a file that cannot be planned: the
     * others are still planned and reported, and nothing is written. */
    if (!lcp_rescue_items_find(&found, args.roots, nroots, args.excl, args.nexcl, &args.out, args.dry_run)) {
        fprintf(stderr, "lcpatch: out of memory\n");
        status = LCP_EXIT_FAILED;
        goto cleanup;
    }
    lcp_rescue_item *items = found.v;
    size_t nitems = found.n, failures = 0, blocked = 0, audit_errors = 0, left_alone = 0, empty_roots = 0;
    for (size_t r = 0, k = 0; r < nroots; r++) { /* the items come PATH by PATH */
        if (k < nitems && items[k].root == args.roots[r] && items[k].failed) {
            lcp_cli_fail(&items[k].err);
            failures++;
        } else if (found.nfound[r] == 0) {
            /* a folder with no Mach-O file: nothing to rescue, nothing to sign */
            fprintf(stderr, "lcpatch: %s: no Mach-O file found (nothing to rescue)\n", args.roots[r]);
            empty_roots++;
        }
        while (k < nitems && items[k].root == args.roots[r])
            k++;
    }
    for (size_t e = 0; e < args.nexcl; e++)
        if (!found.excl_used[e]) {
            status = lcp_cli_usage_error("rescue", "--exclude %s: no file found under the PATHs is or lies under it",
                                         args.excl[e]);
            goto cleanup;
        }
    if (!lcp_write_all_init(&w, &args.out, (int)nitems)) {
        fprintf(stderr, "lcpatch: out of memory\n");
        status = LCP_EXIT_FAILED;
        goto cleanup;
    }
    w.stop_at_failed_rename = true; /* the later files stay as they were */
    bool audit_failed = false;
    lcp_audit_report audit;
    lcp_audit_report_init(&audit);
    /* Plan everything first. */
    for (size_t k = 0; k < nitems; k++) {
        lcp_rescue_item *it = &items[k];
        if (it->failed)
            continue; /* its PATH could not be read (counted above) */
        if (lcp_rescue_plan_file(it->path, &args.opt, &it->rf, &it->err)) {
            it->failed = true;
            failures++;
            lcp_cli_fail(&it->err); /* with --json too, as every command does */
            continue;
        }
        lcp_rescue_state state = it->rf->state;
        if (state == LCP_RESCUE_OTHER_PLATFORM)
            left_alone++;
        else if ((state == LCP_RESCUE_BLOCKED || state == LCP_RESCUE_NO_64BIT) && args.skip) {
            it->skipped = true;
            left_alone++;
        } else if (state == LCP_RESCUE_BLOCKED || state == LCP_RESCUE_NO_64BIT) {
            blocked++;
            if (state == LCP_RESCUE_NO_64BIT && !args.json)
                fprintf(stderr, "lcpatch: %s: %s\n", it->path, it->rf->reason);
        }
    }
    if (failures || blocked)
        status = LCP_EXIT_FAILED;
    /* Step 5: audit the load paths of every root as it stands (rescue
     * changes no load path); report, never fix. */
    for (size_t r = 0; r < nroots; r++) {
        lcp_audit_options ao;
        memset(&ao, 0, sizeof ao);
        lcp_error err;
        if (found.nfound[r] && lcp_audit_path(args.roots[r], &ao, &audit, &err) != LCP_OK)
            audit_failed = true; /* the plan's own error says more */
    }
    audit_errors = lcp_rescue_items_count_findings(items, nitems, &audit);
    /* Then write, only when every plan is good: stage every output
     * first, and replace the files only when all of them were written,
     * so that a full disk halfway through leaves every file as it was. */
    for (size_t k = 0; k < nitems && !args.dry_run && status == LCP_EXIT_OK && lcp_write_all_ok(&w); k++) {
        lcp_rescue_item *it = &items[k];
        lcp_rescue_state state = it->rf->state;
        if (it->skipped || state == LCP_RESCUE_OTHER_PLATFORM)
            continue; /* left as it is */
        /* in place and nothing to do: leave the file alone; -o copies it */
        if (state == LCP_RESCUE_ALREADY && !args.out.output)
            continue;
        lcp_error err;
        lcp_status ast =
            args.adhoc ? lcp_rescue_adhoc_sign(it->rf, lcp_output_opts_dest(&args.out, it->path), &it->adhoc, &err)
                       : LCP_OK;
        const lcp_plan *pl = it->adhoc ? &it->adhoc->plan : &it->rf->plan;
        const lcp_source *src = it->adhoc ? &it->adhoc->file->src : &it->rf->file->src;
        lcp_write_all_plan(&w, (int)k, ast, &err, true, it->path, pl, src);
    }
    lcp_write_all_commit(&w);
    for (size_t k = 0; k < nitems; k++) {
        lcp_rescue_item *it = &items[k];
        it->written = w.written[k];
        if (w.failed[k]) { /* its output failed to stage, or to be renamed */
            it->failed = true;
            it->err = w.errs[k];
            failures++;
            status = lcp_cli_fail(&it->err);
        }
    }
    /* Every write is done (it->written says which). What acts on the
     * written files goes here, before the report: --fix-paths below. (The
     * --adhoc signature, src/job/rescue_adhoc.c, is part of each staged output.) */
    lcp_cli_fix_state *fix = NULL;
    int fix_status = LCP_EXIT_OK;
    if (args.fix_paths && status == LCP_EXIT_OK)
        fix_status =
            lcp_cli_fix_paths_run(args.roots, nroots, args.dry_run, lcp_output_opts_write_flags(&args.out), &fix);
    char *step = status == LCP_EXIT_OK ? lcp_rescue_next_step(items, nitems, args.roots, nroots) : NULL;
    /* done, but load paths need fixing (with --fix-paths its second audit
     * decides), files were left alone, or a folder held nothing */
    if (status == LCP_EXIT_OK && ((audit_errors && !args.fix_paths) || left_alone || empty_roots))
        status = LCP_EXIT_FINDINGS;
    struct rescue_report report = {&args, items, nitems, &audit, audit_errors, audit_failed, fix, step, status};
    if (args.json)
        rescue_print_json(&report);
    else
        rescue_print_text(&report);
    free(step);
    lcp_audit_report_release(&audit);
    lcp_cli_fix_paths_free(fix);
    if (fix_status > status)
        status = fix_status;
cleanup:
    lcp_write_all_release(&w);
    lcp_rescue_items_release(&found);
    rescue_args_release(&args);
    return status;
}
