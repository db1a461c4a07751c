/* lcpatch sign --adhoc on a bundle folder (src/cli/sign_bundle.c). */
#ifndef LCP_CLI_SIGN_BUNDLE_H
#define LCP_CLI_SIGN_BUNDLE_H

#include <stdbool.h>

#include "lcpatch/sign.h"

/* True when path is a folder (a bundle to sign as one). */
bool lcp_cli_is_bundle(const char *path);
/* Signs the bundle at path in place as `codesign -s - --deep` does: nested
 * code inside out, _CodeSignature/CodeResources with codesign's default
 * rules, then the main executable with o's identifier, entitlements and
 * runtime. Every file is staged first and replaced only when all were
 * written. */
lcp_status lcp_cli_sign_bundle(const char *path, const lcp_adhoc_opts *o, unsigned write_flags, lcp_error *err);

#endif
