/* libFuzzer harness for the CMS decoder that takes the certificates out of
 * the SignedData and decodes each once (src/format/cs_cms_certs.c), against
 * libcrypto's own decoding of the whole CMS: any bytes -> both decode or
 * neither does, and when they do, the same certificates in the same order
 * and the same signer infos. Seeds (tests/fuzz/seeds/fuzz_cms/): CMS
 * SignedData written by `openssl cms -sign` with a throwaway self-signed
 * key: DER, BER with indefinite lengths (-stream, as Apple writes them),
 * and without signed attributes. */
#include "format/cs_cms_certs.h"

#include <limits.h>
#include <openssl/x509.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 65536)
        return 0;
    const unsigned char *p = data;
    CMS_ContentInfo *whole = d2i_CMS_ContentInfo(NULL, &p, (long)size);
    STACK_OF(X509) *certs = NULL;
    CMS_ContentInfo *cut = lcp_cs_cms_decode(data, size, &certs);
    CMS_ContentInfo *bare = lcp_cs_cms_decode(data, size, NULL);
    if (!whole != !cut || !whole != !bare || (cut && !certs))
        abort(); /* one decodes what the other refuses */
    if (whole) {
        STACK_OF(X509) *want = CMS_get1_certs(whole);
        int n = want ? sk_X509_num(want) : 0;
        if (sk_X509_num(certs) != n)
            abort();
        for (int i = 0; i < n; i++)
            if (X509_cmp(sk_X509_value(certs, i), sk_X509_value(want, i)) != 0)
                abort();
        sk_X509_pop_free(want, X509_free);
        STACK_OF(CMS_SignerInfo) *ws = CMS_get0_SignerInfos(whole), *gs = CMS_get0_SignerInfos(cut);
        if ((ws ? sk_CMS_SignerInfo_num(ws) : -1) != (gs ? sk_CMS_SignerInfo_num(gs) : -1))
            abort();
        for (int i = 0; ws && i < sk_CMS_SignerInfo_num(ws); i++)
            if (ASN1_STRING_cmp(CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(ws, i)),
                                CMS_SignerInfo_get0_signature(sk_CMS_SignerInfo_value(gs, i))) != 0)
                abort();
    }
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(whole);
    CMS_ContentInfo_free(cut);
    CMS_ContentInfo_free(bare);
    return 0;
}
