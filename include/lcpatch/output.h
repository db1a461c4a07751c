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

#ifdef __cplusplus
}
#endif
#endif
