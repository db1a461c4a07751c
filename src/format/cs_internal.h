/* The code-signature reader's internal entry points (not public): one per
 * blob kind, each filling its part of an lcp_cs_signature. `at` is the
 * blob's file offset, for messages. */
#ifndef LCP_FORMAT_CS_INTERNAL_H
#define LCP_FORMAT_CS_INTERNAL_H

#include "lcpatch/codesign.h"

lcp_status lcp_cs_read_requirements(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at,
                                    lcp_error *err);
lcp_status lcp_cs_read_entitlements(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at,
                                    lcp_error *err);
lcp_status lcp_cs_read_der_entitlements(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at,
                                        lcp_error *err);
lcp_status lcp_cs_read_cms(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at, lcp_error *err);

/* The top-level keys of an XML plist's root dict (NUL-terminated text);
 * *keys owned by the caller. False when out of memory. */
bool lcp_cs_plist_keys(const char *xml, char ***keys, size_t *nkeys);
/* The <data> entries (base64) of the array under key in the root dict
 * (the CMS cdhashes attribute). */
bool lcp_cs_plist_data_array(const char *xml, const char *key, uint8_t **out, size_t **lens, size_t *n, size_t width);

/* True when the CMS signer's signature verifies with the signer's
 * certificate (carried in the CMS): over its signed attributes, or over
 * content (the primary CodeDirectory) when it has none; else why. Trust in
 * that certificate is not evaluated. */
bool lcp_cs_cms_signature_ok(const lcp_cs_signature *sig, const uint8_t *content, size_t content_len, char *why,
                             size_t why_len);

#endif
