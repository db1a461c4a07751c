/* Unit tests: the Capstone wrapper (disasm.c) on fixtures with known
 * instructions (llvm-objdump-19 --macho -d gives the same addresses). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hostile.h"
#include "lcpatch/lcpatch.h"

#define BIN "tests/binaries/"
#define MAXI 256

typedef struct seen {
    lcp_insn insn[MAXI];
    char label[MAXI][64]; /* copies: lcp_insn strings live only during the call */
    char target_name[MAXI][64];
    char ref_name[MAXI][64];
    size_t n;
    size_t stop_after; /* 0: never stop */
} seen;

static int collect(void *ctx, const lcp_insn *in) {
    seen *s = ctx;
    if (s->n < MAXI) {
        s->insn[s->n] = *in;
        snprintf(s->label[s->n], 64, "%s", in->label ? in->label : "");
        snprintf(s->target_name[s->n], 64, "%s", in->target_name ? in->target_name : "");
        snprintf(s->ref_name[s->n], 64, "%s", in->ref_name ? in->ref_name : "");
        s->n++;
    }
    return s->stop_after && s->n >= s->stop_after ? 7 : 0;
}

static size_t find_at(const seen *s, uint64_t addr) {
    for (size_t i = 0; i < s->n; i++)
        if (s->insn[i].addr == addr)
            return i;
    fail_msg("no instruction at 0x%llx", (unsigned long long)addr);
    return 0;
}

/* Disassembles symbol `sym` (or the whole __TEXT,__text when NULL) of slice
 * `slice` of the file or buffer. */
static void run(const uint8_t *mem, size_t len, const char *path, size_t slice, const char *sym, seen *out) {
    lcp_file *f;
    lcp_error err;
    lcp_status st = mem ? lcp_file_open_memory(mem, len, path, &f, &err) : lcp_file_open(path, &f, &err);
    if (st)
        fail_msg("%s", err.message);
    lcp_image *img = f->slices[slice].image;
    lcp_symtab *t;
    lcp_disasm *d;
    assert_int_equal(lcp_symtab_load(&f->src, img, &t, &err), LCP_OK);
    assert_int_equal(lcp_disasm_new(img, t, &d, &err), LCP_OK);
    uint64_t start, n;
    if (sym) {
        const lcp_symbol *s = lcp_symtab_find(t, sym);
        assert_non_null(s);
        start = s->addr;
        n = s->size;
    } else {
        const lcp_section *s = lcp_symtab_section_named(t, "__TEXT", "__text");
        assert_non_null(s);
        start = s->addr;
        n = s->size;
    }
    int stopped = -1;
    if (lcp_disasm_range(d, &f->src, start, n, 0, collect, out, &stopped, &err) != LCP_OK)
        fail_msg("%s", err.message);
    assert_int_equal(stopped, out->stop_after && out->n >= out->stop_after ? 7 : 0);
    lcp_disasm_free(d);
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void x86_64_calls_read_as_imports(void **state) {
    (void)state;
    static seen s;
    memset(&s, 0, sizeof s);
    run(NULL, 0, BIN "calls-x86_64", 0, NULL, &s);
    assert_string_equal(s.label[0], "_twice");
    size_t i = find_at(&s, 0x1000004efull);
    assert_string_equal(s.label[i], "_main");
    i = find_at(&s, 0x1000004ffull);
    assert_int_equal(s.insn[i].kind, LCP_INSN_CALL);
    assert_true(s.insn[i].has_target);
    assert_int_equal(s.insn[i].target, 0x100000532ull);
    assert_string_equal(s.target_name[i], "_dlopen");
    assert_string_equal(s.insn[i].operands, "_dlopen");
    assert_string_equal(s.insn[i].mnemonic, "callq");
    i = find_at(&s, 0x100000519ull);
    assert_string_equal(s.target_name[i], "_puts");
    i = find_at(&s, 0x100000525ull); /* tail call */
    assert_int_equal(s.insn[i].kind, LCP_INSN_JUMP);
    assert_string_equal(s.target_name[i], "_twice");
    /* lea 0x62(%rip), %rdi -> the path string, into rdi (dlopen's argument) */
    i = find_at(&s, 0x1000004f3ull);
    assert_true(s.insn[i].has_ref);
    assert_int_equal(s.insn[i].ref, 0x10000055cull);
    assert_string_equal(s.insn[i].reg, "rdi");
    assert_string_equal(s.insn[i].comment, "literal pool for: \"/usr/local/lib/libplugin.dylib\"");
    /* addl _counter(%rip), %eax */
    i = find_at(&s, 0x1000004e7ull);
    assert_string_equal(s.ref_name[i], "_counter");
    assert_string_equal(s.insn[i].operands, "_counter(%rip), %eax");
    i = find_at(&s, 0x1000004eeull);
    assert_int_equal(s.insn[i].kind, LCP_INSN_RETURN);
    /* every byte of __text decoded: last instruction ends at 0x10000052a */
    assert_int_equal(s.insn[s.n - 1].addr + s.insn[s.n - 1].size, 0x10000052aull);
}

static void arm64_calls_and_literals(void **state) {
    (void)state;
    static seen s;
    memset(&s, 0, sizeof s);
    run(NULL, 0, BIN "calls-arm64", 0, "_main", &s);
    assert_int_equal(s.n, (0x10000059cull - 0x100000558ull) / 4);
    size_t i = find_at(&s, 0x10000056cull);
    assert_string_equal(s.insn[i].mnemonic, "bl");
    assert_string_equal(s.target_name[i], "_dlopen");
    i = find_at(&s, 0x100000560ull); /* adr x0, the path (lld relaxed adrp+add) */
    assert_true(s.insn[i].has_ref);
    assert_int_equal(s.insn[i].ref, 0x1000005e4ull);
    assert_string_equal(s.insn[i].reg, "x0");
    assert_non_null(strstr(s.insn[i].comment, "libplugin.dylib"));
    i = find_at(&s, 0x100000590ull); /* ldr w0, _counter (literal) */
    assert_string_equal(s.ref_name[i], "_counter");
}

static void arm64_adrp_ldr_pairs(void **state) {
    (void)state;
    /* __stubs: adrp x16, page; ldr x16, [x16, #off] -> the lazy pointer of _dlopen. */
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "calls-arm64", &f, &err), LCP_OK);
    lcp_symtab *t;
    lcp_disasm *d;
    assert_int_equal(lcp_symtab_load(&f->src, f->slices[0].image, &t, &err), LCP_OK);
    assert_int_equal(lcp_disasm_new(f->slices[0].image, t, &d, &err), LCP_OK);
    static seen s;
    memset(&s, 0, sizeof s);
    assert_int_equal(lcp_disasm_range(d, &f->src, 0x10000059cull, 0x18, 0, collect, &s, NULL, &err), LCP_OK);
    assert_int_equal(s.n, 6);
    assert_string_equal(s.insn[0].mnemonic, "adrp");
    assert_int_equal(s.insn[0].ref, 0x100008000ull);
    assert_int_equal(s.insn[4].ref, 0x100008008ull);
    assert_string_equal(s.ref_name[4], "_dlopen");
    assert_string_equal(s.ref_name[1], "_puts");
    assert_int_equal(s.insn[5].kind, LCP_INSN_JUMP); /* br x16 */
    /* max_count and a stopping callback */
    memset(&s, 0, sizeof s);
    assert_int_equal(lcp_disasm_range(d, &f->src, 0x10000059cull, 0x18, 2, collect, &s, NULL, &err), LCP_OK);
    assert_int_equal(s.n, 2);
    memset(&s, 0, sizeof s);
    s.stop_after = 3;
    int stopped = 0;
    assert_int_equal(lcp_disasm_range(d, &f->src, 0x10000059cull, 0x18, 0, collect, &s, &stopped, &err), LCP_OK);
    assert_int_equal(s.n, 3);
    assert_int_equal(stopped, 7);
    /* an address with no file bytes */
    assert_int_equal(lcp_disasm_range(d, &f->src, 0x10, 4, 0, collect, &s, NULL, &err), LCP_E_NOTFOUND);
    lcp_disasm_free(d);
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void ppc_and_i386_slices(void **state) {
    (void)state;
    static seen s;
    memset(&s, 0, sizeof s);
    run(NULL, 0, BIN "legacy-fat.dylib", 0, "_dodo_version", &s); /* ppc, big-endian */
    assert_string_equal(s.label[0], "_dodo_version");
    assert_string_equal(s.insn[0].mnemonic, "lis");
    assert_string_equal(s.insn[0].operands, "r3, 1");
    assert_string_equal(s.insn[1].mnemonic, "ori");
    assert_string_equal(s.insn[2].mnemonic, "blr");
    assert_int_equal(s.insn[2].kind, LCP_INSN_RETURN);
    memset(&s, 0, sizeof s);
    run(NULL, 0, BIN "legacy-fat.dylib", 1, "_dodo_version", &s); /* i386 */
    assert_string_equal(s.insn[0].mnemonic, "movl");
    assert_string_equal(s.insn[0].operands, "$0x10203, %eax");
    assert_string_equal(s.insn[1].mnemonic, "retl");
    memset(&s, 0, sizeof s);
    run(NULL, 0, BIN "hello-ppc64", 0, NULL, &s);
    assert_int_equal(s.insn[0].addr, 0x100000f00ull);
    assert_string_equal(s.insn[2].mnemonic, "sc");
}

static void i386_pic_base(void **state) {
    (void)state;
    size_t len;
    uint8_t *b = h_slurp(BIN "hello-i386", &len);
    /* At start (0x1f00, file offset 0xf00): call 1f; 1: popl %eax; leal 0x100(%eax), %ecx */
    const uint8_t code[] = {0xe8, 0, 0, 0, 0, 0x58, 0x8d, 0x88, 0x00, 0x01, 0x00, 0x00};
    memcpy(b + 0xf00, code, sizeof code);
    static seen s;
    memset(&s, 0, sizeof s);
    run(b, len, "pic", 0, "start", &s);
    assert_int_equal(s.insn[0].kind, LCP_INSN_CALL);
    assert_int_equal(s.insn[0].target, 0x1f05);
    assert_string_equal(s.insn[1].mnemonic, "popl");
    assert_string_equal(s.insn[1].reg, "eax");
    assert_true(s.insn[2].has_ref);
    assert_int_equal(s.insn[2].ref, 0x1f05 + 0x100);
    assert_string_equal(s.insn[2].reg, "ecx");
    free(b);
}

static void undecodable_bytes_are_data(void **state) {
    (void)state;
    size_t len;
    uint8_t *b = h_slurp(BIN "calls-arm64", &len);
    memset(b + 0x548, 0xff, 4); /* _twice's first word: no arm64 instruction */
    static seen s;
    memset(&s, 0, sizeof s);
    run(b, len, "bad", 0, "_twice", &s);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.insn[0].kind, LCP_INSN_DATA);
    assert_string_equal(s.insn[0].mnemonic, ".long");
    assert_string_equal(s.insn[0].operands, "0xffffffff");
    assert_string_equal(s.insn[1].mnemonic, "ldr"); /* and the walk goes on */
    free(b);
}

static void unknown_architecture_refused(void **state) {
    (void)state;
    lcp_image img;
    memset(&img, 0, sizeof img);
    img.cputype = LCP_CPU_TYPE_SPARC;
    lcp_disasm *d = (lcp_disasm *)1;
    lcp_error err;
    assert_int_equal(lcp_disasm_new(&img, NULL, &d, &err), LCP_E_UNSUPPORTED);
    assert_null(d);
    lcp_disasm_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(x86_64_calls_read_as_imports),
        cmocka_unit_test(arm64_calls_and_literals),
        cmocka_unit_test(arm64_adrp_ldr_pairs),
        cmocka_unit_test(ppc_and_i386_slices),
        cmocka_unit_test(i386_pic_base),
        cmocka_unit_test(undecodable_bytes_are_data),
        cmocka_unit_test(unknown_architecture_refused),
    };
    return cmocka_run_group_tests_name("disasm", tests, NULL, NULL);
}
