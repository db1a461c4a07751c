/* The report of the commands that rewrite images in place (set-sdk;
 * change-dylib, set-id, add-rpath, delete-rpath; set-build-version,
 * set-version-min, remove-build-version): the job (lcpatch/edit_files.h)
 * reads, plans and stages every file, the outputs are renamed into place,
 * and only then does the command's printer (e->print) turn the records
 * into the report, from the real outcome:
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

/* The loop over files[0..nfiles) (lcp_edit_files_stage), the writes, the
 * report. Returns the worst exit status. */
int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err));

#endif
