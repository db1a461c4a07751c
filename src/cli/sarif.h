/* The SARIF 2.1.0 skeleton that audit --sarif and check --sarif share: one
 * run, its driver and rules, results, and one invocation whose tool
 * execution notifications name the files that could not be read. The
 * callers write the rules' and results' own fields between these calls. */
#ifndef LCP_CLI_SARIF_H
#define LCP_CLI_SARIF_H

#include "util/json.h"

#include <stdbool.h>
#include <stdint.h>

/* Opens the document, its run and the driver `tool`, up to its open "rules"
 * array. */
void lcp_sarif_begin(lcp_json *j, const char *tool);
/* One rule: id, shortDescription, help and helpUri (each NULL: left out),
 * and its default level. */
void lcp_sarif_rule(lcp_json *j, const char *id, const char *description, const char *help, const char *help_uri,
                    bool error);
/* Closes the rules and the driver, opens the "results" array. */
void lcp_sarif_begin_results(lcp_json *j);
/* "key": {"text": text} */
void lcp_sarif_text(lcp_json *j, const char *key, const char *text);
/* "artifactLocation": {"uri": path}, percent-encoded as RFC 3986 wants
 * (unreserved characters and '/' kept). */
void lcp_sarif_artifact(lcp_json *j, const char *path);
/* "locations": one location, the artifact at path and, when arch is not
 * NULL, the architecture as a logical location ({"name", "kind":
 * "module"}). */
void lcp_sarif_locations(lcp_json *j, const char *path, const char *arch);
/* Opens one result of rule id (rule_index in the rules) at error or
 * warning level: its message and locations (lcp_sarif_locations); the
 * caller adds its own fields and closes the object. */
void lcp_sarif_result_begin(lcp_json *j, const char *id, uint64_t rule_index, bool error, const char *message,
                            const char *path, const char *arch);
/* Opens one error notification: its message and the location path; the
 * caller closes the object. */
void lcp_sarif_notification_begin(lcp_json *j, const char *message, const char *path);
/* Closes the results, opens the invocation (executionSuccessful) and its
 * "toolExecutionNotifications" array. */
void lcp_sarif_begin_notifications(lcp_json *j, bool successful);
/* Closes the notifications, the invocation, the run and the document. */
void lcp_sarif_end(lcp_json *j);

#endif
