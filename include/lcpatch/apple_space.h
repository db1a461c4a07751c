/* lcpatch: Apple's own header-space rules, bit for bit, for the commands
 * that must answer as Apple's tools do (vtool -show-space / -set / -remove,
 * install_name_tool's "larger updated load commands do not fit" check) and
 * for the reports that show users the figures Apple's tools will give them.
 *
 * lcpatch's own edits do not use these: they respect the core rules of
 * lcp_image_space (include/lcpatch/image.h), which never count a section's
 * bytes as free. Apple's rules test section flags bitwise, so they can skip
 * a __cstring or literal section that holds bytes (and report more room
 * than there is), or stop at an empty section (and report less). */
#ifndef LCPATCH_APPLE_SPACE_H
#define LCPATCH_APPLE_SPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* vtool's first-section offset (cctools misc/vtool.c): the lowest file
 * offset of a section that is not zerofill, whatever its size, or the image
 * size when none counts. With `bitwise` the test is the one of -show-space
 * and -set-* (skipped when flags & S_ZEROFILL or flags &
 * S_THREAD_LOCAL_ZEROFILL is non-zero, which also skips __cstring and
 * pointer sections); without it, the section-type test of -remove-*
 * (skipped when the type is S_ZEROFILL or S_THREAD_LOCAL_ZEROFILL). */
uint64_t lcp_vtool_section_offset(const lcp_image *img, bool bitwise);

/* install_name_tool's limit (cctools misc/install_name_tool.c): the lowest
 * file offset of a section with size != 0 whose flags pass its bitwise
 * zerofill tests ((flags & 0x1) != 0x1 and (flags & 0x12) != 0x12, so every
 * odd section type is skipped), and the fileoff of a segment without
 * sections and with filesize != 0. When nothing bounds the header, returns
 * the image size and sets *unbounded: Apple's tool then sets no limit at all
 * (and may write load commands past the end of the image). */
uint64_t lcp_install_name_tool_limit(const lcp_image *img, bool *unbounded);

typedef struct lcp_apple_space {
    uint64_t vtool_limit; /* lcp_vtool_section_offset(img, true) */
    int64_t vtool_free;   /* vtool_limit - header_size - sizeofcmds (may be < 0) */
    uint64_t int_limit;   /* lcp_install_name_tool_limit */
    int64_t int_free;     /* int_limit - header_size - sizeofcmds (may be < 0) */
    bool int_unbounded;   /* no section or segment bounds the header */
} lcp_apple_space;

/* Both rules at once, as `lcpatch show` and `lcpatch space` report them. */
void lcp_image_apple_space(const lcp_image *img, lcp_apple_space *out);

#ifdef __cplusplus
}
#endif
#endif
