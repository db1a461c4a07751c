/* libFuzzer harness for codesign's ad-hoc signature (src/edit/sign_adhoc.c)
 * and the entitlements DER encoder (src/edit/ent_der.c). Any bytes:
 *   - as entitlements XML: lcp_entitlements_der encodes them or fails
 *     cleanly (a message, no output), and what it encodes starts with the
 *     [APPLICATION 16] header over exactly the rest;
 *   - as a Mach-O file (the replay feeds tests/binaries): when
 *     lcp_sign_adhoc_file accepts it, with an identifier and entitlements,
 *     the result reads back, every image's signature is ad hoc and verifies
 *     as valid (lcp_cs_check), and the result can be signed again, valid
 *     again. (Not byte for byte: bytes at the end of __LINKEDIT that no
 *     table covers survive the first signing, as codesign_allocate keeps
 *     __LINKEDIT whole, and are dropped by the second, which rebuilds from
 *     the tables: tests/fuzz/regressions/sign-slack-after-last-command.)
 *     And the signed file's every image, re-signed as an edit re-signs it
 *     (lcp_sign_edited, carrying the old signature's identifier, flags,
 *     entitlements...), gives exactly the second signing's bytes.
 * Any failure of these properties aborts (a finding). */
#include "fuzz_common.h"
#include "lcpatch/codesign.h"
#include "lcpatch/sign.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ents[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n"
                           "<key>get-task-allow</key><true/><key>k</key><array><string>v</string>"
                           "<integer>-7</integer></array></dict></plist>\n";

static void der(const uint8_t *data, size_t size) {
    uint8_t *out = NULL;
    size_t len = 0;
    uint64_t flags = 0;
    lcp_error err;
    if (lcp_entitlements_der(data, size, &out, &len, &flags, &err) != LCP_OK) {
        if (out || len || err.message[0] == '\0')
            abort(); /* a failure leaves nothing and says why */
        return;
    }
    /* 0x70, then a DER length over exactly the rest */
    if (len < 2 || out[0] != 0x70)
        abort();
    size_t hdr = 2, body = out[1];
    if (out[1] & 0x80) {
        size_t n = out[1] & 0x7fu;
        if (n == 0 || n > 4 || len < 2 + n)
            abort();
        body = 0;
        for (size_t k = 0; k < n; k++)
            body = body << 8 | out[2 + k];
        hdr += n;
    }
    if (hdr + body != len)
        abort();
    free(out);
}

/* Signs f; on success the output's bytes (owned) in *out. */
static bool sign(const lcp_file *f, uint8_t **out, size_t *len) {
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    lcp_adhoc_opts o = {"com.example.fuzz", "fuzz.out", true, (const uint8_t *)ents, sizeof ents - 1, NULL, 0, NULL, 0};
    bool ok = lcp_sign_adhoc_file(f, &o, &p, &err) == LCP_OK;
    if (!ok && err.message[0] == '\0')
        abort();
    if (ok && lcp_plan_write_memory(&p, &f->src, out, len, &err) != LCP_OK)
        abort(); /* a plan the signer made must materialise */
    lcp_plan_release(&p);
    return ok;
}

/* Every image of the signed bytes is ad hoc and valid. */
static void check_valid(const uint8_t *out, size_t len, lcp_file **g) {
    lcp_error err;
    if (lcp_file_open_memory(out, len, "fuzz-signed", g, &err) != LCP_OK)
        abort(); /* sign wrote something we cannot read back */
    for (size_t i = 0; i < (*g)->nslices; i++) {
        const lcp_image *img = (*g)->slices[i].image;
        if (!img)
            continue;
        lcp_cs_signature sig;
        lcp_cs_result res;
        memset(&sig, 0, sizeof sig);
        if (lcp_cs_check(&(*g)->src, img, NULL, &sig, &res, &err) != LCP_OK || res.verdict != LCP_CSV_VALID ||
            strcmp(lcp_cs_kind(&sig), "adhoc") != 0)
            abort(); /* what sign --adhoc writes verifies */
        lcp_cs_signature_release(&sig);
    }
}

/* lcp_sign_edited over every image of g (signed by sign()): the same bytes
 * as signing g again with the same options. */
static void resign_equals_sign(lcp_file *g, const uint8_t *again, size_t alen) {
    lcp_image **imgs = calloc(g->nslices ? g->nslices : 1, sizeof *imgs);
    size_t n = 0;
    if (imgs == NULL)
        abort();
    for (size_t i = 0; i < g->nslices; i++)
        if (g->slices[i].image)
            imgs[n++] = g->slices[i].image;
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    bool resigned = false;
    uint8_t *out = NULL;
    size_t len = 0;
    if (lcp_sign_edited(g, imgs, n, &p, &resigned, &err) != LCP_OK || !resigned ||
        lcp_plan_write_memory(&p, &g->src, &out, &len, &err) != LCP_OK)
        abort(); /* codesign's ad-hoc signature is made again */
    if (len != alen || memcmp(out, again, len) != 0)
        abort(); /* as sign --adhoc with the same options makes it */
    free(out);
    lcp_plan_release(&p);
    free(imgs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    der(data, size);
    lcp_file *f = NULL;
    lcp_error err;
    if (lcp_file_open_memory(data, size, "fuzz-in", &f, &err) != LCP_OK)
        return 0;
    uint8_t *out = NULL;
    size_t len = 0;
    if (sign(f, &out, &len)) {
        lcp_file *g = NULL, *h = NULL;
        check_valid(out, len, &g);
        uint8_t *again = NULL;
        size_t alen = 0;
        if (!sign(g, &again, &alen))
            abort(); /* what was signed can be signed again */
        check_valid(again, alen, &h);
        resign_equals_sign(g, again, alen);
        lcp_file_free(h);
        free(again);
        lcp_file_free(g);
        free(out);
    }
    lcp_file_free(f);
    return 0;
}
