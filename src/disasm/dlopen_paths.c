/* Constant paths loaded by dlopen() and its relatives, recovered by
 * disassembling __TEXT,__text with Capstone (the only place, with the rest
 * of src/disasm, that includes capstone.h).
 *
 * 1. Calls are recognised by their target: a symbol stub (an S_SYMBOL_STUBS
 *    section, e.g. __TEXT,__stubs or i386's __IMPORT,__jump_table) or a
 *    pointer (S_NON_LAZY / S_LAZY_SYMBOL_POINTERS, `call *ptr`) whose
 *    indirect symbol table entry names one of the functions below, as
 *    lcpatch/symbols.h resolves them (lcp_symtab_stubs_for / _pointers_for).
 * 2. A first pass finds the call sites that may reach a target from the
 *    instruction bytes alone (dlopen_call_sites.c); only the LOOKBACK bytes
 *    before each are decoded, so megabytes of code cost milliseconds.
 * 3. A straight-line constant tracker follows the registers that hold an
 *    address: x86_64 `lea reg, [rip + X]`, arm64 `adrp`/`add`/`adr`, i386
 *    `call 1f; 1: pop reg` then `lea reg2, [reg + X]`, register copies, and
 *    i386's stack arguments (`mov [esp + 4k], reg` or `push`). Anything else
 *    that writes a register forgets it; calls forget the caller-saved
 *    registers; returns forget everything, unconditional jumps all but the
 *    i386 PIC base.
 * 4. At a call to a path loader (dlopen...), the first argument (rdi, x0,
 *    [esp]) must hold an address inside a segment's file data where a
 *    NUL-terminated printable string lies: that string is the path.
 * 5. CoreFoundation loads bundles from URLs: CFBundleCreate(allocator, url).
 *    A call to a URL maker whose second argument is a constant path leaves,
 *    in the return register, a value tagged "URL of path P"; copies carry
 *    the tag, and a URL loader whose second argument holds it loads P.
 *    CFURLCreateWithFileSystemPath takes a CFString: a constant one is a
 *    __cfstring record {isa, flags, chars, length} whose chars pointer
 *    (lcp_image_pointer_at: rebased or chained) must lead to a C string of
 *    exactly `length` bytes.
 * 6. Wrappers (x86_64, arm64): at the entry of a function of the symbol
 *    table its register arguments are tagged "parameter k"; a function that
 *    hands parameter k to a loader's path argument becomes a target of the
 *    next pass, with the loader's role and k as its path argument (MAX_GEN
 *    passes: two levels of wrappers). Calls found in a pass are to that
 *    pass's targets only, so nothing is reported twice.
 *
 * Only headers, the symbol, string and indirect symbol tables, the records
 * and strings the arguments point to, and __text (in 64 KiB windows) are
 * read.
 *
 * The files: this one runs the passes (lcp_dlopen_paths); dlopen_targets.c
 * finds the targets and the functions of __text, dlopen_call_sites.c the
 * call sites, dlopen_x86.c and dlopen_arm64.c track values, dlopen_calls.c
 * records what a call loads, dlopen_reads.c reads the image. */
#include "disasm/dlopen_internal.h"
#include "util/checked.h"
#include "util/dynlib.h"
#include "util/reader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* At a function's entry its register arguments are the caller's. */
static void enter_function(const lcp_image *img, regs *r) {
    static const int x86_64[NARGS] = {RDI, RSI, RDX, RCX, R8, R9};
    for (int k = 0; k < NARGS; k++) {
        int reg = img->cputype == LCP_CPU_TYPE_X86_64 ? x86_64[k] : k; /* arm64: x0..x5 */
        r->reg[reg] = (val){false, false, false, (uint8_t)(k + 1), 0};
    }
}

/* Pass 2: decodes [from, to) of __text with the value tracker, which starts
 * knowing nothing. */
static void decode_range(scan *s, csh h, cs_insn *in, uint8_t *buf, const lcp_section *text, range rg) {
    bool x86 = s->img->cputype != LCP_CPU_TYPE_ARM64;
    regs r;
    forget_all(&r);
    s->cur = dlp_func_at(s, text->addr + rg.from);
    size_t next = s->cur < s->nfuncs ? s->cur + 1 : 0; /* the first function after rg.from */
    if (s->cur < s->nfuncs && s->funcs[s->cur].addr == text->addr + rg.from)
        next = s->cur; /* the range starts at a function: enter it below */
    uint64_t done = rg.from;
    while (done < rg.to && s->st == LCP_OK) {
        size_t n = rg.to - done < WINDOW ? (size_t)(rg.to - done) : WINDOW;
        /* the bytes in place in the cache, else read into buf */
        const uint8_t *code = dlp_img_peek_cached(s, CACHE_TEXT, (uint64_t)text->offset + done, n);
        if (code == NULL && !dlp_img_read(s, (uint64_t)text->offset + done, buf, n))
            break; /* __text outside the file: nothing more to read */
        if (code == NULL)
            code = buf;
        size_t left = n;
        uint64_t addr = text->addr + done;
        bool last = done + n >= rg.to;
        /* keep 16 bytes for an instruction that straddles the window */
        while (left > 0 && (last || left >= 16)) {
            if (!cs_disasm_iter(h, &code, &left, &addr, in)) {
                size_t skip = x86 ? 1 : 4;
                if (skip > left)
                    skip = left;
                code += skip;
                left -= skip;
                addr += skip;
                forget_all(&r);
                continue;
            }
            for (; next < s->nfuncs && s->funcs[next].addr <= in->address; next++) {
                s->cur = next;
                forget_all(&r);
                if (s->funcs[next].addr == in->address)
                    enter_function(s->img, &r);
            }
            if (x86)
                dlp_x86_step(s, h, in, &r, s->img->is64);
            else
                dlp_a64_step(s, h, in, &r);
        }
        done += n - left;
        if (last)
            break;
    }
}

/* Capstone 4 is not thread-safe on first use: the first x86 instruction it
 * decodes with details sorts a global table of implicit registers
 * (X86_insn_reg_intel) without a lock, so two audit threads decoding at
 * once race on it (ThreadSanitizer: tests/threads). One instruction
 * decoded once, before any other use, does that sort, and the arch set-up
 * of cs_open, single-threaded. */
static pthread_once_t capstone_once = PTHREAD_ONCE_INIT;

static void capstone_first_use(void) {
    static const struct {
        cs_arch arch;
        cs_mode mode;
        uint8_t code[4];
        size_t len;
    } warm[] = {{CS_ARCH_X86, CS_MODE_64, {0x90}, 1},
                {CS_ARCH_X86, CS_MODE_32, {0x90}, 1},
                {CS_ARCH_ARM64, CS_MODE_ARM, {0x1f, 0x20, 0x03, 0xd5}, 4}}; /* nop */
    for (size_t i = 0; i < sizeof warm / sizeof warm[0]; i++) {
        csh h;
        if (cs_open(warm[i].arch, warm[i].mode, &h) != CS_ERR_OK)
            continue;
        cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
        cs_insn *insn;
        size_t n = cs_disasm(h, warm[i].code, warm[i].len, 0x1000, 1, &insn);
        if (n > 0)
            cs_free(insn, n);
        cs_close(&h);
    }
}

static void disassemble(scan *s, const lcp_section *text) {
    const lcp_image *img = s->img;
    cs_arch arch = img->cputype == LCP_CPU_TYPE_ARM64 ? CS_ARCH_ARM64 : CS_ARCH_X86;
    cs_mode mode = img->cputype == LCP_CPU_TYPE_ARM64    ? CS_MODE_ARM
                   : img->cputype == LCP_CPU_TYPE_X86_64 ? CS_MODE_64
                                                         : CS_MODE_32;
    uint8_t *buf = malloc(WINDOW);
    if (buf == NULL) {
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        return;
    }
    pthread_once(&capstone_once, capstone_first_use);
    csh h;
    if (cs_open(arch, mode, &h) != CS_ERR_OK) {
        s->st = lcp_error_set(s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "Capstone cannot disassemble this slice");
        free(buf);
        return;
    }
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = cs_malloc(h);
    if (in == NULL)
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    /* pass n follows the calls to the targets of generation n */
    for (s->gen = 0; s->gen < MAX_GEN && s->st == LCP_OK; s->gen++) {
        bool any = false;
        for (size_t i = 0; i < s->ntargets; i++)
            any = any || s->targets[i].gen == s->gen;
        if (!any)
            break;
        ranges rs = {NULL, 0, 0};
        if (!dlp_find_call_sites(s, text, buf, &rs))
            s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        for (size_t i = 0; i < rs.n && s->st == LCP_OK; i++)
            decode_range(s, h, in, buf, text, rs.v[i]);
        free(rs.v);
    }
    if (in)
        cs_free(in, 1);
    cs_close(&h);
    free(buf);
}

lcp_status lcp_dlopen_paths(const lcp_source *src, const lcp_image *img, lcp_dlopen_call **out, size_t *n,
                            lcp_error *err) {
    *out = NULL;
    *n = 0;
    if (img->big_endian || (img->cputype != LCP_CPU_TYPE_X86_64 && img->cputype != LCP_CPU_TYPE_I386 &&
                            img->cputype != LCP_CPU_TYPE_ARM64))
        return LCP_OK;
    /* Tables that cannot be read name no loader: the audit goes on without
     * dlopen paths for this image; only running out of memory fails. */
    lcp_symtab *syms;
    lcp_error symerr;
    lcp_status st = lcp_symtab_load(src, img, &syms, &symerr);
    if (st == LCP_E_NOMEM) {
        if (err)
            *err = symerr;
        return st;
    }
    if (st != LCP_OK)
        return LCP_OK;
    scan s;
    memset(&s, 0, sizeof s);
    s.src = src;
    s.img = img;
    s.err = err;
    /* without them (no memory), every read goes to the file */
    s.cache[CACHE_TEXT] = (struct read_cache){malloc(4 * WINDOW), 4 * WINDOW, 0, 0};
    s.cache[CACHE_DATA] = (struct read_cache){malloc(16384), 16384, 0, 0};
    if (s.cache[CACHE_TEXT].buf == NULL)
        s.cache[CACHE_TEXT].cap = 0;
    if (s.cache[CACHE_DATA].buf == NULL)
        s.cache[CACHE_DATA].cap = 0;
    const lcp_section *text = lcp_symtab_section_named(syms, "__TEXT", "__text");
    if (!dlp_collect_targets(&s, syms) || (text && !dlp_collect_funcs(&s, syms, text)))
        s.st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    else if (text && s.ntargets > 0 && !lcp_section_is_zerofill(text) && (s.st = lcp_need_capstone(err)) == LCP_OK)
        disassemble(&s, text);
    lcp_symtab_free(syms);
    free(s.cache[CACHE_TEXT].buf);
    free(s.cache[CACHE_DATA].buf);
    free(s.targets);
    for (size_t i = 0; i < s.nfuncs; i++)
        free(s.funcs[i].owned);
    free(s.funcs);
    if (s.st != LCP_OK) {
        lcp_dlopen_calls_free(s.calls, s.ncalls);
        return s.st;
    }
    *out = s.calls;
    *n = s.ncalls;
    return LCP_OK;
}

void lcp_dlopen_calls_free(lcp_dlopen_call *calls, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(calls[i].path);
        free(calls[i].via);
    }
    free(calls);
}
