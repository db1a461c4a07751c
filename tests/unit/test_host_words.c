/* Unit tests: lcp_image_host_word, the load commands as a little-endian
 * host holds them once every field is swapped to its byte order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lcpatch/lcpatch.h"

#define BIN "tests/binaries/"

/* "__PA", the start of __PAGEZERO, as a little-endian word */
#define PAGEZERO_WORD 0x41505f5fu

static void words_of_a_big_endian_segment(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "hello-ppc", &f, &err), LCP_OK);
    const lcp_image *img = f->slices[0].image;
    assert_true(img->big_endian);
    assert_int_equal(img->lc[0].cmd, LCP_LC_SEGMENT);
    uint32_t w;
    assert_true(lcp_image_host_word(img, 0, &w));
    assert_int_equal(w, LCP_LC_SEGMENT); /* numbers as values */
    assert_true(lcp_image_host_word(img, 4, &w));
    assert_int_equal(w, img->lc[0].cmdsize);
    assert_true(lcp_image_host_word(img, 8, &w));
    assert_int_equal(w, PAGEZERO_WORD); /* names as bytes */
    assert_true(lcp_image_host_word(img, 28, &w));
    assert_int_equal(w, 0x1000); /* vmsize */
    assert_true(lcp_image_host_word(img, img->sizeofcmds - 4, &w));
    assert_false(lcp_image_host_word(img, img->sizeofcmds - 3, &w));
    lcp_file_free(f);
}

static void halves_of_a_64_bit_field(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "hello-x86_64", &f, &err), LCP_OK);
    const lcp_image *img = f->slices[0].image;
    assert_int_equal(img->lc[0].cmd, LCP_LC_SEGMENT_64);
    uint32_t w;
    assert_true(lcp_image_host_word(img, 8, &w));
    assert_int_equal(w, PAGEZERO_WORD);
    assert_true(lcp_image_host_word(img, 32, &w)); /* vmsize 0x100000000: low half */
    assert_int_equal(w, 0);
    assert_true(lcp_image_host_word(img, 36, &w)); /* high half */
    assert_int_equal(w, 1);
    lcp_file_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(words_of_a_big_endian_segment),
        cmocka_unit_test(halves_of_a_64_bit_field),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
