/* lcpatch: the per-file loop of the commands that rewrite images in place
 * (set-sdk; change-dylib, set-id, add-rpath, delete-rpath;
 * set-build-version, set-version-min, remove-build-version): the job layer
 * (src/job/edit_files.c) reads, plans and stages; the front end writes and
 * reports.
 *
 * Plan all, write all, then report: every file is opened and the
 * command's visitor edits every image (recording the edited ones, or the
 * first failure) and returns what it did as a record
 * (lcp_edit_files_record: the command's own struct, copied); `after` may
 * turn the result into a failure; the output is staged when an image
 * changed (always with -o, so that OUT exists), an ad-hoc signature signed
 * again unless --no-resign. When a file failed nothing is staged
 * (lcp_write_all, lcpatch/output.h). The records, `outcome` and the
 * lcp_write_all say what happened, for the report printed once the
 * outputs are renamed into place.
 *
 * Ownership: lcp_edit_files is caller-owned (zero it, set command, print
 * and record_size, then lcp_edit_files_release); it owns its copies of the
 * records. */
#ifndef LCPATCH_EDIT_FILES_H
#define LCPATCH_EDIT_FILES_H

#include <stdbool.h>
#include <stddef.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/output.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A signed image that an edit invalidates: warned about once written. */
struct lcp_edit_resign {
    int file;    /* index in files[] */
    char *label; /* owned: "file (arch)" */
};

/* What planning learnt of one file, for the report. */
typedef struct lcp_edit_outcome {
    bool opened;  /* read: its records name every image */
    bool visited; /* read, visited and `after` passed */
    bool edited;  /* at least one image changed */
} lcp_edit_outcome;

/* The front end's printer of one record: into json (the front end's JSON
 * writer), or, when json is NULL, as text on stdout. The job never calls
 * it. */
struct lcp_json;
typedef void (*lcp_edit_printer)(const void *record, struct lcp_json *json);

typedef struct lcp_edit_files {
    const char *command;    /* "set-sdk": set by the caller, for messages */
    lcp_edit_printer print; /* set by the caller */
    size_t record_size;     /* set by the caller: sizeof its record */
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
    lcp_edit_outcome *outcome; /* [nfiles], after lcp_edit_files_stage */
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

/* Reads and plans files[0..nfiles) and stages their outputs in w (which it
 * initialises: the caller commits and releases it). visit(ctx, ...) is
 * called for every image; after (may be NULL) is called once the visit
 * succeeded and may return a failure in *err. False when out of memory
 * (nothing done, w needs no release). */
bool lcp_edit_files_stage(lcp_edit_files *e, lcp_write_all *w, const lcp_output_opts *out, char *const *files,
                          int nfiles, lcp_image_visitor visit, void *ctx,
                          lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err));

/* True when editing img leaves its signature stale: it is signed, and it
 * will not be signed again (--no-resign, an archive member, or a signature
 * other than an ad-hoc one, the linker's or codesign's; see
 * lcp_sign_edited). The editors warn then. */
bool lcp_edit_files_stale(const lcp_edit_files *e, const lcp_file *f, const lcp_member *m, const lcp_image *img);

void lcp_edit_files_release(lcp_edit_files *e);

#ifdef __cplusplus
}
#endif
#endif
