/* lcpatch audit --json (schema: docs/schema/audit.schema.json; tables in
 * docs/audit.md). */
#include "cli/audit_print.h"
#include "cli/cli.h"
#include "util/json.h"

static void finding(lcp_json *j, const lcp_audit_finding *f) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "severity", f->severity == LCP_AUDIT_ERROR ? "error" : "warning");
    lcp_json_field_string(j, "kind", lcp_audit_kind_name(f->kind));
    lcp_json_field_string(j, "root", f->root);
    lcp_json_field_string(j, "file", f->file);
    lcp_json_field_string(j, "member", f->member);
    lcp_json_field_string(j, "arch", f->arch);
    lcp_json_field_string(j, "command", f->command);
    lcp_json_field_int_if(j, "index", f->index >= 0, f->index);
    lcp_json_field_uint_if(j, "address", f->index < 0, f->address);
    lcp_json_field_string(j, "path", f->path);
    lcp_json_field_string(j, "resolved", f->resolved);
    lcp_json_field_string(j, "via", f->via);
    lcp_json_field_string(j, "hint", f->hint);
    lcp_json_end_object(j);
}

void lcp_audit_print_json(FILE *out, const lcp_audit_report *r) {
    lcp_json j;
    lcp_json_init(&j, out);
    lcp_json_begin_object(&j);
    lcp_json_key(&j, "findings");
    lcp_json_begin_array(&j);
    for (size_t i = 0; i < r->nfindings; i++)
        finding(&j, &r->findings[i]);
    lcp_json_end_array(&j);
    lcp_json_field_uint(&j, "files", r->files);
    lcp_json_field_uint(&j, "macho_files", r->macho_files);
    lcp_json_field_uint(&j, "errors", r->errors);
    lcp_json_field_uint(&j, "warnings", r->warnings);
    lcp_json_key(&j, "failures");
    lcp_json_begin_array(&j);
    for (size_t i = 0; i < r->nfailures; i++) {
        lcp_json_begin_object(&j);
        lcp_json_field_string(&j, "root", r->failures[i].root);
        lcp_json_field_string(&j, "file", r->failures[i].file);
        lcp_json_field_string(&j, "status", lcp_status_name(r->failures[i].error.status));
        lcp_json_field_string(&j, "message", r->failures[i].error.message);
        lcp_json_field_uint_if(&j, "offset", r->failures[i].error.offset != LCP_NO_OFFSET, r->failures[i].error.offset);
        lcp_json_end_object(&j);
    }
    lcp_json_end_array(&j);
    lcp_json_end_object(&j);
    lcp_json_finish(&j);
}
