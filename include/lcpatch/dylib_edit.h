/* lcpatch: install names and run paths: the edits of Apple's
 * install_name_tool (-change, -id, -add_rpath, -delete_rpath, -rpath) and
 * two of llvm-install-name-tool's (-prepend_rpath, -delete_all_rpaths), in
 * any number and combination, on one image.
 *
 * Semantics (Apple's, cctools misc/install_name_tool.c):
 * - CHANGE old new: every LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB,
 *   LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB and
 *   LC_PREBOUND_DYLIB naming `old` is rewritten to `new` (the first CHANGE
 *   whose old matches wins). LC_ID_DYLIB is never matched. No match is not
 *   an error.
 * - ID new: the LC_ID_DYLIB's name; ignored when the image has none.
 * - ADD_RPATH new: a new LC_RPATH after every other command, in the order
 *   given. An existing LC_RPATH with the same path is an error.
 * - PREPEND_RPATH new: a new LC_RPATH just before the first LC_RPATH that
 *   is kept (or where ADD_RPATH would put it when none is kept), so that
 *   dyld searches it first; same duplicate rule.
 * - DELETE_RPATH old: removes the first LC_RPATH with that path; an error
 *   when there is none.
 * - RPATH old new: rewrites the first LC_RPATH with path `old`; an error
 *   when there is none.
 * - DELETE_ALL_RPATHS: removes every LC_RPATH that exists before the edit.
 * Rewritten commands are rebuilt as install_name_tool builds them: the
 * string right after the fixed part, NUL-padded; a dylib command's size is
 * 24 + round(strlen + 1), an LC_RPATH's round(12 + strlen + 1), rounding to
 * 4 (32-bit images) or 8 (64-bit images).
 *
 * Space (install_name_tool's rule): header + new sizeofcmds + 16 when the
 * image has no LC_CODE_SIGNATURE must not exceed the limit (see
 * LCP_NAME_APPLE_LIMIT). With LCP_NAME_APPLE_LIMIT the check is made even
 * when nothing changes, as Apple's tool makes it; without, an edit that
 * changes nothing never fails for space.
 *
 * Ownership: edits borrow their strings; a report owns its problem array
 * (lcp_name_report_release). */
#ifndef LCPATCH_DYLIB_EDIT_H
#define LCPATCH_DYLIB_EDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* From LCP_NAME_CHANGE to LCP_NAME_DELETE_ALL_RPATHS: install_name_tool
 * looks its options up by walking them (lcp_name_edit_option). */
typedef enum lcp_name_edit_kind {
    LCP_NAME_CHANGE,           /* old -> new on dylib load commands */
    LCP_NAME_ID,               /* new LC_ID_DYLIB name */
    LCP_NAME_ADD_RPATH,        /* new */
    LCP_NAME_PREPEND_RPATH,    /* new */
    LCP_NAME_DELETE_RPATH,     /* old */
    LCP_NAME_RPATH,            /* old -> new on an LC_RPATH */
    LCP_NAME_DELETE_ALL_RPATHS /* no argument */
} lcp_name_edit_kind;

typedef struct lcp_name_edit {
    lcp_name_edit_kind kind;
    const char *old_path; /* CHANGE, DELETE_RPATH, RPATH; else NULL */
    const char *new_path; /* CHANGE, ID, ADD_RPATH, PREPEND_RPATH, RPATH; else NULL */
} lcp_name_edit;

/* The option spelling of a kind ("-change", "-add_rpath"...). */
const char *lcp_name_edit_option(lcp_name_edit_kind kind);

/* Checks `next` against the edits already accepted, as install_name_tool
 * checks its arguments (a second -id, the same rpath given twice or both
 * added and deleted...). Returns false and writes install_name_tool's
 * message (without program name) into msg when they conflict. */
bool lcp_name_edit_conflicts(const lcp_name_edit *prior, size_t nprior, const lcp_name_edit *next, char *msg,
                             size_t len);

typedef enum lcp_name_problem_kind {
    LCP_NAME_DUPLICATE_RPATH, /* an added rpath already exists (edit, rpath_index) */
    LCP_NAME_RPATH_NOT_FOUND, /* a DELETE_RPATH or RPATH found no LC_RPATH (edit) */
    LCP_NAME_NO_SPACE         /* the new commands do not fit (needed, limit) */
} lcp_name_problem_kind;

typedef struct lcp_name_problem {
    lcp_name_problem_kind kind;
    size_t edit;    /* index into the edits */
    size_t command; /* DUPLICATE_RPATH: index of the existing LC_RPATH */
} lcp_name_problem;

typedef struct lcp_name_report {
    lcp_name_problem *problems; /* owned; in install_name_tool's order */
    size_t nproblems;
    uint64_t needed; /* header + new sizeofcmds + the signature reserve */
    uint64_t limit;  /* the limit applied (see LCP_NAME_APPLE_LIMIT) */
    uint32_t new_sizeofcmds, new_ncmds;
    size_t changed; /* commands rewritten, added or removed */
} lcp_name_report;

void lcp_name_report_init(lcp_name_report *r);
void lcp_name_report_release(lcp_name_report *r);

/* Applies the edits to img. On success img holds the new commands (even
 * when nothing changed: report->changed is then 0). On failure img is
 * unchanged; report (when non-NULL) lists every problem in
 * install_name_tool's order, and err describes the first one:
 * LCP_E_NOTFOUND (an rpath to delete or rename is missing), LCP_E_USAGE
 * (a duplicate rpath, conflicting edits), LCP_E_NOSPACE (message says how
 * many bytes are missing), LCP_E_MALFORMED, LCP_E_NOMEM. Messages do not
 * name the file: callers prefix them. */
lcp_status lcp_image_edit_names(lcp_image *img, const lcp_name_edit *edits, size_t nedits, unsigned flags,
                                lcp_name_report *report, lcp_error *err);

/* Flags of lcp_image_edit_names. */
enum {
    /* The limit is install_name_tool's exactly: lcp_install_name_tool_limit
     * (include/lcpatch/apple_space.h), and none at all when it is unbounded
     * (the compat mode; the new commands may then run past the image, as
     * Apple's tool writes them). Without it the limit is the lower of that
     * and lcp_space.safe_limit, so that no section's bytes are ever
     * overwritten. */
    LCP_NAME_APPLE_LIMIT = 1u << 0
};

/* The native commands' rules (lcpatch change-dylib, set-id, add-rpath,
 * delete-rpath), which are idempotent. lcp_name_edit_done: true when edit
 * has nothing to do on img (the rpath to add is there, none to delete is;
 * no load command names the old path, or change-dylib X X; every install
 * name already is the new one). lcp_image_edit_name_all: the one edit with
 * lcpatch's safe limit, a delete-rpath removing every LC_RPATH with the
 * path (install_name_tool removes the first); r->changed counts them all. */
bool lcp_name_edit_done(const lcp_image *img, const lcp_name_edit *edit);
lcp_status lcp_image_edit_name_all(lcp_image *img, const lcp_name_edit *edit, lcp_name_report *r, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
