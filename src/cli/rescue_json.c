/* rescue --json (docs/schema/rescue.schema.json): one object, printed once
 * every write is done. */
#include "cli/cli.h"
#include "util/json.h"
#include "cli/rescue_cli.h"

const char *rescue_sdk_action_name(lcp_sdk_action a) {
    switch (a) {
    case LCP_SDK_UNCHANGED: return "unchanged";
    case LCP_SDK_REWRITTEN: return "rewritten in place";
    case LCP_SDK_ADDED_BUILD_VERSION: return "LC_BUILD_VERSION added";
    case LCP_SDK_ADDED_VERSION_MIN: return "LC_VERSION_MIN_MACOSX added";
    case LCP_SDK_OTHER_PLATFORM: return "other platform";
    case LCP_SDK_NO_SPACE: return "no space";
    }
    return "?";
}

/* What happened to the file, for --json (docs/schema/rescue.schema.json):
 * "rescued" only when the output was written, "planned" for --dry-run,
 * "not written" when its plan was good but a failure or blocker elsewhere
 * stopped every write (rescue is all-or-nothing). */
static const char *rescue_state_name(const lcp_rescue_item *it, bool dry_run) {
    if (it->failed)
        return "failed";
    if (it->rf == NULL)
        return "not written"; /* not planned: an earlier failure stopped rescue */
    switch (it->rf->state) {
    case LCP_RESCUE_CHANGED: return it->written ? "rescued" : dry_run ? "planned" : "not written";
    case LCP_RESCUE_ALREADY: return "already rescued";
    case LCP_RESCUE_BLOCKED:
    case LCP_RESCUE_NO_64BIT: return "blocked";
    case LCP_RESCUE_OTHER_PLATFORM: return "not macOS";
    }
    return "?";
}

static void json_finding(lcp_json *j, const lcp_audit_finding *fd) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "severity", lcp_rescue_finding_blocks(fd) ? "error" : "warning");
    lcp_json_field_string(j, "kind", lcp_audit_kind_name(fd->kind));
    lcp_json_field_string(j, "arch", fd->arch);
    lcp_json_field_string(j, "member", fd->member);
    lcp_json_field_string(j, "command", fd->command);
    lcp_json_field_int(j, "index", fd->index);
    lcp_json_field_string(j, "path", fd->path);
    lcp_json_field_string(j, "resolved", fd->resolved);
    lcp_json_field_string(j, "via", fd->via);
    lcp_json_field_string(j, "hint", fd->hint);
    lcp_json_end_object(j);
}

static void json_slice(lcp_json *j, const lcp_rescue_slice *s) {
    char v[32];
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "arch", s->arch);
    lcp_json_field_string(j, "member", s->member);
    lcp_json_field_bool(j, "removed", s->removed);
    if (!s->removed) {
        lcp_json_field_bool(j, "signature_removed", s->signature_removed);
        if (s->sdk_checked) {
            const lcp_sdk_change *c = &s->sdk;
            lcp_json_field_string(j, "version_command", c->cmd ? lcp_lc_name(c->cmd) : NULL);
            lcp_json_field_string(j, "sdk_action", rescue_sdk_action_name(c->action));
            lcp_json_field_string(j, "sdk_before",
                                  c->cmd_index >= 0 || c->old_sdk ? lcp_version_format(c->old_sdk, v, sizeof v) : NULL);
            lcp_json_key(j, "sdk_after");
            uint32_t after =
                c->action == LCP_SDK_UNCHANGED || c->action == LCP_SDK_OTHER_PLATFORM || c->action == LCP_SDK_NO_SPACE
                    ? c->old_sdk
                    : c->new_sdk;
            lcp_json_string(j, c->cmd_index >= 0 || after ? lcp_version_format(after, v, sizeof v) : NULL);
        }
        lcp_json_field_uint(j, "size_before", s->size_before);
        lcp_json_field_uint(j, "size_after", s->size_after);
        lcp_json_field_int(j, "header_space_left", s->space_after);
        lcp_json_field_string(j, "blocker", s->blocker[0] ? s->blocker : NULL);
        lcp_json_field_string(j, "note", s->note[0] ? s->note : NULL);
    }
    lcp_json_end_object(j);
}

void rescue_print_json(const struct rescue_report *r) {
    const struct rescue_args *a = r->args;
    lcp_rescue_item *items = r->items;
    size_t nitems = r->nitems;
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_begin_object(&j);
    lcp_json_field_bool(&j, "dry_run", a->dry_run);
    lcp_json_key(&j, "files");
    lcp_json_begin_array(&j);
    for (size_t k = 0; k < nitems; k++) {
        const lcp_rescue_item *it = &items[k];
        lcp_json_begin_object(&j);
        lcp_json_field_string(&j, "file", it->path);
        lcp_json_field_string(&j, "output", it->dest);
        lcp_json_field_string(&j, "status", rescue_state_name(it, a->dry_run));
        lcp_json_field_bool(&j, "written", it->written);
        if (it->failed) {
            lcp_json_key(&j, "error");
            char etext[LCP_CLI_ERROR_TEXT_MAX];
            lcp_json_string(&j, lcp_cli_error_text(&it->err, etext, sizeof etext));
        }
        if (it->rf && it->rf->reason[0]) {
            lcp_json_field_string(&j, "reason", it->rf->reason);
        }
        if (it->rf) {
            lcp_json_field_uint(&j, "size_before", it->rf->size_before);
            lcp_json_field_uint(&j, "size_after", it->rf->size_after);
            lcp_json_field_string(&j, "container", it->rf->thin_output ? "thin" : "fat");
            lcp_json_key(&j, "slices");
            lcp_json_begin_array(&j);
            for (size_t s = 0; s < it->rf->nslices; s++)
                if (!it->rf->slices[s].not_macho)
                    json_slice(&j, &it->rf->slices[s]);
            lcp_json_end_array(&j);
            lcp_json_key(&j, "findings");
            lcp_json_begin_array(&j);
            for (size_t f = 0; f < r->audit->nfindings; f++)
                if (lcp_rescue_item_of(items, nitems, &r->audit->findings[f]) == it)
                    json_finding(&j, &r->audit->findings[f]);
            lcp_json_end_array(&j);
        }
        lcp_json_end_object(&j);
    }
    lcp_json_end_array(&j);
    lcp_json_key(&j, "failures");
    lcp_json_begin_array(&j);
    for (size_t k = 0; k < nitems; k++)
        if (items[k].failed)
            lcp_json_failure_object(&j, items[k].path, &items[k].err);
    lcp_json_end_array(&j);
    if (a->fix_paths)
        lcp_cli_fix_paths_json(r->fix, &j);
    lcp_json_field_string(&j, "next_step", r->step);
    lcp_json_end_object(&j);
    lcp_json_finish(&j);
}
