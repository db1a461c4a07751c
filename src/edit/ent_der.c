/* Entitlements as DER, the 0xfade7172 blob codesign adds beside the XML
 * one (CoreEntitlements' encoding): [APPLICATION 16] { INTEGER 1, value },
 * a dict being [CONTEXT 16] { SEQUENCE { UTF8String key, value } ... } in
 * key order (bytewise), an array a SEQUENCE, true/false a BOOLEAN, an
 * integer an INTEGER, a string a UTF8String. Data, dates and reals have no
 * encoding (codesign fails on them too). Every header and primitive is
 * written by libcrypto's ASN.1 functions (ASN1_put_object, i2d_ASN1_TYPE);
 * the tree comes from the signature reader's XML plist parser. */
#include "lcpatch/sign.h"

#include "format/cs_plist.h"
#include "lcpatch/codesign_format.h"

#include <errno.h>
#include <limits.h>
#include <openssl/asn1.h>
#include <stdlib.h>
#include <string.h>

#define DER_TAG_PLIST 16 /* [APPLICATION 16] around the whole */
#define DER_TAG_DICT 16  /* [CONTEXT 16] for a dictionary */

/* A growing output buffer; ok turns false on the first failure. */
typedef struct der_out {
    uint8_t *b;
    size_t len, cap;
    bool ok;
    const char *why; /* the first failure's reason */
} der_out;

static bool reserve(der_out *o, size_t n) {
    if (!o->ok)
        return false;
    if (o->len + n <= o->cap)
        return true;
    size_t cap = o->cap ? o->cap * 2 : 256;
    while (cap < o->len + n)
        cap *= 2;
    uint8_t *b = realloc(o->b, cap);
    if (!b) {
        o->ok = false;
        o->why = "out of memory";
        return false;
    }
    o->b = b;
    o->cap = cap;
    return true;
}

static void fail(der_out *o, const char *why) {
    if (o->ok)
        o->why = why;
    o->ok = false;
}

/* A constructed header (tag, class) for `len` bytes of content. */
static void put_header(der_out *o, int tag, int xclass, size_t len) {
    if (len > INT_MAX) {
        fail(o, "entitlements too large");
        return;
    }
    int n = ASN1_object_size(1, (int)len, tag) - (int)len;
    if (n <= 0 || !reserve(o, (size_t)n)) {
        fail(o, "libcrypto could not size an ASN.1 header");
        return;
    }
    unsigned char *p = o->b + o->len;
    ASN1_put_object(&p, 1, (int)len, tag, xclass);
    o->len = (size_t)(p - o->b);
}

/* A primitive value through i2d_ASN1_TYPE. */
static void put_type(der_out *o, ASN1_TYPE *t) {
    int n = t ? i2d_ASN1_TYPE(t, NULL) : -1;
    if (n <= 0 || !reserve(o, (size_t)n)) {
        ASN1_TYPE_free(t);
        {
            fail(o, "libcrypto could not encode a value");
            return;
        }
    }
    unsigned char *p = o->b + o->len;
    i2d_ASN1_TYPE(t, &p);
    o->len += (size_t)n;
    ASN1_TYPE_free(t);
}

static void put_bool(der_out *o, bool b) {
    ASN1_TYPE *t = ASN1_TYPE_new();
    if (t && ASN1_TYPE_set1(t, V_ASN1_BOOLEAN, b ? (void *)1 : NULL) != 1) {
        ASN1_TYPE_free(t);
        t = NULL;
    }
    put_type(o, t);
}

static void put_utf8(der_out *o, const char *s) {
    ASN1_TYPE *t = ASN1_TYPE_new();
    ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
    if (!t || !u || ASN1_STRING_set(u, s, (int)strlen(s)) != 1) {
        ASN1_TYPE_free(t);
        ASN1_UTF8STRING_free(u);
        {
            put_type(o, NULL);
            return;
        }
    }
    ASN1_TYPE_set(t, V_ASN1_UTF8STRING, u); /* t owns u */
    put_type(o, t);
}

static void put_integer(der_out *o, const char *text) {
    char *end = NULL;
    errno = 0;
    long long v = strtoll(text, &end, 0);
    while (end && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (errno || end == text || (end && *end)) {
        fail(o, "an <integer> is not a number");
        return;
    }
    ASN1_TYPE *t = ASN1_TYPE_new();
    ASN1_INTEGER *i = ASN1_INTEGER_new();
    if (!t || !i || ASN1_INTEGER_set_int64(i, (int64_t)v) != 1) {
        ASN1_TYPE_free(t);
        ASN1_INTEGER_free(i);
        {
            put_type(o, NULL);
            return;
        }
    }
    ASN1_TYPE_set(t, V_ASN1_INTEGER, i);
    put_type(o, t);
}

static int by_key(const void *a, const void *b) {
    const lcp_pl *x = *(const lcp_pl *const *)a, *y = *(const lcp_pl *const *)b;
    return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

static void put_value(der_out *o, const lcp_pl *v);

/* The content of a container, encoded apart so that its length is known
 * before its header is written. */
static void put_container(der_out *o, const lcp_pl *v) {
    der_out in = {NULL, 0, 0, true, NULL};
    if (v->type == LCP_PL_DICT) {
        const lcp_pl **sorted = calloc(v->nkids ? v->nkids : 1, sizeof *sorted);
        if (!sorted) {
            fail(o, "out of memory");
            return;
        }
        for (size_t k = 0; k < v->nkids; k++)
            sorted[k] = &v->kids[k];
        qsort(sorted, v->nkids, sizeof *sorted, by_key);
        for (size_t k = 0; k < v->nkids && in.ok; k++) {
            if (k > 0 && strcmp(sorted[k - 1]->key, sorted[k]->key) == 0) {
                fail(&in, "a dictionary repeats a key");
                break;
            }
            der_out pair = {NULL, 0, 0, true, NULL};
            put_utf8(&pair, sorted[k]->key ? sorted[k]->key : "");
            put_value(&pair, sorted[k]);
            if (!pair.ok)
                fail(&in, pair.why);
            put_header(&in, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, pair.len);
            if (reserve(&in, pair.len)) {
                memcpy(in.b + in.len, pair.b, pair.len);
                in.len += pair.len;
            }
            free(pair.b);
        }
        free(sorted);
        put_header(o, DER_TAG_DICT, V_ASN1_CONTEXT_SPECIFIC, in.len);
    } else {
        for (size_t k = 0; k < v->nkids && in.ok; k++)
            put_value(&in, &v->kids[k]);
        put_header(o, V_ASN1_SEQUENCE, V_ASN1_UNIVERSAL, in.len);
    }
    if (!in.ok)
        fail(o, in.why);
    if (in.len && reserve(o, in.len)) {
        memcpy(o->b + o->len, in.b, in.len);
        o->len += in.len;
    }
    free(in.b);
}

static void put_value(der_out *o, const lcp_pl *v) {
    switch (v->type) {
    case LCP_PL_DICT:
    case LCP_PL_ARRAY: put_container(o, v); break;
    case LCP_PL_BOOL: put_bool(o, v->b); break;
    case LCP_PL_STRING: put_utf8(o, v->str ? v->str : ""); break;
    case LCP_PL_INT: put_integer(o, v->str ? v->str : ""); break;
    case LCP_PL_DATA: fail(o, "<data> has no DER encoding (codesign refuses it too)"); break;
    default: fail(o, "<date> and <real> have no DER encoding (codesign refuses them too)"); break;
    }
}

/* The exec-segment flags an entitlement implies when it is true (what
 * codesign sets in a main executable's CodeDirectory). */
static uint64_t implied_execseg_flags(const lcp_pl *root) {
    static const struct {
        const char *key;
        uint64_t flag;
    } map[] = {{"get-task-allow", LCP_CS_EXECSEG_ALLOW_UNSIGNED},
               {"run-unsigned-code", LCP_CS_EXECSEG_ALLOW_UNSIGNED},
               {"com.apple.private.cs.debugger", LCP_CS_EXECSEG_DEBUGGER},
               {"dynamic-codesigning", LCP_CS_EXECSEG_JIT},
               {"com.apple.private.skip-library-validation", LCP_CS_EXECSEG_SKIP_LV},
               {"com.apple.private.amfi.can-load-cdhash", LCP_CS_EXECSEG_CAN_LOAD_CDHASH},
               {"com.apple.private.amfi.can-execute-cdhash", LCP_CS_EXECSEG_CAN_EXEC_CDHASH}};
    uint64_t flags = 0;
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        const lcp_pl *v = lcp_pl_get(root, map[k].key);
        if (v && v->type == LCP_PL_BOOL && v->b)
            flags |= map[k].flag;
    }
    return flags;
}

lcp_status lcp_entitlements_der(const uint8_t *xml, size_t len, uint8_t **der, size_t *der_len, uint64_t *execseg_flags,
                                lcp_error *err) {
    *der = NULL;
    *der_len = 0;
    lcp_pl *root = lcp_pl_parse(xml, len);
    if (!root || root->type != LCP_PL_DICT) {
        lcp_pl_free(root);
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET,
                             "the entitlements are not an XML property list with a <dict> at its root");
    }
    if (execseg_flags)
        *execseg_flags = implied_execseg_flags(root);
    der_out body = {NULL, 0, 0, true, NULL};
    ASN1_INTEGER *one = ASN1_INTEGER_new();
    ASN1_TYPE *t = ASN1_TYPE_new();
    if (one && t && ASN1_INTEGER_set(one, 1) == 1) {
        ASN1_TYPE_set(t, V_ASN1_INTEGER, one);
        one = NULL;
        put_type(&body, t);
    } else {
        ASN1_TYPE_free(t);
        put_type(&body, NULL);
    }
    ASN1_INTEGER_free(one);
    put_value(&body, root);
    lcp_pl_free(root);
    der_out whole = {NULL, 0, 0, true, NULL};
    put_header(&whole, DER_TAG_PLIST, V_ASN1_APPLICATION, body.len);
    if (reserve(&whole, body.len)) {
        memcpy(whole.b + whole.len, body.b, body.len);
        whole.len += body.len;
    }
    if (!body.ok)
        fail(&whole, body.why);
    free(body.b);
    if (!whole.ok) {
        free(whole.b);
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "entitlements: %s", whole.why);
    }
    *der = whole.b;
    *der_len = whole.len;
    return LCP_OK;
}
