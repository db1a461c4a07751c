/* Unit tests: lcp_plan_apple_edit, the write of Apple's install_name_tool
 * after an edit in place: a linker-signed slice signed again where its
 * signature was, any other written as Apple's tool writes it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lcpatch/dylib_edit.h"
#include "lcpatch/lcpatch.h"
#include "lcpatch/sign.h"

#define BIN "tests/binaries/"

/* Adds an rpath to path's first slice, plans the write, and returns the
 * output reopened (*bytes holds it); *resigned as the plan says. */
static lcp_file *edit(const char *path, lcp_file **in, bool *resigned, uint8_t **bytes) {
    lcp_error err;
    assert_int_equal(lcp_file_open(path, in, &err), LCP_OK);
    lcp_image *img = (*in)->slices[0].image;
    lcp_name_edit e = {LCP_NAME_ADD_RPATH, NULL, "@loader_path/x"};
    assert_int_equal(lcp_image_edit_names(img, &e, 1, 0, NULL, &err), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_apple_edit(*in, &img, 1, resigned, &p, &err), LCP_OK);
    size_t len;
    assert_int_equal(lcp_plan_write_memory(&p, &(*in)->src, bytes, &len, &err), LCP_OK);
    lcp_plan_release(&p);
    lcp_file *out;
    assert_int_equal(lcp_file_open_memory(*bytes, len, "out", &out, &err), LCP_OK);
    return out;
}

static void signs_a_linker_signed_slice_again_in_place(void **state) {
    (void)state;
    lcp_file *in;
    bool resigned = false;
    uint8_t *bytes;
    lcp_file *out = edit(BIN "signed-arm64", &in, &resigned, &bytes);
    assert_true(resigned);
    const lcp_image *img = out->slices[0].image;
    assert_true(lcp_image_linker_signed(&out->src, img));
    /* the signature keeps its index; the new rpath follows it */
    long sig = lcp_image_find(in->slices[0].image, LCP_LC_CODE_SIGNATURE, 0);
    assert_int_equal(lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0), sig);
    assert_int_equal(img->lc[img->ncmds - 1].cmd, LCP_LC_RPATH);
    lcp_file_free(out);
    lcp_file_free(in);
    free(bytes);
}

static void writes_an_unsigned_slice_in_place(void **state) {
    (void)state;
    lcp_file *in;
    bool resigned = true;
    uint8_t *bytes;
    lcp_file *out = edit(BIN "hello-x86_64", &in, &resigned, &bytes);
    assert_false(resigned);
    assert_int_equal(out->src.size, in->src.size);
    assert_int_equal(out->slices[0].image->ncmds, in->slices[0].image->ncmds);
    assert_int_equal(lcp_image_find(out->slices[0].image, LCP_LC_CODE_SIGNATURE, 0), -1);
    lcp_file_free(out);
    lcp_file_free(in);
    free(bytes);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signs_a_linker_signed_slice_again_in_place),
        cmocka_unit_test(writes_an_unsigned_slice_in_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
