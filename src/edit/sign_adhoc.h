/* codesign's ad-hoc signer, one slice at a time (src/edit/sign_adhoc.c),
 * shared with the re-signer of edited slices (src/edit/resign_adhoc.c):
 * what goes into one slice's signature. Not part of the public API. */
#ifndef LCP_EDIT_SIGN_ADHOC_H
#define LCP_EDIT_SIGN_ADHOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "edit/internal.h"
#include "lcpatch/codesign.h"
#include "lcpatch/sign.h"

/* One blob of the SuperBlob besides the CodeDirectories and the CMS. */
typedef struct component {
    uint32_t slot;
    uint8_t *bytes; /* owned, the whole blob (magic, length, payload) */
    size_t len;
} component;

/* What an old ad-hoc signature gives the new one when a slice is signed
 * again after an edit (carry.on): its CodeDirectory flags and runtime
 * version, its hash types (in its order: SHA-1 first when it had one),
 * and its Info.plist (1) and resource seal (3) slot hashes as they were
 * (they hash files beside the image, which the edit did not change and
 * lcpatch may not have). Off: everything is derived as codesign does. */
typedef struct adhoc_carry {
    bool on;
    uint32_t flags;
    bool has_runtime;
    uint32_t runtime;
    size_t ntypes;
    uint8_t types[2];
    bool has_slot[2][LCP_CSSLOT_RESOURCEDIR + 1];
    uint8_t slot[2][LCP_CSSLOT_RESOURCEDIR + 1][LCP_CS_MAX_DIGEST];
} adhoc_carry;

/* Everything one slice's signature is made of: the options, the
 * identifier, the blobs (made once per file, or per slice when carried). */
typedef struct adhoc_ctx {
    const lcp_adhoc_opts *o;
    char ident[1024];
    component comps[3]; /* requirements, entitlements, DER entitlements */
    size_t ncomps;
    uint64_t ent_execseg; /* exec-segment flags the entitlements imply */
    adhoc_carry carry;
} adhoc_ctx;

/* The requirement set ad hoc signing writes: no requirements. */
extern const uint8_t lcp_adhoc_empty_requirements[12];

/* A generic blob: magic, length, payload (c->bytes owned). */
lcp_status lcp_adhoc_make_blob(component *c, uint32_t slot, uint32_t magic, const uint8_t *payload, size_t len,
                               lcp_error *err);

/* Signs slice i of f as codesign signs it, from ctx (an adhoc_ctx): an
 * lcp_slice_sign_fn. */
lcp_status lcp_adhoc_sign_slice(void *ctx, const lcp_file *f, size_t i, lcp_signed_slice *out, uint64_t *size,
                                lcp_error *err);

/* Signs edited slice i of f again ad hoc, as its old signature (still
 * named by the image's LC_CODE_SIGNATURE, in f's input bytes) was made:
 * same identifier, flags, runtime version, hash types, requirements,
 * entitlements, and Info.plist / resource seal slots (resign_adhoc.c). */
lcp_status lcp_adhoc_resign_slice(const lcp_file *f, size_t i, lcp_signed_slice *out, uint64_t *size, lcp_error *err);

/* True when sig is an ad-hoc signature codesign made (not the linker's,
 * no signer in its CMS) that lcp_adhoc_resign_slice can make again: one
 * or two CodeDirectories of known hash types. */
bool lcp_adhoc_resignable(const lcp_cs_signature *sig);

#endif
