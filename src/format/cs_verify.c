/* Verification of an embedded signature: what `codesign --verify --strict`
 * checks that can be checked without a keychain. For every CodeDirectory:
 * its geometry (hash size, slot counts against the code limit), every code
 * page hash (lcp_cs_hash_pages, shared with the signer) and every special
 * slot (Info.plist, requirements, resource seal, entitlements, DER
 * entitlements, launch constraints); then the CMS: its signer's signature
 * over the signed attributes, the messageDigest against the primary
 * CodeDirectory and Apple's cdhashes list against every CodeDirectory.
 * Certificate trust is not evaluated (no keychain). The first failure is
 * reported with the page or slot and its file offset. */
#include "format/cs_internal.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lcp_status fail(lcp_cs_result *out, lcp_cs_problem p, uint64_t off, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static lcp_status fail(lcp_cs_result *out, lcp_cs_problem p, uint64_t off, const char *fmt, ...) {
    out->verdict = LCP_CSV_INVALID;
    out->problem = p;
    out->file_offset = off;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    return LCP_OK;
}

static bool all_zero(const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (p[i])
            return false;
    return true;
}

static const char *cd_name(const lcp_cs_codedir *cd, char *buf, size_t len) {
    if (cd->slot == 0)
        return "CodeDirectory";
    snprintf(buf, len, "alternate CodeDirectory %u", cd->slot - LCP_CSSLOT_ALTERNATE_CODEDIRECTORIES);
    return buf;
}

static lcp_status check_pages(const lcp_source *src, const lcp_image *img, const lcp_cs_signature *sig,
                              const lcp_cs_codedir *cd, lcp_cs_result *out, lcp_error *err) {
    char nb[48];
    const char *name = cd_name(cd, nb, sizeof nb);
    uint64_t cd_at = sig->file_offset + cd->offset;
    size_t hlen = lcp_cs_hash_len(cd->hash_type);
    if (hlen == 0)
        return fail(out, LCP_CSP_BAD_CODEDIR, cd_at, "%s: hash type %u is not supported", name, cd->hash_type);
    if (hlen != cd->hash_size)
        return fail(out, LCP_CSP_BAD_CODEDIR, cd_at, "%s: hash size %u, %s needs %zu", name, cd->hash_size,
                    lcp_cs_hash_name(cd->hash_type), hlen);
    if (cd->code_limit > img->size)
        return fail(out, LCP_CSP_BAD_CODEDIR, cd_at, "%s: code limit %llu is past the end of the image (%llu bytes)",
                    name, (unsigned long long)cd->code_limit, (unsigned long long)img->size);
    if (cd->page_shift >= 32)
        return fail(out, LCP_CSP_BAD_CODEDIR, cd_at, "%s: page size 2^%u", name, cd->page_shift);
    uint64_t page = cd->page_shift ? (uint64_t)1 << cd->page_shift : (cd->code_limit ? cd->code_limit : 1);
    uint64_t want = cd->code_limit / page + (cd->code_limit % page != 0);
    if (want != cd->ncode)
        return fail(out, LCP_CSP_BAD_CODEDIR, cd_at, "%s: %u code slots, code limit %llu needs %llu", name, cd->ncode,
                    (unsigned long long)cd->code_limit, (unsigned long long)want);
    /* ncode * hlen already fits in the CodeDirectory: memory is bounded by it. */
    size_t cap = (size_t)cd->ncode * hlen;
    uint8_t *hashes = malloc(cap ? cap : 1);
    if (!hashes)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    uint64_t n = 0;
    lcp_status st =
        lcp_cs_hash_pages(src, img->offset, cd->code_limit, cd->page_shift, cd->hash_type, hashes, cap, &n, err);
    if (st != LCP_OK) {
        free(hashes);
        return st;
    }
    for (uint32_t k = 0; k < cd->ncode; k++) {
        const uint8_t *stored = lcp_cs_code_slot(sig, cd, k);
        out->pages_checked++;
        if (!stored || memcmp(stored, &hashes[(size_t)k * hlen], hlen) != 0) {
            free(hashes);
            out->page = k;
            return fail(out, LCP_CSP_BAD_PAGE, img->offset + (uint64_t)k * page,
                        "%s: page %u (offset 0x%llx) does not match its hash", name, k,
                        (unsigned long long)(img->offset + (uint64_t)k * page));
        }
    }
    free(hashes);
    return LCP_OK;
}

/* The bytes of __TEXT,__info_plist: a tool's embedded Info.plist, which
 * slot 1 seals when there is no bundle. */
static lcp_status info_plist_section(const lcp_source *src, const lcp_image *img, uint8_t **out, size_t *len,
                                     lcp_error *err) {
    *out = NULL;
    *len = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg) || strcmp(seg.segname, "__TEXT") != 0)
            continue;
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                break; /* nsects is the file's: the first section past the command ends it */
            if (strcmp(s.sectname, "__info_plist") != 0)
                continue;
            if (!lcp_range_ok(s.offset, s.size, img->size) || s.size > SIZE_MAX / 2)
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset + s.offset,
                                     "section __TEXT,__info_plist [%u, +%llu) outside the image", s.offset,
                                     (unsigned long long)s.size);
            if (!(*out = malloc(s.size ? (size_t)s.size : 1)))
                return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            *len = (size_t)s.size;
            return lcp_source_read(src, img->offset + s.offset, *out, *len, err);
        }
    }
    return LCP_OK;
}

static lcp_status check_slots(const lcp_source *src, const lcp_image *img, const lcp_cs_signature *sig,
                              const lcp_cs_codedir *cd, const lcp_cs_external *ext, lcp_cs_result *out,
                              lcp_error *err) {
    char nb[48];
    const char *name = cd_name(cd, nb, sizeof nb);
    size_t hlen = cd->hash_size;
    /* A blob of a sealable kind the CodeDirectory has no slot for. */
    for (uint32_t i = 0; i < sig->count; i++) {
        uint32_t t = sig->blobs[i].type;
        if (t >= 1 && t <= LCP_CSSLOT_LIBRARY_CONSTRAINT && t > cd->nspecial) {
            out->slot = t;
            return fail(out, LCP_CSP_BAD_SLOT, sig->file_offset + sig->blobs[i].offset,
                        "%s: the %s blob is not sealed (%u special slots)", name,
                        lcp_cs_slot_name(t) ? lcp_cs_slot_name(t) : "slot", cd->nspecial);
        }
    }
    for (uint32_t k = 1; k <= cd->nspecial; k++) {
        const uint8_t *stored = lcp_cs_special_slot(sig, cd, k);
        uint64_t slot_at = sig->file_offset + cd->offset + cd->hash_offset - (uint64_t)k * hlen;
        const char *sname = lcp_cs_slot_name(k);
        if (!stored)
            continue;
        const uint8_t *data = NULL;
        size_t dlen = 0;
        uint8_t *owned = NULL;
        bool external = k == LCP_CSSLOT_INFOSLOT || k == LCP_CSSLOT_RESOURCEDIR;
        if (k == LCP_CSSLOT_INFOSLOT) {
            if (ext && ext->info_plist) {
                data = ext->info_plist;
                dlen = ext->info_plist_len;
            } else {
                lcp_status st = info_plist_section(src, img, &owned, &dlen, err);
                if (st != LCP_OK)
                    return st;
                data = owned;
            }
        } else if (k == LCP_CSSLOT_RESOURCEDIR) {
            if (ext && ext->resources) {
                data = ext->resources;
                dlen = ext->resources_len;
            }
        } else {
            const lcp_cs_blob *b = lcp_cs_find_blob(sig, k);
            if (b)
                lcp_get_view(sig->data, sig->len, b->offset, b->length, &data), dlen = b->length;
        }
        bool zero = all_zero(stored, hlen);
        out->slots_checked++;
        if (!data) {
            if (!zero && !external) {
                out->slot = k;
                return fail(out, LCP_CSP_BAD_SLOT, slot_at, "%s: slot -%u (%s) is sealed but its blob is missing", name,
                            k, sname ? sname : "?");
            }
            if (!zero && external) {
                /* Sealed outside the image, and no bundle given: codesign
                 * would look for it beside the bundle; say so. */
                out->unsealed_external |= 1u << k;
            }
            continue;
        }
        if (zero) {
            free(owned);
            if (external)
                continue; /* an Info.plist the signer did not bind */
            out->slot = k;
            return fail(out, LCP_CSP_BAD_SLOT, slot_at, "%s: the %s blob is present but slot -%u is empty", name,
                        sname ? sname : "?", k);
        }
        uint8_t digest[LCP_CS_MAX_DIGEST];
        size_t dl;
        lcp_status st = lcp_cs_hash(cd->hash_type, data, dlen, digest, &dl, err);
        free(owned);
        if (st != LCP_OK)
            return st;
        if (dl != hlen || memcmp(digest, stored, hlen) != 0) {
            out->slot = k;
            return fail(out, LCP_CSP_BAD_SLOT, slot_at, "%s: slot -%u (%s) does not match its hash", name, k,
                        sname ? sname : "?");
        }
    }
    return LCP_OK;
}

static uint8_t digest_type(const char *name) {
    if (strcmp(name, "sha1") == 0)
        return LCP_CS_HASHTYPE_SHA1;
    if (strcmp(name, "sha256") == 0)
        return LCP_CS_HASHTYPE_SHA256;
    if (strcmp(name, "sha384") == 0)
        return LCP_CS_HASHTYPE_SHA384;
    return 0;
}

static lcp_status check_cms(const lcp_cs_signature *sig, lcp_cs_result *out, lcp_error *err) {
    const lcp_cs_blob *b = lcp_cs_find_blob(sig, LCP_CSSLOT_SIGNATURESLOT);
    const lcp_cs_codedir *cd = &sig->cds[0];
    uint64_t cms_at = b ? sig->file_offset + b->offset : sig->file_offset;
    bool adhoc = (cd->flags & (LCP_CS_ADHOC | LCP_CS_LINKER_SIGNED)) != 0;
    if (!sig->has_cms || sig->cms.size == 0) {
        if (!adhoc)
            return fail(out, LCP_CSP_BAD_CMS, cms_at,
                        "CodeDirectory: not ad hoc, but the signature holds no CMS signature");
        return LCP_OK;
    }
    const lcp_cs_cms *c = &sig->cms;
    if (!c->parsed)
        return fail(out, LCP_CSP_BAD_CMS, cms_at, "CMS: %s", c->error);
    const uint8_t *cdbytes;
    if (!lcp_get_view(sig->data, sig->len, cd->offset, cd->length, &cdbytes))
        return fail(out, LCP_CSP_BAD_FORMAT, cms_at, "CodeDirectory outside the signature");
    char why[160];
    if (!lcp_cs_cms_signature_ok(sig, cdbytes, cd->length, why, sizeof why))
        return fail(out, LCP_CSP_BAD_CMS, cms_at, "CMS: %s", why);
    out->cms_checked = true;
    if (c->message_digest_len == 0 && !c->has_signed_attrs)
        return LCP_OK; /* no signed attributes: the signature covers the CodeDirectory itself */
    if (c->message_digest_len == 0)
        return fail(out, LCP_CSP_BAD_CMS, cms_at, "CMS: signed attributes without a messageDigest");
    uint8_t t = digest_type(c->digest);
    if (t == 0)
        return fail(out, LCP_CSP_BAD_CMS, cms_at, "CMS: digest algorithm %s is not supported", c->digest);
    uint8_t digest[LCP_CS_MAX_DIGEST];
    size_t dl;
    lcp_status st = lcp_cs_hash(t, cdbytes, cd->length, digest, &dl, err);
    if (st != LCP_OK)
        return st;
    out->cd_index = 0;
    out->cd_slot = 0;
    if (dl != c->message_digest_len || memcmp(digest, c->message_digest, dl) != 0)
        return fail(out, LCP_CSP_BAD_CMS, sig->file_offset + cd->offset,
                    "CMS: the signed messageDigest is not the %s of the CodeDirectory", c->digest);
    /* Apple's cdhashes attribute lists each CodeDirectory's cdhash, in
     * order. */
    for (size_t i = 0; i < c->ncdhashes && i < sig->ncds; i++) {
        size_t n = c->cdhash_lens[i];
        const lcp_cs_codedir *x = &sig->cds[i];
        if (n == 0 || n > x->cdhash_len || memcmp(&c->cdhashes[i * LCP_CS_MAX_DIGEST], x->cdhash, n) != 0) {
            out->cd_index = i;
            out->cd_slot = x->slot;
            return fail(out, LCP_CSP_BAD_CMS, sig->file_offset + x->offset,
                        "CMS: the signed cdhashes list does not name CodeDirectory %zu's cdhash", i);
        }
    }
    if (c->ncdhashes && c->ncdhashes != sig->ncds)
        return fail(out, LCP_CSP_BAD_CMS, cms_at,
                    "CMS: the signed cdhashes list has %zu entries for %zu CodeDirectories", c->ncdhashes, sig->ncds);
    return LCP_OK;
}

lcp_status lcp_cs_verify(const lcp_source *src, const lcp_image *img, const lcp_cs_signature *sig,
                         const lcp_cs_external *ext, lcp_cs_result *out, lcp_error *err) {
    memset(out, 0, sizeof *out);
    out->file_offset = LCP_NO_OFFSET;
    if (sig->ncds == 0)
        return fail(out, LCP_CSP_BAD_FORMAT, sig->file_offset, "the signature holds no CodeDirectory");
    if (sig->cds[0].slot != LCP_CSSLOT_CODEDIRECTORY)
        return fail(out, LCP_CSP_BAD_FORMAT, sig->file_offset, "the signature has no primary CodeDirectory (slot 0)");
    for (size_t i = 0; i < sig->ncds; i++) {
        out->cd_index = i;
        out->cd_slot = sig->cds[i].slot;
        lcp_status st = check_pages(src, img, sig, &sig->cds[i], out, err);
        if (st != LCP_OK || out->verdict != LCP_CSV_VALID)
            return st;
        st = check_slots(src, img, sig, &sig->cds[i], ext, out, err);
        if (st != LCP_OK || out->verdict != LCP_CSV_VALID)
            return st;
    }
    lcp_status st = check_cms(sig, out, err);
    if (st == LCP_OK && out->verdict == LCP_CSV_VALID) {
        out->cd_index = 0;
        out->cd_slot = 0;
    }
    return st;
}

lcp_status lcp_cs_check(const lcp_source *src, const lcp_image *img, const lcp_cs_external *ext, lcp_cs_signature *sig,
                        lcp_cs_result *out, lcp_error *err) {
    lcp_cs_signature local;
    lcp_cs_signature *s = sig ? sig : &local;
    memset(out, 0, sizeof *out);
    out->file_offset = LCP_NO_OFFSET;
    lcp_error e;
    lcp_status st = lcp_cs_read(src, img, s, &e);
    if (st == LCP_E_NOTFOUND) {
        out->verdict = LCP_CSV_UNSIGNED;
        snprintf(out->message, sizeof out->message, "code object is not signed at all");
        st = LCP_OK;
    } else if (st == LCP_E_MALFORMED) {
        fail(out, LCP_CSP_BAD_FORMAT, e.offset, "%s", e.message);
        st = LCP_OK;
    } else if (st != LCP_OK) {
        if (err)
            *err = e;
    } else {
        st = lcp_cs_verify(src, img, s, ext, out, err);
    }
    if (!sig)
        lcp_cs_signature_release(&local);
    return st;
}
