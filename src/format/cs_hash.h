/* The code signature's digests, through OpenSSL's libcrypto (EVP). A
 * minimal helper for the signer; kept tiny so that it can be merged with
 * the signature reader's hashing. */
#ifndef LCP_FORMAT_CS_HASH_H
#define LCP_FORMAT_CS_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"

/* The digest length of a CodeDirectory hash type (LCP_CS_HASHTYPE_*), 0
 * for one lcpatch cannot compute. */
size_t lcp_cs_hash_len(unsigned hashtype);
/* Digests n bytes of data into out (lcp_cs_hash_len(hashtype) bytes;
 * SHA-256 truncated to 20 bytes for LCP_CS_HASHTYPE_SHA256_TRUNCATED).
 * LCP_E_UNSUPPORTED for an unknown type, LCP_E_NOMEM when libcrypto fails. */
lcp_status lcp_cs_hash(unsigned hashtype, const void *data, size_t n, uint8_t *out, lcp_error *err);

#endif
