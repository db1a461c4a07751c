/* The CMS signature's certificates, decoded once per process.
 *
 * OpenSSL 3.0 decodes every certificate's public key through its provider
 * decoders when it decodes a CMS, and that costs far more than the rest of
 * the CMS: in `lcpatch check` over a tree it was a third of the time. The
 * images of one product all carry the same chain (Developer ID, Apple's
 * intermediate and root, the timestamp authority's), so the certificates
 * are cut out of the SignedData before libcrypto decodes it, and each is
 * decoded alone, once, kept in a process-wide cache keyed by its exact
 * bytes. What the caller gets is what decoding the whole CMS gives: the
 * same SignedData and the same certificates in the same order. When the
 * CMS is not shaped as expected (not SignedData, a certificate choice other
 * than a plain certificate, tags or lengths this walk does not know) the
 * whole CMS is decoded as before, with its certificates. */
#include "format/cs_cms_certs.h"
#include "util/reader.h"

#include <limits.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- a BER walk, enough for the three levels above the certificates ---- */

typedef struct tlv {
    uint8_t tag;
    size_t at;    /* offset of the tag */
    size_t hdr;   /* tag and length bytes */
    size_t len;   /* content bytes (for an indefinite length, up to its end-of-contents) */
    size_t total; /* hdr + len, and the two end-of-contents bytes when indefinite */
    bool indef;
} tlv;

#define MAX_DEPTH 24

static bool read_tlv(const uint8_t *der, size_t n, size_t at, int depth, tlv *t);

/* The content length of an indefinite element whose content starts at
 * `at`: its children, up to the end-of-contents (00 00). */
static bool indefinite_len(const uint8_t *der, size_t n, size_t at, int depth, size_t *len) {
    size_t p = at;
    for (;;) {
        const uint8_t *eoc;
        if (!lcp_get_view(der, n, p, 2, &eoc))
            return false;
        if (eoc[0] == 0 && eoc[1] == 0) {
            *len = p - at;
            return true;
        }
        tlv child;
        if (!read_tlv(der, n, p, depth + 1, &child))
            return false;
        p += child.total;
    }
}

static bool read_tlv(const uint8_t *der, size_t n, size_t at, int depth, tlv *t) {
    const uint8_t *h;
    if (depth > MAX_DEPTH || !lcp_get_view(der, n, at, 2, &h) || (h[0] & 0x1f) == 0x1f)
        return false; /* high tag numbers do not occur above a certificate */
    t->tag = h[0];
    t->at = at;
    t->indef = h[1] == 0x80;
    if (t->indef) {
        if (!(h[0] & 0x20)) /* only constructed elements may be indefinite */
            return false;
        t->hdr = 2;
        if (!indefinite_len(der, n, at + 2, depth, &t->len))
            return false;
        t->total = t->hdr + t->len + 2;
        return true;
    }
    if (h[1] < 0x80) {
        t->hdr = 2;
        t->len = h[1];
    } else {
        size_t k = h[1] & 0x7f;
        const uint8_t *l;
        if (k == 0 || k > 4 || !lcp_get_view(der, n, at + 2, k, &l))
            return false;
        size_t v = 0;
        for (size_t i = 0; i < k; i++)
            v = v << 8 | l[i];
        t->hdr = 2 + k;
        t->len = v;
    }
    if (at + t->hdr > n || t->len > n - at - t->hdr)
        return false;
    t->total = t->hdr + t->len;
    return true;
}

/* The first child of a constructed element. */
static bool first_child(const uint8_t *der, size_t n, const tlv *parent, tlv *child) {
    return (parent->tag & 0x20) && parent->len > 0 && read_tlv(der, n, parent->at + parent->hdr, 0, child);
}

/* The sibling after `t`, inside parent; false at the end. */
static bool next_child(const uint8_t *der, size_t n, const tlv *parent, const tlv *t, tlv *next) {
    size_t p = t->at + t->total, end = parent->at + parent->hdr + parent->len;
    return p < end && read_tlv(der, n, p, 0, next) && next->at + next->total <= end;
}

/* A header for tag with content length len (or indefinite), DER's shortest
 * length form; returns its size. */
static size_t put_header(uint8_t *out, uint8_t tag, size_t len, bool indef) {
    out[0] = tag;
    if (indef) {
        out[1] = 0x80;
        return 2;
    }
    if (len < 0x80) {
        out[1] = (uint8_t)len;
        return 2;
    }
    size_t k = 0;
    for (size_t v = len; v; v >>= 8)
        k++;
    out[1] = (uint8_t)(0x80 | k);
    for (size_t i = 0; i < k; i++)
        out[2 + i] = (uint8_t)(len >> (8 * (k - 1 - i)));
    return 2 + k;
}

static const uint8_t signed_data_oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02};

/* Finds, in a ContentInfo holding a SignedData, the three enclosing
 * elements and the certificates [0] field (cert->len 0 when absent). */
static bool locate(const uint8_t *der, size_t n, tlv lv[3], tlv *certs) {
    tlv oid, f;
    const uint8_t *o;
    if (!read_tlv(der, n, 0, 0, &lv[0]) || lv[0].tag != 0x30 || !first_child(der, n, &lv[0], &oid) ||
        oid.total != sizeof signed_data_oid || !lcp_get_view(der, n, oid.at, oid.total, &o) ||
        memcmp(o, signed_data_oid, sizeof signed_data_oid) != 0 || !next_child(der, n, &lv[0], &oid, &lv[1]) ||
        lv[1].tag != 0xa0 || !first_child(der, n, &lv[1], &lv[2]) || lv[2].tag != 0x30)
        return false;
    /* SignedData: version, digestAlgorithms, encapContentInfo, then
     * certificates [0] IMPLICIT when present */
    static const uint8_t before[] = {0x02, 0x31, 0x30};
    if (!first_child(der, n, &lv[2], &f))
        return false;
    for (size_t i = 0; i < sizeof before; i++) {
        if (f.tag != before[i])
            return false;
        if (!next_child(der, n, &lv[2], &f, &f))
            return false;
    }
    if (f.tag != 0xa0) {
        memset(certs, 0, sizeof *certs);
        return true;
    }
    *certs = f;
    return true;
}

/* ---- the process-wide certificate cache ---- */

typedef struct cert_entry {
    uint64_t key;
    size_t len;
    uint8_t *der;
    X509 *x;
} cert_entry;

/* Enough for every chain of a large product; beyond it, certificates are
 * decoded each time (correct, only slower). */
#define CACHE_SLOTS 256
static cert_entry cache[CACHE_SLOTS];
static size_t ncache;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t fnv1a(const uint8_t *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3u;
    return h;
}

/* A new reference to the cached certificate with these bytes, or NULL. */
static X509 *lookup(uint64_t key, const uint8_t *der, size_t n) {
    X509 *found = NULL;
    pthread_mutex_lock(&cache_lock);
    for (size_t i = 0; i < ncache && !found; i++)
        if (cache[i].key == key && cache[i].len == n && memcmp(cache[i].der, der, n) == 0 && X509_up_ref(cache[i].x))
            found = cache[i].x;
    pthread_mutex_unlock(&cache_lock);
    return found;
}

/* Keeps x under these bytes (a reference of its own), unless another thread
 * decoded the same certificate meanwhile or the cache is full. */
static void remember(uint64_t key, const uint8_t *der, size_t n, X509 *x) {
    uint8_t *copy = malloc(n);
    if (!copy)
        return;
    memcpy(copy, der, n);
    pthread_mutex_lock(&cache_lock);
    bool there = false;
    for (size_t i = 0; i < ncache && !there; i++)
        there = cache[i].key == key && cache[i].len == n && memcmp(cache[i].der, der, n) == 0;
    if (!there && ncache < CACHE_SLOTS && X509_up_ref(x)) {
        cache[ncache++] = (cert_entry){key, n, copy, x};
        copy = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    free(copy);
}

/* The certificate these bytes encode: from the cache, else decoded (and
 * remembered). NULL when libcrypto cannot decode it. */
static X509 *cert_from(const uint8_t *der, size_t n) {
    uint64_t key = fnv1a(der, n);
    X509 *x = lookup(key, der, n);
    if (x)
        return x;
    const unsigned char *p = der;
    x = n <= LONG_MAX ? d2i_X509(NULL, &p, (long)n) : NULL;
    if (!x || (size_t)(p - der) != n) {
        X509_free(x);
        return NULL;
    }
    remember(key, der, n, x);
    return x;
}

size_t lcp_cs_cert_cache_size(void) {
    pthread_mutex_lock(&cache_lock);
    size_t n = ncache;
    pthread_mutex_unlock(&cache_lock);
    return n;
}

/* ---- the CMS without its certificates ---- */

/* The certificates field's elements, each a plain certificate, decoded
 * (cached); false when one is not a SEQUENCE or does not decode. */
static bool decode_certs(const uint8_t *der, size_t n, const tlv *field, STACK_OF(X509) * certs) {
    size_t end = field->at + field->hdr + field->len;
    tlv c;
    if (field->len == 0)
        return true;
    if (!first_child(der, n, field, &c))
        return false;
    for (;;) {
        const uint8_t *bytes;
        if (c.tag != 0x30 || c.at + c.total > end || !lcp_get_view(der, n, c.at, c.total, &bytes))
            return false;
        X509 *x = cert_from(bytes, c.total);
        if (!x)
            return false;
        if (!sk_X509_push(certs, x)) {
            X509_free(x);
            return false;
        }
        size_t next = c.at + c.total;
        if (next == end)
            return true;
        if (!read_tlv(der, n, next, 0, &c))
            return false;
    }
}

/* Whether inner lies within outer's contents. */
static bool nested(const tlv *outer, const tlv *inner) {
    size_t from = outer->at + outer->hdr, to = from + outer->len;
    return inner->at >= from && inner->at <= to && inner->total <= to - inner->at;
}

/* der with the certificates field cut out and the three enclosing lengths
 * made to match; NULL when out of memory, or when the levels do not nest
 * as they must (the caller then lets libcrypto decode it all). */
static uint8_t *without_certs(const uint8_t *der, const tlv lv[3], const tlv *field, size_t *out_len) {
    if (!nested(&lv[0], &lv[1]) || !nested(&lv[1], &lv[2]) || !nested(&lv[2], field)) /* found by fuzz_cms */
        return NULL;
    uint8_t h[3][8];
    size_t hs[3];
    size_t shrink = field->total; /* what each level loses, innermost first */
    for (int i = 2; i >= 0; i--) {
        if (lv[i].len < shrink)
            return NULL;
        hs[i] = put_header(h[i], lv[i].tag, lv[i].len - shrink, lv[i].indef);
        if (hs[i] > lv[i].hdr)
            return NULL;
        shrink += lv[i].hdr - hs[i];
    }
    if (lv[0].total < shrink)
        return NULL;
    size_t total = lv[0].total - shrink;
    uint8_t *out = malloc(total ? total : 1);
    if (!out)
        return NULL;
    size_t o = 0;
    /* header, then the bytes up to the next level (or to the field) */
    for (int i = 0; i < 3; i++) {
        memcpy(out + o, h[i], hs[i]);
        o += hs[i];
        size_t from = lv[i].at + lv[i].hdr, to = i < 2 ? lv[i + 1].at : field->at;
        memcpy(out + o, der + from, to - from);
        o += to - from;
    }
    size_t after = field->at + field->total, end = lv[0].at + lv[0].total;
    memcpy(out + o, der + after, end - after);
    o += end - after;
    *out_len = o;
    return out;
}

CMS_ContentInfo *lcp_cs_cms_decode(const uint8_t *der, size_t n, STACK_OF(X509) * *certs) {
    tlv lv[3], field;
    if (certs)
        *certs = NULL;
    if (n > LONG_MAX)
        return NULL;
    if (locate(der, n, lv, &field) && field.total > 0) {
        STACK_OF(X509) *sk = sk_X509_new_null();
        size_t bare_len = 0;
        uint8_t *bare = NULL;
        CMS_ContentInfo *cms = NULL;
        if (sk && decode_certs(der, n, &field, sk) && (bare = without_certs(der, lv, &field, &bare_len)) != NULL) {
            const unsigned char *p = bare;
            cms = d2i_CMS_ContentInfo(NULL, &p, (long)bare_len);
        }
        free(bare);
        if (cms) {
            if (certs)
                *certs = sk;
            else
                sk_X509_pop_free(sk, X509_free);
            return cms;
        }
        sk_X509_pop_free(sk, X509_free);
    }
    /* as libcrypto reads it, certificates and all */
    const unsigned char *p = der;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)n);
    if (cms && certs) {
        *certs = CMS_get1_certs(cms);
        if (!*certs)
            *certs = sk_X509_new_null();
    }
    return cms;
}
