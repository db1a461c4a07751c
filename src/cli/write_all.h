/* The report of the native commands that write several files, plan all
 * then write all (lcp_write_all, lcpatch/output.h: the job that stages and
 * renames). When one file fails to read, to plan or to stage, nothing is
 * written and the command ends with "lcpatch CMD: nothing written: N of M
 * files failed" (when several were given: one file's own message says it)
 * and exit 3. The report of each file (text or JSON) is printed after the
 * renames, from what happened: a file is reported as written only when its
 * rename succeeded (written[i]). */
#ifndef LCP_CLI_WRITE_ALL_H
#define LCP_CLI_WRITE_ALL_H

#include "cli/json.h"
#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>

/* Renames every staged file (lcp_write_all_commit), then prints every
 * failure, a failed rename too, and after a planning failure "nothing
 * written" (command names the command in it). Returns the exit status. */
int lcp_write_all_finish(lcp_write_all *w, const char *command);

/* --json, after lcp_write_all_finish: opens file i's object with "file" and
 * then "error" when it failed, its rename included (returns false: the
 * caller closes the object) or "output" (returns true: the caller adds its
 * own keys and closes it). The output is the file's destination when it
 * was written, the input when in place there was nothing to change, else
 * null. */
bool lcp_write_all_json_head(const lcp_write_all *w, lcp_json *j, int i, const char *path);
/* --json: every failed file of files[0..nfiles) into fl, the report's
 * failures[]. */
void lcp_write_all_json_failures(const lcp_write_all *w, char *const *files, lcp_json_failures *fl);

#endif
