/* Unit tests: the CMS decoded with its certificates from the process-wide
 * cache (src/format/cs_cms_certs.c) says what libcrypto's own decoding of
 * the whole CMS says, and the cache never stands in for certificates whose
 * bytes differ. Uses Developer ID and Apple Development signed files of
 * ../shared/corpus (skipped, saying so, when it is not there). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "format/cs_cms_certs.h"
#include "hostile.h"
#include "lcpatch/codesign.h"
#include "lcpatch/file.h"

#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CORPUS "../shared/corpus/files/"
/* Developer ID, timestamped, two slices signed with the same chain */
#define EXPAT CORPUS "i386-x86_64-fat-dylib-libexpat-signed-novers.radare2"
static const char *const signed_files[] = {
    EXPAT,
    CORPUS "x86_64-arm64-fat-kext-IOKitTest-signed.rizin",
    CORPUS "armv7-armv7s-arm64-fat-execute-helloworld-signed.binarysamples",
};

/* The first copy of needle in hay, or NULL (memmem is not in C11). */
static const uint8_t *find(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
    for (size_t i = 0; m && m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

static bool corpus_here(void) { return access(EXPAT, R_OK) == 0; }

/* The DER of slice k's CMS (a copy), or NULL when it has none. */
static uint8_t *slice_cms(lcp_file *f, size_t k, size_t *n) {
    lcp_cs_signature sig;
    memset(&sig, 0, sizeof sig);
    lcp_error err;
    if (lcp_cs_read(&f->src, f->slices[k].image, &sig, &err) != LCP_OK)
        return NULL;
    const lcp_cs_blob *b = lcp_cs_find_blob(&sig, LCP_CSSLOT_SIGNATURESLOT);
    uint8_t *der = NULL;
    if (b && b->length > LCP_CS_GENERICBLOB_HEADER_SIZE) {
        *n = b->length - LCP_CS_GENERICBLOB_HEADER_SIZE;
        der = malloc(*n);
        assert_non_null(der);
        memcpy(der, sig.data + b->offset + LCP_CS_GENERICBLOB_HEADER_SIZE, *n);
    }
    lcp_cs_signature_release(&sig);
    return der;
}

/* lcp_cs_cms_decode(der) and d2i_CMS_ContentInfo(der) agree: the same
 * certificates in the same order, the same signer and signed attributes. */
static void same_as_libcrypto(const uint8_t *der, size_t n) {
    const unsigned char *p = der;
    CMS_ContentInfo *whole = d2i_CMS_ContentInfo(NULL, &p, (long)n);
    assert_non_null(whole);
    STACK_OF(X509) *want = CMS_get1_certs(whole), *got = NULL;
    CMS_ContentInfo *bare = lcp_cs_cms_decode(der, n, &got);
    assert_non_null(bare);
    assert_non_null(want);
    assert_non_null(got);
    assert_true(sk_X509_num(want) > 0);
    assert_int_equal(sk_X509_num(got), sk_X509_num(want));
    for (int i = 0; i < sk_X509_num(want); i++)
        assert_int_equal(X509_cmp(sk_X509_value(got, i), sk_X509_value(want, i)), 0);
    /* the stripped CMS carries no certificates of its own */
    STACK_OF(X509) *inside = CMS_get1_certs(bare);
    assert_int_equal(inside ? sk_X509_num(inside) : 0, 0);
    sk_X509_pop_free(inside, X509_free);
    STACK_OF(CMS_SignerInfo) *ws = CMS_get0_SignerInfos(whole), *gs = CMS_get0_SignerInfos(bare);
    assert_int_equal(sk_CMS_SignerInfo_num(gs), sk_CMS_SignerInfo_num(ws));
    CMS_SignerInfo *w = sk_CMS_SignerInfo_value(ws, 0), *g = sk_CMS_SignerInfo_value(gs, 0);
    assert_int_equal(CMS_signed_get_attr_count(g), CMS_signed_get_attr_count(w));
    assert_int_equal(CMS_unsigned_get_attr_count(g), CMS_unsigned_get_attr_count(w));
    assert_int_equal(ASN1_STRING_cmp(CMS_SignerInfo_get0_signature(g), CMS_SignerInfo_get0_signature(w)), 0);
    int signer = -1;
    for (int i = 0; i < sk_X509_num(got) && signer < 0; i++)
        if (CMS_SignerInfo_cert_cmp(g, sk_X509_value(got, i)) == 0)
            signer = i;
    assert_true(signer >= 0);
    assert_int_equal(CMS_SignerInfo_cert_cmp(w, sk_X509_value(want, signer)), 0);
    sk_X509_pop_free(want, X509_free);
    sk_X509_pop_free(got, X509_free);
    CMS_ContentInfo_free(whole);
    CMS_ContentInfo_free(bare);
}

/* Apple writes its CMS with indefinite lengths (BER); the same CMS
 * re-encoded with definite lengths (DER, as i2d writes it) has its
 * lengths rewritten when the certificates are cut out. Both agree. */
static void decode_agrees_with_libcrypto(void **state) {
    (void)state;
    if (!corpus_here())
        skip(); /* ../shared/corpus is not beside this checkout */
    for (size_t i = 0; i < sizeof signed_files / sizeof signed_files[0]; i++) {
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(signed_files[i], &f, &err), LCP_OK);
        size_t seen = 0;
        for (size_t k = 0; k < f->nslices; k++) {
            size_t n = 0;
            uint8_t *der = slice_cms(f, k, &n);
            if (!der)
                continue;
            seen++;
            assert_int_equal(der[1], 0x80); /* the corpus's CMS are BER */
            same_as_libcrypto(der, n);
            const unsigned char *p = der;
            CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
            unsigned char *re = NULL;
            int rn = i2d_CMS_ContentInfo(cms, &re);
            assert_true(rn > 0);
            assert_int_not_equal(re[1], 0x80);
            same_as_libcrypto(re, (size_t)rn);
            OPENSSL_free(re);
            CMS_ContentInfo_free(cms);
            free(der);
        }
        assert_true(seen > 0);
        lcp_file_free(f);
    }
}

static lcp_cs_verdict verdict(lcp_file *f, size_t k) {
    lcp_cs_result res;
    lcp_error err;
    assert_int_equal(lcp_cs_check(&f->src, f->slices[k].image, NULL, NULL, &res, &err), LCP_OK);
    return res.verdict;
}

/* Both slices of libexpat carry the same chain: the second slice, and the
 * file read again, take every certificate from the cache and verify as
 * the first did. */
static void warm_cache_same_verdicts(void **state) {
    (void)state;
    if (!corpus_here())
        skip();
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(EXPAT, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 2);
    assert_int_equal(verdict(f, 0), LCP_CSV_VALID);
    size_t after_first = lcp_cs_cert_cache_size();
    assert_true(after_first >= 3); /* the signer, its CA, Apple's root */
    assert_int_equal(verdict(f, 1), LCP_CSV_VALID);
    assert_int_equal(verdict(f, 0), LCP_CSV_VALID);
    assert_int_equal(lcp_cs_cert_cache_size(), after_first);
    lcp_file_free(f);
}

/* One byte of the signer's public key changed in slice 0's CMS, slice 1's
 * left alone: the changed certificate is decoded anew (the cache grows by
 * one) and the CMS no longer verifies with it, while slice 1, whose
 * certificate is the cached one, still does. A cache keyed by anything
 * less than the exact bytes (a name, a serial, a prefix) would hand slice
 * 0 the good key and call it valid. */
static void changed_key_is_not_the_cached_one(void **state) {
    (void)state;
    if (!corpus_here())
        skip();
    size_t len;
    uint8_t *data = h_slurp(EXPAT, &len);
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open_memory(data, len, "expat", &f, &err), LCP_OK);
    size_t n = 0;
    uint8_t *der = slice_cms(f, 0, &n);
    assert_non_null(der);
    STACK_OF(X509) *certs = NULL;
    CMS_ContentInfo *cms = lcp_cs_cms_decode(der, n, &certs);
    assert_non_null(cms);
    CMS_SignerInfo *si = sk_CMS_SignerInfo_value(CMS_get0_SignerInfos(cms), 0);
    X509 *signer = NULL;
    for (int i = 0; i < sk_X509_num(certs) && !signer; i++)
        if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0)
            signer = sk_X509_value(certs, i);
    assert_non_null(signer);
    const ASN1_BIT_STRING *key = X509_get0_pubkey_bitstr(signer);
    assert_non_null(key);
    /* the key's bytes, first found in the file: slice 0's copy */
    const uint8_t *k = find(data, len, key->data, (size_t)key->length);
    assert_non_null(k);
    size_t at = (size_t)(k - data) + (size_t)key->length / 2; /* inside the modulus */
    assert_true(at < f->slices[1].offset);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    free(der);

    assert_int_equal(verdict(f, 1), LCP_CSV_VALID); /* warms the cache */
    size_t before = lcp_cs_cert_cache_size();
    data[at] ^= 0x01;
    assert_int_equal(verdict(f, 0), LCP_CSV_INVALID);
    assert_int_equal(lcp_cs_cert_cache_size(), before + 1);
    assert_int_equal(verdict(f, 1), LCP_CSV_VALID);
    data[at] ^= 0x01;
    assert_int_equal(verdict(f, 0), LCP_CSV_VALID);
    lcp_file_free(f);
    free(data);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_agrees_with_libcrypto),
        cmocka_unit_test(warm_cache_same_verdicts),
        cmocka_unit_test(changed_key_is_not_the_cached_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
