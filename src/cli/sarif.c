/* The SARIF 2.1.0 skeleton shared by audit and check (sarif.h). */
#include "cli/sarif.h"

#include "lcpatch/lcpatch.h"

#include <stdlib.h>
#include <string.h>

void lcp_sarif_begin(lcp_json *j, const char *tool) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "$schema", "https://json.schemastore.org/sarif-2.1.0.json");
    lcp_json_field_string(j, "version", "2.1.0");
    lcp_json_key(j, "runs");
    lcp_json_begin_array(j);
    lcp_json_begin_object(j);
    lcp_json_key(j, "tool");
    lcp_json_begin_object(j);
    lcp_json_key(j, "driver");
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "name", tool);
    lcp_json_field_string(j, "version", LCPATCH_VERSION);
    lcp_json_key(j, "rules");
    lcp_json_begin_array(j);
}

void lcp_sarif_text(lcp_json *j, const char *key, const char *text) {
    lcp_json_key(j, key);
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "text", text);
    lcp_json_end_object(j);
}

void lcp_sarif_rule(lcp_json *j, const char *id, const char *description, const char *help, const char *help_uri,
                    bool error) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "id", id);
    lcp_sarif_text(j, "shortDescription", description);
    if (help)
        lcp_sarif_text(j, "help", help);
    if (help_uri) {
        lcp_json_field_string(j, "helpUri", help_uri);
    }
    lcp_json_key(j, "defaultConfiguration");
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "level", error ? "error" : "warning");
    lcp_json_end_object(j);
    lcp_json_end_object(j);
}

void lcp_sarif_begin_results(lcp_json *j) {
    lcp_json_end_array(j);  /* rules */
    lcp_json_end_object(j); /* driver */
    lcp_json_end_object(j); /* tool */
    lcp_json_key(j, "results");
    lcp_json_begin_array(j);
}

void lcp_sarif_artifact(lcp_json *j, const char *path) {
    size_t n = strlen(path);
    char *u = malloc(n * 3 + 1);
    if (u) {
        size_t o = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)path[i];
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || strchr("-._~/", c))
                u[o++] = (char)c;
            else
                o += (size_t)snprintf(u + o, 4, "%%%02X", c);
        }
        u[o] = '\0';
    }
    lcp_json_key(j, "artifactLocation");
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "uri", u ? u : path);
    lcp_json_end_object(j);
    free(u);
}

void lcp_sarif_locations(lcp_json *j, const char *path, const char *arch) {
    lcp_json_key(j, "locations");
    lcp_json_begin_array(j);
    lcp_json_begin_object(j);
    lcp_json_key(j, "physicalLocation");
    lcp_json_begin_object(j);
    lcp_sarif_artifact(j, path);
    lcp_json_end_object(j);
    if (arch) {
        lcp_json_key(j, "logicalLocations");
        lcp_json_begin_array(j);
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "name", arch);
        lcp_json_field_string(j, "kind", "module");
        lcp_json_end_object(j);
        lcp_json_end_array(j);
    }
    lcp_json_end_object(j);
    lcp_json_end_array(j);
}

void lcp_sarif_result_begin(lcp_json *j, const char *id, uint64_t rule_index, bool error, const char *message,
                            const char *path, const char *arch) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "ruleId", id);
    lcp_json_field_uint(j, "ruleIndex", rule_index);
    lcp_json_field_string(j, "level", error ? "error" : "warning");
    lcp_sarif_text(j, "message", message);
    lcp_sarif_locations(j, path, arch);
}

void lcp_sarif_notification_begin(lcp_json *j, const char *message, const char *path) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "level", "error");
    lcp_sarif_text(j, "message", message);
    lcp_sarif_locations(j, path, NULL);
}

void lcp_sarif_begin_notifications(lcp_json *j, bool successful) {
    lcp_json_end_array(j); /* results */
    lcp_json_key(j, "invocations");
    lcp_json_begin_array(j);
    lcp_json_begin_object(j);
    lcp_json_field_bool(j, "executionSuccessful", successful);
    lcp_json_key(j, "toolExecutionNotifications");
    lcp_json_begin_array(j);
}

void lcp_sarif_end(lcp_json *j) {
    lcp_json_end_array(j);  /* notifications */
    lcp_json_end_object(j); /* the invocation */
    lcp_json_end_array(j);  /* invocations */
    lcp_json_end_object(j); /* the run */
    lcp_json_end_array(j);  /* runs */
    lcp_json_end_object(j);
    lcp_json_finish(j);
}
