/* lcpatch rescue, inside: the command (cmd_rescue.c) finds, plans, writes
 * and then reports from its records (lcp_rescue_item, src/job); its
 * options (rescue_options.c), the text report (rescue_text.c) and the JSON
 * report (rescue_json.c) live beside it. Nothing here is used by another
 * command. */
#ifndef LCP_CLI_RESCUE_CLI_H
#define LCP_CLI_RESCUE_CLI_H

#include "cli/fix_paths_cli.h"
#include "cli/output_opts.h"
#include "lcpatch/audit.h"
#include "lcpatch/rescue.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The command line (rescue_parse_args). */
struct rescue_args {
    lcp_output_opts out;
    lcp_rescue_options opt; /* sdk, and keep (owned: the --keep list) */
    uint32_t (*keep)[2];    /* owned; opt.keep points here */
    size_t nkeep;
    bool json, dry_run, fix_paths, skip, adhoc;
    char **excl; /* owned array of --exclude values (borrowed from argv) */
    size_t nexcl;
    char *const *roots; /* the PATHs, in argv */
    size_t nroots;
};

/* Parses argv into a (zeroed by the call). Returns -1 to go on, else the
 * exit status (0 after --help, 2 after a usage error). Release a with
 * rescue_args_release either way. */
int rescue_parse_args(struct rescue_args *a, int argc, char **argv);
void rescue_args_release(struct rescue_args *a);

/* What happened, for the reports: printed once every write is done. */
struct rescue_report {
    const struct rescue_args *args;
    lcp_rescue_item *items;
    size_t nitems;
    const lcp_audit_report *audit;
    size_t audit_errors;    /* findings that stop a kept slice from running */
    bool audit_failed;      /* some file's load paths could not be audited */
    lcp_cli_fix_state *fix; /* --fix-paths: what it did */
    const char *step;       /* the codesign command to run next, or NULL */
    int status;             /* the exit status so far */
};
void rescue_print_text(const struct rescue_report *r);
void rescue_print_json(const struct rescue_report *r);

/* The word for an sdk action, in both reports (rescue_json.c). */
const char *rescue_sdk_action_name(lcp_sdk_action a);

#endif
