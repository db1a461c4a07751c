#include "lcpatch/audit.h"
#include <stdlib.h>
lcp_status lcp_dlopen_paths(const lcp_source *src, const lcp_image *img, lcp_dlopen_call **out, size_t *n,
                            lcp_error *err) {
    (void)src;
    (void)img;
    (void)err;
    *out = NULL;
    *n = 0;
    return LCP_OK;
}
void lcp_dlopen_calls_free(lcp_dlopen_call *calls, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(calls[i].path);
    free(calls);
}
