/* The image parser's lenient mode (LCP_PARSE_LENIENT_COMMANDS): Apple
 * vtool's load-command walk. Internal to the format module. */
#ifndef LCP_FORMAT_IMAGE_LENIENT_H
#define LCP_FORMAT_IMAGE_LENIENT_H

#include "lcpatch/image.h"

#include <stddef.h>
#include <stdint.h>

/* Indexes the commands of img found in cmds[0..len) as vtool walks them:
 * only where each lies and the sizes of LC_SEGMENT(_64), LC_VERSION_MIN_*,
 * LC_BUILD_VERSION and LC_SOURCE_VERSION are checked (reasons
 * LCP_R_VTOOL_LC_*, with img's cputype). *ncmds (in: the header's count)
 * becomes the number indexed; *out is a new array. */
lcp_status lcp_index_commands_lenient(const lcp_image *img, const uint8_t *cmds, size_t len, uint32_t *ncmds,
                                      lcp_load_command **out, lcp_error *err);

#endif
