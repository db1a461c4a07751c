/* lcpatch: where a command's outputs go, and writing them (the job layer,
 * src/job/output.c): one output file (-o) or each input itself (in place),
 * durably unless asked otherwise. The front ends parse the options into an
 * lcp_output_opts (src/cli/output_opts.h says what each one means).
 *
 * Ownership: lcp_output_opts only points into the caller's strings. */
#ifndef LCPATCH_OUTPUT_H
#define LCPATCH_OUTPUT_H

#include <stdbool.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/write.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lcp_output_opts {
    const char *output; /* the -o value, or NULL */
    bool in_place;      /* --in-place was given */
    bool no_fsync;      /* --no-fsync was given */
    bool no_resign;     /* --no-resign: the image editors leave a stale
                         * ad-hoc signature as it is (lcpatch/edit_files.h) */
} lcp_output_opts;

void lcp_output_opts_init(lcp_output_opts *o);

/* The LCP_WRITE_* flags the options ask for (LCP_WRITE_NO_FSYNC or 0), for
 * a command that writes through another library call (rescue --fix-paths). */
unsigned lcp_output_opts_write_flags(const lcp_output_opts *o);

/* Where the output for `input` goes: the -o path, or input itself. */
const char *lcp_output_opts_dest(const lcp_output_opts *o, const char *input);

/* True when paths a and b name the same existing file (st_dev and st_ino,
 * following symlinks). False when either does not exist. */
bool lcp_output_same_file(const char *a, const char *b);

/* Writes plan (whose copy pieces read from src, the opened input) to the
 * destination for `input`, atomically, keeping the input's mode (and owner
 * where possible), durably unless --no-fsync. Refuses (LCP_E_USAGE) an -o
 * that names the input without --in-place, in case the check was skipped
 * or the file system changed. */
lcp_status lcp_output_write(const lcp_output_opts *o, const char *input, const lcp_plan *plan, const lcp_source *src,
                            lcp_error *err);
/* The same, in two steps, for commands that write several files: stage
 * every output, then commit them all (or abort them all on a failure).
 * See lcp_plan_stage_file. */
lcp_status lcp_output_stage(const lcp_output_opts *o, const char *input, const lcp_plan *plan, const lcp_source *src,
                            lcp_staged_file **out, lcp_error *err);

/* Plan all, then write all: the rule of every native command that writes
 * several files (strip-arch and its aliases, unsign, set-sdk, the
 * vtool-style version commands, change-dylib, set-id, add-rpath,
 * delete-rpath, rescue).
 *
 *   1. every input is read and planned; a failure is remembered and the
 *      planning goes on, so that every failed file is named;
 *   2. when every input was planned, every output is staged (written to a
 *      temporary file beside its destination, see lcp_plan_stage_file);
 *      when one fails to read, to plan or to stage, nothing is written: the
 *      staged files are removed and every destination stays as it was;
 *   3. only then are the staged files renamed over their destinations, in
 *      order (a rename does not fail for lack of space; one that fails
 *      leaves the earlier ones replaced, and is recorded: failed[i] and
 *      errs[i] say so; the later ones are renamed too, or, with
 *      stop_at_failed_rename, removed and their destinations left as
 *      they were).
 * Nothing is printed: the caller reports each file from what happened (a
 * file was written only when its rename succeeded: written[i]).
 *
 * Ownership: lcp_write_all is caller-owned (lcp_write_all_init, then
 * lcp_write_all_release, which aborts whatever is still staged). */
typedef struct lcp_write_all {
    const lcp_output_opts *o; /* where the outputs go */
    int nfiles;
    lcp_staged_file **staged;   /* [nfiles]: the staged output, or NULL */
    lcp_error *errs;            /* [nfiles]: the failure of step 1 or 2 */
    bool *failed;               /* [nfiles] */
    bool *written;              /* [nfiles]: renamed over its destination (step 3) */
    int nfailed;                /* files failed in step 1 or 2 */
    bool finished;              /* step 3 is done: written[] and failed[] are final */
    bool stop_at_failed_rename; /* set by the caller: a failed rename aborts the
                                 * later outputs instead (rescue) */
} lcp_write_all;

/* False when out of memory. */
bool lcp_write_all_init(lcp_write_all *w, const lcp_output_opts *o, int nfiles);
/* Step 1 and 2 for file i, once its plan is known: st/err is the result of
 * reading and planning it (LCP_OK: plan is ready); write says whether it
 * has an output at all (false: in place with nothing to change). Stages
 * the output unless a file already failed (then aborts every staged one). */
void lcp_write_all_plan(lcp_write_all *w, int i, lcp_status st, const lcp_error *err, bool write, const char *input,
                        const lcp_plan *plan, const lcp_source *src);
/* Plans file i for lcp_write_all_files: f is the file, opened; the output
 * goes into plan and *write says whether there is one (false: in place
 * with nothing to change). A planner that keeps f for its report sets
 * *keep and frees f itself. */
typedef lcp_status (*lcp_write_all_planner)(void *ctx, int i, lcp_file *f, lcp_plan *plan, bool *write, bool *keep,
                                            lcp_error *err);
/* Steps 1 and 2 for files[0..w->nfiles): opens each file (one that does not
 * open fails, and planner is not called for it), lets planner plan it and
 * stages its output (lcp_write_all_plan). */
void lcp_write_all_files(lcp_write_all *w, char *const *files, lcp_write_all_planner planner, void *ctx);
/* True when every file so far was planned and staged. */
static inline bool lcp_write_all_ok(const lcp_write_all *w) { return w->nfailed == 0; }
/* True when file i will be written (staged, and no file failed); after
 * lcp_write_all_commit, when it was. */
bool lcp_write_all_writes(const lcp_write_all *w, int i);
/* Step 3: renames every staged file, unless a file failed (then aborts
 * them all). A failed rename is recorded in failed[] and errs[]. */
void lcp_write_all_commit(lcp_write_all *w);
void lcp_write_all_release(lcp_write_all *w);

#ifdef __cplusplus
}
#endif
#endif
