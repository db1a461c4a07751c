/* The CMS signature (the blob wrapper in slot 0x10000), decoded by
 * libcrypto: the certificates (subject CN/OU/O, issuer CN), the signer,
 * its digest algorithm, the signed attributes signingTime, messageDigest
 * and Apple's cdhashes plist (1.2.840.113635.100.9.1), and the RFC 3161
 * timestamp token (unsigned attribute id-smime-aa-timeStampToken) with its
 * genTime. A CMS that libcrypto cannot decode is recorded, not an error:
 * the signature's other blobs stay readable. */
#include "format/cs_cms_certs.h"
#include "format/cs_internal.h"
#include "util/dynlib.h"
#include "util/reader.h"

#include <limits.h>

#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define OID_APPLE_CDHASHES "1.2.840.113635.100.9.1"

static char *name_entry(const X509_NAME *name, int nid) {
    int i = X509_NAME_get_index_by_NID(name, nid, -1);
    if (i < 0)
        return NULL;
    const ASN1_STRING *s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0)
        return NULL;
    char *out = malloc((size_t)n + 1);
    if (out) {
        memcpy(out, utf8, (size_t)n);
        out[n] = 0;
        /* An embedded NUL would hide the rest: keep what precedes it. */
    }
    OPENSSL_free(utf8);
    return out;
}

static void iso_time(const ASN1_TIME *t, char *out, size_t len) {
    struct tm tm;
    out[0] = 0;
    if (t && ASN1_TIME_to_tm(t, &tm) == 1 && strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = 0;
}

/* The signing time attribute: a UTCTime or GeneralizedTime. */
static void signing_time(CMS_SignerInfo *si, lcp_cs_cms *c) {
    int i = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (i < 0)
        return;
    X509_ATTRIBUTE *a = CMS_signed_get_attr(si, i);
    ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(a, 0);
    if (!v || (v->type != V_ASN1_UTCTIME && v->type != V_ASN1_GENERALIZEDTIME))
        return;
    iso_time((const ASN1_TIME *)v->value.asn1_string, c->signing_time, sizeof c->signing_time);
    c->has_signing_time = c->signing_time[0] != 0;
}

/* The timestamp token: a CMS SignedData whose content is a TSTInfo. */
static void timestamp(CMS_SignerInfo *si, lcp_cs_cms *c) {
    int i = CMS_unsigned_get_attr_by_NID(si, NID_id_smime_aa_timeStampToken, -1);
    if (i < 0)
        return;
    c->has_timestamp = true;
    X509_ATTRIBUTE *a = CMS_unsigned_get_attr(si, i);
    ASN1_TYPE *v = X509_ATTRIBUTE_get0_type(a, 0);
    if (!v || v->type != V_ASN1_SEQUENCE)
        return;
    /* only its genTime is read; its certificates still decode (from the
     * cache), so a token that libcrypto cannot decode is still not read */
    CMS_ContentInfo *tok = v->value.sequence->length > 0
                               ? lcp_cs_cms_decode(v->value.sequence->data, (size_t)v->value.sequence->length, NULL)
                               : NULL;
    if (!tok)
        return;
    ASN1_OCTET_STRING **content = CMS_get0_content(tok);
    if (content && *content) {
        const unsigned char *q = (*content)->data;
        TS_TST_INFO *tst = d2i_TS_TST_INFO(NULL, &q, (*content)->length);
        if (tst) {
            iso_time(TS_TST_INFO_get_time(tst), c->timestamp_time, sizeof c->timestamp_time);
            TS_TST_INFO_free(tst);
        }
    }
    CMS_ContentInfo_free(tok);
}

static void message_digest(CMS_SignerInfo *si, lcp_cs_cms *c) {
    ASN1_OCTET_STRING *md =
        CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
    if (!md || md->length <= 0 || (size_t)md->length > sizeof c->message_digest)
        return;
    memcpy(c->message_digest, md->data, (size_t)md->length);
    c->message_digest_len = (size_t)md->length;
}

/* Apple's cdhashes attribute: an XML plist { cdhashes = [ <data>... ] }. */
static bool cdhashes(CMS_SignerInfo *si, lcp_cs_cms *c) {
    ASN1_OBJECT *oid = OBJ_txt2obj(OID_APPLE_CDHASHES, 1);
    if (!oid)
        return true;
    ASN1_OCTET_STRING *s = CMS_signed_get0_data_by_OBJ(si, oid, -3, V_ASN1_OCTET_STRING);
    ASN1_OBJECT_free(oid);
    if (!s || s->length <= 0)
        return true;
    char *xml = malloc((size_t)s->length + 1);
    if (!xml)
        return false;
    memcpy(xml, s->data, (size_t)s->length);
    xml[s->length] = 0;
    bool ok = lcp_cs_plist_data_array(xml, "cdhashes", &c->cdhashes, &c->cdhash_lens, &c->ncdhashes, LCP_CS_MAX_DIGEST);
    free(xml);
    return ok;
}

static bool add_cert(lcp_cs_cms *c, X509 *x) {
    lcp_cs_cert *n = realloc(c->certs, (c->ncerts + 1) * sizeof *n);
    if (!n)
        return false;
    c->certs = n;
    lcp_cs_cert *e = &c->certs[c->ncerts++];
    const X509_NAME *subj = X509_get_subject_name(x), *iss = X509_get_issuer_name(x);
    e->subject_cn = name_entry(subj, NID_commonName);
    e->subject_ou = name_entry(subj, NID_organizationalUnitName);
    e->subject_o = name_entry(subj, NID_organizationName);
    e->issuer_cn = name_entry(iss, NID_commonName);
    return true;
}

lcp_status lcp_cs_read_cms(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at, lcp_error *err) {
    lcp_cs_cms *c = &sig->cms;
    sig->has_cms = true;
    c->signer = -1;
    const uint8_t *der;
    size_t n = len >= LCP_CS_GENERICBLOB_HEADER_SIZE ? len - LCP_CS_GENERICBLOB_HEADER_SIZE : 0;
    c->size = n;
    if (n == 0)
        return LCP_OK; /* ad hoc: an empty wrapper */
    if (!lcp_get_view(blob, len, LCP_CS_GENERICBLOB_HEADER_SIZE, n, &der) || n > LONG_MAX)
        return LCP_OK;
    STACK_OF(X509) *certs = NULL;
    CMS_ContentInfo *cms = lcp_cs_cms_decode(der, n, &certs);
    if (!cms) {
        snprintf(c->error, sizeof c->error, "libcrypto cannot decode the CMS (%zu bytes at 0x%llx)", n,
                 (unsigned long long)(at + LCP_CS_GENERICBLOB_HEADER_SIZE));
        ERR_clear_error();
        return LCP_OK;
    }
    if (OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        snprintf(c->error, sizeof c->error, "the CMS is not SignedData");
        sk_X509_pop_free(certs, X509_free);
        CMS_ContentInfo_free(cms);
        return LCP_OK;
    }
    c->parsed = true;
    lcp_status st = LCP_OK;
    for (int i = 0; certs && i < sk_X509_num(certs); i++)
        if (!add_cert(c, sk_X509_value(certs, i)))
            st = lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) > 0 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
    if (si && st == LCP_OK) {
        for (int i = 0; certs && i < sk_X509_num(certs); i++)
            if (CMS_SignerInfo_cert_cmp(si, sk_X509_value(certs, i)) == 0) {
                c->signer = i;
                break;
            }
        X509_ALGOR *dig = NULL;
        CMS_SignerInfo_get0_algs(si, NULL, NULL, &dig, NULL);
        if (dig) {
            const ASN1_OBJECT *obj;
            X509_ALGOR_get0(&obj, NULL, NULL, dig);
            const char *sn = OBJ_nid2sn(OBJ_obj2nid(obj));
            snprintf(c->digest, sizeof c->digest, "%s", sn ? sn : "unknown");
            for (char *q = c->digest; *q; q++)
                if (*q >= 'A' && *q <= 'Z')
                    *q = (char)(*q - 'A' + 'a');
        }
        c->has_signed_attrs = CMS_signed_get_attr_count(si) > 0;
        signing_time(si, c);
        timestamp(si, c);
        message_digest(si, c);
        if (!cdhashes(si, c))
            st = lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
    }
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return st;
}

/* OpenSSL re-encodes the signed attributes before checking the signature
 * over them, sorting every SET OF; Apple's signer writes the values of its
 * cdhashes2 attribute (1.2.840.113635.100.9.2) in CodeDirectory order, so
 * the re-encoding differs and a good signature fails. Then the signature
 * is checked over the attributes' original bytes: the [0] IMPLICIT
 * signedAttrs of the SignerInfo, found as the [0] element (headers parsed
 * by libcrypto's ASN1_get_object) that starts with the contentType
 * attribute, re-tagged as SET (0x31) as RFC 5652 5.4 says. A wrong
 * candidate cannot verify, so the search is safe; the caller then checks
 * that the verified bytes hold the messageDigest it compares. */
static const uint8_t content_type_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x03};

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t m) {
    for (size_t i = 0; m <= n && i <= n - m; i++) {
        const uint8_t *v;
        if (lcp_get_view(hay, n, i, m, &v) && memcmp(v, needle, m) == 0)
            return true;
    }
    return false;
}

static bool verify_raw_attrs(const uint8_t *der, size_t n, EVP_PKEY *pk, const EVP_MD *md,
                             const ASN1_OCTET_STRING *sigval, const uint8_t *digest, size_t digest_len) {
    for (size_t i = 0; i + 2 < n; i++) {
        const uint8_t *v;
        if (!lcp_get_view(der, n, i, n - i, &v) || v[0] != 0xa0)
            continue;
        const unsigned char *p = v;
        long len;
        int tag, xclass;
        int r = ASN1_get_object(&p, &len, &tag, &xclass, (long)(n - i));
        if ((r & 0x80) || r != V_ASN1_CONSTRUCTED || tag != 0 || xclass != V_ASN1_CONTEXT_SPECIFIC || len < 16)
            continue;
        size_t hdr = (size_t)(p - v), total = hdr + (size_t)len;
        const uint8_t *attrs, *head;
        if (!lcp_get_view(der, n, i, total, &attrs) ||
            !lcp_get_view(der, n, i + hdr, 20 < len ? 20 : (size_t)len, &head) || head[0] != 0x30 ||
            !contains(head, 20 < len ? 20 : (size_t)len, content_type_oid, sizeof content_type_oid) ||
            !contains(attrs, total, digest, digest_len))
            continue;
        unsigned char *copy = malloc(total);
        if (!copy)
            return false;
        memcpy(copy, attrs, total);
        copy[0] = 0x31;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        bool ok =
            ctx && EVP_DigestVerifyInit(ctx, NULL, md, NULL, pk) == 1 &&
            EVP_DigestVerify(ctx, ASN1_STRING_get0_data(sigval), (size_t)ASN1_STRING_length(sigval), copy, total) == 1;
        EVP_MD_CTX_free(ctx);
        free(copy);
        if (ok)
            return true;
    }
    return false;
}

bool lcp_cs_cms_signature_ok(const lcp_cs_signature *sig, const uint8_t *content, size_t content_len, char *why,
                             size_t why_len) {
    lcp_error need;
    if (lcp_need_crypto(&need) != LCP_OK) {
        snprintf(why, why_len, "%s", need.message);
        return false;
    }
    const lcp_cs_blob *b = lcp_cs_find_blob(sig, LCP_CSSLOT_SIGNATURESLOT);
    const uint8_t *der;
    if (!b || b->length <= LCP_CS_GENERICBLOB_HEADER_SIZE ||
        !lcp_get_view(sig->data, sig->len, (size_t)b->offset + LCP_CS_GENERICBLOB_HEADER_SIZE,
                      b->length - LCP_CS_GENERICBLOB_HEADER_SIZE, &der)) {
        snprintf(why, why_len, "no CMS");
        return false;
    }
    size_t n = b->length - LCP_CS_GENERICBLOB_HEADER_SIZE;
    STACK_OF(X509) *certs = NULL;
    CMS_ContentInfo *cms = lcp_cs_cms_decode(der, n, &certs);
    bool ok = false;
    STACK_OF(CMS_SignerInfo) *sis = cms ? CMS_get0_SignerInfos(cms) : NULL;
    CMS_SignerInfo *si = sis && sk_CMS_SignerInfo_num(sis) > 0 ? sk_CMS_SignerInfo_value(sis, 0) : NULL;
    if (!cms)
        snprintf(why, why_len, "libcrypto cannot decode the CMS");
    else if (!si)
        snprintf(why, why_len, "the CMS has no signer");
    else if (CMS_signed_get_attr_count(si) <= 0) {
        /* No signed attributes (Apple's signatures before 2012): the
         * signature is over the CodeDirectory itself. Only this signer's
         * signature is checked; the certificate is not evaluated. */
        BIO *in = BIO_new_mem_buf(content, (int)content_len);
        ok = in && CMS_verify(cms, certs, NULL, in, NULL, CMS_NO_SIGNER_CERT_VERIFY | CMS_BINARY) == 1;
        BIO_free(in);
        if (!ok)
            snprintf(why, why_len, "the CMS signature over the CodeDirectory does not verify");
    } else if (CMS_set1_signers_certs(cms, certs, 0) < 1)
        snprintf(why, why_len, "the signer's certificate is not in the CMS");
    else if (CMS_SignerInfo_verify(si) == 1)
        ok = true;
    else {
        EVP_PKEY *pk = NULL;
        X509_ALGOR *dig = NULL;
        CMS_SignerInfo_get0_algs(si, &pk, NULL, &dig, NULL);
        const ASN1_OBJECT *obj = NULL;
        if (dig)
            X509_ALGOR_get0(&obj, NULL, NULL, dig);
        const EVP_MD *md = obj ? EVP_get_digestbyobj(obj) : NULL;
        ASN1_OCTET_STRING *md_attr =
            CMS_signed_get0_data_by_OBJ(si, OBJ_nid2obj(NID_pkcs9_messageDigest), -3, V_ASN1_OCTET_STRING);
        ok =
            pk && md && md_attr &&
            verify_raw_attrs(der, n, pk, md, CMS_SignerInfo_get0_signature(si), md_attr->data, (size_t)md_attr->length);
        if (!ok)
            snprintf(why, why_len, "the CMS signature over its signed attributes does not verify");
    }
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return ok;
}

size_t lcp_cs_cms_chain(const lcp_cs_cms *c, size_t *idx, size_t max) {
    size_t n = 0;
    if (c->signer < 0)
        return 0;
    size_t cur = (size_t)c->signer;
    while (n < max && n < c->ncerts) {
        idx[n++] = cur;
        const lcp_cs_cert *x = &c->certs[cur];
        if (!x->issuer_cn || (x->subject_cn && strcmp(x->issuer_cn, x->subject_cn) == 0))
            break; /* self-issued: the root */
        size_t k;
        for (k = 0; k < c->ncerts; k++)
            if (c->certs[k].subject_cn && strcmp(c->certs[k].subject_cn, x->issuer_cn) == 0)
                break;
        if (k == c->ncerts)
            break;
        cur = k;
    }
    return n;
}
