/* Helpers the edits share; not part of the public API. */
#ifndef LCP_EDIT_INTERNAL_H
#define LCP_EDIT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/image.h"

/* The end (from the image's start) of everything in img but the code
 * signature's data: the header and load commands, every segment other than
 * __LINKEDIT, and every linkedit table (symbols, strings, dyld info,
 * linkedit-data commands other than command `sig`; pass SIZE_MAX to count
 * them all). False when a table's range overflows. */
bool lcp_linkedit_content_end(const lcp_image *img, size_t sig, uint64_t *out);

#endif
