/* Unit tests: symbol, string and indirect symbol tables (symtab_load.c, symtab_query.c).
 * Expected addresses come from llvm-objdump-19 --macho -d / --indirect-symbols
 * and llvm-nm-19 -n on the fixtures (tests/binaries/README.md, build.sh). */
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
#include "lcpatch/symbols.h"

#define BIN "tests/binaries/"

/* Opens a file and loads the symbols of slice `slice`. */
static lcp_symtab *load(const char *path, size_t slice, lcp_file **fout) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(path, &f, &err) != LCP_OK)
        fail_msg("%s", err.message);
    assert_true(slice < f->nslices);
    lcp_symtab *t;
    if (lcp_symtab_load(&f->src, f->slices[slice].image, &t, &err) != LCP_OK)
        fail_msg("%s", err.message);
    *fout = f;
    return t;
}

static void x86_64_defined_symbols(void **state) {
    (void)state;
    lcp_file *f;
    lcp_symtab *t = load(BIN "calls-x86_64", 0, &f);
    const lcp_symbol *s = lcp_symtab_find(t, "_main");
    assert_non_null(s);
    assert_int_equal(s->addr, 0x1000004efull);
    assert_int_equal(s->size, 0x10000052aull - 0x1000004efull); /* to the end of __text */
    assert_ptr_equal(lcp_symtab_find(t, "main"), s);            /* C name without '_' */
    s = lcp_symtab_find(t, "_twice");
    assert_non_null(s);
    assert_int_equal(s->addr, 0x1000004e0ull);
    assert_int_equal(s->size, 0xf);             /* up to _main */
    assert_null(lcp_symtab_find(t, "_dlopen")); /* undefined: not a defined symbol */
    assert_null(lcp_symtab_find(t, "nope"));
    uint64_t off = 99;
    s = lcp_symtab_lookup(t, 0x1000004f3ull, &off);
    assert_non_null(s);
    assert_string_equal(s->name, "_main");
    assert_int_equal(off, 4);
    assert_null(lcp_symtab_lookup(t, 0x10000052cull, NULL)); /* __stubs: past _main's section */
    assert_null(lcp_symtab_lookup(t, 0x1000, NULL));
    /* 8 symbols: 3 undefined, 5 defined (llvm-nm). */
    assert_int_equal(lcp_symtab_count(t), 8);
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void x86_64_stubs_and_pointers(void **state) {
    (void)state;
    lcp_file *f;
    lcp_symtab *t = load(BIN "calls-x86_64", 0, &f);
    lcp_import_kind kind;
    uint64_t entry;
    assert_string_equal(lcp_symtab_import_at(t, 0x100000532ull, &kind, &entry), "_dlopen");
    assert_int_equal(kind, LCP_IMPORT_STUB);
    assert_int_equal(entry, 0x100000532ull);
    /* inside the 6-byte stub */
    assert_string_equal(lcp_symtab_import_at(t, 0x100000537ull, &kind, &entry), "_dlopen");
    assert_int_equal(entry, 0x100000532ull);
    assert_string_equal(lcp_symtab_name_at(t, 0x10000052cull), "_puts");
    assert_null(lcp_symtab_name_at(t, 0x10000052dull)); /* not the start of a stub */
    assert_string_equal(lcp_symtab_import_at(t, 0x100001010ull, &kind, NULL), "_dlopen");
    assert_int_equal(kind, LCP_IMPORT_POINTER);                                                    /* __la_symbol_ptr */
    assert_string_equal(lcp_symtab_import_at(t, 0x100001000ull, &kind, NULL), "dyld_stub_binder"); /* __got */
    assert_null(lcp_symtab_import_at(t, 0x100000538ull, &kind, NULL));                             /* __stub_helper */
    assert_int_equal(kind, LCP_IMPORT_NONE);
    assert_string_equal(lcp_symtab_name_at(t, 0x1000004e0ull), "_twice");
    uint64_t addrs[4];
    assert_int_equal(lcp_symtab_stubs_for(t, "_dlopen", addrs, 4), 1);
    assert_int_equal(addrs[0], 0x100000532ull);
    assert_int_equal(lcp_symtab_stubs_for(t, "_NSAddImage", addrs, 4), 0);
    /* pointers: only __la_symbol_ptr's slot, never the stub */
    assert_int_equal(lcp_symtab_pointers_for(t, "_dlopen", addrs, 4), 1);
    assert_int_equal(addrs[0], 0x100001010ull);
    assert_int_equal(lcp_symtab_pointers_for(t, "dyld_stub_binder", NULL, 0), 1);
    assert_int_equal(lcp_symtab_pointers_for(t, "_NSAddImage", addrs, 4), 0);
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void x86_64_sections_and_addresses(void **state) {
    (void)state;
    lcp_file *f;
    lcp_symtab *t = load(BIN "calls-x86_64", 0, &f);
    assert_int_equal(lcp_symtab_section_count(t), 7);
    const lcp_section *cs = lcp_symtab_section_named(t, "__TEXT", "__cstring");
    assert_non_null(cs);
    assert_int_equal(cs->addr, 0x10000055cull);
    assert_int_equal(cs->size, 0x2e);
    assert_ptr_equal(lcp_symtab_section_at(t, 0x100000560ull), cs);
    assert_null(lcp_symtab_section_named(t, "__TEXT", "__nope"));
    uint64_t off, avail;
    const lcp_image *img = f->slices[0].image;
    assert_true(lcp_image_addr_to_offset(img, 0x1000004e0ull, &off, &avail));
    assert_int_equal(off, 0x4e0);
    assert_true(avail > 0x4a);
    assert_false(lcp_image_addr_to_offset(img, 0x10, &off, &avail)); /* __PAGEZERO: no file bytes */
    uint64_t pc;
    lcp_error err;
    assert_int_equal(lcp_image_entry_address(img, &pc, &err), LCP_OK);
    assert_int_equal(pc, 0x1000004efull); /* LC_MAIN -> _main */
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void arm64_stubs(void **state) {
    (void)state;
    lcp_file *f;
    lcp_symtab *t = load(BIN "calls-arm64", 0, &f);
    lcp_import_kind kind;
    assert_string_equal(lcp_symtab_import_at(t, 0x1000005a8ull, &kind, NULL), "_dlopen");
    assert_int_equal(kind, LCP_IMPORT_STUB);
    assert_string_equal(lcp_symtab_name_at(t, 0x10000059cull), "_puts");
    assert_string_equal(lcp_symtab_import_at(t, 0x100004000ull, &kind, NULL), "dyld_stub_binder");
    assert_int_equal(kind, LCP_IMPORT_POINTER);
    const lcp_symbol *s = lcp_symtab_find(t, "_main");
    assert_non_null(s);
    assert_int_equal(s->addr, 0x100000558ull);
    assert_int_equal(s->size, 0x10000059cull - 0x100000558ull);
    uint64_t pc;
    assert_int_equal(lcp_image_entry_address(f->slices[0].image, &pc, NULL), LCP_OK);
    assert_int_equal(pc, 0x100000558ull);
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void thread_state_entry_points(void **state) {
    (void)state;
    const struct {
        const char *path;
        uint64_t pc;
    } cases[] = {{BIN "hello-i386", 0x1f00}, {BIN "hello-ppc", 0x1f00}, {BIN "hello-ppc64", 0x100000f00ull}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lcp_file *f;
        lcp_symtab *t = load(cases[i].path, 0, &f);
        uint64_t pc = 0;
        lcp_error err;
        if (lcp_image_entry_address(f->slices[0].image, &pc, &err) != LCP_OK)
            fail_msg("%s: %s", cases[i].path, err.message);
        assert_int_equal(pc, cases[i].pc);
        if (i < 2) /* llvm-nm names start at 0x1f00 in both 32-bit files */
            assert_string_equal(lcp_symtab_name_at(t, pc), "start");
        lcp_symtab_free(t);
        lcp_file_free(f);
    }
    /* A dylib has no entry point. */
    lcp_file *f;
    lcp_symtab *t = load(BIN "libold-x86_64.dylib", 0, &f);
    uint64_t pc;
    lcp_error err;
    assert_int_equal(lcp_image_entry_address(f->slices[0].image, &pc, &err), LCP_E_NOTFOUND);
    lcp_symtab_free(t);
    lcp_file_free(f);
}

static void every_slice_of_a_fat_file(void **state) {
    (void)state;
    lcp_file *f;
    lcp_symtab *t = load(BIN "legacy-fat.dylib", 0, &f);
    lcp_symtab_free(t);
    for (size_t i = 0; i < f->nslices; i++) { /* ppc (big-endian), i386, x86_64 */
        lcp_error err;
        if (lcp_symtab_load(&f->src, f->slices[i].image, &t, &err) != LCP_OK)
            fail_msg("%s", err.message);
        const lcp_symbol *s = lcp_symtab_find(t, "dodo_version");
        assert_non_null(s);
        assert_int_equal(s->addr, 0xff0);
        assert_int_equal(s->type & LCP_N_TYPE, LCP_N_SECT);
        lcp_symtab_free(t);
    }
    lcp_file_free(f);
}

/* Offset in the buffer of field `field` of the first command `cmd`. */
static size_t field_at(const lcp_file *f, uint32_t cmd, size_t field) {
    const lcp_image *img = f->slices[0].image;
    long i = lcp_image_find(img, cmd, 0);
    assert_true(i >= 0);
    return (size_t)img->offset + img->header_size + img->lc[i].offset + field;
}

static void put_le32(uint8_t *b, size_t at, uint32_t v) {
    for (int k = 0; k < 4; k++)
        b[at + (size_t)k] = (uint8_t)(v >> (8 * k));
}

/* Re-parses the patched buffer and loads its symbols. */
static lcp_status reload(const uint8_t *b, size_t len, lcp_symtab **t, lcp_error *err) {
    lcp_file *f;
    lcp_status st = lcp_file_open_memory(b, len, "patched", &f, err);
    if (st)
        return st;
    st = lcp_symtab_load(&f->src, f->slices[0].image, t, err);
    lcp_file_free(f);
    return st;
}

static void hostile_tables(void **state) {
    (void)state;
    size_t len;
    uint8_t *orig = h_slurp(BIN "calls-x86_64", &len);
    uint8_t *b = malloc(len);
    assert_non_null(b);
    lcp_file *f;
    assert_int_equal(lcp_file_open_memory(orig, len, "calls", &f, NULL), LCP_OK);
    size_t symoff = field_at(f, LCP_LC_SYMTAB, 8), nsyms = field_at(f, LCP_LC_SYMTAB, 12);
    size_t strsize = field_at(f, LCP_LC_SYMTAB, 20);
    size_t indoff = field_at(f, LCP_LC_DYSYMTAB, 56), nind = field_at(f, LCP_LC_DYSYMTAB, 60);
    lcp_file_free(f);
    lcp_symtab *t;
    lcp_error err;

    /* The symbol table past the end of the image. */
    memcpy(b, orig, len);
    put_le32(b, symoff, (uint32_t)len - 8);
    assert_int_equal(reload(b, len, &t, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "symbol table"));
    /* A count whose product would overflow 32 bits. */
    memcpy(b, orig, len);
    put_le32(b, nsyms, 0xffffffffu);
    assert_int_equal(reload(b, len, &t, &err), LCP_E_MALFORMED);
    /* A string table past the end. */
    memcpy(b, orig, len);
    put_le32(b, strsize, 0xfffffff0u);
    assert_int_equal(reload(b, len, &t, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "string table"));
    /* Indirect table past the end. */
    memcpy(b, orig, len);
    put_le32(b, indoff, 0xfffffff0u);
    assert_int_equal(reload(b, len, &t, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "indirect symbol table"));

    /* A string table cut short (names past it are dropped, not read). */
    memcpy(b, orig, len);
    put_le32(b, strsize, 4);
    assert_int_equal(reload(b, len, &t, &err), LCP_OK);
    assert_int_equal(lcp_symtab_count(t), 0);
    assert_null(lcp_symtab_name_at(t, 0x100000532ull));
    lcp_symtab_free(t);
    /* Fewer indirect entries than the sections claim: only those are used.
     * Entry 0 is __got's (reserved1 0); __stubs start at 1, __la_symbol_ptr at 3. */
    memcpy(b, orig, len);
    put_le32(b, nind, 2);
    assert_int_equal(reload(b, len, &t, &err), LCP_OK);
    assert_string_equal(lcp_symtab_import_at(t, 0x100001000ull, NULL, NULL), "dyld_stub_binder");
    assert_string_equal(lcp_symtab_name_at(t, 0x10000052cull), "_puts"); /* entry 1 */
    assert_null(lcp_symtab_name_at(t, 0x100000532ull));                  /* entry 2: gone */
    assert_null(lcp_symtab_import_at(t, 0x100001008ull, NULL, NULL));    /* reserved1 3 >= 2 */
    lcp_symtab_free(t);
    free(b);
    free(orig);
}

/* lcp_image_pointer_at: the chars pointer of a CFString record, stored as
 * the address itself (x86_64: rebase opcodes; i386: relocated by
 * link-i386.py) or as a DYLD_CHAINED_PTR_64 rebase (arm64 for macOS 13).
 * Addresses from llvm-objdump-19 -s -j __cfstring / __cstring. */
static void pointers_rebased_and_chained(void **state) {
    (void)state;
    static const struct {
        const char *path;
        uint64_t cfstring, cstring, width;
    } cases[] = {
        {BIN "audit/cfbundle-x86_64", 0x100001010ull, 0x100000740ull, 8},
        {BIN "audit/cfbundle-arm64", 0x100004038ull, 0x1000005e8ull, 8},
        {BIN "audit/cfbundle-i386", 0x201c, 0x18c9, 4},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(cases[k].path, &f, &err), LCP_OK);
        const lcp_image *img = f->slices[0].image;
        uint64_t w = cases[k].width, t = 0;
        /* records are {isa, flags, chars, length}: chars is the third field */
        assert_true(lcp_image_pointer_at(&f->src, img, cases[k].cfstring + 2 * w, &t));
        assert_int_equal(t, cases[k].cstring);
        assert_true(lcp_image_pointer_at(&f->src, img, cases[k].cfstring + 4 * w * 2 + 2 * w, &t));
        assert_int_equal(t, cases[k].cstring + 0x63); /* "/usr/local/lib/Helper.bundle" */
        /* __PAGEZERO has no file bytes */
        assert_false(lcp_image_pointer_at(&f->src, img, 0x10, &t));
        lcp_file_free(f);
    }
    /* in the chained image the isa field is a bind (to the class): no address */
    lcp_file *f;
    uint64_t t;
    assert_int_equal(lcp_file_open(BIN "audit/cfbundle-arm64", &f, NULL), LCP_OK);
    assert_false(lcp_image_pointer_at(&f->src, f->slices[0].image, 0x100004038ull, &t));
    lcp_file_free(f);
}

/* The bytes of the fixture at path (*len), where its linkedit_data command
 * cmd keeps its dataoff (*at, a file offset), and what that holds. */
static uint8_t *slurp_linkedit(const char *path, uint32_t cmd, size_t *len, size_t *at, uint32_t *dataoff) {
    uint8_t *b = h_slurp(path, len);
    lcp_file *f;
    assert_int_equal(lcp_file_open_memory(b, *len, path, &f, NULL), LCP_OK);
    *at = field_at(f, cmd, 8);
    lcp_file_free(f);
    *dataoff = (uint32_t)b[*at] | (uint32_t)b[*at + 1] << 8 | (uint32_t)b[*at + 2] << 16 | (uint32_t)b[*at + 3] << 24;
    return b;
}

/* Chained fixups whose offsets and counts lie: the pointer is refused, never
 * read from outside the fixups data. */
static void hostile_chained_fixups(void **state) {
    (void)state;
    size_t len, at;
    uint32_t dataoff;
    uint8_t *orig = slurp_linkedit(BIN "audit/cfbundle-arm64", LCP_LC_DYLD_CHAINED_FIXUPS, &len, &at, &dataoff);
    uint8_t *b = malloc(len);
    assert_non_null(b);
    lcp_file *f;
    uint32_t starts = (uint32_t)orig[dataoff + 4] | (uint32_t)orig[dataoff + 5] << 8;
    const struct {
        size_t where;
        uint32_t value;
    } lies[] = {
        {dataoff + 4, 0xfffffff0u},                  /* starts_offset past the data */
        {dataoff + starts, 0x40000000},              /* seg_count past the data */
        {dataoff + starts + 4 + 4 * 2, 0x7ffffff0u}, /* __DATA_CONST's starts past the data */
        {at + 4, 8},                                 /* datasize smaller than the header */
    };
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        memcpy(b, orig, len);
        put_le32(b, lies[k].where, lies[k].value);
        lcp_error err;
        assert_int_equal(lcp_file_open_memory(b, len, "chained", &f, &err), LCP_OK);
        uint64_t t;
        assert_false(lcp_image_pointer_at(&f->src, f->slices[0].image, 0x100004048ull, &t));
        lcp_file_free(f);
    }
    free(b);
    free(orig);
}

/* LC_FUNCTION_STARTS lists exactly the functions the symbol table names in
 * __text (load_plugin, load_named, main: src/wrapper.c), in order, and
 * the stripped copy, which names none of them, keeps the same list. */
static void function_starts_match_symbols(void **state) {
    (void)state;
    const char *arch[] = {"x86_64", "arm64"};
    for (size_t a = 0; a < 2; a++) {
        char path[128], stripped[128];
        snprintf(path, sizeof path, BIN "audit/wrapper-%s", arch[a]);
        snprintf(stripped, sizeof stripped, BIN "audit/wrapper-stripped-%s", arch[a]);
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(path, &f, &err), LCP_OK);
        const lcp_image *img = f->slices[0].image;
        lcp_symtab *t;
        assert_int_equal(lcp_symtab_load(&f->src, img, &t, &err), LCP_OK);
        uint64_t *starts;
        size_t n;
        assert_int_equal(lcp_function_starts(&f->src, img, &starts, &n, &err), LCP_OK);
        assert_int_equal(n, 3);
        const char *names[] = {"_load_plugin", "_load_named", "_main"};
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(lcp_symtab_name_at(t, starts[i]), names[i]);
            if (i > 0)
                assert_true(starts[i] > starts[i - 1]);
        }
        lcp_symtab_free(t);
        lcp_file *g;
        assert_int_equal(lcp_file_open(stripped, &g, &err), LCP_OK);
        assert_int_equal(lcp_symtab_load(&g->src, g->slices[0].image, &t, &err), LCP_OK);
        assert_null(lcp_symtab_name_at(t, starts[0]));
        lcp_symtab_free(t);
        uint64_t *again;
        size_t m;
        assert_int_equal(lcp_function_starts(&g->src, g->slices[0].image, &again, &m, &err), LCP_OK);
        assert_int_equal(m, n);
        assert_memory_equal(again, starts, n * sizeof *starts);
        free(again);
        free(starts);
        lcp_file_free(g);
        lcp_file_free(f);
    }
    /* An image without the command (hello-i386, linked by link-i386.py):
     * none, and no error. */
    lcp_file *f;
    assert_int_equal(lcp_file_open(BIN "hello-i386", &f, NULL), LCP_OK);
    assert_true(lcp_image_find(f->slices[0].image, LCP_LC_FUNCTION_STARTS, 0) < 0);
    uint64_t dummy, *starts = &dummy;
    size_t n = 1;
    assert_int_equal(lcp_function_starts(&f->src, f->slices[0].image, &starts, &n, NULL), LCP_OK);
    assert_int_equal(n, 0);
    assert_null(starts);
    lcp_file_free(f);
}

/* Function-starts data that lies: past the image (the file is refused when
 * it is opened), a delta wider than 64 bits, a sum past 2^64 (errors naming
 * the offset); a last delta cut short (ignored). */
static void hostile_function_starts(void **state) {
    (void)state;
    size_t len, at;
    uint32_t dataoff;
    uint8_t *orig = slurp_linkedit(BIN "audit/wrapper-x86_64", LCP_LC_FUNCTION_STARTS, &len, &at, &dataoff);
    uint8_t *b = malloc(len);
    assert_non_null(b);
    lcp_file *f;
    assert_true(dataoff + 16 <= len);
    static const uint8_t wide[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f, 0};
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0};
    static const uint8_t cut[] = {0x10, 0x80, 0x80}; /* 0x10, then a delta whose last byte is missing */
    const struct {
        const uint8_t *data;
        size_t n;
        uint32_t dataoff, datasize;
        lcp_status want;
        size_t nstarts;
        uint64_t err_offset;
        const char *message;
    } lies[] = {
        {wide, sizeof wide, dataoff, sizeof wide, LCP_E_MALFORMED, 0, dataoff, "64 bits"},
        {huge, sizeof huge, dataoff, sizeof huge, LCP_E_MALFORMED, 0, dataoff, "2^64"},
        {cut, sizeof cut, dataoff, sizeof cut, LCP_OK, 1, 0, NULL},
    };
    memcpy(b, orig, len);
    put_le32(b, at, (uint32_t)len - 4);
    put_le32(b, at + 4, 16);
    lcp_error err;
    assert_int_equal(lcp_file_open_memory(b, len, "starts", &f, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "'LC_FUNCTION_STARTS'"));
    assert_non_null(strstr(err.message, "past the end"));
    for (size_t k = 0; k < sizeof lies / sizeof lies[0]; k++) {
        memcpy(b, orig, len);
        put_le32(b, at, lies[k].dataoff);
        put_le32(b, at + 4, lies[k].datasize);
        memcpy(b + dataoff, lies[k].data, lies[k].n);
        assert_int_equal(lcp_file_open_memory(b, len, "starts", &f, &err), LCP_OK);
        uint64_t *starts;
        size_t n;
        assert_int_equal(lcp_function_starts(&f->src, f->slices[0].image, &starts, &n, &err), lies[k].want);
        assert_int_equal(n, lies[k].nstarts);
        if (lies[k].message) {
            assert_null(starts);
            assert_int_equal(err.offset, lies[k].err_offset);
            assert_non_null(strstr(err.message, lies[k].message));
        } else {
            assert_int_equal(starts[0], 0x100000000ull + 0x10);
        }
        free(starts);
        lcp_file_free(f);
    }
    free(b);
    free(orig);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(x86_64_defined_symbols),
        cmocka_unit_test(x86_64_stubs_and_pointers),
        cmocka_unit_test(x86_64_sections_and_addresses),
        cmocka_unit_test(arm64_stubs),
        cmocka_unit_test(thread_state_entry_points),
        cmocka_unit_test(every_slice_of_a_fat_file),
        cmocka_unit_test(hostile_tables),
        cmocka_unit_test(pointers_rebased_and_chained),
        cmocka_unit_test(hostile_chained_fixups),
        cmocka_unit_test(function_starts_match_symbols),
        cmocka_unit_test(hostile_function_starts),
    };
    return cmocka_run_group_tests_name("symbols", tests, NULL, NULL);
}
