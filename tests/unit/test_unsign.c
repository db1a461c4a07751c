/* Unit tests: removing code signatures (codesign_allocate -r) from thin,
 * fat and fat64 files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "lcpatch/lcpatch.h"
#include "util/reader.h"

#define BIN "tests/binaries/"

static long linkedit(const lcp_image *img, lcp_segment *seg) {
    for (size_t i = 0; i < img->ncmds; i++)
        if (lcp_image_segment(img, i, seg) && strcmp(seg->segname, "__LINKEDIT") == 0)
            return (long)i;
    return -1;
}

static void removes_signature_from_an_image(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "signed-arm64", &f, &err), LCP_OK);
    lcp_image *img;
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    assert_true(sig >= 0);
    lcp_linkedit_data cs;
    assert_true(lcp_image_linkedit_data(img, (size_t)sig, &cs));
    lcp_segment before, after;
    assert_true(linkedit(img, &before) >= 0);
    uint32_t ncmds = img->ncmds, sizeofcmds = img->sizeofcmds;
    uint64_t size;
    bool changed;
    assert_int_equal(lcp_unsign_image(img, &size, &changed, &err), LCP_OK);
    assert_true(changed);
    assert_int_equal(img->ncmds, ncmds - 1);
    assert_int_equal(img->sizeofcmds, sizeofcmds - 16);
    assert_int_equal(lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0), -1);
    assert_true(size <= cs.dataoff);
    assert_true(cs.dataoff - size < 16); /* only the padding before the signature goes */
    assert_true(linkedit(img, &after) >= 0);
    assert_int_equal(after.fileoff + after.filesize, size);
    assert_int_equal(after.vmsize, before.vmsize);
    /* commands after the signature moved up */
    if ((uint32_t)sig < ncmds - 1)
        assert_int_equal(img->lc[sig].cmd, f->slices[0].image->lc[sig + 1].cmd);
    /* a second pass finds nothing */
    uint64_t size2;
    assert_int_equal(lcp_unsign_image(img, &size2, &changed, &err), LCP_OK);
    assert_false(changed);
    lcp_image_free(img);
    lcp_file_free(f);
}

/* Unsigns path in memory; returns the output (malloc'd) and checks it
 * parses back with no signature anywhere. */
static uint8_t *unsign_to_memory(const char *path, size_t *len, bool *changed, lcp_file **in) {
    lcp_error err;
    assert_int_equal(lcp_file_open(path, in, &err), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    assert_int_equal(lcp_unsign_file(*in, &p, changed, &err), LCP_OK);
    uint8_t *out;
    assert_int_equal(lcp_plan_write_memory(&p, &(*in)->src, &out, len, &err), LCP_OK);
    lcp_plan_release(&p);
    lcp_file *g;
    assert_int_equal(lcp_file_open_memory(out, *len, "out", &g, &err), LCP_OK);
    assert_int_equal(g->kind, (*in)->kind);
    assert_int_equal(g->nslices, (*in)->nslices);
    for (size_t i = 0; i < g->nslices; i++) {
        const lcp_slice *s = &g->slices[i];
        assert_int_equal(s->cputype, (*in)->slices[i].cputype);
        assert_int_equal(s->align, (*in)->slices[i].align);
        if (g->kind == LCP_FAT || g->kind == LCP_FAT64)
            assert_int_equal(s->offset % (1ull << s->align), 0);
        if (s->image) {
            assert_int_equal(lcp_image_find(s->image, LCP_LC_CODE_SIGNATURE, 0), -1);
            /* the bytes the removed command held are zeros */
            uint64_t from = s->offset + s->image->header_size + s->image->sizeofcmds;
            for (uint64_t k = from; k < from + 16; k++)
                assert_int_equal(out[k], 0);
        }
    }
    lcp_file_free(g);
    return out;
}

static void unsigns_thin_fat_and_fat64_files(void **state) {
    (void)state;
    const char *paths[] = {BIN "signed-arm64", BIN "legacy-fat.dylib", BIN "fat64.dylib"};
    for (size_t k = 0; k < 3; k++) {
        size_t len;
        bool changed;
        lcp_file *in;
        uint8_t *out = unsign_to_memory(paths[k], &len, &changed, &in);
        assert_true(changed);
        assert_true(len < in->src.size);
        if (in->kind == LCP_FAT64)
            assert_int_equal(lcp_be32(out), LCP_FAT_MAGIC_64);
        lcp_file_free(in);
        free(out);
    }
}

static void leaves_unsigned_files_identical(void **state) {
    (void)state;
    const char *paths[] = {BIN "hello-x86_64", BIN "hello-ppc", BIN "libstatic.a"};
    for (size_t k = 0; k < 3; k++) {
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(paths[k], &f, &err), LCP_OK);
        lcp_plan p;
        lcp_plan_init(&p);
        bool changed = true;
        assert_int_equal(lcp_unsign_file(f, &p, &changed, &err), LCP_OK);
        assert_false(changed);
        assert_true(lcp_plan_is_identity(&p, &f->src));
        lcp_plan_release(&p);
        lcp_file_free(f);
    }
}

static void refuses_a_signature_that_is_not_last(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "signed-arm64", &f, &err), LCP_OK);
    lcp_image *img;
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    uint8_t *cmds = malloc(img->sizeofcmds);
    memcpy(cmds, img->cmds, img->sizeofcmds);
    lcp_put_u32(cmds, img->sizeofcmds, img->lc[sig].offset + 8, false, 0x100); /* dataoff inside __TEXT */
    assert_int_equal(lcp_image_set_commands(img, cmds, img->sizeofcmds, img->ncmds, &err), LCP_OK);
    free(cmds);
    uint32_t ncmds = img->ncmds;
    uint64_t size;
    bool changed;
    assert_int_equal(lcp_unsign_image(img, &size, &changed, &err), LCP_E_UNSUPPORTED);
    assert_false(changed);
    assert_int_equal(img->ncmds, ncmds); /* untouched */
    lcp_image_free(img);
    lcp_file_free(f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(removes_signature_from_an_image),
        cmocka_unit_test(unsigns_thin_fat_and_fat64_files),
        cmocka_unit_test(leaves_unsigned_files_identical),
        cmocka_unit_test(refuses_a_signature_that_is_not_last),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
