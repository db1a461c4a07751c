/* The otool dialect's pieces (src/compat/otool.c, otool_lc.c). */
#ifndef LCP_COMPAT_OTOOL_H
#define LCP_COMPAT_OTOOL_H

#include "lcpatch/lcpatch.h"

/* Prints every load command of img as Apple's `otool -l` does. */
void lcp_otool_print_load_commands(const lcp_image *img);

/* Prints version command i of img (LC_BUILD_VERSION, LC_VERSION_MIN_*,
 * LC_SOURCE_VERSION) as vtool -show does: otool's lines, with
 * LC_BUILD_VERSION's platform and tools named. */
void lcp_otool_print_version_command(const lcp_image *img, size_t i);

/* Prints the thread states of LC_THREAD / LC_UNIXTHREAD command i
 * (src/compat/otool_thread.c). */
void lcp_otool_print_thread(const lcp_image *img, size_t i);

/* Prints `format` over the fields of command i from byte `from`, with the
 * directives of otool -l's formats (otool_lc.c); %W prints the words up to
 * byte `end`. */
void lcp_otool_print_fields(const lcp_image *img, size_t i, uint32_t from, uint32_t end, const char *format);

#endif
