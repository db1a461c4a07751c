/* OpenSSL's libcrypto, opened on first use (loader.h): the functions
 * src/format's code-signature readers call (SHA-1/256/384, CMS, X.509,
 * ASN.1, base64). The file opened is the major version of the headers
 * (OPENSSL_VERSION_MAJOR: libcrypto.so.3). */
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/opensslv.h>
#include <openssl/stack.h>
#include <openssl/ts.h>
#include <openssl/x509.h>

#include "lazy/loader.h"
#include "util/dynlib.h"

/* where pkg-config put it (the Makefile says) */
#ifndef LCP_CRYPTO_LIBDIR
#define LCP_CRYPTO_LIBDIR "/usr/local/lib"
#endif

#define SSL_MAJOR LCP_LAZY_STR(OPENSSL_VERSION_MAJOR)
#ifdef __APPLE__
#define SSL_FILE "libcrypto." SSL_MAJOR ".dylib"
/* Homebrew's keg-only openssl@3 (Apple silicon, then Intel), then the
 * build's pkg-config libdir */
#define SSL_FILES                                                                                                      \
    {                                                                                                                  \
        "/opt/homebrew/opt/openssl@" SSL_MAJOR "/lib/" SSL_FILE, "/usr/local/opt/openssl@" SSL_MAJOR "/lib/" SSL_FILE, \
            LCP_CRYPTO_LIBDIR "/" SSL_FILE, NULL                                                                       \
    }
#define SSL_INSTALL "brew install openssl@" SSL_MAJOR
#else
#define SSL_FILE "libcrypto.so." SSL_MAJOR
#define SSL_FILES                                                                                                      \
    { SSL_FILE, LCP_CRYPTO_LIBDIR "/" SSL_FILE, NULL }
#define SSL_INSTALL "apt-get install libssl" SSL_MAJOR
#endif

#define CRYPTO_FUNCTIONS(X, XV)                                                                                        \
    /* ASN.1 */                                                                                                        \
    X(int, ASN1_get_object, (const unsigned char **pp, long *plength, int *ptag, int *pclass, long omax),              \
      (pp, plength, ptag, pclass, omax))                                                                               \
    X(ASN1_OBJECT *, d2i_ASN1_OBJECT, (ASN1_OBJECT * *a, const unsigned char **pp, long length), (a, pp, length))      \
    XV(void, ASN1_OBJECT_free, (ASN1_OBJECT * a), (a))                                                                 \
    X(const unsigned char *, ASN1_STRING_get0_data, (const ASN1_STRING *x), (x))                                       \
    X(int, ASN1_STRING_length, (const ASN1_STRING *x), (x))                                                            \
    X(int, ASN1_STRING_to_UTF8, (unsigned char **out, const ASN1_STRING *in), (out, in))                               \
    X(int, ASN1_TIME_to_tm, (const ASN1_TIME *s, struct tm *tm), (s, tm))                                              \
    X(ASN1_OBJECT *, OBJ_nid2obj, (int n), (n))                                                                        \
    X(const char *, OBJ_nid2sn, (int n), (n))                                                                          \
    X(int, OBJ_obj2nid, (const ASN1_OBJECT *o), (o))                                                                   \
    X(int, OBJ_obj2txt, (char *buf, int buf_len, const ASN1_OBJECT *a, int no_name), (buf, buf_len, a, no_name))       \
    X(ASN1_OBJECT *, OBJ_txt2obj, (const char *s, int no_name), (s, no_name))                                          \
    /* memory, stacks, errors, BIO */                                                                                  \
    XV(void, CRYPTO_free, (void *ptr, const char *file, int line), (ptr, file, line))                                  \
    X(int, OPENSSL_sk_num, (const OPENSSL_STACK *st), (st))                                                            \
    X(void *, OPENSSL_sk_value, (const OPENSSL_STACK *st, int i), (st, i))                                             \
    XV(void, OPENSSL_sk_pop_free, (OPENSSL_STACK * st, void (*func)(void *)), (st, func))                              \
    X(OPENSSL_STACK *, OPENSSL_sk_new_null, (void), ())                                                                \
    X(int, OPENSSL_sk_push, (OPENSSL_STACK * st, const void *data), (st, data))                                        \
    XV(void, ERR_clear_error, (void), ())                                                                              \
    X(BIO *, BIO_new_mem_buf, (const void *buf, int len), (buf, len))                                                  \
    X(int, BIO_free, (BIO * a), (a))                                                                                   \
    /* digests, base64 */                                                                                              \
    X(const EVP_MD *, EVP_sha1, (void), ())                                                                            \
    X(const EVP_MD *, EVP_sha256, (void), ())                                                                          \
    X(const EVP_MD *, EVP_sha384, (void), ())                                                                          \
    X(const EVP_MD *, EVP_get_digestbyname, (const char *name), (name))                                                \
    X(EVP_MD *, EVP_MD_fetch, (OSSL_LIB_CTX * ctx, const char *algorithm, const char *properties),                     \
      (ctx, algorithm, properties))                                                                                    \
    X(int, EVP_Digest,                                                                                                 \
      (const void *data, size_t count, unsigned char *md, unsigned int *size, const EVP_MD *type, ENGINE *impl),       \
      (data, count, md, size, type, impl))                                                                             \
    X(EVP_MD_CTX *, EVP_MD_CTX_new, (void), ())                                                                        \
    XV(void, EVP_MD_CTX_free, (EVP_MD_CTX * ctx), (ctx))                                                               \
    X(int, EVP_DigestInit_ex, (EVP_MD_CTX * ctx, const EVP_MD *type, ENGINE *impl), (ctx, type, impl))                 \
    X(int, EVP_DigestUpdate, (EVP_MD_CTX * ctx, const void *d, size_t cnt), (ctx, d, cnt))                             \
    X(int, EVP_DigestFinal_ex, (EVP_MD_CTX * ctx, unsigned char *md, unsigned int *s), (ctx, md, s))                   \
    X(int, EVP_DigestVerifyInit,                                                                                       \
      (EVP_MD_CTX * ctx, EVP_PKEY_CTX * *pctx, const EVP_MD *type, ENGINE *e, EVP_PKEY *pkey),                         \
      (ctx, pctx, type, e, pkey))                                                                                      \
    X(int, EVP_DigestVerify,                                                                                           \
      (EVP_MD_CTX * ctx, const unsigned char *sigret, size_t siglen, const unsigned char *tbs, size_t tbslen),         \
      (ctx, sigret, siglen, tbs, tbslen))                                                                              \
    X(int, EVP_DecodeBlock, (unsigned char *t, const unsigned char *f, int n), (t, f, n))                              \
    /* CMS */                                                                                                          \
    X(CMS_ContentInfo *, d2i_CMS_ContentInfo, (CMS_ContentInfo * *a, const unsigned char **in, long len),              \
      (a, in, len))                                                                                                    \
    XV(void, CMS_ContentInfo_free, (CMS_ContentInfo * a), (a))                                                         \
    X(const ASN1_OBJECT *, CMS_get0_type, (const CMS_ContentInfo *cms), (cms))                                         \
    X(ASN1_OCTET_STRING **, CMS_get0_content, (CMS_ContentInfo * cms), (cms))                                          \
    X(STACK_OF(CMS_SignerInfo) *, CMS_get0_SignerInfos, (CMS_ContentInfo * cms), (cms))                                \
    X(STACK_OF(X509) *, CMS_get1_certs, (CMS_ContentInfo * cms), (cms))                                                \
    X(int, CMS_set1_signers_certs, (CMS_ContentInfo * cms, STACK_OF(X509) * certs, unsigned int flags),                \
      (cms, certs, flags))                                                                                             \
    X(int, CMS_verify,                                                                                                 \
      (CMS_ContentInfo * cms, STACK_OF(X509) * certs, X509_STORE * store, BIO * dcont, BIO * out, unsigned int flags), \
      (cms, certs, store, dcont, out, flags))                                                                          \
    X(int, CMS_SignerInfo_cert_cmp, (CMS_SignerInfo * si, X509 * cert), (si, cert))                                    \
    XV(void, CMS_SignerInfo_get0_algs,                                                                                 \
       (CMS_SignerInfo * si, EVP_PKEY * *pk, X509 * *signer, X509_ALGOR * *pdig, X509_ALGOR * *psig),                  \
       (si, pk, signer, pdig, psig))                                                                                   \
    X(ASN1_OCTET_STRING *, CMS_SignerInfo_get0_signature, (CMS_SignerInfo * si), (si))                                 \
    X(int, CMS_SignerInfo_verify, (CMS_SignerInfo * si), (si))                                                         \
    X(void *, CMS_signed_get0_data_by_OBJ, (const CMS_SignerInfo *si, const ASN1_OBJECT *oid, int lastpos, int type),  \
      (si, oid, lastpos, type))                                                                                        \
    X(X509_ATTRIBUTE *, CMS_signed_get_attr, (const CMS_SignerInfo *si, int loc), (si, loc))                           \
    X(int, CMS_signed_get_attr_by_NID, (const CMS_SignerInfo *si, int nid, int lastpos), (si, nid, lastpos))           \
    X(int, CMS_signed_get_attr_count, (const CMS_SignerInfo *si), (si))                                                \
    X(X509_ATTRIBUTE *, CMS_unsigned_get_attr, (const CMS_SignerInfo *si, int loc), (si, loc))                         \
    X(int, CMS_unsigned_get_attr_by_NID, (const CMS_SignerInfo *si, int nid, int lastpos), (si, nid, lastpos))         \
    /* timestamps, X.509 */                                                                                            \
    X(TS_TST_INFO *, d2i_TS_TST_INFO, (TS_TST_INFO * *a, const unsigned char **pp, long length), (a, pp, length))      \
    XV(void, TS_TST_INFO_free, (TS_TST_INFO * a), (a))                                                                 \
    X(const ASN1_GENERALIZEDTIME *, TS_TST_INFO_get_time, (const TS_TST_INFO *a), (a))                                 \
    XV(void, X509_ALGOR_get0, (const ASN1_OBJECT **paobj, int *pptype, const void **ppval, const X509_ALGOR *algor),   \
       (paobj, pptype, ppval, algor))                                                                                  \
    X(ASN1_TYPE *, X509_ATTRIBUTE_get0_type, (X509_ATTRIBUTE * attr, int idx), (attr, idx))                            \
    X(ASN1_STRING *, X509_NAME_ENTRY_get_data, (const X509_NAME_ENTRY *ne), (ne))                                      \
    X(X509_NAME_ENTRY *, X509_NAME_get_entry, (const X509_NAME *name, int loc), (name, loc))                           \
    X(int, X509_NAME_get_index_by_NID, (const X509_NAME *name, int nid, int lastpos), (name, nid, lastpos))            \
    X(X509_NAME *, X509_get_issuer_name, (const X509 *a), (a))                                                         \
    X(X509_NAME *, X509_get_subject_name, (const X509 *a), (a))                                                        \
    XV(void, X509_free, (X509 * a), (a))                                                                               \
    X(int, X509_up_ref, (X509 * a), (a))                                                                               \
    X(X509 *, d2i_X509, (X509 * *a, const unsigned char **in, long len), (a, in, len))

LCP_LAZY_LIBRARY(CRYPTO_FUNCTIONS, "libcrypto", SSL_INSTALL, SSL_FILES)

lcp_status lcp_need_crypto(lcp_error *err) { return lcp_lazy_need(&lcp_lazy_this, err); }
