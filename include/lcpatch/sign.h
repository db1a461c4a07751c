/* lcpatch: writing a code signature. The linker's ad-hoc signature
 * ("linker-signed", what ld64 and ld64.lld write into every arm64 image):
 * one SHA-256 CodeDirectory, version 0x20400, flags adhoc | linker-signed,
 * 4 KiB pages covering the image up to the signature, the exec segment
 * (__TEXT), no special slots, no requirements, no CMS.
 *
 * Ownership: nothing here allocates beyond the caller's plan. */
#ifndef LCPATCH_SIGN_H
#define LCPATCH_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which linker's layout of the same blob (see src/edit/sign.c): ld64.lld
 * pads the headers and the size to 16 bytes, ld64 pads nothing. */
typedef enum lcp_sign_flavor { LCP_SIGN_LLD, LCP_SIGN_LD64 } lcp_sign_flavor;

typedef struct lcp_sign_opts {
    /* The CodeDirectory's identifier; NULL for the linker's: the last
     * component of the install name (LC_ID_DYLIB) when the image has one,
     * else of out_name (ld64.lld names the signature after its -o). */
    const char *identifier;
    const char *out_name;   /* the output file's path */
    lcp_sign_flavor flavor; /* LCP_SIGN_LLD (0) unless ld64's is asked for */
} lcp_sign_opts;

/* The plan of f with every Mach-O slice (thin or fat) signed as ld64.lld
 * signs its output: an old signature is removed first (lcp_unsign_image),
 * then LC_CODE_SIGNATURE is added (lcp_sigspace_image, data 16-byte
 * aligned at the end of __LINKEDIT) and filled. Archives and archive
 * slices are copied as they are. Each slice's bytes up to its signature
 * are read once, a page at a time, to be hashed.
 * Errors: those of lcp_unsign_image and lcp_sigspace_image (no room for the
 * command: LCP_E_NOSPACE), LCP_E_IO, LCP_E_NOMEM. */
lcp_status lcp_sign_linker_file(const lcp_file *f, const lcp_sign_opts *o, lcp_plan *out, lcp_error *err);

/* True when img (an image of a file read from src, edited or not: its
 * LC_CODE_SIGNATURE still names the input's bytes) carries a linker
 * signature: its CodeDirectory's flags hold CS_LINKER_SIGNED. */
bool lcp_image_linker_signed(const lcp_source *src, const lcp_image *img);

/* The plan of f whose images `edited` (n of them, images of f) were edited
 * in place, as lcp_plan_edited_images makes it, except that every edited
 * slice image that carried a linker signature is signed again as the
 * linker would sign the edited result (what Xcode's tools do after an
 * edit): the identifier is the install name's last component when there
 * is one, else the old signature's. *resigned tells whether any was; when
 * an edited image is an archive member, or none was linker-signed, the
 * plan is lcp_plan_edited_images's. */
lcp_status lcp_sign_edited(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *out, bool *resigned,
                           lcp_error *err);

/* The same, but LC_CODE_SIGNATURE keeps its place among the load commands
 * (commands an edit appended stay after it), as Xcode's install_name_tool
 * re-signs; lcp_sign_edited puts it last, as a linker does. */
lcp_status lcp_sign_edited_keep_order(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *out, bool *resigned,
                                      lcp_error *err);

/* The last component of path (the identifier ld64.lld derives from a name). */
const char *lcp_sign_default_identifier(const char *path);

#ifdef __cplusplus
}
#endif
#endif
