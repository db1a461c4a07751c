/* Unit tests: codesign_allocate -a over a whole file (lcp_sigspace_file):
 * the named slices get their room, the others keep theirs, and a failure
 * says where it stopped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lcpatch/lcpatch.h"

#define BIN "tests/binaries/"

static uint8_t *out_bytes; /* what *out reads, until done() */

/* lcp_sigspace_file over path with archs; the output in memory, reopened
 * as *out (NULL when the run failed: then its status and stop). */
static lcp_status run(const char *path, lcp_sigspace_arch *archs, size_t n, lcp_file **in, lcp_file **out,
                      lcp_sigspace_stop *at) {
    lcp_error err;
    assert_int_equal(lcp_file_open(path, in, &err), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_status st = lcp_sigspace_file(*in, archs, n, false, &p, at, &err);
    *out = NULL;
    if (st == LCP_OK) {
        size_t len;
        assert_int_equal(lcp_plan_write_memory(&p, &(*in)->src, &out_bytes, &len, &err), LCP_OK);
        assert_int_equal(lcp_file_open_memory(out_bytes, len, "out", out, &err), LCP_OK);
    }
    lcp_plan_release(&p);
    return st;
}

static void done(lcp_file *in, lcp_file *out) {
    lcp_file_free(out);
    lcp_file_free(in);
    free(out_bytes);
    out_bytes = NULL;
}

/* The size of img's signature data, 0 without one; it ends the image. */
static uint32_t signature_size(const lcp_image *img) {
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    lcp_linkedit_data cs;
    if (sig < 0 || !lcp_image_linkedit_data(img, (size_t)sig, &cs))
        return 0;
    assert_int_equal((uint64_t)cs.dataoff + cs.datasize, img->size);
    return cs.datasize;
}

static void makes_room_in_the_named_slice_only(void **state) {
    (void)state;
    lcp_sigspace_arch archs[] = {{LCP_CPU_TYPE_X86_64, 3, 4096, false}};
    lcp_file *in, *out;
    lcp_sigspace_stop at;
    assert_int_equal(run(BIN "legacy-fat.dylib", archs, 1, &in, &out, &at), LCP_OK);
    assert_true(archs[0].found);
    assert_null(at.image);
    assert_int_equal(out->nslices, in->nslices);
    for (size_t i = 0; i < out->nslices; i++) {
        const lcp_image *img = out->slices[i].image;
        assert_int_equal(img->cputype, in->slices[i].image->cputype);
        if (img->cputype == LCP_CPU_TYPE_X86_64)
            assert_int_equal(signature_size(img), 4096);
        else
            assert_int_equal(signature_size(img), signature_size(in->slices[i].image));
    }
    done(in, out);
}

static void replaces_a_signature_and_removes_one_for_size_zero(void **state) {
    (void)state;
    uint32_t sizes[] = {1024, 0};
    for (size_t k = 0; k < 2; k++) {
        lcp_sigspace_arch archs[] = {{LCP_CPU_TYPE_ARM64, 0, sizes[k], false}};
        lcp_file *in, *out;
        lcp_sigspace_stop at;
        assert_int_equal(run(BIN "signed-arm64", archs, 1, &in, &out, &at), LCP_OK);
        assert_true(signature_size(in->slices[0].image) > 0);
        assert_int_equal(signature_size(out->slices[0].image), sizes[k]);
        done(in, out);
    }
}

static void says_where_it_stopped(void **state) {
    (void)state;
    lcp_file *in, *out;
    lcp_sigspace_stop at;
    /* no room for the command: the image and the request */
    lcp_sigspace_arch nospace[] = {{LCP_CPU_TYPE_X86_64, 3, 4096, false}};
    assert_int_equal(run(BIN "nospace.dylib", nospace, 1, &in, &out, &at), LCP_E_NOSPACE);
    assert_ptr_equal(at.image, in->slices[0].image);
    assert_ptr_equal(at.arch, &nospace[0]);
    assert_null(at.member);
    done(in, NULL);
    /* an archive member: named too */
    assert_int_equal(run(BIN "libstatic.a", nospace, 1, &in, &out, &at), LCP_E_NOSPACE);
    assert_non_null(at.member);
    assert_ptr_equal(at.image, at.member->image);
    done(in, NULL);
    /* a request no image answers, after the others were done */
    lcp_sigspace_arch missing[] = {{LCP_CPU_TYPE_X86_64, 3, 4096, false}, {LCP_CPU_TYPE_ARM64, 0, 16, false}};
    assert_int_equal(run(BIN "hello-x86_64", missing, 2, &in, &out, &at), LCP_E_NOTFOUND);
    assert_true(missing[0].found);
    assert_null(at.image);
    assert_ptr_equal(at.arch, &missing[1]);
    done(in, NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(makes_room_in_the_named_slice_only),
        cmocka_unit_test(replaces_a_signature_and_removes_one_for_size_zero),
        cmocka_unit_test(says_where_it_stopped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
