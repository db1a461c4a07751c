/* The report of the native commands that write files, plan all then write
 * all (lcp_write_all, lcpatch/output.h: the job that stages and renames).
 * When one file fails to read, to plan or to stage, nothing is written and
 * the command ends with "lcpatch CMD: nothing written: N of M files
 * failed" (when several were given: one file's own message says it) and
 * exit 3. The report of each file (text or JSON) is printed after the
 * renames, from what happened: a file is reported as written only when its
 * rename succeeded (written[i]).
 *
 * The commands that rewrite images in place (set-sdk; change-dylib,
 * set-id, add-rpath, delete-rpath; set-build-version, set-version-min,
 * remove-build-version) run lcp_edit_files_run: the job
 * (lcpatch/edit_files.h) reads, plans and stages every file, the outputs
 * are renamed into place, and only then does the command's printer
 * (e->print) turn the records into the report, from the real outcome:
 *   --json  one object per file in {"files": [...]}: "file", "images" (one
 *           object per record, by the printer), "output" (null unless the
 *           file was written), "changed" (written and an image changed),
 *           and "error" on a failure (a failed rename too), which is listed
 *           again in the closing "failures" array (docs/json.md);
 *   text    the records of every file written or left as it was, and
 *           "PATH: nothing to change" when asked for (say_unchanged); a
 *           file whose write failed gets only its failure (lcp_cli_fail).
 *           After a planning failure the text report is only the failures
 *           and "nothing written: N of M files failed".
 * Then the warnings about the signatures the edit left stale. */
#ifndef LCP_CLI_EDIT_FILES_H
#define LCP_CLI_EDIT_FILES_H

#include "util/json.h"
#include "cli/output_opts.h"
#include "lcpatch/edit_files.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>

/* Prints file i's report (path: files[i]): with j, its own keys in its
 * JSON object; without, its text. */
typedef void (*lcp_write_all_reporter)(void *ctx, const lcp_write_all *w, int i, const char *path, lcp_json *j);

/* The whole of a command whose report is one object or one line per file:
 * plans and stages every file (lcp_write_all_files with plan), renames
 * them (lcp_write_all_commit) and prints every failure, then reports:
 * with --json, each file's object holds "file", then "error" when it
 * failed (its rename included), else "output" (its destination when it was
 * written, the input when in place there was nothing to change, else null)
 * and what report(..., j) adds, and the report ends with the failures of
 * every file; as text, report(..., NULL) prints the files that did not
 * fail, unless one did ("nothing written"). Returns the exit status. */
int lcp_write_all_run(const char *command, const lcp_output_opts *o, bool json, char *const *files, int nfiles,
                      lcp_write_all_planner plan, lcp_write_all_reporter report, void *ctx);

/* The loop over files[0..nfiles) (lcp_edit_files_stage), the writes, the
 * report. Returns the worst exit status. */
int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err));

#endif
