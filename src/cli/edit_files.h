/* The per-file loop shared by the commands that rewrite images in place
 * (set-sdk; change-dylib, set-id, add-rpath, delete-rpath;
 * set-build-version, set-version-min, remove-build-version).
 *
 * Plan all, write all, then report: every file is opened and the
 * command's visitor edits every image (recording the edited ones, or the
 * first failure) and returns what it did as a record
 * (lcp_edit_files_record: the command's own struct, copied); `after` may
 * turn the result into a failure; the output is staged when an image
 * changed (always with -o, so that OUT exists). When a file failed nothing
 * is written. Then the outputs are renamed into place, and only then does
 * the command's printer (e->print) turn the records into the report, from
 * the real outcome:
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
 * The result is the worst exit status.
 *
 * Ownership: lcp_edit_files is caller-owned (zero it, set command, print
 * and record_size, then lcp_edit_files_release); it owns its copies of the
 * records. */
#ifndef LCP_CLI_EDIT_FILES_H
#define LCP_CLI_EDIT_FILES_H

#include "util/json.h"
#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>

/* A signed image that an edit invalidates: warned about once written. */
struct lcp_edit_resign {
    int file;    /* index in files[] */
    char *label; /* owned: "file (arch)" */
};

/* Prints one record: into json (one object of the file's "images"), or,
 * when json is NULL, as text on stdout. */
typedef void (*lcp_edit_printer)(const void *record, lcp_json *json);

typedef struct lcp_edit_files {
    const char *command;    /* "set-sdk": set by the caller, for messages */
    lcp_edit_printer print; /* set by the caller */
    size_t record_size;     /* set by the caller: sizeof its record */
    bool planning;          /* the pass that stages the outputs (the only one) */
    int cur;                /* the index of the file being visited */
    lcp_image **edited;     /* this file's edited images */
    size_t nedited, cap;
    const lcp_output_opts *out; /* set during the run */
    bool failed;                /* this file failed: the first failure is in err */
    lcp_error err;
    struct lcp_edit_resign *resign; /* every run's signed edited images */
    size_t nresign, resign_cap;
    int *rec_file;           /* [nrecords]: the file of each record */
    unsigned char *rec_data; /* [nrecords * record_size]: the records */
    size_t nrecords, rec_cap;
} lcp_edit_files;

/* Keeps a copy of record (record_size bytes), what the visitor did to the
 * current image, for the report. False (the file failed) when out of
 * memory. */
bool lcp_edit_files_record(lcp_edit_files *e, const void *record);

/* Records img (named label in messages) as edited; when stale (its
 * signature will not be renewed: lcp_edit_files_stale), the warning that its
 * signature is now invalid is printed once the file is written. False (the
 * file failed) when out of memory. */
bool lcp_edit_files_add(lcp_edit_files *e, lcp_image *img, const char *label, bool stale);
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
 * other than an ad-hoc one, the linker's or codesign's; see
 * lcp_sign_edited). The editors warn then. */
bool lcp_edit_files_stale(const lcp_edit_files *e, const lcp_file *f, const lcp_member *m, const lcp_image *img);

void lcp_edit_files_release(lcp_edit_files *e);

#endif
