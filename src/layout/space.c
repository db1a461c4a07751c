/* The header space lcpatch's own edits use (see lcp_space in
 * include/lcpatch/image.h). Apple's rules, which the dialects and the
 * reports need, are in apple_space.c; the edit room borrows vtool's
 * first-section offset from there so that rule has one implementation. */
#include "lcpatch/apple_space.h"
#include "lcpatch/image.h"
#include "lcpatch/macho.h"

#include <string.h>

void lcp_image_space(const lcp_image *img, lcp_space *out) {
    memset(out, 0, sizeof *out);
    out->header_size = img->header_size;
    out->sizeofcmds = img->sizeofcmds;
    uint64_t low = img->size;
    for (size_t i = 0; i < img->ncmds; i++) {
        if (img->lc[i].cmd == LCP_LC_CODE_SIGNATURE)
            out->signed_image = true;
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                break; /* nsects is the file's: the first section past the command ends it */
            if (!lcp_section_is_zerofill(&s) && s.size != 0 && s.offset < low)
                low = s.offset;
        }
    }
    int64_t used = (int64_t)img->header_size + (int64_t)img->sizeofcmds;
    out->safe_limit = low;
    out->safe_free = (int64_t)low - used;
    uint64_t vtool = lcp_vtool_section_offset(img, true);
    out->edit_free = (int64_t)(vtool < low ? vtool : low) - used;
    out->signature_fits = out->edit_free >= 16;
    int64_t room = out->safe_free - (out->signed_image ? 0 : 16);
    out->build_version_fits = room >= 24;
    room -= room % (img->is64 ? 8 : 4); /* cmdsize is a multiple of the alignment */
    int64_t longest = room - 12 - 1;    /* the fixed part, and the string's NUL */
    out->rpath_max = longest > 0 ? longest : -1;
}
