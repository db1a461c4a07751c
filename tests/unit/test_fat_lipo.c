/* Unit tests: the parse options Apple's lipo needs (LCP_PARSE_FAT_* and the
 * command-walk options, include/lcpatch/image.h). Each test shows the
 * default refusing the input (with its reason) and the option accepting
 * it, or, for the strictness, the reverse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"

#define FAT_BUF (4 * 4096)

static lcp_status open_flags(const uint8_t *b, size_t len, unsigned flags, lcp_file **f, lcp_error *err) {
    memset(err, 0, sizeof *err);
    *f = NULL;
    return lcp_file_open_memory_flags(b, len, "t", flags, f, err);
}

/* Only the table is read: a slice that is neither Mach-O nor an archive
 * (or whose label lies) is left alone, and no image is made. */
static void table_only_reads_no_slice(void **state) {
    (void)state;
    uint8_t *b = calloc(1, FAT_BUF);
    size_t len = h_fat(b, 2);
    memset(b + 0x2000, 0x5a, 16); /* the second slice is junk */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, len, 0, &f, &err), LCP_E_NOT_MACHO);
    assert_int_equal(open_flags(b, len, LCP_PARSE_FAT_TABLE_ONLY, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 2);
    assert_null(f->slices[0].image);
    assert_null(f->slices[1].archive);
    assert_int_equal(f->slices[1].offset, 0x2000);
    lcp_file_free(f);
    free(b);
}

/* Two slices sharing bytes, and a slice over the fat header itself. */
static void overlap_ok_allows_shared_bytes(void **state) {
    (void)state;
    uint8_t *b = calloc(1, FAT_BUF);
    size_t len = h_fat(b, 2);
    h_put32(b + 8 + 20 + 8, true, 0x1000); /* fat_arch 1 at fat_arch 0's offset */
    lcp_file *f;
    lcp_error err;
    unsigned lipo = LCP_PARSE_FAT_TABLE_ONLY;
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_OVERLAP_OK, &f, &err), LCP_OK);
    lcp_file_free(f);
    h_put32(b + 8 + 8, true, 0); /* fat_arch 0 over the header */
    h_put32(b + 8 + 16, true, 0);
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_OVERLAP_OK, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].offset, 0);
    lcp_file_free(f);
    free(b);
}

/* nfat_arch 0, and a count above LCP_FAT_MAX_ARCHS whose table fits. */
static void any_count_allows_zero_and_many(void **state) {
    (void)state;
    uint8_t *b = calloc(1, FAT_BUF);
    size_t len = h_fat(b, 1);
    h_put32(b + 4, true, 0);
    lcp_file *f;
    lcp_error err;
    unsigned lipo = LCP_PARSE_FAT_TABLE_ONLY;
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_ANY_COUNT, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 0);
    lcp_file_free(f);
    /* 40 entries: the first as built, the rest empty ranges of distinct subtypes */
    h_put32(b + 4, true, 40);
    for (uint32_t i = 1; i < 40; i++) {
        uint8_t *e = b + 8 + 20 * i;
        memset(e, 0, 20);
        h_put32(e, true, 0x01000007);
        h_put32(e + 4, true, 100 + i);
    }
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    lcp_status st = open_flags(b, len, lipo | LCP_PARSE_FAT_ANY_COUNT | LCP_PARSE_FAT_OVERLAP_OK, &f, &err);
    assert_int_equal(st, LCP_OK);
    assert_int_equal(f->nslices, 40);
    lcp_file_free(f);
    /* the table must still fit in the file */
    h_put32(b + 4, true, 0x10000);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_ANY_COUNT, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_TABLE_PAST_END);
    assert_int_equal(err.index, 20);
    assert_int_equal(err.value, 0x10000);
    free(b);
}

/* One arm64 fat_arch after the counted one, before the first slice: a
 * slice with the option, nothing without; not when its cputype is not
 * arm64. The offset compared is the byte-reversed one, as Apple's. */
static void hidden_arm64_slice(void **state) {
    (void)state;
    uint8_t *b = calloc(1, FAT_BUF);
    size_t len = h_fat(b, 2);
    h_put32(b + 4, true, 1);
    uint8_t *e = b + 8 + 20;
    h_put32(e, true, LCP_CPU_TYPE_ARM64);
    h_put32(e + 4, true, 0);
    lcp_file *f;
    lcp_error err;
    unsigned lipo = LCP_PARSE_FAT_TABLE_ONLY;
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 1);
    lcp_file_free(f);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_HIDDEN_ARM64, &f, &err), LCP_OK);
    assert_int_equal(f->nfat_arch, 1);
    assert_int_equal(f->nslices, 2);
    assert_int_equal(f->slices[1].cputype, LCP_CPU_TYPE_ARM64);
    assert_int_equal(f->slices[1].offset, 0x2000);
    lcp_file_free(f);
    /* offset 0x1000 read byte-reversed is 0x00100000: far after the table;
     * offset 0x01000000 reads as 0x1 and hides nothing */
    h_put32(b + 8 + 8, true, 0x01000000);
    h_put32(b + 8 + 12, true, 0);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_HIDDEN_ARM64 | LCP_PARSE_FAT_OVERLAP_OK, &f, &err),
                     LCP_E_MALFORMED); /* offset 16 MiB is past the end */
    h_put32(b + 8 + 8, true, 0x1000);
    h_put32(e, true, LCP_CPU_TYPE_X86_64);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_HIDDEN_ARM64, &f, &err), LCP_OK);
    assert_int_equal(f->nslices, 1);
    lcp_file_free(f);
    free(b);
}

/* A strictness: align 2^16 is fine by default, refused under Apple's
 * limit with the reason and the align. */
static void max_align_15(void **state) {
    (void)state;
    uint8_t *b = calloc(1, 0x10000 + 4096);
    h_fat(b, 1);
    h_image64(b + 0x10000, false);
    h_put32(b + 8 + 8, true, 0x10000);
    h_put32(b + 8 + 16, true, 16);
    size_t len = 0x10000 + 4096;
    lcp_file *f;
    lcp_error err;
    unsigned lipo = LCP_PARSE_FAT_TABLE_ONLY;
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_OK);
    lcp_file_free(f);
    assert_int_equal(open_flags(b, len, lipo | LCP_PARSE_FAT_MAX_ALIGN_15, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ALIGN_TOO_LARGE);
    assert_int_equal(err.value, 16);
    assert_int_equal(err.cputype, 0x01000007);
    free(b);
}

/* The table's checks carry the reasons and numbers lipo's messages need. */
static void fat_reasons(void **state) {
    (void)state;
    uint8_t *b = calloc(1, FAT_BUF);
    size_t len = h_fat(b, 2);
    lcp_file *f;
    lcp_error err;
    unsigned lipo = LCP_PARSE_FAT_TABLE_ONLY;
    h_put32(b + 8 + 20 + 12, true, 0x100000); /* fat_arch 1 too long */
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ARCH_PAST_END);
    assert_int_equal(err.index, 1);
    assert_int_equal(err.cpusubtype, 8);
    h_put32(b + 8 + 20 + 12, true, H_SIZE);
    h_put32(b + 8 + 20 + 8, true, 0x1800); /* not on 2^12 */
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ARCH_ALIGN);
    assert_int_equal(err.value, 0x1800);
    assert_int_equal(err.index2, 12);
    h_put32(b + 8 + 20 + 8, true, 0x2000);
    h_put32(b + 8 + 20 + 4, true, 3); /* x86_64 twice */
    assert_int_equal(open_flags(b, len, lipo, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ARCH_DUPLICATE);
    assert_int_equal(err.cputype, 0x01000007);
    free(b);
}

/* A cmdsize of 30 in a 64-bit image: refused by default, in the model
 * with the option (and the commands after it found where it says). */
static void cmdsize_any_align(void **state) {
    (void)state;
    uint8_t *b = calloc(1, H_SIZE);
    h_image64(b, false);
    /* LC_RPATH 32 -> 30, the build version 2 bytes earlier, sizeofcmds 214 */
    memmove(b + H_BV - 2, b + H_BV, 32);
    h_put32(b + H_RPATH + 4, false, 30);
    h_put32(b + 20, false, 214);
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, H_SIZE, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMDSIZE_ALIGN);
    assert_int_equal(err.index, 1);
    assert_int_equal(err.value, 30);
    assert_int_equal(open_flags(b, H_SIZE, LCP_PARSE_CMDSIZE_ANY_ALIGN, &f, &err), LCP_OK);
    const lcp_image *img = f->slices[0].image;
    assert_int_equal(img->ncmds, 3);
    assert_int_equal(img->lc[1].cmdsize, 30);
    assert_int_equal(img->lc[2].cmd, 0x32);
    lcp_file_free(f);
    free(b);
}

/* lipo's walk: a command too short for its structure and a segment range
 * past the image pass; a command that ends past sizeofcmds (but in the
 * image) ends the walk; cmdsize 0 and a command past the image end it too,
 * recorded as the walk's fault with the commands before it kept. */
static void sizes_only_walk(void **state) {
    (void)state;
    uint8_t *b = calloc(1, H_SIZE);
    h_image64(b, false);
    h_put64(b + H_SEG + 48, false, 0x100000); /* __TEXT filesize past the image */
    lcp_file *f;
    lcp_error err;
    unsigned walk = LCP_PARSE_CMDS_SIZES_ONLY;
    assert_int_equal(open_flags(b, H_SIZE, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].image->ncmds, 3);
    lcp_file_free(f);
    h_put32(b + H_BV + 4, false, 16); /* LC_BUILD_VERSION shorter than its structure */
    assert_int_equal(open_flags(b, H_SIZE, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_OK);
    lcp_file_free(f);
    h_put32(b + H_BV + 4, false, 0x100); /* ends past sizeofcmds, inside the image */
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].image->ncmds, 2);
    assert_int_equal(f->slices[0].image->walk_fault, LCP_R_NONE);
    lcp_file_free(f);
    /* past the image: refused by default, the walk's recorded fault with the option */
    h_put32(b + H_BV + 4, false, H_SIZE);
    assert_int_equal(open_flags(b, H_SIZE, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMD_PAST_CMDS);
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_OK);
    const lcp_image *img = f->slices[0].image;
    assert_int_equal(img->walk_fault, LCP_R_CMD_PAST_CMDS);
    assert_int_equal(img->walk_fault_index, 2);
    assert_int_equal(img->walk_fault_cmdsize, H_SIZE);
    assert_int_equal(img->ncmds, 2); /* the commands before the fault */
    lcp_file_free(f);
    h_put32(b + H_BV + 4, false, 0);
    assert_int_equal(open_flags(b, H_SIZE, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMDSIZE_ZERO);
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].image->walk_fault, LCP_R_CMDSIZE_ZERO);
    assert_int_equal(f->slices[0].image->walk_fault_index, 2);
    lcp_file_free(f);
    h_put32(b + H_BV + 4, false, 30); /* misaligned: refused unless CMDSIZE_ANY_ALIGN */
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMDSIZE_ALIGN);
    assert_int_equal(open_flags(b, H_SIZE, walk | LCP_PARSE_CMDSIZE_ANY_ALIGN, &f, &err), LCP_OK);
    lcp_file_free(f);
    h_put32(b + 20, false, H_SIZE); /* sizeofcmds past the file */
    assert_int_equal(open_flags(b, H_SIZE, walk, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMDS_PAST_END);
    free(b);
}

/* lcp_image_lipo_align over a walk-only image: an MH_OBJECT of an unknown
 * CPU whose segment claims 2^32-1 sections reads the one that fits (align
 * 2^5 here) and stops (the fuzz finding lipo-unknown-cpu-object-huge-nsects). */
static void lipo_align_bounds_sections(void **state) {
    (void)state;
    uint8_t *b = calloc(1, H_SIZE);
    h_image64(b, false);
    h_put32(b + 4, false, 0x0100ff0a); /* no such CPU */
    h_put32(b + 12, false, 1);         /* MH_OBJECT */
    h_put32(b + H_SEG + 72 + 52, false, 5);
    h_put32(b + H_SEG + 64, false, UINT32_MAX); /* nsects */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(open_flags(b, H_SIZE, 0, &f, &err), LCP_E_MALFORMED);
    assert_int_equal(open_flags(b, H_SIZE, LCP_PARSE_CMDS_SIZES_ONLY, &f, &err), LCP_OK);
    assert_int_equal(lcp_image_lipo_align(f->slices[0].image), 5);
    lcp_file_free(f);
    free(b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_only_reads_no_slice),
        cmocka_unit_test(overlap_ok_allows_shared_bytes),
        cmocka_unit_test(any_count_allows_zero_and_many),
        cmocka_unit_test(hidden_arm64_slice),
        cmocka_unit_test(max_align_15),
        cmocka_unit_test(fat_reasons),
        cmocka_unit_test(cmdsize_any_align),
        cmocka_unit_test(sizes_only_walk),
        cmocka_unit_test(lipo_align_bounds_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
