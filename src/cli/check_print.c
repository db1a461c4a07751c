/* lcpatch check's three reports: text, notary-log JSON and SARIF. */
#include "cli/check_print.h"
#include "util/json.h"
#include "cli/sarif.h"
#include "lcpatch/lcpatch.h"

#include <stdlib.h>
#include <string.h>

static const char *severity_name(lcp_check_severity s) { return s == LCP_CHECK_ERROR ? "error" : "warning"; }
static const char *source_name(lcp_check_source s) { return s == LCP_CHECK_NOTARY ? "notary" : "gatekeeper"; }

static bool same_group(const lcp_check_issue *a, const lcp_check_issue *b) {
    return strcmp(a->path, b->path) == 0 && strcmp(a->arch ? a->arch : "", b->arch ? b->arch : "") == 0;
}

void lcp_check_print_text(FILE *out, const lcp_check_report *r) {
    for (size_t i = 0; i < r->nissues; i++) {
        const lcp_check_issue *is = &r->issues[i];
        const lcp_check_rule_info *ri = lcp_check_rule_get(is->rule);
        if (i == 0 || !same_group(is, &r->issues[i - 1])) {
            if (is->arch)
                fprintf(out, "%s%s (%s)\n", i ? "\n" : "", is->path, is->arch);
            else
                fprintf(out, "%s%s\n", i ? "\n" : "", is->path);
        }
        fprintf(out, "  %-7s %s [%s: %s]\n", severity_name(ri->severity), ri->message, source_name(ri->source), ri->id);
        if (is->detail)
            fprintf(out, "          %s\n", is->detail);
        fprintf(out, "          fix: %s\n", ri->fix);
    }
    if (r->nissues)
        fputc('\n', out);
    fprintf(out, "lcpatch check: %zu error%s, %zu warning%s in %zu file%s (%zu Mach-O)%s: %s\n", r->errors,
            r->errors == 1 ? "" : "s", r->warnings, r->warnings == 1 ? "" : "s", r->files, r->files == 1 ? "" : "s",
            r->macho_files, r->nfailures ? ", some unreadable" : "",
            r->errors || r->nfailures ? "not ready for notarization" : "ready to sign and notarize");
}

void lcp_check_print_json(FILE *out, const lcp_check_report *r) {
    lcp_json j;
    lcp_json_init(&j, out);
    bool ok = r->errors == 0 && r->nfailures == 0;
    lcp_json_begin_object(&j);
    lcp_json_field_uint(&j, "logFormatVersion", 1);
    lcp_json_key(&j, "jobId");
    lcp_json_null(&j);
    lcp_json_field_string(&j, "status", ok ? "Accepted" : "Invalid");
    lcp_json_field_string(&j, "statusSummary",
                          ok ? "Ready for distribution" : "Archive contains critical validation errors");
    lcp_json_field_uint(&j, "statusCode", ok ? 0 : 4000);
    lcp_json_key(&j, "archiveFilename");
    lcp_json_null(&j);
    lcp_json_key(&j, "uploadDate");
    lcp_json_null(&j);
    lcp_json_key(&j, "sha256");
    lcp_json_null(&j);
    lcp_json_key(&j, "ticketContents");
    lcp_json_null(&j);
    lcp_json_key(&j, "issues");
    lcp_json_begin_array(&j);
    for (size_t i = 0; i < r->nissues; i++) {
        const lcp_check_issue *is = &r->issues[i];
        const lcp_check_rule_info *ri = lcp_check_rule_get(is->rule);
        lcp_json_begin_object(&j);
        lcp_json_field_string(&j, "severity", severity_name(ri->severity));
        lcp_json_field_string(&j, "code", ri->id);
        lcp_json_field_string(&j, "path", is->path);
        lcp_json_field_string(&j, "message", ri->message);
        lcp_json_field_string(&j, "docUrl", ri->doc_url);
        lcp_json_field_string(&j, "architecture", is->arch);
        lcp_json_field_string(&j, "source", source_name(ri->source));
        lcp_json_field_string(&j, "detail", is->detail);
        lcp_json_field_string(&j, "fix", ri->fix);
        lcp_json_end_object(&j);
    }
    lcp_json_end_array(&j);
    lcp_json_field_uint(&j, "files", r->files);
    lcp_json_field_uint(&j, "machoFiles", r->macho_files);
    lcp_json_field_uint(&j, "errors", r->errors);
    lcp_json_field_uint(&j, "warnings", r->warnings);
    lcp_json_key(&j, "failures");
    lcp_json_begin_array(&j);
    for (size_t i = 0; i < r->nfailures; i++)
        lcp_json_failure_object(&j, r->failures[i].path, &r->failures[i].error);
    lcp_json_end_array(&j);
    lcp_json_end_object(&j);
    lcp_json_finish(&j);
}

void lcp_check_print_sarif(FILE *out, const lcp_check_report *r) {
    lcp_json j;
    lcp_json_init(&j, out);
    lcp_sarif_begin(&j, "lcpatch check");
    for (int k = 0; k < LCP_CK_NRULES; k++) {
        const lcp_check_rule_info *ri = lcp_check_rule_get((lcp_check_rule)k);
        lcp_sarif_rule(&j, ri->id, ri->message, ri->fix, ri->doc_url, ri->severity == LCP_CHECK_ERROR);
    }
    lcp_sarif_begin_results(&j);
    for (size_t i = 0; i < r->nissues; i++) {
        const lcp_check_issue *is = &r->issues[i];
        const lcp_check_rule_info *ri = lcp_check_rule_get(is->rule);
        size_t n = strlen(ri->message) + (is->detail ? strlen(is->detail) : 0) + 4;
        char *msg = malloc(n);
        if (msg)
            snprintf(msg, n, "%s%s%s", ri->message, is->detail ? ": " : "", is->detail ? is->detail : "");
        lcp_sarif_result_begin(&j, ri->id, (uint64_t)is->rule, ri->severity == LCP_CHECK_ERROR, msg ? msg : ri->message,
                               is->path, is->arch);
        lcp_json_end_object(&j);
        free(msg);
    }
    lcp_sarif_begin_notifications(&j, r->nfailures == 0);
    for (size_t i = 0; i < r->nfailures; i++) {
        lcp_sarif_notification_begin(&j, r->failures[i].error.message, r->failures[i].path);
        lcp_json_end_object(&j);
    }
    lcp_sarif_end(&j);
}
