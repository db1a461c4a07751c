/* `rescue --fix-paths` (cli/fix_paths_cli.h): lcp_fix_root_run (audit ->
 * plan -> apply -> audit) per root, then the report. */
#include "cli/fix_paths_cli.h"

#include "cli/cli.h"
#include "lcpatch/audit.h"
#include "lcpatch/fix_paths.h"

#include <stdlib.h>

struct lcp_cli_fix_state {
    lcp_fix_root *roots;
    size_t n;
    bool dry_run;
};

/* The exit status one root contributes: 3 when it failed or a file was
 * not written, 1 when error findings are left (before the fix, for a dry
 * run), else 0. */
static int root_status(const lcp_fix_root *rf, bool dry_run) {
    if (!rf->is_dir)
        return 0;
    if (rf->failed || rf->result.nfailures)
        return LCP_EXIT_FAILED;
    return (dry_run ? rf->before.errors : rf->after.errors) ? LCP_EXIT_FINDINGS : 0;
}

int lcp_cli_fix_paths_run(char *const *roots, size_t nroots, bool dry_run, unsigned write_flags,
                          lcp_cli_fix_state **out) {
    lcp_cli_fix_state *s = calloc(1, sizeof *s);
    *out = s;
    if (!s)
        return LCP_EXIT_FAILED;
    s->roots = calloc(nroots ? nroots : 1, sizeof *s->roots);
    if (!s->roots)
        return LCP_EXIT_FAILED;
    s->n = nroots;
    s->dry_run = dry_run;
    int status = 0;
    for (size_t i = 0; i < nroots; i++) {
        lcp_fix_root_run(&s->roots[i], roots[i], dry_run, write_flags);
        int st = root_status(&s->roots[i], dry_run);
        if (st > status)
            status = st;
    }
    return status;
}

/* The --json name of each action kind. */
static const char *const kind_keys[] = {[LCP_FIX_CHANGE] = "change",
                                        [LCP_FIX_ADD_RPATH] = "add-rpath",
                                        [LCP_FIX_DELETE_RPATH] = "delete-rpath",
                                        [LCP_FIX_SET_ID] = "set-id",
                                        [LCP_FIX_UNRESOLVED] = "unresolved"};

void lcp_cli_fix_paths_print(const lcp_cli_fix_state *s) {
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        const lcp_fix_root *rf = &s->roots[i];
        if (!rf->is_dir) {
            printf("fix-paths %s: a single file: only bundles and folders are fixed\n", rf->root);
            continue;
        }
        if (rf->failed) {
            char etext[LCP_CLI_ERROR_TEXT_MAX];
            printf("fix-paths %s: failed: %s\n", rf->root, lcp_cli_error_text(&rf->err, etext, sizeof etext));
            continue;
        }
        printf("fix-paths %s: %zu error finding%s before%s\n", rf->root, rf->errors_before,
               rf->errors_before == 1 ? "" : "s", s->dry_run ? " (dry run: nothing written)" : "");
        for (size_t k = 0; k < rf->plan.n; k++) {
            const lcp_fix_action *a = &rf->plan.actions[k];
            char where[1024];
            snprintf(where, sizeof where, "%s%s%s%s", a->file, a->arch ? " (" : "", a->arch ? a->arch : "",
                     a->arch ? ")" : "");
            switch (a->kind) {
            case LCP_FIX_CHANGE:
                printf("  %s: load %s -> %s (%s)\n", where, a->old_path, a->new_path, a->target);
                break;
            case LCP_FIX_SET_ID: printf("  %s: install name %s -> %s\n", where, a->old_path, a->new_path); break;
            case LCP_FIX_ADD_RPATH: printf("  %s: LC_RPATH %s added\n", where, a->new_path); break;
            case LCP_FIX_DELETE_RPATH:
                printf("  %s: LC_RPATH %s (outside the bundle) deleted\n", where, a->old_path);
                break;
            case LCP_FIX_UNRESOLVED:
                printf("  %s: %s: no such library in the bundle: left as it is\n", where, a->old_path);
                break;
            }
        }
        for (size_t k = 0; k < rf->result.nfailures; k++) {
            char etext[LCP_CLI_ERROR_TEXT_MAX];
            printf("  %s: not fixed: %s\n", rf->result.failures[k].file,
                   lcp_cli_error_text(&rf->result.failures[k].error, etext, sizeof etext));
        }
        if (s->dry_run)
            continue;
        printf("  %zu file%s changed; audit again: %zu error%s, %zu warning%s left\n", rf->result.files_changed,
               rf->result.files_changed == 1 ? "" : "s", rf->after.errors, rf->after.errors == 1 ? "" : "s",
               rf->after.warnings, rf->after.warnings == 1 ? "" : "s");
        for (size_t k = 0; k < rf->after.nfindings; k++) {
            const lcp_audit_finding *f = &rf->after.findings[k];
            if (f->severity != LCP_AUDIT_ERROR)
                continue;
            printf("    %s (%s): %s %s: %s\n", f->file, f->arch ? f->arch : "?", lcp_audit_kind_name(f->kind),
                   f->command ? f->command : "", f->path ? f->path : "");
        }
    }
}

void lcp_cli_fix_paths_json(const lcp_cli_fix_state *s, lcp_json *j) {
    lcp_json_key(j, "fix_paths");
    if (!s) {
        lcp_json_null(j);
        return;
    }
    lcp_json_begin_array(j);
    for (size_t i = 0; i < s->n; i++) {
        const lcp_fix_root *rf = &s->roots[i];
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "root", rf->root);
        lcp_json_field_bool(j, "bundle", rf->is_dir);
        if (rf->failed) {
            lcp_json_key(j, "error");
            char etext[LCP_CLI_ERROR_TEXT_MAX];
            lcp_json_string(j, lcp_cli_error_text(&rf->err, etext, sizeof etext));
        }
        lcp_json_field_uint(j, "errors_before", rf->errors_before);
        lcp_json_key(j, "actions");
        lcp_json_begin_array(j);
        for (size_t k = 0; k < rf->plan.n; k++) {
            const lcp_fix_action *a = &rf->plan.actions[k];
            lcp_json_begin_object(j);
            lcp_json_field_string(j, "action", kind_keys[a->kind]);
            lcp_json_field_string(j, "file", a->file);
            lcp_json_field_string(j, "arch", a->arch);
            lcp_json_field_string(j, "old", a->old_path);
            lcp_json_field_string(j, "new", a->new_path);
            lcp_json_field_string(j, "library", a->target);
            lcp_json_end_object(j);
        }
        lcp_json_end_array(j);
        lcp_json_key(j, "failures");
        lcp_json_begin_array(j);
        for (size_t k = 0; k < rf->result.nfailures; k++) /* the failure object of every --json report */
            lcp_json_failure_object(j, rf->result.failures[k].file, &rf->result.failures[k].error);
        lcp_json_end_array(j);
        lcp_json_field_uint(j, "files_changed", rf->result.files_changed);
        if (!s->dry_run && rf->is_dir && !rf->failed) {
            lcp_json_field_uint(j, "errors_after", rf->after.errors);
            lcp_json_field_uint(j, "warnings_after", rf->after.warnings);
            lcp_json_key(j, "left");
            lcp_json_begin_array(j);
            for (size_t k = 0; k < rf->after.nfindings; k++) {
                const lcp_audit_finding *f = &rf->after.findings[k];
                if (f->severity != LCP_AUDIT_ERROR)
                    continue;
                lcp_json_begin_object(j);
                lcp_json_field_string(j, "kind", lcp_audit_kind_name(f->kind));
                lcp_json_field_string(j, "file", f->file);
                lcp_json_field_string(j, "arch", f->arch);
                lcp_json_field_string(j, "path", f->path);
                lcp_json_end_object(j);
            }
            lcp_json_end_array(j);
        }
        lcp_json_end_object(j);
    }
    lcp_json_end_array(j);
}

void lcp_cli_fix_paths_free(lcp_cli_fix_state *s) {
    if (!s)
        return;
    for (size_t i = 0; s->roots && i < s->n; i++)
        lcp_fix_root_release(&s->roots[i]);
    free(s->roots);
    free(s);
}
