/* lcpatch audit --json (schema: docs/schema/audit.schema.json; tables in
 * docs/audit.md). */
#include "cli/audit_print.h"
#include "cli/cli.h"
#include "util/json.h"

static void finding(lcp_json *j, const lcp_audit_finding *f) {
    lcp_json_begin_object(j);
    lcp_json_key(j, "severity");
    lcp_json_string(j, f->severity == LCP_AUDIT_ERROR ? "error" : "warning");
    lcp_json_key(j, "kind");
    lcp_json_string(j, lcp_audit_kind_name(f->kind));
    lcp_json_key(j, "root");
    lcp_json_string(j, f->root);
    lcp_json_key(j, "file");
    lcp_json_string(j, f->file);
    lcp_json_key(j, "member");
    lcp_json_string(j, f->member);
    lcp_json_key(j, "arch");
    lcp_json_string(j, f->arch);
    lcp_json_key(j, "command");
    lcp_json_string(j, f->command);
    lcp_json_key(j, "index");
    if (f->index >= 0)
        lcp_json_int(j, f->index);
    else
        lcp_json_null(j);
    lcp_json_key(j, "address");
    if (f->index < 0)
        lcp_json_uint(j, f->address);
    else
        lcp_json_null(j);
    lcp_json_key(j, "path");
    lcp_json_string(j, f->path);
    lcp_json_key(j, "resolved");
    lcp_json_string(j, f->resolved);
    lcp_json_key(j, "via");
    lcp_json_string(j, f->via);
    lcp_json_key(j, "hint");
    lcp_json_string(j, f->hint);
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
    lcp_json_key(&j, "files");
    lcp_json_uint(&j, r->files);
    lcp_json_key(&j, "macho_files");
    lcp_json_uint(&j, r->macho_files);
    lcp_json_key(&j, "errors");
    lcp_json_uint(&j, r->errors);
    lcp_json_key(&j, "warnings");
    lcp_json_uint(&j, r->warnings);
    lcp_json_key(&j, "failures");
    lcp_json_begin_array(&j);
    for (size_t i = 0; i < r->nfailures; i++) {
        lcp_json_begin_object(&j);
        lcp_json_key(&j, "root");
        lcp_json_string(&j, r->failures[i].root);
        lcp_json_key(&j, "file");
        lcp_json_string(&j, r->failures[i].file);
        lcp_json_key(&j, "status");
        lcp_json_string(&j, lcp_status_name(r->failures[i].error.status));
        lcp_json_key(&j, "message");
        lcp_json_string(&j, r->failures[i].error.message);
        lcp_json_key(&j, "offset");
        if (r->failures[i].error.offset == LCP_NO_OFFSET)
            lcp_json_null(&j);
        else
            lcp_json_uint(&j, r->failures[i].error.offset);
        lcp_json_end_object(&j);
    }
    lcp_json_end_array(&j);
    lcp_json_end_object(&j);
    lcp_json_finish(&j);
}
