/* lcpatch audit --sarif: SARIF 2.1.0 (OASIS), one run, one rule per finding
 * kind, one result per finding located at the file (relative URI: the
 * audited PATH joined with the file) and the architecture; files that could
 * not be read are tool execution notifications of the run's invocation.
 * tests/audit-sarif checks the output against the OASIS JSON schema. */
#include "cli/audit_print.h"
#include "cli/cli.h"
#include "util/json.h"
#include "cli/sarif.h"
#include "lcpatch/lcpatch.h"

#include <stdlib.h>
#include <string.h>

#define NKINDS ((int)LCP_AUDIT_LOADER_RPATH + 1)

/* Where a finding or failure is: the audited PATH joined with the file
 * (the PATH alone when it is the file). Owned string, or NULL: use file. */
static char *joined_path(const char *root, const char *file) {
    if (strcmp(root, file) == 0)
        return NULL;
    size_t n = strlen(root) + strlen(file) + 2;
    char *joined = malloc(n);
    if (joined)
        snprintf(joined, n, "%s%s%s", root, root[0] && root[strlen(root) - 1] == '/' ? "" : "/", file);
    return joined;
}

/* The invocation: successful unless a file could not be read; each such
 * file is an error notification located at it. */
static void write_invocation(lcp_json *j, const lcp_audit_report *r) {
    lcp_sarif_begin_notifications(j, r->nfailures == 0);
    for (size_t i = 0; i < r->nfailures; i++) {
        const lcp_audit_failure *f = &r->failures[i];
        char etext[LCP_CLI_ERROR_TEXT_MAX], *joined = joined_path(f->root, f->file);
        lcp_sarif_notification_begin(j, lcp_cli_error_text(&f->error, etext, sizeof etext), joined ? joined : f->file);
        free(joined);
        lcp_json_key(j, "properties");
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "status", lcp_status_name(f->error.status));
        /* as in --json; the message names it too */
        lcp_json_field_uint_if(j, "offset", f->error.offset != LCP_NO_OFFSET, f->error.offset);
        lcp_json_end_object(j);
        lcp_json_end_object(j);
    }
}

void lcp_audit_print_sarif(FILE *out, const lcp_audit_report *r) {
    lcp_json j;
    lcp_json_init(&j, out);
    lcp_sarif_begin(&j, "lcpatch audit");
    for (int k = 0; k < NKINDS; k++)
        lcp_sarif_rule(&j, lcp_audit_kind_name((lcp_audit_kind)k), lcp_audit_kind_description((lcp_audit_kind)k), NULL,
                       NULL, lcp_audit_kind_severity((lcp_audit_kind)k) == LCP_AUDIT_ERROR);
    lcp_sarif_begin_results(&j);
    for (size_t i = 0; i < r->nfindings; i++) {
        const lcp_audit_finding *f = &r->findings[i];
        char msg[8192];
        if (f->index >= 0)
            snprintf(msg, sizeof msg, "%s (%s, load command %ld %s %s): %s", lcp_audit_kind_name(f->kind), f->arch,
                     f->index, f->command, f->path, f->hint);
        else
            snprintf(msg, sizeof msg, "%s (%s, %s(\"%s\") at 0x%llx): %s", lcp_audit_kind_name(f->kind), f->arch,
                     f->command, f->path, (unsigned long long)f->address, f->hint);
        char *joined = joined_path(f->root, f->file);
        lcp_sarif_result_begin(&j, lcp_audit_kind_name(f->kind), (uint64_t)f->kind, f->severity == LCP_AUDIT_ERROR, msg,
                               joined ? joined : f->file, f->arch);
        free(joined);
        lcp_json_key(&j, "properties");
        lcp_json_begin_object(&j);
        lcp_json_field_string(&j, "command", f->command);
        lcp_json_field_int_if(&j, "index", f->index >= 0, f->index);
        lcp_json_field_string(&j, "path", f->path);
        lcp_json_field_string(&j, "resolved", f->resolved);
        lcp_json_field_string(&j, "via", f->via);
        lcp_json_field_string(&j, "member", f->member);
        lcp_json_end_object(&j);
        lcp_json_end_object(&j);
    }
    write_invocation(&j, r);
    lcp_sarif_end(&j);
}
