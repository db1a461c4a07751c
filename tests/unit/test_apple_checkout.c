/* Unit tests: the parse options of install_name_tool and codesign_allocate
 * (LCP_PARSE_FAT_ALWAYS, LCP_PARSE_KNOWN_COMMANDS, LCP_PARSE_LINKEDIT_STRICT)
 * and the reasons the Apple dialects turn into Apple's words. Each option
 * is shown off by default and on when asked for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/lcpatch.h"

static uint8_t buf[64 * 4096];

static lcp_status open_flags(const uint8_t *b, size_t len, unsigned flags, lcp_error *err) {
    lcp_file *f = NULL;
    memset(err, 0, sizeof *err);
    lcp_status st = lcp_file_open_memory_flags(b, len, "t", flags, &f, err);
    lcp_file_free(f);
    return st;
}

/* 0xcafebabe read as a Java class file's version (50 "architectures"):
 * refused as not Mach-O by default; as Apple reads it, a fat header whose
 * first fat_arch runs past the end, named with its cputype. */
static void fat_always_reads_a_class_file_as_fat(void **state) {
    (void)state;
    lcp_error err;
    memset(buf, 0, 2048);
    h_put32(buf, true, 0xcafebabe);
    h_put32(buf + 4, true, 50);
    h_put32(buf + 8, true, 6294016);   /* cputype */
    h_put32(buf + 12, true, 10505);    /* cpusubtype */
    h_put32(buf + 16, true, 0x100000); /* offset */
    h_put32(buf + 20, true, 0x1000);
    assert_int_equal(open_flags(buf, 2048, 0, &err), LCP_E_NOT_MACHO);
    assert_int_equal(open_flags(buf, 2048, LCP_PARSE_FAT_ALWAYS, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ARCH_PAST_END);
    assert_int_equal(err.index, 0);
    assert_int_equal(err.cputype, 6294016);
    assert_int_equal(err.cpusubtype, 10505);
}

static void fat_header_reasons(void **state) {
    (void)state;
    lcp_error err;
    size_t n = h_fat(buf, 2);
    h_put32(buf + 4, true, 0);
    assert_int_equal(open_flags(buf, n, LCP_PARSE_FAT_ALWAYS, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_NO_ARCHS);
    h_put32(buf + 4, true, 2);
    assert_int_equal(open_flags(buf, 20, 0, &err), LCP_E_MALFORMED); /* the table passes the end */
    assert_int_equal(err.reason, LCP_R_FAT_TABLE_PAST_END);
    assert_int_equal(err.index, LCP_FAT_ARCH_SIZE); /* error.h: index one entry's size, value nfat_arch */
    assert_int_equal(err.value, 2);
    /* a fat_arch that says i386 over an x86_64 image */
    n = h_fat(buf, 2);
    h_put32(buf + 8 + 20, true, LCP_CPU_TYPE_I386);
    assert_int_equal(open_flags(buf, n, LCP_PARSE_FAT_ALWAYS | LCP_PARSE_APPLE_LC_STR, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_FAT_ARCH_MISMATCH);
    assert_int_equal(err.index, 1);
    assert_int_equal(err.cputype, LCP_CPU_TYPE_I386);
}

static void known_commands_only_when_asked(void **state) {
    (void)state;
    lcp_error err;
    size_t n = h_image64(buf, false);
    h_put32(buf + H_RPATH, false, 0x7777); /* an unknown command */
    assert_int_equal(open_flags(buf, n, 0, &err), LCP_OK);
    assert_int_equal(open_flags(buf, n, LCP_PARSE_KNOWN_COMMANDS, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_UNKNOWN_COMMAND);
    assert_int_equal(err.index, 1);
    assert_int_equal(err.offset, H_RPATH);
}

/* A linked 64-bit dylib: __LINKEDIT at 0x800..0x1000 holding 2 symbols
 * then the string table to its end; an LC_DYSYMTAB with no indirect
 * symbols. Offsets of the commands: segment 32, symtab 104, dysymtab 128. */
enum { L_SEG = 32, L_SYMTAB = 104, L_DYSYMTAB = 128 };
static size_t linked_image(uint8_t *b, uint32_t filetype) {
    memset(b, 0, 4096);
    h_put32(b, false, 0xfeedfacf);
    h_put32(b + 4, false, 0x01000007);
    h_put32(b + 8, false, 3);
    h_put32(b + 12, false, filetype);
    h_put32(b + 16, false, 3);
    h_put32(b + 20, false, 72 + 24 + 80);
    uint8_t *s = b + L_SEG;
    h_put32(s, false, LCP_LC_SEGMENT_64);
    h_put32(s + 4, false, 72);
    memcpy(s + 8, "__LINKEDIT", 10);
    h_put64(s + 40, false, 0x800);
    h_put64(s + 48, false, 0x800);
    uint8_t *y = b + L_SYMTAB;
    h_put32(y, false, LCP_LC_SYMTAB);
    h_put32(y + 4, false, 24);
    h_put32(y + 8, false, 0x800);  /* symoff */
    h_put32(y + 12, false, 2);     /* nsyms */
    h_put32(y + 16, false, 0x820); /* stroff */
    h_put32(y + 20, false, 0x7e0); /* strsize: to the end of __LINKEDIT */
    uint8_t *d = b + L_DYSYMTAB;
    h_put32(d, false, LCP_LC_DYSYMTAB);
    h_put32(d + 4, false, 80);
    return 4096;
}

static lcp_status strict(size_t n, lcp_error *err) { return open_flags(buf, n, LCP_PARSE_LINKEDIT_STRICT, err); }

static void linkedit_strict_tables_inside_the_image(void **state) {
    (void)state;
    lcp_error err;
    size_t n = linked_image(buf, LCP_MH_DYLIB);
    assert_int_equal(strict(n, &err), LCP_OK);
    /* indirect symbols past the end of the file */
    h_put32(buf + L_DYSYMTAB + 56, false, 0xff0);
    h_put32(buf + L_DYSYMTAB + 60, false, 8);
    assert_int_equal(open_flags(buf, n, 0, &err), LCP_OK);
    assert_int_equal(strict(n, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_INDIRECT_PAST_END);
    assert_int_equal(err.index, 2);
    /* symbols past the end */
    n = linked_image(buf, LCP_MH_DYLIB);
    h_put32(buf + L_SYMTAB + 12, false, 1000);
    assert_int_equal(open_flags(buf, n, 0, &err), LCP_OK);
    assert_int_equal(strict(n, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_SYMTAB_PAST_END);
    assert_int_equal(err.value, 16);
    /* strings past the end */
    n = linked_image(buf, LCP_MH_DYLIB);
    h_put32(buf + L_SYMTAB + 20, false, 0x1000);
    assert_int_equal(strict(n, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_STRTAB_PAST_END);
    assert_int_equal(err.index, 1);
}

static void linkedit_strict_string_table_last(void **state) {
    (void)state;
    lcp_error err;
    size_t n = linked_image(buf, LCP_MH_DYLIB);
    h_put32(buf + L_SYMTAB + 20, false, 0x100); /* ends at 0x920, __LINKEDIT at 0x1000 */
    assert_int_equal(open_flags(buf, n, 0, &err), LCP_OK);
    assert_int_equal(strict(n, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_STRTAB_NOT_LAST);
    /* ld64's padding of the table to 8 is fine */
    h_put32(buf + L_SYMTAB + 20, false, 0x7e0 - 5);
    assert_int_equal(strict(n, &err), LCP_OK);
    /* an object file has no __LINKEDIT order to keep */
    n = linked_image(buf, LCP_MH_OBJECT);
    h_put32(buf + L_SYMTAB + 20, false, 0x100);
    assert_int_equal(strict(n, &err), LCP_OK);
}

/* Apple's checkout walks the commands in order: a __LINKEDIT fault in a
 * command is reported before a broken cmdsize in a later one. */
static void checkout_reports_the_first_fault_in_command_order(void **state) {
    (void)state;
    lcp_error err;
    size_t n = linked_image(buf, LCP_MH_DYLIB);
    h_put32(buf + L_DYSYMTAB + 56, false, 0xff0);
    h_put32(buf + L_DYSYMTAB + 60, false, 8);
    /* a fourth command, with a cmdsize that is not a multiple of 4 */
    h_put32(buf + 16, false, 4);
    h_put32(buf + 20, false, 72 + 24 + 80 + 16);
    h_put32(buf + L_DYSYMTAB + 80, false, LCP_LC_SOURCE_VERSION);
    h_put32(buf + L_DYSYMTAB + 84, false, 15);
    assert_int_equal(open_flags(buf, n, 0, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMDSIZE_ALIGN);
    assert_int_equal(err.index, 3);
    assert_int_equal(strict(n, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_INDIRECT_PAST_END);
    assert_int_equal(err.index, 2);
    /* with nothing wrong before it, the broken command is the fault */
    h_put32(buf + L_DYSYMTAB + 60, false, 0);
    assert_int_equal(strict(n, &err), LCP_E_MALFORMED);
    assert_int_equal(err.reason, LCP_R_CMDSIZE_ALIGN);
}

/* A command shorter than its structure is refused however leniently the
 * file is read (codesign_allocate -r used to copy such files). */
static void short_segment_and_prebound_refused_with_every_option(void **state) {
    (void)state;
    lcp_error err;
    const unsigned all =
        LCP_PARSE_APPLE_LC_STR | LCP_PARSE_FAT_ALWAYS | LCP_PARSE_KNOWN_COMMANDS | LCP_PARSE_LINKEDIT_STRICT;
    const unsigned options[] = {0, all};
    /* LC_SEGMENT_64 of 64 bytes (it needs 72), then an 8-byte command */
    size_t n = linked_image(buf, LCP_MH_DYLIB);
    h_put32(buf + 16, false, 4);
    h_put32(buf + L_SEG + 4, false, 64);
    h_put32(buf + L_SEG + 64, false, 0x7777);
    h_put32(buf + L_SEG + 68, false, 8);
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(open_flags(buf, n, options[k], &err), LCP_E_MALFORMED);
        assert_int_equal(err.reason, LCP_R_CMD_TOO_SMALL);
        assert_int_equal(err.index, 0);
    }
    /* LC_PREBOUND_DYLIB of 16 bytes (it needs 20), then LC_SOURCE_VERSION */
    n = h_image64(buf, false);
    h_put32(buf + 16, false, 4);
    memset(buf + H_RPATH, 0, 32);
    h_put32(buf + H_RPATH, false, LCP_LC_PREBOUND_DYLIB);
    h_put32(buf + H_RPATH + 4, false, 16);
    h_put32(buf + H_RPATH + 16, false, LCP_LC_SOURCE_VERSION);
    h_put32(buf + H_RPATH + 20, false, 16);
    for (size_t k = 0; k < 2; k++) {
        assert_int_equal(open_flags(buf, n, options[k], &err), LCP_E_MALFORMED);
        assert_int_equal(err.reason, LCP_R_CMD_TOO_SMALL);
        assert_int_equal(err.index, 1);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fat_always_reads_a_class_file_as_fat),
        cmocka_unit_test(fat_header_reasons),
        cmocka_unit_test(known_commands_only_when_asked),
        cmocka_unit_test(linkedit_strict_tables_inside_the_image),
        cmocka_unit_test(linkedit_strict_string_table_last),
        cmocka_unit_test(checkout_reports_the_first_fault_in_command_order),
        cmocka_unit_test(short_segment_and_prebound_refused_with_every_option),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
