/* Unit tests: lipo's alignment rules, slice selection and order, and the
 * fat/fat64/thin layout of an output file. */
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

static void guesses_alignment_from_vmaddr(void **state) {
    (void)state;
    assert_int_equal(lcp_guess_align(0), 15);
    assert_int_equal(lcp_guess_align(1), 2);
    assert_int_equal(lcp_guess_align(0x1000), 12);
    assert_int_equal(lcp_guess_align(0x3000), 12);
    assert_int_equal(lcp_guess_align(0x2000), 13);
    assert_int_equal(lcp_guess_align(0x4000), 14);
    assert_int_equal(lcp_guess_align(0x100000000ull), 15);
    assert_int_equal(lcp_default_segalign(LCP_CPU_TYPE_ARM64), 14);
    assert_int_equal(lcp_default_segalign(LCP_CPU_TYPE_ARM), 14);
    assert_int_equal(lcp_default_segalign(LCP_CPU_TYPE_X86_64), 12);
    assert_int_equal(lcp_default_segalign(LCP_CPU_TYPE_POWERPC), 12);
    assert_int_equal(lcp_default_segalign(LCP_CPU_TYPE_MC680x0), 13);
    assert_int_equal(lcp_default_segalign(LCP_CPU_TYPE_SPARC), 13);
}

/* A 64-bit little-endian image of an unknown CPU with two segments (and,
 * for MH_OBJECT, one section of alignment 2^5 in the first). */
static lcp_image *unknown_cpu_image(uint32_t filetype, uint64_t vm1, uint64_t vm2) {
    uint8_t b[32 + 152 + 72];
    memset(b, 0, sizeof b);
    uint32_t sizeofcmds = 152 + 72;
    lcp_put_u32(b, sizeof b, 0, false, LCP_MH_MAGIC_64);
    lcp_put_u32(b, sizeof b, 4, false, 0x01000077); /* no such CPU */
    lcp_put_u32(b, sizeof b, 12, false, filetype);
    lcp_put_u32(b, sizeof b, 16, false, 2);
    lcp_put_u32(b, sizeof b, 20, false, sizeofcmds);
    size_t s = 32;
    lcp_put_u32(b, sizeof b, s, false, LCP_LC_SEGMENT_64);
    lcp_put_u32(b, sizeof b, s + 4, false, 152);
    memcpy(b + s + 8, "__TEXT", 6);
    lcp_put_u64(b, sizeof b, s + 24, false, vm1);
    lcp_put_u32(b, sizeof b, s + 64, false, 1); /* nsects */
    memcpy(b + s + 72, "__text", 6);
    memcpy(b + s + 72 + 16, "__TEXT", 6);
    lcp_put_u32(b, sizeof b, s + 72 + 52, false, 5); /* align 2^5 */
    s += 152;
    lcp_put_u32(b, sizeof b, s, false, LCP_LC_SEGMENT_64);
    lcp_put_u32(b, sizeof b, s + 4, false, 72);
    memcpy(b + s + 8, "__DATA", 6);
    lcp_put_u64(b, sizeof b, s + 24, false, vm2);
    lcp_image *img = NULL;
    lcp_error err;
    assert_int_equal(lcp_image_parse(b, sizeof b, 0, 0x10000, &img, &err), LCP_OK);
    return img;
}

static void computes_lipo_alignment_of_images(void **state) {
    (void)state;
    lcp_image *img = unknown_cpu_image(LCP_MH_EXECUTE, 0x3000, 0x10000);
    assert_int_equal(lcp_image_lipo_align(img), 12); /* the smaller guess */
    lcp_image_free(img);
    img = unknown_cpu_image(LCP_MH_EXECUTE, 0, 0x8000);
    assert_int_equal(lcp_image_lipo_align(img), 15);
    lcp_image_free(img);
    img = unknown_cpu_image(LCP_MH_OBJECT, 0, 0);
    assert_int_equal(lcp_image_lipo_align(img), 3); /* min(max(3, 5), max(3)) */
    lcp_image_free(img);

    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "hello-x86_64", &f, &err), LCP_OK);
    assert_int_equal(lcp_image_lipo_align(f->slices[0].image), 12); /* known: page size */
    lcp_file_free(f);
    assert_int_equal(lcp_file_open(BIN "libdemo-arm64.dylib", &f, &err), LCP_OK);
    assert_int_equal(lcp_image_lipo_align(f->slices[0].image), 14);
    lcp_file_free(f);
}

static void selects_legacy_slices(void **state) {
    (void)state;
    assert_true(lcp_arch_is_legacy(LCP_CPU_TYPE_POWERPC, 10));
    assert_true(lcp_arch_is_legacy(LCP_CPU_TYPE_POWERPC64, 0));
    assert_true(lcp_arch_is_legacy(LCP_CPU_TYPE_I386, 3));
    assert_true(lcp_arch_is_legacy(LCP_CPU_TYPE_ARM, 12)); /* armv7k */
    assert_true(lcp_arch_is_legacy(LCP_CPU_TYPE_HPPA, 0));
    assert_false(lcp_arch_is_legacy(LCP_CPU_TYPE_X86_64, 3));
    assert_false(lcp_arch_is_legacy(LCP_CPU_TYPE_ARM64, 2));
    assert_false(lcp_arch_is_legacy(LCP_CPU_TYPE_ARM64_32, 1));

    lcp_file *f;
    lcp_error err;
    bool keep[3];
    assert_int_equal(lcp_file_open(BIN "legacy-fat.dylib", &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 3);
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_LEGACY, NULL, 0, keep, &err), LCP_OK);
    assert_false(keep[0]);
    assert_false(keep[1]);
    assert_true(keep[2]);
    const uint32_t x86[1][2] = {{LCP_CPU_TYPE_X86_64, 3}};
    const uint32_t arm[1][2] = {{LCP_CPU_TYPE_ARM64, 0}};
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_KEEP, arm, 1, keep, &err), LCP_E_NOTFOUND);
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_REMOVE, arm, 1, keep, &err), LCP_OK); /* absent: ignored */
    assert_true(keep[0] && keep[1] && keep[2]);
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_REMOVE, x86, 1, keep, &err), LCP_OK);
    assert_true(keep[0] && keep[1] && !keep[2]);
    const uint32_t ppc[1][2] = {{LCP_CPU_TYPE_POWERPC, 0}}; /* the file has ppc7400: same CPU type */
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_REMOVE, ppc, 1, keep, &err), LCP_OK);
    assert_true(!keep[0] && keep[1] && keep[2]);
    const uint32_t ppc7400[1][2] = {{LCP_CPU_TYPE_POWERPC, 10}};
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_KEEP, ppc7400, 1, keep, &err), LCP_OK);
    assert_true(keep[0] && !keep[1] && !keep[2]);

    lcp_out_slice os[3];
    size_t n;
    lcp_layout_rule rule;
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_LEGACY, NULL, 0, keep, &err), LCP_OK);
    lcp_kept_slices(f, keep, false, os, &n, &rule);
    assert_int_equal(n, 1);
    assert_true(rule.thin);
    lcp_kept_slices(f, keep, true, os, &n, &rule);
    assert_false(rule.thin);
    lcp_file_free(f);

    assert_int_equal(lcp_file_open(BIN "hello-i386", &f, &err), LCP_OK);
    assert_int_equal(lcp_select_slices(f, LCP_SELECT_LEGACY, NULL, 0, keep, &err), LCP_E_UNSUPPORTED);
    assert_non_null(strstr(err.message, "no 64-bit slice to keep"));
    lcp_file_free(f);
}

static lcp_out_slice slice(uint32_t type, uint32_t sub, uint32_t align, uint64_t off, uint64_t size) {
    lcp_out_slice s;
    memset(&s, 0, sizeof s);
    s.cputype = type;
    s.cpusubtype = sub;
    s.align = align;
    s.src_offset = off;
    s.size = size;
    return s;
}

static void orders_and_places_like_lipo(void **state) {
    (void)state;
    lcp_out_slice s[4] = {slice(LCP_CPU_TYPE_ARM64, 0, 14, 0, 100), slice(LCP_CPU_TYPE_X86_64, 3, 12, 0, 5000),
                          slice(LCP_CPU_TYPE_MC680x0, 1, 13, 0, 10), slice(LCP_CPU_TYPE_I386, 3, 12, 0, 10)};
    lcp_layout_rule rule = {false, false, true};
    lcp_error err;
    assert_int_equal(lcp_layout_place(s, 4, &rule, &err), LCP_OK);
    /* by alignment (stable), arm64 last */
    assert_int_equal(s[0].cputype, LCP_CPU_TYPE_X86_64);
    assert_int_equal(s[1].cputype, LCP_CPU_TYPE_I386);
    assert_int_equal(s[2].cputype, LCP_CPU_TYPE_MC680x0);
    assert_int_equal(s[3].cputype, LCP_CPU_TYPE_ARM64);
    assert_int_equal(s[0].out_offset, 4096);
    assert_int_equal(s[1].out_offset, 12288); /* 4096 + 5000 rounded to 4 KiB */
    assert_int_equal(s[2].out_offset, 16384); /* rounded to 8 KiB */
    assert_int_equal(s[3].out_offset, 32768); /* rounded to 16 KiB */

    /* same cputype: by subtype */
    lcp_out_slice t[2] = {slice(LCP_CPU_TYPE_ARM64, 2, 14, 0, 1), slice(LCP_CPU_TYPE_ARM64, 0, 14, 0, 1)};
    assert_int_equal(lcp_layout_place(t, 2, &rule, &err), LCP_OK);
    assert_int_equal(t[0].cpusubtype, 0);

    /* FAT_MAGIC cannot hold a 4 GiB slice; FAT_MAGIC_64 can */
    lcp_out_slice big[1] = {slice(LCP_CPU_TYPE_X86_64, 3, 12, 0, 0x100000000ull)};
    assert_int_equal(lcp_layout_place(big, 1, &rule, &err), LCP_E_UNSUPPORTED);
    rule.fat64 = true;
    assert_int_equal(lcp_layout_place(big, 1, &rule, &err), LCP_OK);
    rule.thin = true;
    assert_int_equal(lcp_layout_place(s, 2, &rule, &err), LCP_E_USAGE);
    assert_int_equal(lcp_layout_place(s, 0, &rule, &err), LCP_E_USAGE);
}

static void writes_fat_headers(void **state) {
    (void)state;
    uint8_t in[64];
    for (size_t i = 0; i < sizeof in; i++)
        in[i] = (uint8_t)(i + 1);
    lcp_source src = {-1, in, sizeof in};
    for (int fat64 = 0; fat64 <= 1; fat64++) {
        lcp_out_slice s[2] = {slice(LCP_CPU_TYPE_X86_64, 3, 4, 0, 10), slice(LCP_CPU_TYPE_I386, 3, 5, 32, 7)};
        s[1].reserved = 0x55;
        lcp_layout_rule rule = {fat64 != 0, false, false};
        lcp_plan p;
        lcp_plan_init(&p);
        lcp_error err;
        assert_int_equal(lcp_layout_file(s, 2, &rule, &p, &err), LCP_OK);
        uint8_t *out;
        size_t len;
        assert_int_equal(lcp_plan_write_memory(&p, &src, &out, &len, &err), LCP_OK);
        uint32_t hdr = 8 + 2 * (fat64 ? 32 : 20);
        uint32_t o0 = (hdr + 15) & ~15u, o1 = (o0 + 10 + 31) & ~31u;
        assert_int_equal(len, o1 + 7);
        assert_int_equal(lcp_be32(out), fat64 ? LCP_FAT_MAGIC_64 : LCP_FAT_MAGIC);
        assert_int_equal(lcp_be32(out + 4), 2);
        const uint8_t *e1 = out + 8 + (fat64 ? 32 : 20);
        assert_int_equal(lcp_be32(out + 8), LCP_CPU_TYPE_X86_64);
        assert_int_equal(lcp_be32(e1), LCP_CPU_TYPE_I386);
        uint64_t off1, size1;
        if (fat64) {
            assert_true(lcp_get_u64(e1, 32, 8, true, &off1));
            assert_true(lcp_get_u64(e1, 32, 16, true, &size1));
            assert_int_equal(lcp_be32(e1 + 24), 5);
            assert_int_equal(lcp_be32(e1 + 28), 0x55);
        } else {
            off1 = lcp_be32(e1 + 8);
            size1 = lcp_be32(e1 + 12);
            assert_int_equal(lcp_be32(e1 + 16), 5);
        }
        assert_int_equal(off1, o1);
        assert_int_equal(size1, 7);
        for (uint32_t i = hdr; i < o0; i++)
            assert_int_equal(out[i], 0); /* padding is zeros */
        assert_memory_equal(out + o0, in, 10);
        assert_memory_equal(out + o1, in + 32, 7);
        free(out);
        lcp_plan_release(&p);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(guesses_alignment_from_vmaddr),
        cmocka_unit_test(computes_lipo_alignment_of_images),
        cmocka_unit_test(selects_legacy_slices),
        cmocka_unit_test(orders_and_places_like_lipo),
        cmocka_unit_test(writes_fat_headers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
