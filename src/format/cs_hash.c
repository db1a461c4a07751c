/* Code-signature digests over OpenSSL EVP (see cs_hash.h). */
#include "format/cs_hash.h"

#include "lcpatch/codesign_format.h"

#include <openssl/evp.h>
#include <string.h>

size_t lcp_cs_hash_len(unsigned hashtype) {
    switch (hashtype) {
    case LCP_CS_HASHTYPE_SHA1: return LCP_CS_SHA1_LEN;
    case LCP_CS_HASHTYPE_SHA256: return LCP_CS_SHA256_LEN;
    case LCP_CS_HASHTYPE_SHA256_TRUNCATED: return LCP_CS_SHA256_TRUNCATED_LEN;
    case LCP_CS_HASHTYPE_SHA384: return LCP_CS_SHA384_LEN;
    default: return 0;
    }
}

lcp_status lcp_cs_hash(unsigned hashtype, const void *data, size_t n, uint8_t *out, lcp_error *err) {
    const EVP_MD *md = hashtype == LCP_CS_HASHTYPE_SHA1     ? EVP_sha1()
                       : hashtype == LCP_CS_HASHTYPE_SHA384 ? EVP_sha384()
                       : (hashtype == LCP_CS_HASHTYPE_SHA256 || hashtype == LCP_CS_HASHTYPE_SHA256_TRUNCATED)
                           ? EVP_sha256()
                           : NULL;
    if (md == NULL)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "hash type %u is not supported", hashtype);
    uint8_t full[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(data, n, full, &len, md, NULL) != 1)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto could not compute a digest");
    memcpy(out, full, lcp_cs_hash_len(hashtype));
    return LCP_OK;
}
