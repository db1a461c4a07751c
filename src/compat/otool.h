/* The otool dialect's pieces (src/compat/otool.c, otool_lc.c). */
#ifndef LCP_COMPAT_OTOOL_H
#define LCP_COMPAT_OTOOL_H

#include "lcpatch/lcpatch.h"

/* Prints every load command of img as Apple's `otool -l` does. */
void lcp_otool_print_load_commands(const lcp_image *img);

/* Prints the thread states of LC_THREAD / LC_UNIXTHREAD command i
 * (src/compat/otool_thread.c). */
void lcp_otool_print_thread(const lcp_image *img, size_t i);

#endif
