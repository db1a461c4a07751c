/* lcpatch: Apple vtool's edits over a whole file (src/edit/vtool_file.c):
 * what vtool does with an image only its lenient load-command walk accepts,
 * and the plan of its output. lcp_vtool_apply (version.h) edits one image;
 * these are the rules around it that the vtool dialect needs. */
#ifndef LCPATCH_VTOOL_FILE_H
#define LCPATCH_VTOOL_FILE_H

#include <stdbool.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/version.h"
#include "lcpatch/write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* vtool's version arguments (cctools misc/vtool.c): n = 3 for X.Y.Z (16,
 * 8 and 8 bits, each component cut to 32 bits first, as vtool keeps it in
 * a uint32_t), n = 5 for a source version A.B.C.D.E (24, 10, 10, 10 and 10
 * bits, as lcp_source_version_format reads it); components are read with
 * strtoull (so "abc" reads 0), missing ones are 0. Returns 0 with *out
 * packed; -1 when there are more than n components (checked first); else
 * the number (from 1) of the first component too large, its value in *out. */
int lcp_vtool_version_parse(const char *s, int n, uint64_t *out);

/* The first item of `kind` in items[0..n) that repeats an earlier one of
 * that kind (for SET_BUILD the same platform, for ADD_TOOL the same
 * platform and tool, for SET_SOURCE any), or NULL: vtool refuses these. */
const lcp_vtool_item *lcp_vtool_repeated(const lcp_vtool_item *items, size_t n, lcp_vtool_item_kind kind);

/* vtool's answer for an image the strict parse refuses (img->strict_error
 * set), which lcp_vtool_apply cannot edit: LCP_OK when the edit is a
 * remove that changes nothing and the commands fit before the first
 * section (vtool copies the slice); LCP_E_NOSPACE when the remove's
 * commands do not fit, or when a set surely cannot fit by vtool's rule
 * (the commands it drops counted, the tools it would carry over not, so
 * never a false "no space"); else the strict error, copied into err. */
lcp_status lcp_vtool_check_lenient(const lcp_image *img, const lcp_vtool_edit *e, lcp_error *err);

/* One slice's edit: the file's image, edited (NULL: the slice is copied),
 * and where vtool's zeros after its new commands end (the result's
 * section_offset). */
typedef struct lcp_vtool_slice {
    lcp_image *img;
    uint64_t sect;
} lcp_vtool_slice;

/* The plan of vtool's output, edits[] one per slice of f. An edited slice
 * that carried a linker signature is signed again (lcp_sign_edited_in_place),
 * as Xcode's vtool (built with CODEDIRECTORY_SUPPORT) does, unless the fat header hides an arm64 entry (laying
 * the header out again would show it); else vtool's own layout: each edited
 * slice's header, commands and zeros up to its first section, in place,
 * every other byte copied. *stale tells whether a signature goes stale (a
 * certificate's, or one vtool leaves as it is): vtool's warning. */
lcp_status lcp_vtool_plan(const lcp_file *f, const lcp_vtool_slice *edits, lcp_plan *plan, bool *stale, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
