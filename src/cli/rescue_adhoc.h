/* rescue --adhoc: the rescued file signed ad hoc, as `codesign -s -`
 * signs it, so that the result runs on the machine that made it (Apple
 * silicon kills unsigned arm64 code). The rescue's plan is materialised in
 * memory, opened as a file and signed (lcp_sign_adhoc_file); the signed
 * plan replaces the rescue's when the output is staged. */
#ifndef LCP_CLI_RESCUE_ADHOC_H
#define LCP_CLI_RESCUE_ADHOC_H

#include "lcpatch/lcpatch.h"
#include "lcpatch/rescue.h"

typedef struct lcp_rescue_adhoc {
    uint8_t *bytes; /* the rescued file (the signed plan's source) */
    lcp_file *file; /* those bytes, parsed */
    lcp_plan plan;  /* the rescued file signed ad hoc */
} lcp_rescue_adhoc;

/* Signs rf's output ad hoc; dest (the output's path) names the identifier
 * as codesign would name it there. *out owned by the caller; NULL (and
 * LCP_OK) for a static archive or an object file, which is not signed. */
lcp_status lcp_rescue_adhoc_sign(const lcp_rescue_file *rf, const char *dest, lcp_rescue_adhoc **out, lcp_error *err);
void lcp_rescue_adhoc_free(lcp_rescue_adhoc *a);

#endif
