/* Unit tests: output plans under hostile use: copies outside the input,
 * size overflow, fat headers that do not fit FAT_MAGIC, emitting images with
 * more, fewer or the same load commands, to memory and to a file (the same
 * bytes), and a plan that is a whole copy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/lcpatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint8_t img[H_SIZE];

static void size_overflow_is_refused(void **state) {
    (void)state;
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    assert_int_equal(lcp_plan_add_zeros(&p, UINT64_MAX - 10, &err), LCP_OK);
    assert_int_not_equal(lcp_plan_add_zeros(&p, 11, &err), LCP_OK);
    assert_int_not_equal(lcp_plan_add_copy(&p, 0, 100, &err), LCP_OK);
    assert_int_equal(p.size, UINT64_MAX - 10);
    /* too large for memory: refused, not truncated */
    lcp_source src = {-1, img, sizeof img};
    uint8_t *out = NULL;
    size_t len = 0;
    assert_int_not_equal(lcp_plan_write_memory(&p, &src, &out, &len, &err), LCP_OK);
    assert_null(out);
    lcp_plan_release(&p);
    lcp_plan_release(NULL);
}

static void copies_outside_the_input(void **state) {
    (void)state;
    lcp_source src = {-1, img, sizeof img};
    const uint64_t bad[][2] = {{H_SIZE, 1}, {0, H_SIZE + 1}, {UINT64_MAX, 2}, {1, UINT64_MAX}};
    for (size_t k = 0; k < 4; k++) {
        lcp_plan p;
        lcp_plan_init(&p);
        assert_int_equal(lcp_plan_add_copy(&p, bad[k][0], bad[k][1], NULL), LCP_OK);
        uint8_t *out;
        size_t len;
        lcp_error err;
        assert_int_equal(lcp_plan_write_memory(&p, &src, &out, &len, &err), LCP_E_MALFORMED);
        assert_int_equal(err.offset, bad[k][0]);
        lcp_plan_release(&p);
    }
}

static void fat_header_rules(void **state) {
    (void)state;
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_fat_entry e[2] = {{0x01000007, 3, 0x1000, 0x1000, 12, 0}, {0x0100000c, 0, 0x100000000ull, 16, 14, 0}};
    lcp_error err;
    assert_int_equal(lcp_plan_add_fat_header(&p, false, e, 2, &err), LCP_E_UNSUPPORTED);
    assert_non_null(strstr(err.message, "FAT_MAGIC_64"));
    lcp_plan_release(&p);
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_add_fat_header(&p, true, e, 2, &err), LCP_OK);
    assert_int_equal(p.size, 8 + 2 * 32);
    assert_int_equal(lcp_plan_add_fat_header(&p, true, e, 1, &err), LCP_E_USAGE); /* not at the start */
    lcp_plan_release(&p);
}

/* Emits the image with `cmds` (n commands) and parses the result again. */
static lcp_image *emit_and_reparse(const uint8_t *cmds, size_t len, uint32_t n, uint8_t **out_bytes) {
    lcp_image *im;
    assert_int_equal(lcp_image_parse(img, H_SIZE, 0, H_SIZE, &im, NULL), LCP_OK);
    assert_int_equal(lcp_image_set_commands(im, cmds, len, n, NULL), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    assert_int_equal(lcp_plan_add_image(&p, im, H_SIZE, &err), LCP_OK);
    lcp_source src = {-1, img, sizeof img};
    uint8_t *out;
    size_t olen;
    assert_int_equal(lcp_plan_write_memory(&p, &src, &out, &olen, &err), LCP_OK);
    assert_int_equal(olen, H_SIZE);
    /* the same bytes through a file */
    char path[] = "/tmp/lcp-plan-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(lcp_plan_write_file(&p, &src, path, NULL, &err), LCP_OK);
    FILE *f = fopen(path, "rb");
    uint8_t *back = malloc(H_SIZE + 1);
    assert_int_equal(fread(back, 1, H_SIZE + 1, f), H_SIZE);
    fclose(f);
    unlink(path);
    assert_memory_equal(back, out, H_SIZE);
    free(back);
    lcp_image *again;
    assert_int_equal(lcp_image_parse(out, olen, 0, olen, &again, &err), LCP_OK);
    lcp_plan_release(&p);
    lcp_image_free(im);
    *out_bytes = out;
    return again;
}

static void image_with_fewer_same_and_more_commands(void **state) {
    (void)state;
    h_image64(img, false);
    uint8_t *out;
    /* same */
    lcp_image *g = emit_and_reparse(img + 32, 216, 3, &out);
    assert_memory_equal(out, img, H_SIZE);
    lcp_image_free(g);
    free(out);
    /* fewer: drop the build version; its old bytes become zeros */
    g = emit_and_reparse(img + 32, 184, 2, &out);
    assert_int_equal(g->ncmds, 2);
    for (size_t i = 32 + 184; i < H_CMDS_END; i++)
        assert_int_equal(out[i], 0);
    assert_memory_equal(out + H_CMDS_END, img + H_CMDS_END, H_SIZE - H_CMDS_END);
    lcp_image_free(g);
    free(out);
    /* more: the build version twice; the rest of the file is kept */
    uint8_t more[248];
    memcpy(more, img + 32, 216);
    memcpy(more + 216, img + H_BV, 32);
    g = emit_and_reparse(more, sizeof more, 4, &out);
    assert_int_equal(g->ncmds, 4);
    assert_int_equal(g->lc[3].cmd, 0x32);
    assert_memory_equal(out + 32 + 248, img + 32 + 248, H_SIZE - 32 - 248);
    lcp_image_free(g);
    free(out);
}

static void commands_that_do_not_fit_are_refused(void **state) {
    (void)state;
    h_image64(img, false);
    lcp_image *im;
    assert_int_equal(lcp_image_parse(img, H_SIZE, 0, H_SIZE, &im, NULL), LCP_OK);
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    /* the output image is smaller than its own load commands */
    assert_int_equal(lcp_plan_add_image(&p, im, 100, &err), LCP_E_NOSPACE);
    lcp_plan_release(&p);
    lcp_image_free(im);
}

static void identity_plan(void **state) {
    (void)state;
    lcp_source src = {-1, img, sizeof img};
    lcp_plan p;
    lcp_plan_init(&p);
    assert_int_equal(lcp_plan_add_copy(&p, 0, 100, NULL), LCP_OK);
    assert_int_equal(lcp_plan_add_copy(&p, 100, H_SIZE - 100, NULL), LCP_OK); /* merged */
    assert_int_equal(p.npieces, 1);
    assert_true(lcp_plan_is_identity(&p, &src));
    assert_int_equal(lcp_plan_pad_to(&p, 10, NULL), LCP_OK); /* already past: no-op */
    assert_int_equal(p.size, H_SIZE);
    assert_int_equal(lcp_plan_pad_to(&p, H_SIZE + 8, NULL), LCP_OK);
    assert_false(lcp_plan_is_identity(&p, &src));
    lcp_plan_release(&p);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(size_overflow_is_refused),
        cmocka_unit_test(copies_outside_the_input),
        cmocka_unit_test(fat_header_rules),
        cmocka_unit_test(image_with_fewer_same_and_more_commands),
        cmocka_unit_test(commands_that_do_not_fit_are_refused),
        cmocka_unit_test(identity_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
