/* Helpers the edits share; not part of the public API. */
#ifndef LCP_EDIT_INTERNAL_H
#define LCP_EDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/file.h"
#include "lcpatch/image.h"
#include "lcpatch/write.h"

/* The end (from the image's start) of everything in img but the code
 * signature's data: the header and load commands, every segment other than
 * __LINKEDIT, and every linkedit table (symbols, strings, dyld info,
 * linkedit-data commands other than command `sig`; pass SIZE_MAX to count
 * them all). False when a table's range overflows. */
bool lcp_linkedit_content_end(const lcp_image *img, size_t sig, uint64_t *out);

/* One slice signed, ready to emit: the edited clone (owned), the bytes of
 * the input kept (up to copy_end) and where the signature starts, and the
 * signature's bytes (owned; the slice's new size - dataoff of them). */
typedef struct lcp_signed_slice {
    lcp_image *img;
    uint64_t copy_end, dataoff;
    uint8_t *sig;
} lcp_signed_slice;

/* Signs slice i of f into *out, its new size into *size. */
typedef lcp_status (*lcp_slice_sign_fn)(void *ctx, const lcp_file *f, size_t i, lcp_signed_slice *out, uint64_t *size,
                                        lcp_error *err);

/* The plan of f with every Mach-O slice signed by fn (archives copied),
 * laid out as the file was (lcp_layout_rule_for): the linker's signer and
 * codesign's share it (src/edit/sign.c). */
lcp_status lcp_sign_each_slice(const lcp_file *f, lcp_slice_sign_fn fn, void *ctx, lcp_plan *out, lcp_error *err);

#endif
