/* Signing an edited slice again as codesign signed it ad hoc (`codesign -s
 * -`, no certificate): the old signature, read by src/format's reader
 * (lcp_cs_read), gives the new one everything that is not a hash of the
 * edited bytes: the identifier, the CodeDirectory flags and runtime
 * version, the hash types, the requirement set, the XML entitlements (the
 * DER form made again from them, as codesign makes it), and the Info.plist
 * and resource-seal slot hashes as they were. The pages, the exec segment
 * and the room are made by the ad-hoc signer (sign_adhoc.c), exactly as
 * `lcpatch sign --adhoc` with the same options would make them. */
#include "edit/sign_adhoc.h"

#include "lcpatch/codesign.h"
#include "lcpatch/codesign_format.h"
#include "lcpatch/macho.h"
#include "util/checked.h"

#include <stdlib.h>
#include <string.h>

bool lcp_adhoc_resignable(const lcp_cs_signature *sig) {
    if (sig->ncds == 0 || sig->ncds > 2 || strcmp(lcp_cs_kind(sig), "adhoc") != 0)
        return false;
    /* ad hoc signing writes an empty CMS wrapper: anything in it is a
     * signer's, whether libcrypto could read it or not */
    if (sig->has_cms && sig->cms.size != 0)
        return false;
    if (sig->cds[0].identifier == NULL || sig->cds[0].identifier[0] == '\0')
        return false;
    for (size_t k = 0; k < sig->ncds; k++)
        if (lcp_cs_hash_len(sig->cds[k].hash_type) == 0 ||
            sig->cds[k].hash_size != lcp_cs_hash_len(sig->cds[k].hash_type))
            return false;
    return true;
}

bool lcp_image_adhoc_signed(const lcp_source *src, const lcp_image *img) {
    /* codesign signs little-endian images only: a PowerPC slice's
     * signature is left (stale, warned about) */
    if (lcp_cs_command(img) < 0 || img->big_endian)
        return false;
    lcp_cs_signature sig;
    lcp_error err;
    memset(&sig, 0, sizeof sig);
    bool ok = lcp_cs_read(src, img, &sig, &err) == LCP_OK && lcp_adhoc_resignable(&sig);
    lcp_cs_signature_release(&sig);
    return ok;
}

/* The whole blob of slot `type` copied into c, or false when absent. */
static bool copy_blob(const lcp_cs_signature *sig, uint32_t type, component *c, lcp_status *st, lcp_error *err) {
    const lcp_cs_blob *b = lcp_cs_find_blob(sig, type);
    if (b == NULL || !lcp_range_ok(b->offset, b->length, sig->len) || b->length < LCP_CS_GENERICBLOB_HEADER_SIZE)
        return false;
    c->slot = type;
    c->len = b->length;
    if ((c->bytes = malloc(c->len)) == NULL) {
        *st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        return true;
    }
    memcpy(c->bytes, sig->data + b->offset, c->len);
    return true;
}

/* The blobs besides the CodeDirectories, in slot order: requirements (the
 * old set, else the empty one), XML entitlements (the old ones), DER
 * entitlements (made from the XML for a file with an executable, as
 * sign --adhoc makes them; the old DER when the XML cannot be made DER). */
static lcp_status carry_blobs(const lcp_file *f, const lcp_cs_signature *sig, adhoc_ctx *c, lcp_error *err) {
    lcp_status st = LCP_OK;
    if (!copy_blob(sig, LCP_CSSLOT_REQUIREMENTS, &c->comps[c->ncomps], &st, err))
        st = lcp_adhoc_make_blob(&c->comps[c->ncomps], LCP_CSSLOT_REQUIREMENTS, LCP_CSMAGIC_REQUIREMENTS,
                                 lcp_adhoc_empty_requirements + 8, 4, err);
    c->ncomps++;
    component xml = {0, NULL, 0};
    if (st != LCP_OK || !copy_blob(sig, LCP_CSSLOT_ENTITLEMENTS, &xml, &st, err) || st != LCP_OK) {
        free(xml.bytes);
        return st;
    }
    c->comps[c->ncomps++] = xml;
    bool any_exec = false; /* sign --adhoc's rule: DER for a file with an executable */
    for (size_t i = 0; i < f->nslices; i++)
        any_exec = any_exec || (f->slices[i].image && f->slices[i].image->filetype == LCP_MH_EXECUTE);
    uint8_t *der = NULL;
    size_t der_len = 0;
    lcp_error derr;
    const uint8_t *payload = xml.bytes + LCP_CS_GENERICBLOB_HEADER_SIZE;
    size_t plen = xml.len - LCP_CS_GENERICBLOB_HEADER_SIZE;
    if (lcp_entitlements_der(payload, plen, &der, &der_len, &c->ent_execseg, &derr) == LCP_OK) {
        if (any_exec)
            st = lcp_adhoc_make_blob(&c->comps[c->ncomps++], LCP_CSSLOT_DER_ENTITLEMENTS,
                                     LCP_CSMAGIC_EMBEDDED_DER_ENTITLEMENTS, der, der_len, err);
    } else {
        /* entitlements codesign took but lcpatch cannot encode: keep what
         * the old signature had, its DER and the exec flags they implied */
        const lcp_cs_codedir *cd = &sig->cds[0];
        c->ent_execseg = cd->has_exec_seg ? cd->exec_seg_flags & ~(uint64_t)LCP_CS_EXECSEG_MAIN_BINARY : 0;
        if (copy_blob(sig, LCP_CSSLOT_DER_ENTITLEMENTS, &c->comps[c->ncomps], &st, err))
            c->ncomps++;
    }
    free(der);
    return st;
}

/* Flags, runtime version, hash types and the slots 1 and 3 of sig. */
static void carry_codedirs(const lcp_cs_signature *sig, adhoc_carry *cy) {
    cy->on = true;
    cy->flags = sig->cds[0].flags;
    cy->has_runtime = sig->cds[0].has_runtime;
    cy->runtime = sig->cds[0].runtime;
    cy->ntypes = sig->ncds;
    static const uint8_t zero[LCP_CS_MAX_DIGEST];
    for (size_t k = 0; k < sig->ncds; k++) {
        const lcp_cs_codedir *cd = &sig->cds[k];
        cy->types[k] = cd->hash_type;
        const uint32_t slots[2] = {LCP_CSSLOT_INFOSLOT, LCP_CSSLOT_RESOURCEDIR};
        for (size_t s = 0; s < 2; s++) {
            const uint8_t *h = slots[s] <= cd->nspecial ? lcp_cs_special_slot(sig, cd, slots[s]) : NULL;
            if (h == NULL || memcmp(h, zero, cd->hash_size) == 0)
                continue; /* an empty slot: nothing was sealed there */
            cy->has_slot[k][slots[s]] = true;
            memcpy(cy->slot[k][slots[s]], h, cd->hash_size);
        }
    }
}

lcp_status lcp_adhoc_resign_slice(const lcp_file *f, size_t i, lcp_signed_slice *out, uint64_t *size, lcp_error *err) {
    static const lcp_adhoc_opts none;
    adhoc_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_cs_signature sig;
    memset(&sig, 0, sizeof sig);
    lcp_status st = lcp_cs_read(&f->src, f->slices[i].image, &sig, err);
    if (st == LCP_OK && !lcp_adhoc_resignable(&sig))
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, f->slices[i].image->offset,
                           "the old signature is not an ad-hoc one lcpatch can make again");
    c->o = &none;
    if (st == LCP_OK) {
        size_t n = strlen(sig.cds[0].identifier);
        if (n >= sizeof c->ident)
            st = lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "the identifier is %zu bytes long", n);
        else
            memcpy(c->ident, sig.cds[0].identifier, n + 1);
    }
    if (st == LCP_OK)
        st = carry_blobs(f, &sig, c, err);
    if (st == LCP_OK) {
        carry_codedirs(&sig, &c->carry);
        st = lcp_adhoc_sign_slice(c, f, i, out, size, err);
    }
    for (size_t k = 0; k < c->ncomps; k++)
        free(c->comps[k].bytes);
    free(c);
    lcp_cs_signature_release(&sig);
    return st;
}
