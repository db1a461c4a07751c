/* Apple's checkout of an image (src/format/apple_checkout.c): the checks
 * of the LCP_PARSE_KNOWN_COMMANDS and LCP_PARSE_LINKEDIT_STRICT options.
 * Internal to the format module. */
#ifndef LCP_FORMAT_APPLE_CHECKOUT_H
#define LCP_FORMAT_APPLE_CHECKOUT_H

#include "lcpatch/image.h"

/* Runs the checks that flags ask for over a parsed image; LCP_OK when
 * none is asked for or all pass. */
lcp_status lcp_apple_checkout(const lcp_image *img, unsigned flags, lcp_error *err);

#endif
