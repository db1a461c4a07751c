/* The pure half of fixing load paths (include/lcpatch/fix_paths.h): the
 * bundle's index of libraries, the edits one problem needs and the name
 * edits a plan makes to one image, all from models. The job layer
 * (src/job/fix_paths.c) walks the bundle, reads the files and writes them.
 * Not part of the public API. */
#ifndef LCP_EDIT_FIX_PATHS_MODEL_H
#define LCP_EDIT_FIX_PATHS_MODEL_H

#include "lcpatch/dylib_edit.h"
#include "lcpatch/file.h"
#include "lcpatch/fix_paths.h"

#include <stdbool.h>
#include <stddef.h>

/* A dynamic library of the bundle. */
typedef struct lcp_fix_lib {
    char *rel;       /* root-relative path of a regular file */
    char *id;        /* its first LC_ID_DYLIB, or NULL */
    char archs[128]; /* ",x86_64,arm64," : the architectures of its MH_DYLIB slices */
} lcp_fix_lib;

typedef struct lcp_fix_index {
    lcp_fix_lib *e; /* sorted by rel once lcp_fix_index_sort has run */
    size_t n, cap;
} lcp_fix_index;

void lcp_fix_index_release(lcp_fix_index *x);
/* Adds the file read as f, at root-relative rel, when a slice of it is an
 * MH_DYLIB (else nothing). False when out of memory. */
bool lcp_fix_index_add(lcp_fix_index *x, const char *rel, const lcp_file *f);
void lcp_fix_index_sort(lcp_fix_index *x);

/* The bundled library a load path names: by install name first, then by
 * file name; one with a slice of the loader's architecture, never the
 * loading file itself. NULL when none. */
const lcp_fix_lib *lcp_fix_find_library(const lcp_fix_index *x, const char *path, const char *loader, const char *arch);

/* Adds to plan the actions problem pr needs (see lcp_fix_paths_plan).
 * loader is the loading file (pr->file) as read, when pr is a bad load
 * whose library the index holds; NULL when it could not be read (its load
 * stays as it is: LCP_FIX_UNRESOLVED). */
lcp_status lcp_fix_plan_problem(lcp_fix_plan *plan, const lcp_fix_index *x, const lcp_fix_problem *pr,
                                const lcp_file *loader, lcp_error *err);

/* The name edits of root-relative `file` that apply to img, into e (room
 * for plan->n); their number. */
size_t lcp_fix_edits_for(const lcp_fix_plan *p, const char *file, const lcp_image *img, lcp_name_edit *e);

#endif
