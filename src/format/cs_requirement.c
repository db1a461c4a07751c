/* Requirements: the requirement set (slot 2) and its designated
 * requirement, decompiled to the text `codesign -d -r-` prints for the
 * common operators (identifier, anchors, certificate fields, info and
 * entitlement fields, cdhash, and/or/not). An operator lcpatch does not
 * print leaves the text NULL and the size is shown instead. Expression
 * opcodes are those of Security's requirement.h. Certificate-field OIDs
 * are turned to dotted text by libcrypto. */
#include "format/cs_internal.h"
#include "util/buf.h"
#include "util/reader.h"

#include <ctype.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    OP_FALSE,
    OP_TRUE,
    OP_IDENT,
    OP_APPLE_ANCHOR,
    OP_ANCHOR_HASH,
    OP_INFO_KEY_VALUE,
    OP_AND,
    OP_OR,
    OP_CDHASH,
    OP_NOT,
    OP_INFO_KEY_FIELD,
    OP_CERT_FIELD,
    OP_TRUSTED_CERT,
    OP_TRUSTED_CERTS,
    OP_CERT_GENERIC,
    OP_APPLE_GENERIC_ANCHOR,
    OP_ENTITLEMENT_FIELD,
    OP_CERT_POLICY,
    OP_NAMED_ANCHOR,
    OP_NAMED_CODE,
    OP_PLATFORM,
    OP_NOTARIZED,
    OP_CERT_FIELD_DATE,
    OP_LEGACY_DEVID
};
#define OP_FLAG_MASK 0xff000000u
#define DESIGNATED_REQUIREMENT 3u
#define MAX_DEPTH 64

/* Precedence levels, as Security's dumper brackets them. */
enum { LEVEL_TOP, LEVEL_OR, LEVEL_AND, LEVEL_PRIMARY };

typedef struct dumper {
    lcp_reader r;
    lcp_buf out;
    bool ok;
} dumper;

static void put(dumper *d, const char *s) {
    if (d->ok && !lcp_buf_append(&d->out, s, strlen(s)))
        d->ok = false;
}

/* A length-prefixed, 4-byte padded data field: a view of its bytes. */
static bool get_data(dumper *d, const uint8_t **p, uint32_t *n) {
    if (!lcp_read_u32(&d->r, n))
        return false;
    size_t at = d->r.pos;
    if (!lcp_get_view(d->r.data, d->r.len, at, *n, p))
        return false;
    size_t padded = ((size_t)*n + 3u) & ~(size_t)3u;
    if (padded > lcp_reader_remaining(&d->r))
        padded = *n; /* last field: padding may be absent */
    return lcp_reader_skip(&d->r, padded);
}

/* Prints a data field as codesign does: bare when simple (alphanumerics,
 * dots where allowed, not starting with a digit), quoted when printable,
 * H"hex" otherwise. */
static void put_data(dumper *d, const uint8_t *p, uint32_t n, bool dot_ok) {
    enum { SIMPLE, PRINTABLE, BINARY } mode = SIMPLE;
    for (uint32_t i = 0; i < n; i++) {
        int c = p[i];
        if (isalnum(c) || (c == '.' && dot_ok)) {
            if (i == 0 && isdigit(c) && mode == SIMPLE)
                mode = PRINTABLE;
        } else if (c < 0x80 && (isgraph(c) || isspace(c))) {
            if (mode == SIMPLE)
                mode = PRINTABLE;
        } else {
            mode = BINARY;
            break;
        }
    }
    if (n == 0 && mode == SIMPLE)
        mode = PRINTABLE;
    char b[8];
    if (mode == BINARY) {
        put(d, "H\"");
        for (uint32_t i = 0; i < n; i++) {
            snprintf(b, sizeof b, "%02x", p[i]);
            put(d, b);
        }
        put(d, "\"");
        return;
    }
    if (mode == PRINTABLE)
        put(d, "\"");
    for (uint32_t i = 0; i < n; i++) {
        if (mode == PRINTABLE && (p[i] == '"' || p[i] == '\\'))
            put(d, "\\");
        b[0] = (char)p[i];
        b[1] = 0;
        put(d, b);
    }
    if (mode == PRINTABLE)
        put(d, "\"");
}

static void put_hash(dumper *d, const uint8_t *p, uint32_t n) {
    char b[4];
    put(d, "H\"");
    for (uint32_t i = 0; i < n; i++) {
        snprintf(b, sizeof b, "%02x", p[i]);
        put(d, b);
    }
    put(d, "\"");
}

static bool put_slot(dumper *d) {
    uint32_t v;
    if (!lcp_read_u32(&d->r, &v))
        return false;
    int32_t slot = (int32_t)v;
    char b[24];
    if (slot == 0)
        put(d, "leaf");
    else if (slot == -1)
        put(d, "root");
    else {
        snprintf(b, sizeof b, "%d", slot);
        put(d, b);
    }
    return true;
}

static bool put_match(dumper *d) {
    uint32_t m;
    const uint8_t *p;
    uint32_t n;
    if (!lcp_read_u32(&d->r, &m))
        return false;
    switch (m) {
    case 0: put(d, " /* exists */"); return true;
    case 14: put(d, " absent"); return true;
    case 1: put(d, " = "); break;
    case 2: put(d, " ~ "); break;
    case 3: put(d, " = "); break;
    case 4: put(d, " = *"); break;
    case 5: put(d, " < "); break;
    case 6: put(d, " > "); break;
    case 7: put(d, " <= "); break;
    case 8: put(d, " >= "); break;
    default: return false; /* the date matches: not printed */
    }
    if (!get_data(d, &p, &n))
        return false;
    put_data(d, p, n, false);
    if (m == 3)
        put(d, "*");
    return true;
}

/* The OID of a generic certificate field: DER content bytes, shown dotted. */
static bool put_oid(dumper *d, const uint8_t *p, uint32_t n) {
    if (n == 0 || n > 120)
        return false;
    unsigned char der[128];
    der[0] = 0x06;
    der[1] = (unsigned char)n;
    memcpy(&der[2], p, n);
    const unsigned char *q = der;
    ASN1_OBJECT *obj = d2i_ASN1_OBJECT(NULL, &q, (long)n + 2);
    if (!obj)
        return false;
    char txt[160];
    int k = OBJ_obj2txt(txt, sizeof txt, obj, 1);
    ASN1_OBJECT_free(obj);
    if (k <= 0 || (size_t)k >= sizeof txt)
        return false;
    put(d, txt);
    return true;
}

static bool expr(dumper *d, int level, int depth) {
    uint32_t op;
    const uint8_t *p;
    uint32_t n;
    if (depth > MAX_DEPTH || !lcp_read_u32(&d->r, &op))
        return false;
    switch (op & ~OP_FLAG_MASK) {
    case OP_FALSE: put(d, "never"); return true;
    case OP_TRUE: put(d, "always"); return true;
    case OP_IDENT:
        put(d, "identifier ");
        if (!get_data(d, &p, &n))
            return false;
        put_data(d, p, n, false);
        return true;
    case OP_APPLE_ANCHOR: put(d, "anchor apple"); return true;
    case OP_APPLE_GENERIC_ANCHOR: put(d, "anchor apple generic"); return true;
    case OP_TRUSTED_CERTS: put(d, "anchor trusted"); return true;
    case OP_NOTARIZED: put(d, "notarized"); return true;
    case OP_LEGACY_DEVID: put(d, "legacy"); return true;
    case OP_ANCHOR_HASH:
        put(d, "certificate ");
        if (!put_slot(d) || !get_data(d, &p, &n))
            return false;
        put(d, " = ");
        put_hash(d, p, n);
        return true;
    case OP_TRUSTED_CERT:
        put(d, "certificate ");
        if (!put_slot(d))
            return false;
        put(d, " trusted");
        return true;
    case OP_CDHASH:
        put(d, "cdhash ");
        if (!get_data(d, &p, &n))
            return false;
        put_hash(d, p, n);
        return true;
    case OP_PLATFORM: {
        uint32_t v;
        char b[24];
        if (!lcp_read_u32(&d->r, &v))
            return false;
        snprintf(b, sizeof b, "platform = %u", v);
        put(d, b);
        return true;
    }
    case OP_INFO_KEY_FIELD:
    case OP_ENTITLEMENT_FIELD:
        put(d, (op & ~OP_FLAG_MASK) == OP_INFO_KEY_FIELD ? "info[" : "entitlement[");
        if (!get_data(d, &p, &n))
            return false;
        put_data(d, p, n, true);
        put(d, "]");
        return put_match(d);
    case OP_CERT_FIELD:
        put(d, "certificate ");
        if (!put_slot(d))
            return false;
        put(d, "[");
        if (!get_data(d, &p, &n))
            return false;
        put_data(d, p, n, true);
        put(d, "]");
        return put_match(d);
    case OP_CERT_GENERIC:
    case OP_CERT_POLICY:
        put(d, "certificate ");
        if (!put_slot(d))
            return false;
        put(d, (op & ~OP_FLAG_MASK) == OP_CERT_GENERIC ? "[field." : "[policy.");
        if (!get_data(d, &p, &n) || !put_oid(d, p, n))
            return false;
        put(d, "]");
        return put_match(d);
    case OP_NOT: put(d, "! "); return expr(d, LEVEL_PRIMARY, depth + 1);
    case OP_AND:
    case OP_OR: {
        bool is_and = (op & ~OP_FLAG_MASK) == OP_AND;
        int mine = is_and ? LEVEL_AND : LEVEL_OR;
        bool paren = level > mine;
        if (paren)
            put(d, "(");
        if (!expr(d, mine, depth + 1))
            return false;
        put(d, is_and ? " and " : " or ");
        if (!expr(d, mine, depth + 1))
            return false;
        if (paren)
            put(d, ")");
        return true;
    }
    default: return false;
    }
}

char *lcp_cs_requirement_text(const uint8_t *blob, size_t len) {
    uint32_t magic, length, kind;
    dumper d;
    lcp_reader_init(&d.r, blob, len, true);
    if (!lcp_read_u32(&d.r, &magic) || !lcp_read_u32(&d.r, &length) || !lcp_read_u32(&d.r, &kind) ||
        magic != LCP_CSMAGIC_REQUIREMENT || length > len || length < d.r.pos || kind != 1)
        return NULL;
    d.r.len = length; /* the expression ends with the blob (length >= pos: checked above) */
    lcp_buf_init(&d.out);
    d.ok = true;
    if (!expr(&d, LEVEL_TOP, 0) || !d.ok || !lcp_buf_append(&d.out, "", 1)) {
        lcp_buf_release(&d.out);
        return NULL;
    }
    size_t n;
    return (char *)lcp_buf_detach(&d.out, &n);
}

lcp_status lcp_cs_read_requirements(lcp_cs_signature *sig, const uint8_t *blob, size_t len, uint64_t at,
                                    lcp_error *err) {
    lcp_reader r;
    lcp_reader_init(&r, blob, len, true);
    uint32_t magic, length, count;
    if (!lcp_read_u32(&r, &magic) || !lcp_read_u32(&r, &length))
        return lcp_error_set(err, LCP_E_MALFORMED, at, "requirements at 0x%llx: truncated", (unsigned long long)at);
    sig->has_requirements = true;
    sig->requirements_size = (uint32_t)len;
    /* A requirement set; anything else in slot 2 is reported by size only. */
    if (magic != LCP_CSMAGIC_REQUIREMENTS || !lcp_read_u32(&r, &count))
        return LCP_OK;
    if ((uint64_t)count * 8 > lcp_reader_remaining(&r))
        return lcp_error_set(err, LCP_E_MALFORMED, at, "requirements at 0x%llx: %u entries do not fit in %zu bytes",
                             (unsigned long long)at, count, len);
    sig->nrequirements = count;
    for (uint32_t i = 0; i < count; i++) {
        uint32_t type, off, rmagic, rlen;
        lcp_read_u32(&r, &type);
        lcp_read_u32(&r, &off);
        if (!lcp_get_u32(blob, len, off, true, &rmagic) || !lcp_get_u32(blob, len, (size_t)off + 4, true, &rlen) ||
            rlen > len - off)
            return lcp_error_set(err, LCP_E_MALFORMED, at + off,
                                 "requirements at 0x%llx: requirement %u at offset %u outside the set's %zu bytes",
                                 (unsigned long long)at, i, off, len);
        if (type == DESIGNATED_REQUIREMENT) {
            const uint8_t *v;
            lcp_get_view(blob, len, off, rlen, &v);
            sig->designated_size = rlen;
            free(sig->designated);
            sig->designated = lcp_cs_requirement_text(v, rlen);
        }
    }
    return LCP_OK;
}
