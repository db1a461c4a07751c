/* rescue --adhoc (see include/lcpatch/rescue.h). */
#include "lcpatch/rescue.h"

#include "lcpatch/macho.h"
#include "lcpatch/sign.h"

#include <stdlib.h>

lcp_status lcp_rescue_adhoc_sign(const lcp_rescue_file *rf, const char *dest, lcp_rescue_adhoc **out, lcp_error *err) {
    *out = NULL;
    lcp_rescue_adhoc *a = calloc(1, sizeof *a);
    if (!a)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_plan_init(&a->plan);
    size_t len = 0;
    lcp_status st = lcp_plan_write_memory(&rf->plan, &rf->file->src, &a->bytes, &len, err);
    if (st == LCP_OK)
        st = lcp_file_open_memory(a->bytes, len, dest, &a->file, err);
    /* static archives and object files are linked, not signed: their
     * rescue is written as planned */
    bool signable = false;
    for (size_t i = 0; st == LCP_OK && i < a->file->nslices; i++) {
        const lcp_image *img = a->file->slices[i].image;
        signable = signable || (img && img->filetype != LCP_MH_OBJECT);
    }
    if (st == LCP_OK && !signable) {
        lcp_rescue_adhoc_free(a);
        return LCP_OK;
    }
    if (st == LCP_OK) {
        lcp_adhoc_opts o = {NULL, dest, false, NULL, 0, NULL, 0, NULL, 0};
        st = lcp_sign_adhoc_file(a->file, &o, &a->plan, err);
    }
    if (st) {
        lcp_error_prefix(err, "%s: signing the rescued file ad hoc", dest);
        lcp_rescue_adhoc_free(a);
        return st;
    }
    *out = a;
    return LCP_OK;
}

void lcp_rescue_adhoc_free(lcp_rescue_adhoc *a) {
    if (!a)
        return;
    lcp_plan_release(&a->plan);
    lcp_file_free(a->file);
    free(a->bytes);
    free(a);
}
