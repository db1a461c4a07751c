/* libFuzzer harness for the code-signature reader and verifier: any bytes
 * -> a decoded SuperBlob (CodeDirectories, requirements, entitlements,
 * CMS through libcrypto) or a clean error, and a verification that fails
 * cleanly. Two input shapes:
 *   - a Mach-O file (thin, fat, archive: what the replay of tests/binaries
 *     feeds): every image's LC_CODE_SIGNATURE is read and verified;
 *   - anything else: the bytes are the signature itself (the libFuzzer
 *     seeds: signature blobs cut out of signed files by seed.sh), verified
 *     against the same bytes taken as the code.
 * Checks beyond "no sanitizer report": an error has a message and a known
 * status; every string and view the reader hands back lies in bounds. */
#include "fuzz_common.h"
#include "lcpatch/codesign.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned walk_signature(const lcp_cs_signature *sig) {
    unsigned sink = 0;
    for (size_t i = 0; i < sig->ncds; i++) {
        const lcp_cs_codedir *cd = &sig->cds[i];
        sink += lcp_fuzz_touch(cd->identifier) + lcp_fuzz_touch(cd->team_id);
        for (uint32_t k = 1; k <= cd->nspecial && k < 64; k++) {
            const uint8_t *s = lcp_cs_special_slot(sig, cd, k);
            if (s && cd->hash_size) /* a 0-byte slot is an empty view */
                sink += s[cd->hash_size - 1u];
        }
        for (uint32_t k = 0; k < cd->ncode && k < 64; k++) {
            const uint8_t *s = lcp_cs_code_slot(sig, cd, k);
            if (!s && cd->hash_size)
                abort(); /* the reader promised the slots fit */
            if (s && cd->hash_size)
                sink += s[cd->hash_size - 1u];
        }
    }
    sink += lcp_fuzz_touch(sig->designated) + lcp_fuzz_touch(sig->entitlements_xml);
    for (size_t i = 0; i < sig->nentitlement_keys; i++)
        sink += lcp_fuzz_touch(sig->entitlement_keys[i]);
    for (size_t i = 0; i < sig->nder_entitlement_keys; i++)
        sink += lcp_fuzz_touch(sig->der_entitlement_keys[i]);
    for (size_t i = 0; i < sig->cms.ncerts; i++)
        sink += lcp_fuzz_touch(sig->cms.certs[i].subject_cn) + lcp_fuzz_touch(sig->cms.certs[i].issuer_cn) +
                lcp_fuzz_touch(sig->cms.certs[i].subject_ou);
    sink += lcp_fuzz_touch(lcp_cs_kind(sig));
    return sink;
}

static void check_error(const lcp_error *err) {
    if (err->message[0] == '\0' || lcp_status_name(err->status) == NULL)
        abort();
}

static int verify_image(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    unsigned *sink = ctx;
    (void)slice;
    (void)m;
    lcp_cs_signature sig;
    lcp_cs_result res;
    lcp_error err;
    memset(&err, 0, sizeof err);
    lcp_status st = lcp_cs_check(&f->src, img, NULL, &sig, &res, &err);
    if (st != LCP_OK)
        check_error(&err);
    else {
        *sink += (unsigned)res.verdict + walk_signature(&sig);
        if (res.verdict == LCP_CSV_INVALID && res.message[0] == '\0')
            abort();
    }
    lcp_cs_signature_release(&sig);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    unsigned sink = 0;
    lcp_file *f = NULL;
    lcp_error err;
    memset(&err, 0, sizeof err);
    if (lcp_file_open_memory(data, size, "fuzz", &f, &err) == LCP_OK) {
        lcp_file_visit_images(f, verify_image, &sink);
        lcp_file_free(f);
        return (int)(sink & 0);
    }
    lcp_cs_signature sig;
    memset(&err, 0, sizeof err);
    lcp_status st = lcp_cs_parse(data, size, 0, &sig, &err);
    if (st != LCP_OK)
        check_error(&err);
    else {
        sink += walk_signature(&sig);
        /* The same bytes as the code the signature covers. */
        lcp_source src = {-1, data, size};
        lcp_image img;
        memset(&img, 0, sizeof img);
        img.size = size;
        lcp_cs_result res;
        if (lcp_cs_verify(&src, &img, &sig, NULL, &res, &err) == LCP_OK)
            sink += (unsigned)res.verdict;
        else
            check_error(&err);
    }
    lcp_cs_signature_release(&sig);
    /* A lone requirement blob, for the decompiler. */
    char *text = lcp_cs_requirement_text(data, size);
    sink += lcp_fuzz_touch(text);
    free(text);
    return (int)(sink & 0);
}
