/* Unit tests: making room for a signature (codesign_allocate -a), the
 * linker's signature (sign --linker-signed) and re-signing after an edit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcpatch/codesign.h"
#include "lcpatch/codesign_format.h"
#include "lcpatch/dylib_edit.h"
#include "lcpatch/lcpatch.h"

#define BIN "tests/binaries/"

static uint8_t *slurp(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return b;
}

/* The committed ld64.lld outputs, signed again, are the linker's bytes. */
static void resigning_a_linker_output_gives_it_back(void **state) {
    (void)state;
    const char *names[] = {"signed-arm64", "libdemo-arm64.dylib", "calls-arm64"};
    for (size_t k = 0; k < 3; k++) {
        char path[256];
        snprintf(path, sizeof path, BIN "%s", names[k]);
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(path, &f, &err), LCP_OK);
        assert_true(lcp_image_linker_signed(&f->src, f->slices[0].image));
        lcp_plan p;
        lcp_plan_init(&p);
        lcp_sign_opts o = {NULL, names[k], LCP_SIGN_LLD};
        assert_int_equal(lcp_sign_linker_file(f, &o, &p, &err), LCP_OK);
        uint8_t *got;
        size_t n, want_n;
        assert_int_equal(lcp_plan_write_memory(&p, &f->src, &got, &n, &err), LCP_OK);
        uint8_t *want = slurp(path, &want_n);
        assert_int_equal(n, want_n);
        assert_memory_equal(got, want, n);
        free(got);
        free(want);
        lcp_plan_release(&p);
        lcp_file_free(f);
    }
}

/* Another identifier changes the CodeDirectory, and nothing before it. */
static void identifier_is_written(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "signed-arm64", &f, &err), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_sign_opts o = {"com.example.a-much-longer-identifier", "x", LCP_SIGN_LLD};
    assert_int_equal(lcp_sign_linker_file(f, &o, &p, &err), LCP_OK);
    uint8_t *got;
    size_t n;
    assert_int_equal(lcp_plan_write_memory(&p, &f->src, &got, &n, &err), LCP_OK);
    long sig = lcp_image_find(f->slices[0].image, LCP_LC_CODE_SIGNATURE, 0);
    lcp_linkedit_data cs;
    assert_true(lcp_image_linkedit_data(f->slices[0].image, (size_t)sig, &cs));
    /* CodeDirectory at 24: identifier at its offset 88 */
    assert_memory_equal(got + cs.dataoff + 24 + 88, o.identifier, strlen(o.identifier) + 1);
    /* page 0's hash is the SHA-256 of the output's first page */
    uint8_t h[LCP_CS_MAX_DIGEST];
    size_t hlen;
    assert_int_equal(lcp_cs_hash(LCP_CS_HASHTYPE_SHA256, got, 4096, h, &hlen, &err), LCP_OK);
    uint32_t hashoff = (uint32_t)got[cs.dataoff + 24 + 16] << 24 | (uint32_t)got[cs.dataoff + 24 + 17] << 16 |
                       (uint32_t)got[cs.dataoff + 24 + 18] << 8 | got[cs.dataoff + 24 + 19];
    assert_memory_equal(got + cs.dataoff + 24 + hashoff, h, 32);
    free(got);
    lcp_plan_release(&p);
    lcp_file_free(f);
}

static void sigspace_adds_the_command_and_room(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "hello-x86_64", &f, &err), LCP_OK);
    assert_false(lcp_image_linker_signed(&f->src, f->slices[0].image));
    lcp_image *img;
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    uint32_t ncmds = img->ncmds, sizeofcmds = img->sizeofcmds;
    uint64_t copy_end, size;
    lcp_sigspace req = {1024, false, false};
    assert_int_equal(lcp_sigspace_image(img, &req, &copy_end, &size, &err), LCP_OK);
    assert_int_equal(img->ncmds, ncmds + 1);
    assert_int_equal(img->sizeofcmds, sizeofcmds + 16);
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    assert_int_equal(sig, (long)ncmds);
    lcp_linkedit_data cs;
    assert_true(lcp_image_linkedit_data(img, (size_t)sig, &cs));
    assert_int_equal(cs.dataoff % 16, 0);
    assert_true(cs.dataoff >= copy_end && cs.dataoff - copy_end < 16);
    assert_int_equal(size, (uint64_t)cs.dataoff + 1024);
    /* -p: the page (4 KiB here), the string table grown to reach it */
    lcp_image_free(img);
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    req.page_align = true;
    assert_int_equal(lcp_sigspace_image(img, &req, &copy_end, &size, &err), LCP_OK);
    assert_true(lcp_image_linkedit_data(img, (size_t)lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0), &cs));
    assert_int_equal(cs.dataoff % 4096, 0);
    assert_int_equal(lcp_image_seg_align(img), 12);
    lcp_image_free(img);
    /* not a multiple of 16 */
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    req.datasize = 1000;
    assert_int_equal(lcp_sigspace_image(img, &req, &copy_end, &size, &err), LCP_E_USAGE);
    lcp_image_free(img);
    lcp_file_free(f);
}

static void sigspace_refuses_without_room(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "nospace.dylib", &f, &err), LCP_OK);
    lcp_image *img;
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    uint32_t ncmds = img->ncmds;
    uint64_t copy_end, size;
    lcp_sigspace req = {4096, false, false};
    assert_int_equal(lcp_sigspace_image(img, &req, &copy_end, &size, &err), LCP_E_NOSPACE);
    assert_non_null(strstr(err.message, "-headerpad"));
    assert_int_equal(img->ncmds, ncmds); /* untouched */
    lcp_image_free(img);
    lcp_file_free(f);
}

/* An edited linker-signed image is signed again; --no-resign's plan is not. */
static void edited_images_are_resigned(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "libdemo-arm64.dylib", &f, &err), LCP_OK);
    lcp_image *img = f->slices[0].image;
    lcp_plan p;
    lcp_plan_init(&p);
    bool resigned = true;
    /* nothing edited: the plain plan */
    assert_int_equal(lcp_sign_edited(f, NULL, 0, &p, &resigned, &err), LCP_OK);
    assert_false(resigned);
    assert_true(lcp_plan_is_identity(&p, &f->src));
    lcp_plan_release(&p);
    lcp_plan_init(&p);
    lcp_image *edited[1] = {img};
    assert_int_equal(lcp_sign_edited(f, edited, 1, &p, &resigned, &err), LCP_OK);
    assert_true(resigned);
    /* the image was not changed, so signing it again gives the same bytes */
    uint8_t *got;
    size_t n, want_n;
    assert_int_equal(lcp_plan_write_memory(&p, &f->src, &got, &n, &err), LCP_OK);
    uint8_t *want = slurp(BIN "libdemo-arm64.dylib", &want_n);
    assert_int_equal(n, want_n);
    assert_memory_equal(got, want, n);
    free(got);
    free(want);
    lcp_plan_release(&p);
    lcp_file_free(f);
}

/* The index of LC_CODE_SIGNATURE and of the last command in the output of
 * a re-sign after appending an LC_RPATH to libdemo-arm64.dylib. */
static void resign_after_add_rpath(bool keep_order, long *sig, long *last) {
    lcp_file *f, *o;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "libdemo-arm64.dylib", &f, &err), LCP_OK);
    lcp_image *img = f->slices[0].image;
    lcp_name_edit e = {LCP_NAME_ADD_RPATH, NULL, "@loader_path/../lib"};
    lcp_name_report rep;
    assert_int_equal(lcp_image_edit_names(img, &e, 1, 0, &rep, &err), LCP_OK);
    lcp_name_report_release(&rep);
    lcp_plan p;
    lcp_plan_init(&p);
    bool resigned = false;
    lcp_image *edited[1] = {img};
    assert_int_equal(keep_order ? lcp_sign_edited_in_place(f, edited, 1, &p, &resigned, &err)
                                : lcp_sign_edited(f, edited, 1, &p, &resigned, &err),
                     LCP_OK);
    assert_true(resigned);
    uint8_t *got;
    size_t n;
    assert_int_equal(lcp_plan_write_memory(&p, &f->src, &got, &n, &err), LCP_OK);
    assert_int_equal(lcp_file_open_memory(got, n, "out", &o, &err), LCP_OK);
    const lcp_image *out = o->slices[0].image;
    assert_int_equal(out->ncmds, img->ncmds);
    *sig = lcp_image_find(out, LCP_LC_CODE_SIGNATURE, 0);
    *last = (long)out->ncmds - 1;
    assert_int_equal(out->lc[*last].cmd == LCP_LC_RPATH, keep_order);
    lcp_file_free(o);
    free(got);
    lcp_plan_release(&p);
    lcp_file_free(f);
}

/* Xcode's install_name_tool leaves LC_CODE_SIGNATURE where it was (an
 * appended LC_RPATH after it); the native editors put it last, as a
 * linker does. */
static void keep_order_leaves_the_signature_command_in_place(void **state) {
    (void)state;
    long sig, last;
    resign_after_add_rpath(true, &sig, &last);
    assert_int_equal(sig, last - 1);
    resign_after_add_rpath(false, &sig, &last);
    assert_int_equal(sig, last);
}

/* codesign's ad-hoc signature (sign --adhoc) of an edited image is made
 * again by the native path, with the old identifier and flags, and equals
 * signing the edited image with the same options; Apple's path
 * (lcp_sign_edited_in_place) leaves it, as Apple's tools do. */
static void codesign_adhoc_signatures_are_resigned_natively(void **state) {
    (void)state;
    lcp_file *f, *g, *h;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "libdemo-arm64.dylib", &f, &err), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    static const char ent[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
                              "<key>com.apple.security.cs.allow-jit</key><true/></dict></plist>\n";
    lcp_adhoc_opts o = {"com.example.x", "libdemo", true, (const uint8_t *)ent, sizeof ent - 1, NULL, 0, NULL, 0};
    assert_int_equal(lcp_sign_adhoc_file(f, &o, &p, &err), LCP_OK);
    uint8_t *signed_bytes, *a, *b;
    size_t sn, an, bn;
    assert_int_equal(lcp_plan_write_memory(&p, &f->src, &signed_bytes, &sn, &err), LCP_OK);
    lcp_plan_release(&p);
    assert_int_equal(lcp_file_open_memory(signed_bytes, sn, "signed", &g, &err), LCP_OK);
    lcp_image *img = g->slices[0].image;
    assert_false(lcp_image_linker_signed(&g->src, img));
    assert_true(lcp_image_adhoc_signed(&g->src, img));
    assert_false(lcp_image_adhoc_signed(&f->src, f->slices[0].image)); /* the linker's */
    lcp_name_edit e = {LCP_NAME_ADD_RPATH, NULL, "@loader_path/../lib"};
    lcp_name_report rep;
    assert_int_equal(lcp_image_edit_names(img, &e, 1, 0, &rep, &err), LCP_OK);
    lcp_name_report_release(&rep);
    lcp_image *edited[1] = {img};
    bool resigned = true;
    lcp_plan_init(&p);
    assert_int_equal(lcp_sign_edited_in_place(g, edited, 1, &p, &resigned, &err), LCP_OK);
    assert_false(resigned); /* Apple's tools re-sign linker signatures only */
    lcp_plan_release(&p);
    lcp_plan_init(&p);
    assert_int_equal(lcp_sign_edited(g, edited, 1, &p, &resigned, &err), LCP_OK);
    assert_true(resigned);
    assert_int_equal(lcp_plan_write_memory(&p, &g->src, &a, &an, &err), LCP_OK);
    lcp_plan_release(&p);
    /* the edit left stale, then signed with the same options: the same bytes */
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_edited_images(g, edited, 1, &p, &err), LCP_OK);
    uint8_t *stale;
    size_t stn;
    assert_int_equal(lcp_plan_write_memory(&p, &g->src, &stale, &stn, &err), LCP_OK);
    lcp_plan_release(&p);
    assert_int_equal(lcp_file_open_memory(stale, stn, "stale", &h, &err), LCP_OK);
    lcp_plan_init(&p);
    assert_int_equal(lcp_sign_adhoc_file(h, &o, &p, &err), LCP_OK);
    assert_int_equal(lcp_plan_write_memory(&p, &h->src, &b, &bn, &err), LCP_OK);
    lcp_plan_release(&p);
    assert_int_equal(an, bn);
    assert_memory_equal(a, b, an);
    /* and it verifies, under the old identifier */
    lcp_file *r;
    assert_int_equal(lcp_file_open_memory(a, an, "resigned", &r, &err), LCP_OK);
    lcp_cs_signature sig;
    lcp_cs_result res;
    memset(&sig, 0, sizeof sig);
    assert_int_equal(lcp_cs_check(&r->src, r->slices[0].image, NULL, &sig, &res, &err), LCP_OK);
    assert_int_equal(res.verdict, LCP_CSV_VALID);
    assert_string_equal(sig.cds[0].identifier, "com.example.x");
    assert_int_equal(sig.cds[0].flags, LCP_CS_ADHOC | LCP_CS_RUNTIME);
    assert_true(sig.has_entitlements);
    lcp_cs_signature_release(&sig);
    lcp_file_free(r);
    lcp_file_free(h);
    lcp_file_free(g);
    lcp_file_free(f);
    free(a);
    free(b);
    free(stale);
    free(signed_bytes);
}

/* lcp_plan_read gives the bytes lcp_plan_write_memory gives, across pieces. */
static void plan_read_matches_memory(void **state) {
    (void)state;
    static const uint8_t src_bytes[] = "0123456789abcdef";
    lcp_source src = {-1, src_bytes, 16};
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    assert_int_equal(lcp_plan_add_bytes(&p, "XY", 2, &err), LCP_OK);
    assert_int_equal(lcp_plan_add_copy(&p, 4, 8, &err), LCP_OK);
    assert_int_equal(lcp_plan_add_zeros(&p, 3, &err), LCP_OK);
    assert_int_equal(lcp_plan_add_copy(&p, 0, 2, &err), LCP_OK);
    uint8_t *all;
    size_t n;
    assert_int_equal(lcp_plan_write_memory(&p, &src, &all, &n, &err), LCP_OK);
    for (size_t off = 0; off < n; off++)
        for (size_t len = 0; off + len <= n; len++) {
            uint8_t buf[32];
            assert_int_equal(lcp_plan_read(&p, &src, off, buf, len, &err), LCP_OK);
            assert_memory_equal(buf, all + off, len);
        }
    uint8_t b[2];
    assert_int_equal(lcp_plan_read(&p, &src, n - 1, b, 2, &err), LCP_E_USAGE);
    free(all);
    lcp_plan_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resigning_a_linker_output_gives_it_back),
        cmocka_unit_test(identifier_is_written),
        cmocka_unit_test(sigspace_adds_the_command_and_room),
        cmocka_unit_test(sigspace_refuses_without_room),
        cmocka_unit_test(edited_images_are_resigned),
        cmocka_unit_test(keep_order_leaves_the_signature_command_in_place),
        cmocka_unit_test(codesign_adhoc_signatures_are_resigned_natively),
        cmocka_unit_test(plan_read_matches_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
