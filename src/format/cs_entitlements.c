/* Entitlements: the XML plist blob (slot 5) and the DER one (slot 7),
 * reduced to their top-level keys (the XML is kept for raw display). The
 * XML is scanned by index over an owned NUL-terminated copy; the DER is
 * walked with libcrypto's ASN1_get_object (no hand-written ASN.1). Also
 * the small plist helpers the CMS reader needs (the cdhashes attribute). */
#include "format/cs_internal.h"
#include "util/buf.h"
#include "util/reader.h"

#include <openssl/asn1.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

static bool starts(const char *s, size_t i, const char *t) { return strncmp(&s[i], t, strlen(t)) == 0; }

static bool push(char ***v, size_t *n, const char *s, size_t len) {
    char **nv = realloc(*v, (*n + 1) * sizeof **v);
    if (!nv)
        return false;
    *v = nv;
    char *c = malloc(len + 1);
    if (!c)
        return false;
    /* XML character entities are decoded; other text is kept as is. */
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '&') {
            static const struct {
                const char *ent;
                char c;
            } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
            bool done = false;
            for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++)
                if (len - i >= strlen(ents[k].ent) && strncmp(&s[i], ents[k].ent, strlen(ents[k].ent)) == 0) {
                    c[o++] = ents[k].c;
                    i += strlen(ents[k].ent) - 1;
                    done = true;
                    break;
                }
            if (done)
                continue;
        }
        c[o++] = s[i];
    }
    c[o] = 0;
    (*v)[(*n)++] = c;
    return true;
}

/* Walks the root <dict>: calls back for each key at depth 1 with the index
 * just after its </key>. */
typedef bool (*key_fn)(void *ctx, const char *xml, size_t kstart, size_t klen, size_t after);

static bool walk_root_keys(const char *xml, key_fn fn, void *ctx) {
    size_t len = strlen(xml), i = 0;
    int depth = 0;
    while (i < len) {
        if (xml[i] != '<') {
            i++;
            continue;
        }
        if (starts(xml, i, "<!--")) {
            const char *e = strstr(&xml[i], "-->");
            if (!e)
                return true;
            i = (size_t)(e - xml) + 3;
            continue;
        }
        if (starts(xml, i, "<dict>") || starts(xml, i, "<array>")) {
            depth++;
            i++;
            continue;
        }
        if (starts(xml, i, "</dict>") || starts(xml, i, "</array>")) {
            depth--;
            i++;
            continue;
        }
        if (depth == 1 && starts(xml, i, "<key>")) {
            size_t ks = i + 5;
            const char *e = strstr(&xml[ks], "</key>");
            if (!e)
                return true;
            size_t ke = (size_t)(e - xml);
            if (!fn(ctx, xml, ks, ke - ks, ke + 6))
                return false;
            i = ke + 6;
            continue;
        }
        i++;
    }
    return true;
}

typedef struct keys_ctx {
    char ***keys;
    size_t *n;
} keys_ctx;

static bool add_key(void *ctx, const char *xml, size_t ks, size_t klen, size_t after) {
    (void)after;
    keys_ctx *k = ctx;
    return push(k->keys, k->n, &xml[ks], klen);
}

bool lcp_cs_plist_keys(const char *xml, char ***keys, size_t *nkeys) {
    keys_ctx k = {keys, nkeys};
    return walk_root_keys(xml, add_key, &k);
}

typedef struct data_ctx {
    const char *key;
    size_t after; /* 0: not found */
} data_ctx;

static bool find_key(void *ctx, const char *xml, size_t ks, size_t klen, size_t after) {
    data_ctx *d = ctx;
    if (d->after == 0 && strlen(d->key) == klen && strncmp(&xml[ks], d->key, klen) == 0)
        d->after = after;
    return true;
}

bool lcp_cs_plist_data_array(const char *xml, const char *key, uint8_t **out, size_t **lens, size_t *n, size_t width) {
    data_ctx d = {key, 0};
    *out = NULL;
    *lens = NULL;
    *n = 0;
    walk_root_keys(xml, find_key, &d);
    if (d.after == 0)
        return true;
    size_t i = d.after;
    while (xml[i] == ' ' || xml[i] == '\t' || xml[i] == '\r' || xml[i] == '\n')
        i++;
    if (!starts(xml, i, "<array>"))
        return true;
    const char *end = strstr(&xml[i], "</array>");
    if (!end)
        return true;
    size_t stop = (size_t)(end - xml);
    while (i < stop) {
        const char *ds = strstr(&xml[i], "<data>");
        if (!ds || (size_t)(ds - xml) >= stop)
            break;
        size_t s = (size_t)(ds - xml) + 6;
        const char *de = strstr(&xml[s], "</data>");
        if (!de)
            break;
        size_t e = (size_t)(de - xml);
        /* base64 without whitespace, decoded by libcrypto. */
        char *b64 = malloc(e - s + 1);
        uint8_t *raw = malloc((e - s) / 4 * 3 + 4);
        if (!b64 || !raw) {
            free(b64);
            free(raw);
            return false;
        }
        size_t m = 0, pad = 0;
        for (size_t k = s; k < e; k++)
            if (xml[k] != ' ' && xml[k] != '\t' && xml[k] != '\r' && xml[k] != '\n')
                b64[m++] = xml[k];
        b64[m] = 0;
        for (size_t k = m; k > 0 && b64[k - 1] == '='; k--)
            pad++;
        int got = m % 4 == 0 ? EVP_DecodeBlock(raw, (const unsigned char *)b64, (int)m) : -1;
        if (got >= 0) {
            size_t rl = (size_t)got >= pad ? (size_t)got - pad : 0;
            uint8_t *no = realloc(*out, (*n + 1) * width);
            size_t *nl = no ? realloc(*lens, (*n + 1) * sizeof **lens) : NULL;
            if (no)
                *out = no;
            if (!no || !nl) {
                free(b64);
                free(raw);
                return false;
            }
            *lens = nl;
            if (rl > width)
                rl = width;
            memcpy(&(*out)[*n * width], raw, rl);
            (*lens)[*n] = rl;
            (*n)++;
        }
        free(b64);
        free(raw);
        i = e + 7;
    }
    return true;
}

lcp_status lcp_cs_read_entitlements(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at,
                                    lcp_error *err) {
    const uint8_t *xml;
    sig->has_entitlements = true;
    sig->entitlements_size = (uint32_t)len;
    if (len < LCP_CS_GENERICBLOB_HEADER_SIZE ||
        !lcp_get_view(blob, len, LCP_CS_GENERICBLOB_HEADER_SIZE, len - LCP_CS_GENERICBLOB_HEADER_SIZE, &xml))
        return LCP_OK;
    size_t n = len - LCP_CS_GENERICBLOB_HEADER_SIZE;
    if (!(sig->entitlements_xml = malloc(n + 1)))
        return lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
    memcpy(sig->entitlements_xml, xml, n);
    sig->entitlements_xml[n] = 0;
    /* An embedded NUL ends the text: what follows is not shown. */
    if (!lcp_cs_plist_keys(sig->entitlements_xml, &sig->entitlement_keys, &sig->nentitlement_keys))
        return lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
    return LCP_OK;
}

/* One DER element at off of [der, len), its header read by libcrypto's
 * ASN1_get_object: the header length, the content length, tag and class.
 * False when it does not lie inside the buffer. */
static bool tlv(const uint8_t *der, size_t len, size_t off, size_t *hdr, size_t *clen, int *tag, int *xclass) {
    const uint8_t *v;
    if (off >= len || !lcp_get_view(der, len, off, len - off, &v) || len - off > LONG_MAX)
        return false;
    const unsigned char *p = v;
    long n;
    /* 0x80: error, the length runs past the bytes given; 0x01: indefinite. */
    int r = ASN1_get_object(&p, &n, tag, xclass, (long)(len - off));
    if ((r & 0x80) || (r & 0x01) || n < 0)
        return false;
    *hdr = (size_t)(p - v); /* the bytes libcrypto consumed */
    *clen = (size_t)n;
    return *hdr <= len - off && *clen <= len - off - *hdr;
}

/* DER entitlements: [APPLICATION 16] { INTEGER version, [CONTEXT 16] {
 * SEQUENCE { UTF8String key, value }... } }. */
lcp_status lcp_cs_read_der_entitlements(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at,
                                        lcp_error *err) {
    sig->has_der_entitlements = true;
    sig->der_entitlements_size = (uint32_t)len;
    const uint8_t *der;
    if (len < LCP_CS_GENERICBLOB_HEADER_SIZE ||
        !lcp_get_view(blob, len, LCP_CS_GENERICBLOB_HEADER_SIZE, len - LCP_CS_GENERICBLOB_HEADER_SIZE, &der))
        return LCP_OK;
    size_t n = len - LCP_CS_GENERICBLOB_HEADER_SIZE, hdr, clen, off;
    int tag, xclass;
    if (!tlv(der, n, 0, &hdr, &clen, &tag, &xclass) || tag != 16 || xclass != V_ASN1_APPLICATION)
        return LCP_OK;
    size_t end = hdr + clen; /* the application element's end */
    off = hdr;
    if (!tlv(der, end, off, &hdr, &clen, &tag, &xclass) || tag != V_ASN1_INTEGER)
        return LCP_OK;
    off += hdr + clen;
    if (!tlv(der, end, off, &hdr, &clen, &tag, &xclass) || tag != 16 || xclass != V_ASN1_CONTEXT_SPECIFIC)
        return LCP_OK;
    size_t dict_end = off + hdr + clen;
    for (off += hdr; off < dict_end;) {
        if (!tlv(der, dict_end, off, &hdr, &clen, &tag, &xclass) || tag != V_ASN1_SEQUENCE)
            break;
        size_t khdr, klen, next = off + hdr + clen;
        int ktag, kclass;
        const uint8_t *key;
        if (tlv(der, next, off + hdr, &khdr, &klen, &ktag, &kclass) && ktag == V_ASN1_UTF8STRING &&
            lcp_get_view(der, next, off + hdr + khdr, klen, &key) &&
            !push(&sig->der_entitlement_keys, &sig->nder_entitlement_keys, (const char *)key, klen))
            return lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
        off = next;
    }
    return LCP_OK;
}
