/* lcpatch verify: the printers and the per-file and per-bundle steps
 * (cmd_verify.c, verify_bundle.c). */
#ifndef LCP_CLI_VERIFY_H
#define LCP_CLI_VERIFY_H

#include "cli/show.h"
#include "util/json.h"
#include "lcpatch/codesign.h"

#include <stdbool.h>
#include <stdio.h>

/* Every slice of a Mach-O file; JSON objects go into the caller's open
 * array (j NULL: text). Returns the exit status (0, 1 or 3). */
int lcp_verify_file(const char *path, lcp_json *j, const lcp_cs_external *ext);
/* One PATH: a Mach-O file, or a bundle folder (its main executable with
 * the Info.plist and resource seal, the seal's files and nested code).
 * Under --json, its object goes into the caller's open "files" array.
 * Returns the exit status (an lcp_report_fn). */
int lcp_verify_path(const char *path, lcp_json *j);

#endif
