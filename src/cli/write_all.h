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

#include "util/json.h"
#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>

/* Renames every staged file (lcp_write_all_commit), then prints every
 * failure, a failed rename too, and after a planning failure "nothing
 * written" (command names the command in it). Returns the exit status. */
int lcp_write_all_finish(lcp_write_all *w, const char *command);

/* Prints file i's report (path: files[i]): with j, its own keys in its
 * JSON object; without, its text. */
typedef void (*lcp_write_all_reporter)(void *ctx, const lcp_write_all *w, int i, const char *path, lcp_json *j);

/* The report, after lcp_write_all_finish: with --json, {"files": [...]}
 * with what each(..., j) writes for every file, then the failures of
 * every file, its rename included; else each(..., NULL) for every file. */
void lcp_write_all_report(const lcp_write_all *w, bool json, char *const *files, lcp_write_all_reporter each,
                          void *ctx);

/* The whole of a command whose report is one object or one line per file:
 * plans and stages every file (lcp_write_all_files with plan), writes
 * them (lcp_write_all_finish), then reports: with --json, each file's
 * object holds "file", then "error" when it failed (its rename included),
 * else "output" (its destination when it was written, the input when in
 * place there was nothing to change, else null) and what report(..., j)
 * adds; as text, report(..., NULL) prints the files that did not fail,
 * unless one did ("nothing written"). Returns the exit status. */
int lcp_write_all_run(const char *command, const lcp_output_opts *o, bool json, char *const *files, int nfiles,
                      lcp_write_all_planner plan, lcp_write_all_reporter report, void *ctx);

#endif
