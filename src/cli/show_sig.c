/* lcpatch show: the code signature's contents, per slice (text and JSON):
 * CodeDirectories, requirements, entitlements and the CMS signer, read by
 * lcp_cs_read. A signature that does not decode is shown with the reason
 * (the rest of the slice is still shown; `verify` judges it). */
#include "cli/show.h"
#include "lcpatch/codesign.h"

#include <inttypes.h>
#include <string.h>

#define FIELD "  %-15s"

static void hex_string(const uint8_t *p, size_t n, char *buf, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 <= len; i++, o += 2)
        snprintf(&buf[o], 3, "%02x", p[i]);
    buf[o < len ? o : 0] = 0;
}

static const char *cert_label(const lcp_cs_cert *c) { return c->subject_cn ? c->subject_cn : "(no common name)"; }

static void text_cd(FILE *out, const lcp_cs_signature *sig, const lcp_cs_codedir *cd) {
    char b[32], h[2 * UINT8_MAX + 1]; /* hash_size is the file's, up to 255 bytes */
    const char *hn = lcp_cs_hash_name(cd->hash_type);
    fprintf(out, FIELD "version 0x%x, %s, flags 0x%x", cd->slot == 0 ? "code directory" : "alternate cd", cd->version,
            hn ? hn : "unknown hash type", cd->flags);
    for (uint32_t bit = 1; bit; bit <<= 1)
        if (cd->flags & bit)
            fprintf(out, " %s", lcp_show_name(lcp_cs_flag_name, bit, true, b, sizeof b));
    fputc('\n', out);
    fprintf(out, FIELD "identifier \"%s\", team id %s%s%s, platform %u\n", "", cd->identifier, cd->team_id ? "\"" : "",
            cd->team_id ? cd->team_id : "none", cd->team_id ? "\"" : "", cd->platform);
    fprintf(out, FIELD "%u code slots, page size %s, code limit %" PRIu64 ", %u special slots\n", "", cd->ncode,
            cd->page_shift ? (snprintf(b, sizeof b, "%u", 1u << (cd->page_shift & 31)), b) : "unlimited",
            cd->code_limit, cd->nspecial);
    if (cd->has_exec_seg) {
        fprintf(out, FIELD "exec segment base %" PRIu64 ", limit %" PRIu64 ", flags 0x%" PRIx64, "", cd->exec_seg_base,
                cd->exec_seg_limit, cd->exec_seg_flags);
        for (uint64_t bit = 1; bit; bit <<= 1)
            if ((cd->exec_seg_flags & bit) && lcp_cs_execseg_flag_name(bit))
                fprintf(out, " %s", lcp_cs_execseg_flag_name(bit));
        fputc('\n', out);
    }
    if (cd->has_runtime && cd->runtime)
        fprintf(out, FIELD "runtime version %s\n", "", lcp_show_version(cd->runtime, b, sizeof b));
    for (uint32_t k = 1; k <= cd->nspecial; k++) {
        const uint8_t *s = lcp_cs_special_slot(sig, cd, k);
        if (!s)
            continue;
        hex_string(s, cd->hash_size, h, sizeof h);
        if (h[strspn(h, "0")] == 0)
            continue; /* all zeros: the slot seals nothing */
        const char *n = lcp_cs_slot_name(k);
        fprintf(out, FIELD "slot -%u %s %s\n", "", k, n ? n : "?", h);
    }
    hex_string(cd->cdhash, cd->cdhash_len < LCP_CS_CDHASH_LEN ? cd->cdhash_len : LCP_CS_CDHASH_LEN, h, sizeof h);
    fprintf(out, FIELD "cdhash %s\n", "", h);
}

static void text_keys(FILE *out, const char *field, uint32_t size, char **keys, size_t n) {
    fprintf(out, FIELD "%u bytes, %zu %s", field, size, n, n == 1 ? "key" : "keys");
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%s", i ? ", " : ": ", keys[i]);
    fputc('\n', out);
}

void lcp_show_sig_text(FILE *out, const lcp_file *f, const lcp_image *img) {
    lcp_cs_signature sig;
    lcp_error err;
    lcp_status st = lcp_cs_read(&f->src, img, &sig, &err);
    if (st != LCP_OK) {
        if (st != LCP_E_NOTFOUND)
            fprintf(out, FIELD "unreadable: %s\n", "signature", err.message);
        lcp_cs_signature_release(&sig);
        return;
    }
    fprintf(out, FIELD "%s, %u blobs\n", "signed as", lcp_cs_kind(&sig), sig.count);
    for (size_t i = 0; i < sig.ncds; i++)
        text_cd(out, &sig, &sig.cds[i]);
    if (sig.has_requirements) {
        if (sig.designated)
            fprintf(out, FIELD "designated => %s\n", "requirements", sig.designated);
        else if (sig.nrequirements == 0)
            fprintf(out, FIELD "empty set (%u bytes)\n", "requirements", sig.requirements_size);
        else
            fprintf(out, FIELD "%u bytes, %u requirements%s\n", "requirements", sig.requirements_size,
                    sig.nrequirements, sig.designated_size ? " (designated not shown)" : "");
    }
    if (sig.has_entitlements)
        text_keys(out, "entitlements", sig.entitlements_size, sig.entitlement_keys, sig.nentitlement_keys);
    if (sig.has_der_entitlements)
        text_keys(out, "entitl. (DER)", sig.der_entitlements_size, sig.der_entitlement_keys, sig.nder_entitlement_keys);
    if (sig.has_cms) {
        const lcp_cs_cms *c = &sig.cms;
        if (c->size == 0)
            fprintf(out, FIELD "empty (ad hoc)\n", "cms");
        else if (!c->parsed)
            fprintf(out, FIELD "%zu bytes, %s\n", "cms", c->size, c->error);
        else {
            fprintf(out, FIELD "%zu bytes, digest %s, %zu certificates\n", "cms", c->size, c->digest, c->ncerts);
            if (c->signer >= 0) {
                const lcp_cs_cert *s = &c->certs[c->signer];
                fprintf(out, FIELD "\"%s\"", "signer", cert_label(s));
                if (s->subject_ou)
                    fprintf(out, ", OU %s", s->subject_ou);
                if (s->issuer_cn)
                    fprintf(out, ", issuer \"%s\"", s->issuer_cn);
                fputc('\n', out);
            }
            for (size_t i = 0; i < c->ncerts; i++)
                fprintf(out, FIELD "\"%s\" issued by \"%s\"\n", "certificate", cert_label(&c->certs[i]),
                        c->certs[i].issuer_cn ? c->certs[i].issuer_cn : "?");
            fprintf(out, FIELD "%s\n", "signing time", c->has_signing_time ? c->signing_time : "none");
            if (c->has_timestamp)
                fprintf(out, FIELD "RFC 3161, %s\n", "timestamp",
                        c->timestamp_time[0] ? c->timestamp_time : "undecoded");
            else
                fprintf(out, FIELD "none\n", "timestamp");
        }
    }
    lcp_cs_signature_release(&sig);
}

static void json_keys(lcp_json *j, const char *key, bool present, uint32_t size, char **keys, size_t n,
                      const char *xml) {
    if (!lcp_json_field_object(j, key, present))
        return;
    lcp_json_field_uint(j, "size", size);
    lcp_json_key(j, "keys");
    lcp_json_begin_array(j);
    for (size_t i = 0; i < n; i++)
        lcp_json_string(j, keys[i]);
    lcp_json_end_array(j);
    if (xml)
        lcp_json_field_string(j, "xml", xml);
    lcp_json_end_object(j);
}

static void json_cd(lcp_json *j, const lcp_cs_signature *sig, const lcp_cs_codedir *cd) {
    char h[2 * LCP_CS_MAX_DIGEST + 1];
    lcp_json_begin_object(j);
    lcp_json_field_uint(j, "slot", cd->slot);
    lcp_json_field_uint(j, "version", cd->version);
    lcp_json_field_uint(j, "flags", cd->flags);
    lcp_json_key(j, "flag_names");
    lcp_json_begin_array(j);
    for (uint32_t bit = 1; bit; bit <<= 1)
        if ((cd->flags & bit) && lcp_cs_flag_name(bit))
            lcp_json_string(j, lcp_cs_flag_name(bit));
    lcp_json_end_array(j);
    lcp_json_field_uint(j, "hash_type", cd->hash_type);
    lcp_json_field_string(j, "hash", lcp_cs_hash_name(cd->hash_type));
    lcp_json_field_uint(j, "hash_size", cd->hash_size);
    lcp_json_field_uint(j, "page_size", cd->page_shift ? (uint64_t)1 << (cd->page_shift & 63) : 0);
    lcp_json_field_uint(j, "code_limit", cd->code_limit);
    lcp_json_field_uint(j, "code_slots", cd->ncode);
    lcp_json_field_uint(j, "special_slots", cd->nspecial);
    lcp_json_field_string(j, "identifier", cd->identifier);
    lcp_json_field_string(j, "team_id", cd->team_id);
    lcp_json_field_uint(j, "platform", cd->platform);
    if (lcp_json_field_object(j, "exec_segment", cd->has_exec_seg)) {
        lcp_json_field_uint(j, "base", cd->exec_seg_base);
        lcp_json_field_uint(j, "limit", cd->exec_seg_limit);
        lcp_json_field_uint(j, "flags", cd->exec_seg_flags);
        lcp_json_end_object(j);
    }
    lcp_json_field_uint_if(j, "runtime", cd->has_runtime, cd->runtime);
    lcp_json_key(j, "special_slot_hashes");
    lcp_json_begin_object(j);
    for (uint32_t k = 1; k <= cd->nspecial; k++) {
        const uint8_t *s = lcp_cs_special_slot(sig, cd, k);
        if (!s)
            continue;
        char name[16];
        snprintf(name, sizeof name, "%u", k);
        hex_string(s, cd->hash_size, h, sizeof h);
        lcp_json_field_string(j, name, h);
    }
    lcp_json_end_object(j);
    hex_string(cd->cdhash, cd->cdhash_len < LCP_CS_CDHASH_LEN ? cd->cdhash_len : LCP_CS_CDHASH_LEN, h, sizeof h);
    lcp_json_field_string(j, "cdhash", h);
    lcp_json_end_object(j);
}

static void json_cert(lcp_json *j, const lcp_cs_cert *c) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "subject_cn", c->subject_cn);
    lcp_json_field_string(j, "subject_ou", c->subject_ou);
    lcp_json_field_string(j, "subject_o", c->subject_o);
    lcp_json_field_string(j, "issuer_cn", c->issuer_cn);
    lcp_json_end_object(j);
}

/* Keys inside the "signature" object (after offset/size/file_offset). */
void lcp_show_sig_json(lcp_json *j, const lcp_file *f, const lcp_image *img) {
    lcp_cs_signature sig;
    lcp_error err;
    lcp_status st = lcp_cs_read(&f->src, img, &sig, &err);
    if (st != LCP_OK) {
        lcp_json_field_string(j, "error", err.message);
        lcp_cs_signature_release(&sig);
        return;
    }
    lcp_json_field_string(j, "kind", lcp_cs_kind(&sig));
    lcp_json_key(j, "blobs");
    lcp_json_begin_array(j);
    for (uint32_t i = 0; i < sig.count; i++) {
        lcp_json_begin_object(j);
        lcp_json_field_uint(j, "type", sig.blobs[i].type);
        lcp_json_field_uint(j, "offset", sig.blobs[i].offset);
        lcp_json_field_uint(j, "magic", sig.blobs[i].magic);
        lcp_json_field_uint(j, "length", sig.blobs[i].length);
        lcp_json_end_object(j);
    }
    lcp_json_end_array(j);
    lcp_json_key(j, "code_directories");
    lcp_json_begin_array(j);
    for (size_t i = 0; i < sig.ncds; i++)
        json_cd(j, &sig, &sig.cds[i]);
    lcp_json_end_array(j);
    if (lcp_json_field_object(j, "requirements", sig.has_requirements)) {
        lcp_json_field_uint(j, "size", sig.requirements_size);
        lcp_json_field_uint(j, "count", sig.nrequirements);
        lcp_json_field_string(j, "designated", sig.designated);
        lcp_json_end_object(j);
    }
    json_keys(j, "entitlements", sig.has_entitlements, sig.entitlements_size, sig.entitlement_keys,
              sig.nentitlement_keys, sig.entitlements_xml);
    json_keys(j, "der_entitlements", sig.has_der_entitlements, sig.der_entitlements_size, sig.der_entitlement_keys,
              sig.nder_entitlement_keys, NULL);
    if (lcp_json_field_object(j, "cms", sig.has_cms)) {
        const lcp_cs_cms *c = &sig.cms;
        lcp_json_field_uint(j, "size", c->size);
        lcp_json_field_bool(j, "parsed", c->parsed);
        if (!c->parsed && c->size)
            lcp_json_field_string(j, "error", c->error);
        lcp_json_field_string(j, "digest", c->parsed ? c->digest : NULL);
        lcp_json_key(j, "signer");
        if (c->signer >= 0)
            json_cert(j, &c->certs[c->signer]);
        else
            lcp_json_null(j);
        lcp_json_key(j, "certificates");
        lcp_json_begin_array(j);
        for (size_t i = 0; i < c->ncerts; i++)
            json_cert(j, &c->certs[i]);
        lcp_json_end_array(j);
        lcp_json_field_string(j, "signing_time", c->has_signing_time ? c->signing_time : NULL);
        if (lcp_json_field_object(j, "timestamp", c->has_timestamp)) {
            lcp_json_field_string(j, "time", c->timestamp_time[0] ? c->timestamp_time : NULL);
            lcp_json_end_object(j);
        }
        lcp_json_end_object(j);
    }
    lcp_cs_signature_release(&sig);
}
