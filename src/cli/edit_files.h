/* The per-file loop shared by the commands that rewrite images in place
 * (set-sdk; change-dylib, set-id, add-rpath, delete-rpath;
 * set-build-version, set-version-min, remove-build-version).
 *
 * For each file: open it, let the command's visitor edit every image
 * (recording the edited ones, or the first failure), let `after` turn the
 * result into a failure if the command needs to, write the file when an
 * image changed (always with -o, so that OUT exists), and report:
 *   --json  one object per file in {"files": [...]}: "file", "images" (the
 *           visitor writes one object per image into it), "output",
 *           "changed", and "error" on a failure;
 *   text    "PATH: nothing to change" when asked for (say_unchanged).
 * Failures are printed (lcp_cli_fail) and the loop goes on with the next
 * file; the result is the worst exit status.
 *
 * Ownership: lcp_edit_files is caller-owned (zero it, then
 * lcp_edit_files_release); it points into nothing it does not own. */
#ifndef LCP_CLI_EDIT_FILES_H
#define LCP_CLI_EDIT_FILES_H

#include "cli/json.h"
#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>

typedef struct lcp_edit_files {
    lcp_json *json;     /* set during the run with --json: where visitors write */
    lcp_image **edited; /* this file's edited images */
    size_t nedited, cap;
    const lcp_output_opts *out; /* set during the run */
    bool failed;                /* this file failed: the first failure is in err */
    lcp_error err;
} lcp_edit_files;

/* Records img as edited. False (the file failed) when out of memory. */
bool lcp_edit_files_add(lcp_edit_files *e, lcp_image *img);
/* Records err, prefixed with label ("file (arch)"), unless a failure is
 * already recorded for this file. */
void lcp_edit_files_fail(lcp_edit_files *e, const lcp_error *err, const char *label);

/* The loop over files[0..nfiles). visit(ctx, ...) is called for every image;
 * after (may be NULL) is called once the visit succeeded and may return a
 * failure in *err. */
int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err));

/* True when editing img leaves its signature stale: it is signed, and it
 * will not be signed again (--no-resign, an archive member, or a signature
 * other than the linker's; see lcp_sign_edited). The editors warn then. */
bool lcp_edit_files_stale(const lcp_edit_files *e, const lcp_file *f, const lcp_member *m, const lcp_image *img);

void lcp_edit_files_release(lcp_edit_files *e);

#endif
