/* lcpatch: fixing the load paths an audit finds, inside a bundle.
 *
 * Given the problems of a bundle (from lcp_audit_path's findings: dangling
 * or outside-bundle loads, LC_RPATHs outside the bundle), lcp_fix_paths_plan
 * decides the edits and lcp_fix_paths_apply makes them:
 * - a load whose library is inside the bundle (matched by install name,
 *   then by file name; dynamic libraries only) is rewritten to
 *   @rpath/NAME, NAME being the file name, or the path from the folder
 *   that holds X.framework for a library inside a framework;
 * - the loading image gets the minimal LC_RPATH that finds it:
 *   @executable_path/REL for an executable, @loader_path/REL otherwise,
 *   REL leading from the image's folder to that folder; none when one of
 *   its LC_RPATHs already leads there;
 * - the library's own LC_ID_DYLIB, when absolute, becomes that @rpath name;
 * - an LC_RPATH outside the bundle is deleted;
 * - a load whose library is not in the bundle is left as it is (reported
 *   as LCP_FIX_UNRESOLVED).
 * Edits go through lcp_image_edit_names (lcpatch's safe space rule, 16
 * bytes kept for a signature); a file is written atomically in place, or
 * not at all when one of its slices has no room.
 *
 * Ownership: plans and results own their strings
 * (lcp_fix_plan_release, lcp_fix_result_release). */
#ifndef LCPATCH_FIX_PATHS_H
#define LCPATCH_FIX_PATHS_H

#include <stdbool.h>
#include <stddef.h>

#include "lcpatch/audit.h"
#include "lcpatch/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_fix_problem_kind {
    LCP_FIX_BAD_LOAD,     /* a dylib load that resolves nowhere, or only outside the bundle */
    LCP_FIX_RPATH_OUTSIDE /* an LC_RPATH that leads outside the bundle */
} lcp_fix_problem_kind;

typedef struct lcp_fix_problem {
    lcp_fix_problem_kind kind;
    const char *file; /* relative to the root */
    const char *arch; /* Apple's architecture name of the slice; NULL: every slice */
    const char *path; /* the load path or the rpath, as stored */
} lcp_fix_problem;

typedef enum lcp_fix_action_kind {
    LCP_FIX_CHANGE,       /* file's load old -> new (target: the bundled library) */
    LCP_FIX_ADD_RPATH,    /* new LC_RPATH in file */
    LCP_FIX_DELETE_RPATH, /* remove LC_RPATH old from file */
    LCP_FIX_SET_ID,       /* file's LC_ID_DYLIB old -> new */
    LCP_FIX_UNRESOLVED    /* file's load old: no library in the bundle matches */
} lcp_fix_action_kind;

typedef struct lcp_fix_action {
    lcp_fix_action_kind kind;
    char *file;     /* relative to the root */
    char *arch;     /* NULL: every slice */
    char *old_path; /* CHANGE, DELETE_RPATH, SET_ID, UNRESOLVED */
    char *new_path; /* CHANGE, ADD_RPATH, SET_ID */
    char *target;   /* CHANGE: the library found, relative to the root */
} lcp_fix_action;

typedef struct lcp_fix_plan {
    lcp_fix_action *actions; /* in problem order, each file's additions after its changes */
    size_t n, cap;
} lcp_fix_plan;

void lcp_fix_plan_init(lcp_fix_plan *p);
void lcp_fix_plan_release(lcp_fix_plan *p);

/* Decides the edits for the problems of the bundle at root (a folder).
 * Reads the bundle's Mach-O files (their headers) to match libraries. */
lcp_status lcp_fix_paths_plan(const char *root, const lcp_fix_problem *problems, size_t n, lcp_fix_plan *plan,
                              lcp_error *err);

/* One file the apply step could not write (the others were written). */
typedef struct lcp_fix_failure {
    char *file;
    lcp_error error;
} lcp_fix_failure;

typedef struct lcp_fix_result {
    size_t files_changed;
    size_t edits; /* load commands changed, added or removed */
    lcp_fix_failure *failures;
    size_t nfailures;
} lcp_fix_result;

void lcp_fix_result_init(lcp_fix_result *r);
void lcp_fix_result_release(lcp_fix_result *r);

/* Applies the plan's edits to the files under root, each file atomically
 * in place (lcp_plan_write_file_flags with write_flags: 0, or
 * LCP_WRITE_NO_FSYNC to skip the fsyncs; see lcpatch/write.h). Returns
 * non-OK only for out of memory; per-file failures (no header space,
 * unreadable) are listed in result. */
lcp_status lcp_fix_paths_apply(const char *root, const lcp_fix_plan *plan, unsigned write_flags, lcp_fix_result *result,
                               lcp_error *err);

/* One root fixed as `rescue --fix-paths` fixes it (src/job/fix_paths_root.c):
 * audit it, plan the fixes of the audit's error findings (dangling and
 * outside-bundle loads, LC_RPATHs outside the bundle), apply them unless
 * dry_run, and audit it again. A root that is not a folder is left alone
 * (nothing around a single file to find libraries in).
 *
 * Ownership: caller-owned; lcp_fix_root_release releases the plan, the
 * result and both audits. */
typedef struct lcp_fix_root {
    const char *root;      /* borrowed */
    bool is_dir;           /* a folder (else left alone) */
    lcp_fix_plan plan;     /* the fixes planned */
    lcp_fix_result result; /* what was written (empty with dry_run) */
    lcp_audit_report before, after;
    size_t errors_before; /* the first audit's error findings */
    bool failed;          /* an audit, the plan or the apply failed: err */
    lcp_error err;
} lcp_fix_root;

/* Fixes root into *rf (zeroed by the call; write_flags: LCP_WRITE_* for
 * every file written, see lcpatch/write.h). */
void lcp_fix_root_run(lcp_fix_root *rf, const char *root, bool dry_run, unsigned write_flags);
void lcp_fix_root_release(lcp_fix_root *rf);

#ifdef __cplusplus
}
#endif
#endif
