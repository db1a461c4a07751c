/* Apple's header-space rules, vtool's and install_name_tool's, each in one
 * function (see include/lcpatch/apple_space.h). They are kept bit for bit,
 * odd tests included, because the Apple dialects must refuse and accept
 * exactly what Apple's tools do; lcpatch's own edits use lcp_image_space. */
#include "lcpatch/apple_space.h"

#include "lcpatch/macho.h"

#include <string.h>

uint64_t lcp_vtool_section_offset(const lcp_image *img, bool bitwise) {
    uint64_t low = img->size;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                break; /* nsects is the file's: the first section past the command ends it */
            bool zerofill;
            if (bitwise) /* -show-space, -set-*: a bit test, which also skips __cstring (type 2) */
                zerofill = (s.flags & LCP_S_ZEROFILL) || (s.flags & LCP_S_THREAD_LOCAL_ZEROFILL);
            else { /* -remove-*: the section type */
                uint32_t type = s.flags & LCP_SECTION_TYPE;
                zerofill = type == LCP_S_ZEROFILL || type == LCP_S_THREAD_LOCAL_ZEROFILL;
            }
            if (!zerofill && s.offset < low)
                low = s.offset;
        }
    }
    return low;
}

uint64_t lcp_install_name_tool_limit(const lcp_image *img, bool *unbounded) {
    uint64_t low = img->size;
    bool found = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        if (seg.nsects == 0 && seg.filesize != 0 && seg.fileoff < low) {
            low = seg.fileoff;
            found = true;
        }
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                break;
            /* Its own bit tests: (flags & S_ZEROFILL) != S_ZEROFILL skips
             * every odd section type, (flags & S_THREAD_LOCAL_ZEROFILL) !=
             * S_THREAD_LOCAL_ZEROFILL skips types 0x12, 0x13, 0x16, 0x17. */
            if (s.size != 0 && (s.flags & LCP_S_ZEROFILL) != LCP_S_ZEROFILL &&
                (s.flags & LCP_S_THREAD_LOCAL_ZEROFILL) != LCP_S_THREAD_LOCAL_ZEROFILL && s.offset < low) {
                low = s.offset;
                found = true;
            }
        }
    }
    *unbounded = !found;
    return low;
}

void lcp_image_apple_space(const lcp_image *img, lcp_apple_space *out) {
    memset(out, 0, sizeof *out);
    int64_t used = (int64_t)img->header_size + (int64_t)img->sizeofcmds;
    out->vtool_limit = lcp_vtool_section_offset(img, true);
    out->vtool_free = (int64_t)out->vtool_limit - used;
    out->int_limit = lcp_install_name_tool_limit(img, &out->int_unbounded);
    out->int_free = (int64_t)out->int_limit - used;
}
