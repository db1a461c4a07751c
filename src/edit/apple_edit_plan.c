/* The write of Apple's install_name_tool (lcp_plan_apple_edit, see
 * include/lcpatch/sign.h): signed again in place, or Apple's plain write. */
#include "lcpatch/sign.h"

#include "lcpatch/slices.h"

/* Apple's plain write: each changed slice's new header and commands in
 * place, every other byte as it was (lcp_plan_edited_images). */
static lcp_status plain_plan(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *plan, lcp_error *e) {
    for (size_t i = 0; i < n; i++) {
        const lcp_image *img = edited[i];
        uint64_t end = (uint64_t)img->header_size + img->sizeofcmds;
        if (end <= img->size)
            continue;
        /* Nothing bounded the header (no section, no segment with file
         * bytes). Apple's tool writes only the image's size of the new
         * header and load commands: a file whose commands run past its
         * end. A thin file simply grows to hold them all; a fat slice
         * cannot grow in place. */
        if (f->kind != LCP_THIN)
            return lcp_error_set(e, LCP_E_NOSPACE, img->offset,
                                 "%s: the updated load commands (%llu bytes) do not fit in the slice (%llu bytes)",
                                 f->path, (unsigned long long)end, (unsigned long long)img->size);
        return lcp_plan_add_image(plan, img, end, e);
    }
    return lcp_plan_edited_images(f, edited, n, plan, e);
}

lcp_status lcp_plan_apple_edit(const lcp_file *f, lcp_image **edited, size_t n, bool *resigned, lcp_plan *out,
                               lcp_error *err) {
    bool any = false;
    for (size_t s = 0; s < f->nslices; s++) {
        resigned[s] = false;
        for (size_t k = 0; k < n; k++)
            if (edited[k] == f->slices[s].image)
                resigned[s] = lcp_image_linker_signed(&f->src, edited[k]);
        any = any || resigned[s];
    }
    /* With a slice to re-sign, the changed slices go through
     * lcp_sign_edited_in_place (the others are copied: their bytes are
     * what Apple's tool writes back). */
    lcp_status st = LCP_E_UNSUPPORTED;
    bool signed_again = false;
    if (any)
        st = lcp_sign_edited_in_place(f, edited, n, out, &signed_again, err);
    if (st == LCP_OK || st == LCP_E_IO || st == LCP_E_NOMEM)
        return st;
    /* none, or a layout the signer does not know: Apple's write */
    lcp_plan_release(out);
    lcp_plan_init(out);
    for (size_t s = 0; s < f->nslices; s++)
        resigned[s] = false;
    return plain_plan(f, edited, n, out, err);
}
