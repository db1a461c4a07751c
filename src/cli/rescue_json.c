/* rescue --json (docs/schema/rescue.schema.json): one object, printed once
 * every write is done. */
#include "cli/cli.h"
#include "util/json.h"
#include "cli/rescue_cli.h"

static void json_finding(lcp_json *j, const lcp_audit_finding *fd) {
    lcp_json_begin_object(j);
    lcp_json_key(j, "severity");
    lcp_json_string(j, rescue_finding_blocks(fd) ? "error" : "warning");
    lcp_json_key(j, "kind");
    lcp_json_string(j, lcp_audit_kind_name(fd->kind));
    lcp_json_key(j, "arch");
    lcp_json_string(j, fd->arch);
    lcp_json_key(j, "member");
    lcp_json_string(j, fd->member);
    lcp_json_key(j, "command");
    lcp_json_string(j, fd->command);
    lcp_json_key(j, "index");
    lcp_json_int(j, fd->index);
    lcp_json_key(j, "path");
    lcp_json_string(j, fd->path);
    lcp_json_key(j, "resolved");
    lcp_json_string(j, fd->resolved);
    lcp_json_key(j, "via");
    lcp_json_string(j, fd->via);
    lcp_json_key(j, "hint");
    lcp_json_string(j, fd->hint);
    lcp_json_end_object(j);
}

static void json_slice(lcp_json *j, const lcp_rescue_slice *s) {
    char v[32];
    lcp_json_begin_object(j);
    lcp_json_key(j, "arch");
    lcp_json_string(j, s->arch);
    lcp_json_key(j, "member");
    lcp_json_string(j, s->member);
    lcp_json_key(j, "removed");
    lcp_json_bool(j, s->removed);
    if (!s->removed) {
        lcp_json_key(j, "signature_removed");
        lcp_json_bool(j, s->signature_removed);
        if (s->sdk_checked) {
            const lcp_sdk_change *c = &s->sdk;
            lcp_json_key(j, "version_command");
            lcp_json_string(j, c->cmd ? lcp_lc_name(c->cmd) : NULL);
            lcp_json_key(j, "sdk_action");
            lcp_json_string(j, rescue_sdk_action_name(c->action));
            lcp_json_key(j, "sdk_before");
            lcp_json_string(j, c->cmd_index >= 0 || c->old_sdk ? lcp_version_format(c->old_sdk, v, sizeof v) : NULL);
            lcp_json_key(j, "sdk_after");
            uint32_t after =
                c->action == LCP_SDK_UNCHANGED || c->action == LCP_SDK_OTHER_PLATFORM || c->action == LCP_SDK_NO_SPACE
                    ? c->old_sdk
                    : c->new_sdk;
            lcp_json_string(j, c->cmd_index >= 0 || after ? lcp_version_format(after, v, sizeof v) : NULL);
        }
        lcp_json_key(j, "size_before");
        lcp_json_uint(j, s->size_before);
        lcp_json_key(j, "size_after");
        lcp_json_uint(j, s->size_after);
        lcp_json_key(j, "header_space_left");
        lcp_json_int(j, s->space_after);
        lcp_json_key(j, "blocker");
        lcp_json_string(j, s->blocker[0] ? s->blocker : NULL);
        lcp_json_key(j, "note");
        lcp_json_string(j, s->note[0] ? s->note : NULL);
    }
    lcp_json_end_object(j);
}

void rescue_print_json(const struct rescue_report *r) {
    const struct rescue_args *a = r->args;
    rescue_item *items = r->items;
    size_t nitems = r->nitems;
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_begin_object(&j);
    lcp_json_key(&j, "dry_run");
    lcp_json_bool(&j, a->dry_run);
    lcp_json_key(&j, "files");
    lcp_json_begin_array(&j);
    for (size_t k = 0; k < nitems; k++) {
        const rescue_item *it = &items[k];
        lcp_json_begin_object(&j);
        lcp_json_key(&j, "file");
        lcp_json_string(&j, it->path);
        lcp_json_key(&j, "output");
        lcp_json_string(&j, it->dest);
        lcp_json_key(&j, "status");
        lcp_json_string(&j, rescue_state_name(it, a->dry_run));
        lcp_json_key(&j, "written");
        lcp_json_bool(&j, it->written);
        if (it->failed) {
            lcp_json_key(&j, "error");
            char etext[LCP_CLI_ERROR_TEXT_MAX];
            lcp_json_string(&j, lcp_cli_error_text(&it->err, etext, sizeof etext));
        }
        if (it->rf && it->rf->reason[0]) {
            lcp_json_key(&j, "reason");
            lcp_json_string(&j, it->rf->reason);
        }
        if (it->rf) {
            lcp_json_key(&j, "size_before");
            lcp_json_uint(&j, it->rf->size_before);
            lcp_json_key(&j, "size_after");
            lcp_json_uint(&j, it->rf->size_after);
            lcp_json_key(&j, "container");
            lcp_json_string(&j, it->rf->thin_output ? "thin" : "fat");
            lcp_json_key(&j, "slices");
            lcp_json_begin_array(&j);
            for (size_t s = 0; s < it->rf->nslices; s++)
                if (!it->rf->slices[s].not_macho)
                    json_slice(&j, &it->rf->slices[s]);
            lcp_json_end_array(&j);
            lcp_json_key(&j, "findings");
            lcp_json_begin_array(&j);
            for (size_t f = 0; f < r->audit->nfindings; f++)
                if (rescue_item_of(items, nitems, &r->audit->findings[f]) == it &&
                    rescue_finding_kept(it, &r->audit->findings[f]))
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
    lcp_json_key(&j, "next_step");
    lcp_json_string(&j, r->step);
    lcp_json_end_object(&j);
    lcp_json_finish(&j);
}
