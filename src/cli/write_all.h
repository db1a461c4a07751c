/* The rule of every native command that writes several files (strip-arch
 * and its aliases, unsign, set-sdk, the vtool-style version commands,
 * change-dylib, set-id, add-rpath, delete-rpath): plan all, then write all.
 *
 *   1. every input is read and planned, quietly; a failure is remembered
 *      and the planning goes on, so that every failed file is named;
 *   2. when every input was planned, every output is staged (written to a
 *      temporary file beside its destination, see lcp_plan_stage_file);
 *      when one fails to read, to plan or to stage, nothing is written: the
 *      staged files are removed, every destination stays as it was, and
 *      the command ends with "lcpatch CMD: nothing written: N of M files
 *      failed" (when
 *      several were given: one file's own message says it) and exit 3;
 *   3. only then are the staged files renamed over their destinations, in
 *      order (a rename does not fail for lack of space; one that fails
 *      leaves the earlier ones replaced, and is reported: failed[i] and
 *      errs[i] say so).
 * The report of each file (text or JSON) is printed after step 3, from
 * what happened: a file is reported as written only when its rename
 * succeeded (written[i]).
 *
 * Ownership: lcp_write_all is caller-owned (lcp_write_all_init, then
 * lcp_write_all_release, which aborts whatever is still staged). */
#ifndef LCP_CLI_WRITE_ALL_H
#define LCP_CLI_WRITE_ALL_H

#include "util/json.h"
#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>

typedef struct lcp_write_all {
    const char *command;      /* "strip-arch": for the closing message */
    const lcp_output_opts *o; /* where the outputs go */
    int nfiles;
    lcp_staged_file **staged; /* [nfiles]: the staged output, or NULL */
    lcp_error *errs;          /* [nfiles]: the failure of step 1 or 2 */
    bool *failed;             /* [nfiles] */
    bool *written;            /* [nfiles]: renamed over its destination (step 3) */
    int nfailed;              /* files failed in step 1 or 2 */
    bool finished;            /* step 3 is done: written[] and failed[] are final */
} lcp_write_all;

/* False when out of memory. */
bool lcp_write_all_init(lcp_write_all *w, const char *command, const lcp_output_opts *o, int nfiles);
/* Step 1 and 2 for file i, once its plan is known: st/err is the result of
 * reading and planning it (LCP_OK: plan is ready); write says whether it
 * has an output at all (false: in place with nothing to change). Stages
 * the output unless a file already failed (then aborts every staged one). */
void lcp_write_all_plan(lcp_write_all *w, int i, lcp_status st, const lcp_error *err, bool write, const char *input,
                        const lcp_plan *plan, const lcp_source *src);
/* True when every file so far was planned and staged. */
static inline bool lcp_write_all_ok(const lcp_write_all *w) { return w->nfailed == 0; }
/* True when file i will be written (staged, and no file failed); after
 * lcp_write_all_finish, when it was. */
bool lcp_write_all_writes(const lcp_write_all *w, int i);
/* Step 3: renames every staged file, or (after a failure) prints "nothing
 * written". Prints every failure (a failed rename is recorded in failed[]
 * and errs[] too). Returns the exit status. */
int lcp_write_all_finish(lcp_write_all *w);
void lcp_write_all_release(lcp_write_all *w);

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
