/* Info.plist: one top-level string value (CFBundleExecutable), from an XML
 * plist or a binary one ("bplist00"). Only what the audit needs: no dates,
 * no nested lookups. Every byte is read through a bounded lcp_reader. */
#include "lcpatch/audit.h"
#include "util/buf.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- XML ---- */

/* Position of the first occurrence of needle at or after `from`, or SIZE_MAX. */
static size_t xml_find(lcp_reader *r, size_t from, const char *needle) {
    size_t n = strlen(needle);
    const uint8_t *view;
    for (size_t i = from; n <= r->len && i <= r->len - n; i++)
        if (lcp_get_view(r->data, r->len, i, n, &view) && memcmp(view, needle, n) == 0)
            return i;
    return SIZE_MAX;
}

static bool is_space(uint8_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Appends the UTF-8 encoding of code point cp. */
static bool put_utf8(lcp_buf *b, uint32_t cp) {
    uint8_t u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (uint8_t)(0xc0 | (cp >> 6));
        u[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (uint8_t)(0xe0 | (cp >> 12));
        u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else if (cp < 0x110000) {
        u[0] = (uint8_t)(0xf0 | (cp >> 18));
        u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    } else
        return false;
    return lcp_buf_append(b, u, n);
}

/* Decodes the XML text in [start, end) (entities and character references). */
static lcp_status xml_text(lcp_reader *r, size_t start, size_t end, char **out, lcp_error *err) {
    lcp_buf b;
    lcp_buf_init(&b);
    lcp_reader t;
    if (!lcp_reader_sub(r, start, end - start, &t))
        return lcp_error_set(err, LCP_E_MALFORMED, start, "Info.plist: string out of range");
    uint8_t c;
    while (lcp_read_u8(&t, &c)) {
        if (c != '&') {
            if (!lcp_buf_append(&b, &c, 1))
                goto nomem;
            continue;
        }
        char ent[12];
        size_t n = 0;
        while (n < sizeof ent - 1 && lcp_read_u8(&t, &c) && c != ';')
            ent[n++] = (char)c;
        ent[n] = '\0';
        if (c != ';') {
            lcp_buf_release(&b);
            return lcp_error_set(err, LCP_E_MALFORMED, start, "Info.plist: unterminated entity");
        }
        uint32_t cp;
        if (strcmp(ent, "amp") == 0)
            cp = '&';
        else if (strcmp(ent, "lt") == 0)
            cp = '<';
        else if (strcmp(ent, "gt") == 0)
            cp = '>';
        else if (strcmp(ent, "quot") == 0)
            cp = '"';
        else if (strcmp(ent, "apos") == 0)
            cp = '\'';
        else if (ent[0] == '#') {
            char *endp;
            unsigned long v = ent[1] == 'x' ? strtoul(ent + 2, &endp, 16) : strtoul(ent + 1, &endp, 10);
            if (*endp != '\0' || v == 0 || v > 0x10ffff) {
                lcp_buf_release(&b);
                return lcp_error_set(err, LCP_E_MALFORMED, start, "Info.plist: bad character reference");
            }
            cp = (uint32_t)v;
        } else {
            lcp_buf_release(&b);
            return lcp_error_set(err, LCP_E_MALFORMED, start, "Info.plist: unknown entity '&%s;'", ent);
        }
        if (!put_utf8(&b, cp))
            goto nomem;
    }
    uint8_t nul = 0;
    if (!lcp_buf_append(&b, &nul, 1))
        goto nomem;
    *out = (char *)lcp_buf_detach(&b, NULL);
    return LCP_OK;
nomem:
    lcp_buf_release(&b);
    return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
}

static lcp_status xml_string(lcp_reader *r, const char *key, char **out, lcp_error *err) {
    char open[300];
    if (strlen(key) > 256)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "key too long");
    snprintf(open, sizeof open, "<key>%s</key>", key);
    size_t at = xml_find(r, 0, open);
    if (at == SIZE_MAX)
        return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "Info.plist: no %s", key);
    size_t p = at + strlen(open);
    /* Skip white space and comments up to the value element. */
    for (;;) {
        uint8_t c;
        lcp_reader t = *r;
        if (!lcp_reader_seek(&t, p) || !lcp_read_u8(&t, &c))
            return lcp_error_set(err, LCP_E_MALFORMED, p, "Info.plist: %s has no value", key);
        if (is_space(c)) {
            p++;
            continue;
        }
        size_t q = xml_find(r, p, "<!--");
        if (q == p) {
            size_t e = xml_find(r, p, "-->");
            if (e == SIZE_MAX)
                return lcp_error_set(err, LCP_E_MALFORMED, p, "Info.plist: unterminated comment");
            p = e + 3;
            continue;
        }
        break;
    }
    if (xml_find(r, p, "<string/>") == p) {
        *out = strdup("");
        return *out ? LCP_OK : lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    if (xml_find(r, p, "<string>") != p)
        return lcp_error_set(err, LCP_E_MALFORMED, p, "Info.plist: %s is not a string", key);
    size_t start = p + 8;
    size_t end = xml_find(r, start, "</string>");
    if (end == SIZE_MAX)
        return lcp_error_set(err, LCP_E_MALFORMED, start, "Info.plist: unterminated <string>");
    return xml_text(r, start, end, out, err);
}

/* ---- binary plist ---- */

typedef struct bplist {
    lcp_reader all;
    uint8_t offset_size, ref_size;
    uint64_t nobjects, top, table;
} bplist;

static bool read_be(lcp_reader *r, uint8_t n, uint64_t *out) {
    uint64_t v = 0;
    for (uint8_t i = 0; i < n; i++) {
        uint8_t c;
        if (!lcp_read_u8(r, &c))
            return false;
        v = v << 8 | c;
    }
    *out = v;
    return true;
}

/* Positions a reader at object `ref` and returns its marker byte. */
static bool bp_object(const bplist *bp, uint64_t ref, lcp_reader *at, uint8_t *marker) {
    uint64_t slot, off;
    if (ref >= bp->nobjects || !lcp_mul_u64(ref, bp->offset_size, &slot) || !lcp_add_u64(slot, bp->table, &slot))
        return false;
    lcp_reader t = bp->all;
    if (slot > SIZE_MAX || !lcp_reader_seek(&t, (size_t)slot) || !read_be(&t, bp->offset_size, &off))
        return false;
    if (off >= bp->table) /* objects precede the offset table */
        return false;
    *at = bp->all;
    return lcp_reader_seek(at, (size_t)off) && lcp_read_u8(at, marker);
}

/* The count of a marker whose low nibble is 0xf: an int object follows. */
static bool bp_count(lcp_reader *at, uint8_t marker, uint64_t *count) {
    if ((marker & 0x0f) != 0x0f) {
        *count = marker & 0x0f;
        return true;
    }
    uint8_t im;
    if (!lcp_read_u8(at, &im) || (im & 0xf0) != 0x10 || (im & 0x0f) > 3)
        return false;
    return read_be(at, (uint8_t)(1u << (im & 0x0f)), count);
}

/* A string object (ASCII 0x5n or UTF-16BE 0x6n) as UTF-8 in b. */
static bool bp_string(const bplist *bp, uint64_t ref, lcp_buf *b) {
    lcp_reader at;
    uint8_t m;
    uint64_t count;
    if (!bp_object(bp, ref, &at, &m) || !bp_count(&at, m, &count))
        return false;
    if ((m & 0xf0) == 0x50) {
        for (uint64_t i = 0; i < count; i++) {
            uint8_t c;
            if (!lcp_read_u8(&at, &c) || c == 0 || !lcp_buf_append(b, &c, 1))
                return false;
        }
        return true;
    }
    if ((m & 0xf0) != 0x60)
        return false;
    for (uint64_t i = 0; i < count; i++) {
        uint16_t u;
        if (!lcp_read_u16(&at, &u) || u == 0)
            return false;
        uint32_t cp = u;
        if (u >= 0xd800 && u < 0xdc00) {
            uint16_t lo;
            if (++i >= count || !lcp_read_u16(&at, &lo) || lo < 0xdc00 || lo >= 0xe000)
                return false;
            cp = 0x10000 + ((uint32_t)(u - 0xd800) << 10) + (uint32_t)(lo - 0xdc00);
        } else if (u >= 0xdc00 && u < 0xe000)
            return false;
        if (!put_utf8(b, cp))
            return false;
    }
    return true;
}

static lcp_status binary_string(const uint8_t *data, size_t len, const char *key, char **out, lcp_error *err) {
    bplist bp;
    lcp_reader_init(&bp.all, data, len, true);
    lcp_reader tr;
    if (len < 8 + 32 || !lcp_reader_sub(&bp.all, len - 32, 32, &tr))
        return lcp_error_set(err, LCP_E_MALFORMED, LCP_NO_OFFSET, "binary Info.plist: too short");
    uint8_t sortv;
    if (!lcp_reader_skip(&tr, 5) || !lcp_read_u8(&tr, &sortv) || !lcp_read_u8(&tr, &bp.offset_size) ||
        !lcp_read_u8(&tr, &bp.ref_size) || !lcp_read_u64(&tr, &bp.nobjects) || !lcp_read_u64(&tr, &bp.top) ||
        !lcp_read_u64(&tr, &bp.table))
        return lcp_error_set(err, LCP_E_MALFORMED, len - 32, "binary Info.plist: bad trailer");
    uint64_t tsize;
    if (bp.offset_size < 1 || bp.offset_size > 8 || bp.ref_size < 1 || bp.ref_size > 8 || bp.table < 8 ||
        !lcp_mul_u64(bp.nobjects, bp.offset_size, &tsize) || !lcp_range_ok(bp.table, tsize, len - 32))
        return lcp_error_set(err, LCP_E_MALFORMED, len - 32, "binary Info.plist: bad trailer");
    lcp_reader at;
    uint8_t m;
    uint64_t count;
    if (!bp_object(&bp, bp.top, &at, &m) || (m & 0xf0) != 0xd0 || !bp_count(&at, m, &count))
        return lcp_error_set(err, LCP_E_MALFORMED, LCP_NO_OFFSET, "binary Info.plist: top object is not a dictionary");
    uint64_t refs_bytes;
    if (!lcp_mul_u64(count, 2u * bp.ref_size, &refs_bytes) || refs_bytes > lcp_reader_remaining(&at))
        return lcp_error_set(err, LCP_E_MALFORMED, LCP_NO_OFFSET, "binary Info.plist: dictionary out of range");
    size_t keys_at = at.pos;
    for (uint64_t i = 0; i < count; i++) {
        lcp_reader kr = at, vr = at;
        uint64_t kref, vref;
        if (!lcp_reader_seek(&kr, keys_at + (size_t)(i * bp.ref_size)) || !read_be(&kr, bp.ref_size, &kref) ||
            !lcp_reader_seek(&vr, keys_at + (size_t)((count + i) * bp.ref_size)) || !read_be(&vr, bp.ref_size, &vref))
            return lcp_error_set(err, LCP_E_MALFORMED, LCP_NO_OFFSET, "binary Info.plist: bad reference");
        lcp_buf kb;
        lcp_buf_init(&kb);
        uint8_t nul = 0;
        bool ok = bp_string(&bp, kref, &kb) && lcp_buf_append(&kb, &nul, 1);
        bool match = ok && strcmp((const char *)kb.data, key) == 0;
        lcp_buf_release(&kb);
        if (!match)
            continue;
        lcp_buf vb;
        lcp_buf_init(&vb);
        if (!bp_string(&bp, vref, &vb) || !lcp_buf_append(&vb, &nul, 1)) {
            lcp_buf_release(&vb);
            return lcp_error_set(err, LCP_E_MALFORMED, LCP_NO_OFFSET, "binary Info.plist: %s is not a string", key);
        }
        *out = (char *)lcp_buf_detach(&vb, NULL);
        return LCP_OK;
    }
    return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "Info.plist: no %s", key);
}

lcp_status lcp_plist_string(const uint8_t *data, size_t len, const char *key, char **out, lcp_error *err) {
    *out = NULL;
    if (len >= 8 && memcmp(data, "bplist00", 8) == 0)
        return binary_string(data, len, key, out, err);
    lcp_reader r;
    lcp_reader_init(&r, data, len, true);
    return xml_string(&r, key, out, err);
}
