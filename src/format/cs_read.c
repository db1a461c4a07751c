/* The embedded code signature: the SuperBlob, its index, and every
 * CodeDirectory, read through the bounded reader (all fields big-endian).
 * The requirement, entitlement and CMS blobs are decoded by cs_requirement.c,
 * cs_entitlements.c and cs_cms.c. */
#include "format/cs_internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/dynlib.h"
#include "util/reader.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

long lcp_cs_command(const lcp_image *img) { return lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0); }

const lcp_cs_blob *lcp_cs_find_blob(const lcp_cs_signature *sig, uint32_t type) {
    for (uint32_t i = 0; i < sig->count && sig->blobs; i++)
        if (sig->blobs[i].type == type)
            return &sig->blobs[i];
    return NULL;
}

static char *dup_string(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* One CodeDirectory at [off, off+len) of the signature. */
static lcp_status read_codedir(lcp_cs_signature *sig, uint32_t slot, uint32_t off, uint32_t len, lcp_cs_codedir *cd,
                               lcp_error *err) {
    uint64_t at = sig->file_offset + off;
    lcp_reader all, r;
    const char *what = slot == 0 ? "CodeDirectory" : "alternate CodeDirectory";
    lcp_reader_init(&all, sig->data, sig->len, true);
    if (!lcp_reader_sub(&all, off, len, &r))
        return lcp_error_set(err, LCP_E_MALFORMED, at, "%s (slot 0x%x) at 0x%llx: length %u outside the signature",
                             what, slot, (unsigned long long)at, len);
    if (len < LCP_CD_SIZE_EARLIEST)
        return lcp_error_set(err, LCP_E_MALFORMED, at,
                             "%s (slot 0x%x) at 0x%llx: length %u is shorter than its header (%u)", what, slot,
                             (unsigned long long)at, len, LCP_CD_SIZE_EARLIEST);
    memset(cd, 0, sizeof *cd);
    cd->slot = slot;
    cd->offset = off;
    cd->length = len;
    uint32_t magic, length, code_limit32;
    if (!lcp_read_u32(&r, &magic) || !lcp_read_u32(&r, &length) || !lcp_read_u32(&r, &cd->version) ||
        !lcp_read_u32(&r, &cd->flags) || !lcp_read_u32(&r, &cd->hash_offset) || !lcp_read_u32(&r, &cd->ident_offset) ||
        !lcp_read_u32(&r, &cd->nspecial) || !lcp_read_u32(&r, &cd->ncode) || !lcp_read_u32(&r, &code_limit32) ||
        !lcp_read_u8(&r, &cd->hash_size) || !lcp_read_u8(&r, &cd->hash_type) || !lcp_read_u8(&r, &cd->platform) ||
        !lcp_read_u8(&r, &cd->page_shift))
        return lcp_error_set(err, LCP_E_MALFORMED, at, "%s at 0x%llx: truncated header", what, (unsigned long long)at);
    if (magic != LCP_CSMAGIC_CODEDIRECTORY)
        return lcp_error_set(err, LCP_E_MALFORMED, at, "%s (slot 0x%x) at 0x%llx: magic 0x%08x is not 0x%08x", what,
                             slot, (unsigned long long)at, magic, LCP_CSMAGIC_CODEDIRECTORY);
    cd->code_limit = code_limit32;
    /* Each version adds fields; a blob shorter than its version's header
     * is malformed (the kernel refuses it too). */
    uint32_t need = cd->version >= LCP_CS_SUPPORTSLINKAGE       ? LCP_CD_SIZE_20600
                    : cd->version >= LCP_CS_SUPPORTSRUNTIME     ? LCP_CD_SIZE_20500
                    : cd->version >= LCP_CS_SUPPORTSEXECSEG     ? LCP_CD_SIZE_20400
                    : cd->version >= LCP_CS_SUPPORTSCODELIMIT64 ? LCP_CD_SIZE_20300
                    : cd->version >= LCP_CS_SUPPORTSTEAMID      ? LCP_CD_SIZE_20200
                    : cd->version >= LCP_CS_SUPPORTSSCATTER     ? LCP_CD_SIZE_20100
                                                                : LCP_CD_SIZE_EARLIEST;
    if (len < need)
        return lcp_error_set(err, LCP_E_MALFORMED, at, "%s at 0x%llx: version 0x%x needs %u bytes, length is %u", what,
                             (unsigned long long)at, cd->version, need, len);
    const uint8_t *base;
    lcp_get_view(sig->data, sig->len, off, len, &base);
    uint32_t v32;
    uint64_t v64;
    if (cd->version >= LCP_CS_SUPPORTSSCATTER && lcp_get_u32(base, len, LCP_CD_SCATTEROFFSET, true, &v32))
        cd->scatter_offset = v32;
    if (cd->version >= LCP_CS_SUPPORTSTEAMID && lcp_get_u32(base, len, LCP_CD_TEAMOFFSET, true, &v32))
        cd->team_offset = v32;
    if (cd->version >= LCP_CS_SUPPORTSCODELIMIT64 && lcp_get_u64(base, len, LCP_CD_CODELIMIT64, true, &v64) && v64)
        cd->code_limit = v64;
    if (cd->version >= LCP_CS_SUPPORTSEXECSEG) {
        cd->has_exec_seg = true;
        lcp_get_u64(base, len, LCP_CD_EXECSEGBASE, true, &cd->exec_seg_base);
        lcp_get_u64(base, len, LCP_CD_EXECSEGLIMIT, true, &cd->exec_seg_limit);
        lcp_get_u64(base, len, LCP_CD_EXECSEGFLAGS, true, &cd->exec_seg_flags);
    }
    if (cd->version >= LCP_CS_SUPPORTSRUNTIME) {
        cd->has_runtime = true;
        lcp_get_u32(base, len, LCP_CD_RUNTIME, true, &cd->runtime);
    }
    const char *s;
    if (!lcp_get_cstring(base, len, cd->ident_offset, &s))
        return lcp_error_set(err, LCP_E_MALFORMED, at,
                             "%s at 0x%llx: identifier offset %u outside the blob or not NUL-terminated", what,
                             (unsigned long long)at, cd->ident_offset);
    if (!(cd->identifier = dup_string(s)))
        return lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
    if (cd->team_offset) {
        if (!lcp_get_cstring(base, len, cd->team_offset, &s))
            return lcp_error_set(err, LCP_E_MALFORMED, at,
                                 "%s at 0x%llx: team id offset %u outside the blob or not NUL-terminated", what,
                                 (unsigned long long)at, cd->team_offset);
        if (!(cd->team_id = dup_string(s)))
            return lcp_error_set(err, LCP_E_NOMEM, at, "out of memory");
    }
    /* The hash slots: nspecial before hashOffset, ncode from it. */
    uint64_t special_bytes = (uint64_t)cd->nspecial * cd->hash_size;
    uint64_t code_bytes = (uint64_t)cd->ncode * cd->hash_size, end;
    if (special_bytes > cd->hash_offset || !lcp_add_u64(cd->hash_offset, code_bytes, &end) || end > len)
        return lcp_error_set(err, LCP_E_MALFORMED, at,
                             "%s at 0x%llx: %u special and %u code slots of %u bytes around hash offset %u do not fit "
                             "in its %u bytes",
                             what, (unsigned long long)at, cd->nspecial, cd->ncode, cd->hash_size, cd->hash_offset,
                             len);
    /* The cdhash: the digest of the whole blob with its own hash type. */
    size_t hl = lcp_cs_hash_len(cd->hash_type);
    if (hl) {
        lcp_status st = lcp_cs_hash(cd->hash_type, base, len, cd->cdhash, &cd->cdhash_len, err);
        if (st != LCP_OK)
            return st;
    }
    return LCP_OK;
}

static const uint8_t *slot_view(const lcp_cs_signature *sig, const lcp_cs_codedir *cd, int64_t index) {
    /* index < 0: special slot -index; index >= 0: code slot. */
    int64_t rel = (int64_t)cd->hash_offset + index * (int64_t)cd->hash_size;
    if (rel < 0 || (uint64_t)rel + cd->hash_size > cd->length)
        return NULL;
    const uint8_t *v;
    if (!lcp_get_view(sig->data, sig->len, (size_t)cd->offset + (size_t)rel, cd->hash_size, &v))
        return NULL;
    return v;
}

const uint8_t *lcp_cs_special_slot(const lcp_cs_signature *sig, const lcp_cs_codedir *cd, uint32_t k) {
    if (k == 0 || k > cd->nspecial)
        return NULL;
    return slot_view(sig, cd, -(int64_t)k);
}

const uint8_t *lcp_cs_code_slot(const lcp_cs_signature *sig, const lcp_cs_codedir *cd, uint32_t k) {
    if (k >= cd->ncode)
        return NULL;
    return slot_view(sig, cd, (int64_t)k);
}

static lcp_status parse(const uint8_t *data, size_t len, uint64_t file_offset, lcp_cs_signature *sig, lcp_error *err);

/* On failure sig is left empty (released): no half-validated
 * CodeDirectory is ever handed out. */
lcp_status lcp_cs_parse(const uint8_t *data, size_t len, uint64_t file_offset, lcp_cs_signature *sig, lcp_error *err) {
    lcp_status st = parse(data, len, file_offset, sig, err);
    if (st != LCP_OK)
        lcp_cs_signature_release(sig);
    return st;
}

static lcp_status parse(const uint8_t *data, size_t len, uint64_t file_offset, lcp_cs_signature *sig, lcp_error *err) {
    memset(sig, 0, sizeof *sig);
    sig->cms.signer = -1;
    sig->file_offset = file_offset;
    /* the CodeDirectory hashes and the CMS blob need libcrypto */
    lcp_status need = lcp_need_crypto(err);
    if (need != LCP_OK)
        return need;
    if (!(sig->data = malloc(len ? len : 1)))
        return lcp_error_set(err, LCP_E_NOMEM, file_offset, "out of memory copying the signature");
    if (len)
        memcpy(sig->data, data, len);
    sig->len = len;
    lcp_reader r;
    lcp_reader_init(&r, sig->data, len, true);
    if (!lcp_read_u32(&r, &sig->magic) || !lcp_read_u32(&r, &sig->length) || !lcp_read_u32(&r, &sig->count))
        return lcp_error_set(err, LCP_E_MALFORMED, file_offset,
                             "code signature at 0x%llx: %zu bytes, too short for a SuperBlob header",
                             (unsigned long long)file_offset, len);
    if (sig->magic != LCP_CSMAGIC_EMBEDDED_SIGNATURE)
        return lcp_error_set(err, LCP_E_MALFORMED, file_offset,
                             "code signature at 0x%llx: magic 0x%08x is not an embedded signature (0x%08x)",
                             (unsigned long long)file_offset, sig->magic, LCP_CSMAGIC_EMBEDDED_SIGNATURE);
    if (sig->length < LCP_CS_SUPERBLOB_HEADER_SIZE || sig->length > len)
        return lcp_error_set(err, LCP_E_MALFORMED, file_offset,
                             "code signature at 0x%llx: SuperBlob length %u outside the %zu bytes of LC_CODE_SIGNATURE",
                             (unsigned long long)file_offset, sig->length, len);
    /* Count checked against the bytes that remain before allocating. */
    if ((uint64_t)sig->count * LCP_CS_BLOBINDEX_SIZE > sig->length - LCP_CS_SUPERBLOB_HEADER_SIZE)
        return lcp_error_set(err, LCP_E_MALFORMED, file_offset,
                             "code signature at 0x%llx: %u index entries do not fit in SuperBlob length %u",
                             (unsigned long long)file_offset, sig->count, sig->length);
    if (sig->count && !(sig->blobs = calloc(sig->count, sizeof *sig->blobs)))
        return lcp_error_set(err, LCP_E_NOMEM, file_offset, "out of memory");
    for (uint32_t i = 0; i < sig->count; i++) {
        lcp_cs_blob *b = &sig->blobs[i];
        uint64_t ix = file_offset + LCP_CS_SUPERBLOB_HEADER_SIZE + (uint64_t)i * LCP_CS_BLOBINDEX_SIZE;
        lcp_read_u32(&r, &b->type);
        lcp_read_u32(&r, &b->offset);
        if (b->offset > sig->length || sig->length - b->offset < LCP_CS_GENERICBLOB_HEADER_SIZE ||
            !lcp_get_u32(sig->data, sig->length, b->offset, true, &b->magic) ||
            !lcp_get_u32(sig->data, sig->length, (size_t)b->offset + 4, true, &b->length))
            return lcp_error_set(err, LCP_E_MALFORMED, ix,
                                 "code signature index %u (type 0x%x) at 0x%llx: blob offset %u outside SuperBlob "
                                 "length %u",
                                 i, b->type, (unsigned long long)ix, b->offset, sig->length);
        if (b->length < LCP_CS_GENERICBLOB_HEADER_SIZE || b->length > sig->length - b->offset)
            return lcp_error_set(err, LCP_E_MALFORMED, file_offset + b->offset,
                                 "code signature blob type 0x%x at 0x%llx: length %u outside SuperBlob length %u",
                                 b->type, (unsigned long long)(file_offset + b->offset), b->length, sig->length);
    }
    lcp_status st;
    /* CodeDirectories: the primary first, then the alternates. */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < sig->count; i++) {
            const lcp_cs_blob *b = &sig->blobs[i];
            bool primary = b->type == LCP_CSSLOT_CODEDIRECTORY;
            bool alt = b->type >= LCP_CSSLOT_ALTERNATE_CODEDIRECTORIES &&
                       b->type < LCP_CSSLOT_ALTERNATE_CODEDIRECTORIES + LCP_CSSLOT_ALTERNATE_CODEDIRECTORY_MAX;
            if ((pass == 0 && !primary) || (pass == 1 && !alt))
                continue;
            if (sig->ncds == LCP_CS_MAX_CODEDIRS)
                return lcp_error_set(err, LCP_E_MALFORMED, file_offset + b->offset,
                                     "code signature at 0x%llx: more than %u CodeDirectories",
                                     (unsigned long long)file_offset, LCP_CS_MAX_CODEDIRS);
            st = read_codedir(sig, b->type, b->offset, b->length, &sig->cds[sig->ncds], err);
            sig->ncds++;
            if (st != LCP_OK)
                return st;
        }
    for (uint32_t i = 0; i < sig->count; i++) {
        const lcp_cs_blob *b = &sig->blobs[i];
        const uint8_t *view;
        lcp_get_view(sig->data, sig->len, b->offset, b->length, &view);
        uint64_t at = file_offset + b->offset;
        st = LCP_OK;
        if (b->type == LCP_CSSLOT_REQUIREMENTS)
            st = lcp_cs_read_requirements(sig, view, b->length, at, err);
        else if (b->type == LCP_CSSLOT_ENTITLEMENTS)
            st = lcp_cs_read_entitlements(sig, view, b->length, at, err);
        else if (b->type == LCP_CSSLOT_DER_ENTITLEMENTS)
            st = lcp_cs_read_der_entitlements(sig, view, b->length, at, err);
        else if (b->type == LCP_CSSLOT_SIGNATURESLOT)
            st = lcp_cs_read_cms(sig, view, b->length, at, err);
        if (st != LCP_OK)
            return st;
    }
    return LCP_OK;
}

lcp_status lcp_cs_read(const lcp_source *src, const lcp_image *img, lcp_cs_signature *out, lcp_error *err) {
    memset(out, 0, sizeof *out);
    out->cms.signer = -1;
    long i = lcp_cs_command(img);
    lcp_linkedit_data ld;
    if (i < 0 || !lcp_image_linkedit_data(img, (size_t)i, &ld))
        return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "no LC_CODE_SIGNATURE");
    uint64_t at = img->offset + ld.dataoff;
    if (!lcp_range_ok(ld.dataoff, ld.datasize, img->size) || at > src->size || ld.datasize > src->size - at)
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset + img->header_size + img->lc[i].offset,
                             "load command %ld 'LC_CODE_SIGNATURE': data [%u, +%u) outside the image (%llu bytes)", i,
                             ld.dataoff, ld.datasize, (unsigned long long)img->size);
    /* xnu refuses signatures above 40 MiB (cs_blob_size_max); a larger
     * datasize is not read into memory. */
    if (ld.datasize > LCP_CS_MAX_SIGNATURE_SIZE)
        return lcp_error_set(err, LCP_E_MALFORMED, at,
                             "load command %ld 'LC_CODE_SIGNATURE': datasize %u is larger than any signature (%u)", i,
                             ld.datasize, LCP_CS_MAX_SIGNATURE_SIZE);
    uint8_t *buf = malloc(ld.datasize ? ld.datasize : 1);
    if (!buf)
        return lcp_error_set(err, LCP_E_NOMEM, at, "out of memory reading the signature");
    lcp_status st = lcp_source_read(src, at, buf, ld.datasize, err);
    if (st == LCP_OK)
        st = lcp_cs_parse(buf, ld.datasize, at, out, err);
    free(buf);
    return st;
}

static void free_strings(char **v, size_t n) {
    for (size_t i = 0; i < n && v; i++)
        free(v[i]);
    free(v);
}

void lcp_cs_signature_release(lcp_cs_signature *sig) {
    if (!sig)
        return;
    free(sig->data);
    free(sig->blobs);
    for (size_t i = 0; i < LCP_CS_MAX_CODEDIRS; i++) {
        free(sig->cds[i].identifier);
        free(sig->cds[i].team_id);
    }
    free(sig->designated);
    free_strings(sig->entitlement_keys, sig->nentitlement_keys);
    free(sig->entitlements_xml);
    free_strings(sig->der_entitlement_keys, sig->nder_entitlement_keys);
    for (size_t i = 0; i < sig->cms.ncerts; i++) {
        free(sig->cms.certs[i].subject_cn);
        free(sig->cms.certs[i].subject_ou);
        free(sig->cms.certs[i].subject_o);
        free(sig->cms.certs[i].issuer_cn);
    }
    free(sig->cms.certs);
    free(sig->cms.cdhashes);
    free(sig->cms.cdhash_lens);
    memset(sig, 0, sizeof *sig);
    sig->cms.signer = -1;
}

const char *lcp_cs_flag_name(uint32_t bit) {
    switch (bit) {
    case LCP_CS_VALID: return "valid";
    case LCP_CS_ADHOC: return "adhoc";
    case LCP_CS_GET_TASK_ALLOW: return "get-task-allow";
    case LCP_CS_INSTALLER: return "installer";
    case LCP_CS_FORCED_LV: return "forced-library-validation";
    case LCP_CS_INVALID_ALLOWED: return "invalid-allowed";
    case LCP_CS_HARD: return "hard";
    case LCP_CS_KILL: return "kill";
    case LCP_CS_CHECK_EXPIRATION: return "check-expiration";
    case LCP_CS_RESTRICT: return "restrict";
    case LCP_CS_ENFORCEMENT: return "enforcement";
    case LCP_CS_REQUIRE_LV: return "library-validation";
    case LCP_CS_ENTITLEMENTS_VALIDATED: return "entitlements-validated";
    case LCP_CS_NVRAM_UNRESTRICTED: return "nvram-unrestricted";
    case LCP_CS_RUNTIME: return "runtime";
    case LCP_CS_LINKER_SIGNED: return "linker-signed";
    default: return NULL;
    }
}

const char *lcp_cs_execseg_flag_name(uint64_t bit) {
    switch (bit) {
    case LCP_CS_EXECSEG_MAIN_BINARY: return "main-binary";
    case LCP_CS_EXECSEG_ALLOW_UNSIGNED: return "allow-unsigned";
    case LCP_CS_EXECSEG_DEBUGGER: return "debugger";
    case LCP_CS_EXECSEG_JIT: return "jit";
    case LCP_CS_EXECSEG_SKIP_LV: return "skip-library-validation";
    case LCP_CS_EXECSEG_CAN_LOAD_CDHASH: return "can-load-cdhash";
    case LCP_CS_EXECSEG_CAN_EXEC_CDHASH: return "can-exec-cdhash";
    default: return NULL;
    }
}

const char *lcp_cs_slot_name(uint32_t k) {
    switch (k) {
    case LCP_CSSLOT_INFOSLOT: return "Info.plist";
    case LCP_CSSLOT_REQUIREMENTS: return "requirements";
    case LCP_CSSLOT_RESOURCEDIR: return "resource seal";
    case LCP_CSSLOT_APPLICATION: return "application";
    case LCP_CSSLOT_ENTITLEMENTS: return "entitlements";
    case LCP_CSSLOT_DER_ENTITLEMENTS: return "DER entitlements";
    case LCP_CSSLOT_LAUNCH_CONSTRAINT_SELF: return "launch constraint (self)";
    case LCP_CSSLOT_LAUNCH_CONSTRAINT_PARENT: return "launch constraint (parent)";
    case LCP_CSSLOT_LAUNCH_CONSTRAINT_RESPONSIBLE: return "launch constraint (responsible)";
    case LCP_CSSLOT_LIBRARY_CONSTRAINT: return "library constraint";
    default: return NULL;
    }
}

const char *lcp_cs_kind(const lcp_cs_signature *sig) {
    if (sig->ncds == 0)
        return "unknown";
    if (sig->cds[0].flags & LCP_CS_LINKER_SIGNED)
        return "linker-signed";
    if (sig->has_cms && sig->cms.parsed && sig->cms.signer >= 0)
        return "certificate";
    if (sig->cds[0].flags & LCP_CS_ADHOC)
        return "adhoc";
    if (sig->has_cms && sig->cms.parsed && sig->cms.ncerts)
        return "certificate";
    return "unknown";
}
