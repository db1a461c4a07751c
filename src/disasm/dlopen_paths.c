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
 *    instruction bytes alone (find_call_sites); only the LOOKBACK bytes
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
 * read. */
#include "lcpatch/audit.h"
#include "lcpatch/macho.h"
#include "lcpatch/symbols.h"
#include "util/checked.h"
#include "util/dynlib.h"
#include "util/reader.h"

/* Capstone 4's header uses an enum value pedantic C11 rejects (1U << 31). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include <capstone/capstone.h>
#pragma GCC diagnostic pop
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a called function does with its arguments. */
typedef enum role {
    LOADS_PATH,         /* loads the C string in argument 1 */
    MAKES_URL_CFSTRING, /* returns a URL of the CFString in argument 2 */
    MAKES_URL_CSTRING,  /* returns a URL of the C string in argument 2 */
    LOADS_URL           /* loads the bundle at the URL in argument 2 */
} role;

static const struct function {
    const char *name;
    role role;
} functions[] = {
    {"dlopen", LOADS_PATH},
    {"dlopen_preflight", LOADS_PATH},
    {"NSAddImage", LOADS_PATH},
    {"NSAddLibrary", LOADS_PATH},
    {"NSAddLibraryWithSearching", LOADS_PATH},
    {"NSCreateObjectFileImageFromFile", LOADS_PATH},
    {"CFURLCreateWithFileSystemPath", MAKES_URL_CFSTRING},
    {"CFURLCreateFromFileSystemRepresentation", MAKES_URL_CSTRING},
    {"CFBundleCreate", LOADS_URL},
    {"CFPlugInCreate", LOADS_URL},
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

typedef struct target {
    uint64_t addr; /* stub or pointer address; a wrapper's entry */
    const struct function *function;
    bool pointer;    /* reached through `call *addr` */
    unsigned gen;    /* 0: the function itself; n: a wrapper found in pass n - 1 */
    unsigned arg;    /* the argument that holds the path (LOADS_PATH) */
    const char *via; /* a wrapper's name (owned by the scan's function list) */
} target;

/* A function of the image (a defined symbol in __text), where the
 * tracker knows the arguments as the caller's. */
typedef struct func {
    uint64_t addr;
    const char *name; /* without C's leading underscore: borrowed from the
                       * symbol table, or `owned`; NULL until needed for a
                       * function only LC_FUNCTION_STARTS knows */
    char *owned;      /* the sub_<address> name made for such a function */
} func;

/* Passes over the code: the functions, then wrappers of them, then
 * wrappers of those (a path handed down through two functions of the
 * program's own). */
#define MAX_GEN 3

typedef struct scan {
    const lcp_source *src;
    const lcp_image *img;
    target *targets;
    size_t ntargets;
    unsigned gen; /* the pass: only targets of this generation are calls to follow */
    func *funcs;  /* sorted by address (x86_64 and arm64: register arguments) */
    size_t nfuncs;
    size_t cur; /* the function being decoded, or nfuncs when unknown */
    lcp_dlopen_call *calls;
    size_t ncalls, cap_calls;
    lcp_status st;
    lcp_error *err;
    /* Read caches: the call sites (pass 2) and the strings and records
     * their arguments point to come in increasing order and close
     * together, and a read per site cost more than everything else on
     * images with many calls (a pread per 4 KiB stretch and per string). */
    struct read_cache {
        uint8_t *buf;
        size_t cap, len;
        uint64_t off; /* image offset of buf[0] */
    } cache[2];
} scan;

enum { CACHE_TEXT, CACHE_DATA };

/* Reads n bytes at `off` from the start of the image (checked against its size). */
static bool img_read(scan *s, uint64_t off, void *buf, size_t n) {
    uint64_t at;
    if (!lcp_range_ok(off, n, s->img->size) || !lcp_add_u64(s->img->offset, off, &at))
        return false;
    return lcp_source_read(s->src, at, buf, n, NULL) == LCP_OK;
}

/* n bytes at `off` through cache c, in place: inside the cached bytes, or
 * after refilling the cache from `off` (as much as it holds). NULL when the
 * cache cannot hold them or they cannot be read. */
static const uint8_t *img_peek_cached(scan *s, int c, uint64_t off, size_t n) {
    struct read_cache *rc = &s->cache[c];
    if (rc->buf == NULL || n > rc->cap)
        return NULL;
    if (off < rc->off || off - rc->off > rc->len || n > rc->len - (off - rc->off)) {
        rc->len = 0;
        if (off > s->img->size)
            return NULL;
        uint64_t left = s->img->size - off;
        size_t want = left < rc->cap ? (size_t)left : rc->cap;
        if (want < n || !img_read(s, off, rc->buf, want))
            return NULL;
        rc->off = off;
        rc->len = want;
    }
    return rc->buf + (off - rc->off);
}

/* img_read through cache c (see img_peek_cached). */
static bool img_read_cached(scan *s, int c, uint64_t off, void *buf, size_t n) {
    const uint8_t *p = img_peek_cached(s, c, off, n);
    if (p == NULL)
        return img_read(s, off, buf, n);
    memcpy(buf, p, n);
    return true;
}

static bool add_target(scan *s, target t) {
    target *v = realloc(s->targets, (s->ntargets + 1) * sizeof *v);
    if (v == NULL)
        return false;
    s->targets = v;
    v[s->ntargets++] = t;
    return true;
}

/* A target of the current pass at addr. */
static const target *find_target(const scan *s, uint64_t addr, bool pointer) {
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i].addr == addr && s->targets[i].pointer == pointer && s->targets[i].gen == s->gen)
            return &s->targets[i];
    return NULL;
}

/* The stubs of the functions, and their pointers in (non-)lazy symbol
 * pointer sections (not lazy-dylib or thread-local ones). */
static bool collect(scan *s, const lcp_symtab *syms) {
    for (size_t i = 0; i < NFUNCTIONS; i++) {
        char name[48];
        snprintf(name, sizeof name, "_%s", functions[i].name);
        for (int pointer = 0; pointer < 2; pointer++) {
            size_t (*imports_for)(const lcp_symtab *, const char *, uint64_t *, size_t) =
                pointer ? lcp_symtab_pointers_for : lcp_symtab_stubs_for;
            size_t n = imports_for(syms, name, NULL, 0);
            if (n == 0)
                continue;
            uint64_t *addrs = calloc(n, sizeof *addrs);
            if (addrs == NULL)
                return false;
            imports_for(syms, name, addrs, n);
            for (size_t k = 0; k < n; k++) {
                if (pointer) {
                    const lcp_section *sc = lcp_symtab_section_at(syms, addrs[k]);
                    uint32_t type = sc ? sc->flags & LCP_SECTION_TYPE : 0;
                    if (type != LCP_S_NON_LAZY_SYMBOL_POINTERS && type != LCP_S_LAZY_SYMBOL_POINTERS)
                        continue;
                }
                if (!add_target(s, (target){addrs[k], &functions[i], pointer != 0, 0, 0, NULL})) {
                    free(addrs);
                    return false;
                }
            }
            free(addrs);
        }
    }
    return true;
}

/* The printable C string at vmaddr (at most 1024 bytes), or NULL. */
static char *string_at(scan *s, uint64_t addr) {
    uint64_t off, left;
    if (!lcp_image_addr_to_offset(s->img, addr, &off, &left))
        return NULL;
    size_t n = left < 1024 ? (size_t)left : 1024;
    const uint8_t *p = img_peek_cached(s, CACHE_DATA, off, n);
    char buf[1024];
    if (p == NULL) { /* no cache: read it */
        if (!img_read(s, off, buf, n))
            return NULL;
        p = (const uint8_t *)buf;
    }
    const uint8_t *nul = memchr(p, 0, n);
    if (nul == NULL || nul == p)
        return NULL;
    size_t len = (size_t)(nul - p);
    for (size_t k = 0; k < len; k++)
        if (p[k] < 0x20 || p[k] == 0x7f)
            return NULL;
    char *str = malloc(len + 1);
    if (str != NULL) {
        memcpy(str, p, len);
        str[len] = '\0';
    }
    return str;
}

/* CoreFoundation's flags word of a constant 8-bit string (CFSTR). */
#define CFSTRING_CONSTANT_8BIT 0x7c8u

/* The address of the characters of the constant CFString record at addr:
 * {isa, flags, chars, length}, every field pointer-sized but flags (padded
 * to the pointer width). Only 8-bit strings whose chars are a C string of
 * exactly `length` bytes qualify. */
static bool cfstring_chars(scan *s, uint64_t addr, uint64_t *chars) {
    const lcp_image *img = s->img;
    size_t w = img->is64 ? 8 : 4;
    uint8_t rec[32];
    uint64_t off, left, length;
    uint32_t flags, len32;
    if (!lcp_image_addr_to_offset(img, addr, &off, &left) || left < 4 * w ||
        !img_read_cached(s, CACHE_DATA, off, rec, 4 * w) || !lcp_get_u32(rec, sizeof rec, w, img->big_endian, &flags) ||
        flags != CFSTRING_CONSTANT_8BIT)
        return false;
    if (img->is64 ? !lcp_get_u64(rec, sizeof rec, 3 * w, img->big_endian, &length)
                  : !lcp_get_u32(rec, sizeof rec, 3 * w, img->big_endian, &len32))
        return false;
    if (!img->is64)
        length = len32;
    if (!lcp_image_pointer_at(s->src, img, addr + 2 * w, chars))
        return false;
    char *p = string_at(s, *chars);
    bool ok = p != NULL && strlen(p) == length;
    free(p);
    return ok;
}

static void found(scan *s, uint64_t at, const target *t, uint64_t addr, bool bundle) {
    if (s->st != LCP_OK)
        return;
    char *p = string_at(s, addr);
    if (p == NULL)
        return;
    char *via = t->via ? strdup(t->via) : NULL;
    lcp_dlopen_call *c = s->calls;
    if (s->ncalls == s->cap_calls && (via || !t->via)) {
        size_t cap = s->cap_calls ? s->cap_calls * 2 : 16;
        c = realloc(s->calls, cap * sizeof *c);
        if (c != NULL) {
            s->calls = c;
            s->cap_calls = cap;
        }
    }
    if (c == NULL || (t->via && via == NULL)) {
        free(p);
        free(via);
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        return;
    }
    c[s->ncalls++] = (lcp_dlopen_call){at, t->function->name, p, bundle, via};
}

/* ---- value tracking ---- */

/* What a register or argument slot is known to hold. */
typedef struct val {
    bool known;
    bool url;      /* a CFURL made from the path at v (the return of a URL maker) */
    bool pic;      /* i386: the PIC base, which a function keeps in one register throughout */
    uint8_t param; /* not known, but 1 + the index of the argument the function was called with */
    uint64_t v;    /* an address */
} val;

static const val unknown = {false, false, false, 0, 0};
static val address(uint64_t v) { return (val){true, false, false, 0, v}; }

#define NREGS 32
typedef struct regs {
    val reg[NREGS];
    /* i386 */
    val slot[4];       /* [esp], [esp + 4], ... */
    val push[4];       /* the values pushed last, latest first */
    uint64_t pic_next; /* address after `call next` (then `pop reg` takes it) */
} regs;

static void forget_all(regs *r) { memset(r, 0, sizeof *r); }

/* After an unconditional jump the next instruction is reached from
 * elsewhere: only the PIC base of the function is still known. */
static void forget_after_jump(regs *r) {
    regs keep;
    forget_all(&keep);
    for (int i = 0; i < NREGS; i++)
        if (r->reg[i].pic)
            keep.reg[i] = r->reg[i];
    *r = keep;
}

/* The function being decoded passes its own argument `param` (0-based) to
 * t's path argument: it is a wrapper, a target of the next pass (once). */
static void add_wrapper(scan *s, const target *t, unsigned param) {
    if (s->cur >= s->nfuncs || s->gen + 1 >= MAX_GEN)
        return;
    func *fn = &s->funcs[s->cur];
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i].addr == fn->addr && !s->targets[i].pointer)
            return;         /* already a target (or a loader's stub) */
    if (fn->name == NULL) { /* as disassemblers name a function without a symbol */
        char name[32];
        snprintf(name, sizeof name, "sub_%llx", (unsigned long long)fn->addr);
        fn->name = fn->owned = strdup(name);
    }
    if (fn->name == NULL || !add_target(s, (target){fn->addr, t->function, false, s->gen + 1, param, fn->name}))
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
}

/* A call at address `at` to t with arguments args[0..NARGS) (unknown when
 * not tracked): records what it loads; returns what it returns. */
#define NARGS 6
static val call_to(scan *s, uint64_t at, const target *t, const val *args) {
    const struct function *fn = t->function;
    val a1 = args[t->arg], a2 = args[1];
    uint64_t chars;
    switch (fn->role) {
    case LOADS_PATH:
        if (a1.known && !a1.url)
            found(s, at, t, a1.v, false);
        else if (a1.param)
            add_wrapper(s, t, a1.param - 1u);
        break;
    case MAKES_URL_CFSTRING:
        if (a2.known && !a2.url && cfstring_chars(s, a2.v, &chars))
            return (val){true, true, false, 0, chars};
        break;
    case MAKES_URL_CSTRING:
        if (a2.known && !a2.url)
            return (val){true, true, false, 0, a2.v};
        break;
    case LOADS_URL:
        if (a2.known && a2.url)
            found(s, at, t, a2.v, true);
        break;
    }
    return unknown;
}

/* x86: a general register of any width -> 0..15, else -1. */
static int x86_family(unsigned reg) {
    static const unsigned fam[][4] = {
        {X86_REG_RAX, X86_REG_EAX, X86_REG_AX, X86_REG_AL},
        {X86_REG_RCX, X86_REG_ECX, X86_REG_CX, X86_REG_CL},
        {X86_REG_RDX, X86_REG_EDX, X86_REG_DX, X86_REG_DL},
        {X86_REG_RBX, X86_REG_EBX, X86_REG_BX, X86_REG_BL},
        {X86_REG_RSP, X86_REG_ESP, X86_REG_SP, X86_REG_SPL},
        {X86_REG_RBP, X86_REG_EBP, X86_REG_BP, X86_REG_BPL},
        {X86_REG_RSI, X86_REG_ESI, X86_REG_SI, X86_REG_SIL},
        {X86_REG_RDI, X86_REG_EDI, X86_REG_DI, X86_REG_DIL},
        {X86_REG_R8, X86_REG_R8D, X86_REG_R8W, X86_REG_R8B},
        {X86_REG_R9, X86_REG_R9D, X86_REG_R9W, X86_REG_R9B},
        {X86_REG_R10, X86_REG_R10D, X86_REG_R10W, X86_REG_R10B},
        {X86_REG_R11, X86_REG_R11D, X86_REG_R11W, X86_REG_R11B},
        {X86_REG_R12, X86_REG_R12D, X86_REG_R12W, X86_REG_R12B},
        {X86_REG_R13, X86_REG_R13D, X86_REG_R13W, X86_REG_R13B},
        {X86_REG_R14, X86_REG_R14D, X86_REG_R14W, X86_REG_R14B},
        {X86_REG_R15, X86_REG_R15D, X86_REG_R15W, X86_REG_R15B},
    };
    for (int i = 0; i < 16; i++)
        for (int w = 0; w < 4; w++)
            if (fam[i][w] == reg)
                return i;
    return -1;
}
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11 };

/* Is reg the full-width register of its family (a 32-bit write on x86_64
 * zero-extends, so 32-bit copies of 32-bit addresses are fine too)? */
static bool x86_wide(unsigned reg, bool is64) {
    if (is64)
        return (reg >= X86_REG_R8 && reg <= X86_REG_R15) || reg == X86_REG_RAX || reg == X86_REG_RCX ||
               reg == X86_REG_RDX || reg == X86_REG_RBX || reg == X86_REG_RSP || reg == X86_REG_RBP ||
               reg == X86_REG_RSI || reg == X86_REG_RDI;
    return reg == X86_REG_EAX || reg == X86_REG_ECX || reg == X86_REG_EDX || reg == X86_REG_EBX || reg == X86_REG_ESP ||
           reg == X86_REG_EBP || reg == X86_REG_ESI || reg == X86_REG_EDI;
}

static void x86_forget_written(csh h, const cs_insn *in, regs *r) {
    cs_regs rd, wr;
    uint8_t nr, nw;
    if (cs_regs_access(h, in, rd, &nr, wr, &nw) != CS_ERR_OK) {
        forget_all(r);
        return;
    }
    for (uint8_t i = 0; i < nw; i++) {
        int f = x86_family(wr[i]);
        if (f >= 0)
            r->reg[f] = unknown;
    }
}

/* The value of a register or immediate (masked) operand. */
static val x86_source(const regs *r, const cs_x86_op *op, uint64_t mask) {
    if (op->type == X86_OP_REG) {
        int sr = x86_family(op->reg);
        return sr < 0 ? unknown : r->reg[sr];
    }
    if (op->type == X86_OP_IMM)
        return address((uint64_t)op->imm & mask);
    return unknown;
}

/* i386: argument n of a call, from `mov [esp + 4n], v` or else the pushes. */
static val i386_arg(const regs *r, int n) { return r->slot[n].known ? r->slot[n] : r->push[n]; }

static void x86_step(scan *s, csh h, const cs_insn *in, regs *r, bool is64) {
    const cs_x86 *x = &in->detail->x86;
    uint64_t next = in->address + in->size;
    switch (in->id) {
    case X86_INS_LEA:
        if (x->op_count == 2 && x->operands[0].type == X86_OP_REG && x->operands[1].type == X86_OP_MEM) {
            int d = x86_family(x->operands[0].reg);
            const x86_op_mem *m = &x->operands[1].mem;
            if (d < 0)
                break;
            r->reg[d] = unknown;
            if (m->index != X86_REG_INVALID || m->segment != X86_REG_INVALID)
                break;
            if (m->base == X86_REG_RIP)
                r->reg[d] = address(next + (uint64_t)m->disp);
            else {
                int b = x86_family(m->base);
                if (b >= 0 && r->reg[b].known && !r->reg[b].url)
                    r->reg[d] = address((r->reg[b].v + (uint64_t)m->disp) & (is64 ? UINT64_MAX : 0xffffffffu));
            }
        }
        return;
    case X86_INS_MOV:
        if (x->op_count == 2 && x->operands[0].type == X86_OP_REG) {
            int d = x86_family(x->operands[0].reg);
            if (d < 0)
                break;
            r->reg[d] = unknown;
            if (!x86_wide(x->operands[0].reg, is64) &&
                !(is64 && x->operands[0].size == 4 && x->operands[1].type == X86_OP_IMM))
                return;
            r->reg[d] = x86_source(r, &x->operands[1], is64 && x->operands[0].size == 8 ? UINT64_MAX : 0xffffffffu);
            return;
        }
        if (!is64 && x->op_count == 2 && x->operands[0].type == X86_OP_MEM && x->operands[0].mem.base == X86_REG_ESP &&
            x->operands[0].mem.index == X86_REG_INVALID && x->operands[0].mem.disp >= 0 &&
            x->operands[0].mem.disp < 16 && x->operands[0].mem.disp % 4 == 0) {
            r->slot[x->operands[0].mem.disp / 4] = x86_source(r, &x->operands[1], 0xffffffffu);
            return;
        }
        break;
    case X86_INS_PUSH:
        if (!is64 && x->op_count == 1) {
            memmove(r->push + 1, r->push, sizeof r->push - sizeof r->push[0]);
            r->push[0] = x86_source(r, &x->operands[0], 0xffffffffu);
            for (int i = 0; i < 4; i++) /* the stack pointer moved */
                r->slot[i] = unknown;
        }
        return;
    case X86_INS_POP:
        if (x->op_count == 1 && x->operands[0].type == X86_OP_REG) {
            int d = x86_family(x->operands[0].reg);
            if (d >= 0 && r->pic_next != 0 && r->pic_next == in->address)
                r->reg[d] = (val){true, false, true, 0, in->address};
            else if (d >= 0)
                r->reg[d] = unknown;
            r->pic_next = 0;
            return;
        }
        break;
    case X86_INS_CALL:
    case X86_INS_JMP: {
        bool call = in->id == X86_INS_CALL;
        const target *t = NULL;
        if (x->op_count == 1 && x->operands[0].type == X86_OP_IMM) {
            uint64_t to = (uint64_t)x->operands[0].imm;
            if (call && to == next) { /* PIC base: call 1f; 1: pop reg */
                r->pic_next = next;
                return;
            }
            t = find_target(s, to, false);
        } else if (x->op_count == 1 && x->operands[0].type == X86_OP_MEM) {
            const x86_op_mem *m = &x->operands[0].mem;
            int b = x86_family(m->base);
            if (m->base == X86_REG_RIP && m->index == X86_REG_INVALID)
                t = find_target(s, next + (uint64_t)m->disp, true);
            else if (m->base == X86_REG_INVALID && m->index == X86_REG_INVALID)
                t = find_target(s, (uint64_t)m->disp & 0xffffffffu, true);
            else if (!is64 && m->index == X86_REG_INVALID && b >= 0 && r->reg[b].known && !r->reg[b].url)
                t = find_target(s, (r->reg[b].v + (uint64_t)m->disp) & 0xffffffffu, true);
        }
        val ret = unknown;
        if (t) {
            val args[NARGS] = {unknown, unknown, unknown, unknown, unknown, unknown};
            static const int regs64[NARGS] = {RDI, RSI, RDX, RCX, R8, R9};
            for (int k = 0; k < NARGS; k++)
                args[k] = is64 ? r->reg[regs64[k]] : k < 4 ? i386_arg(r, k) : unknown;
            ret = call_to(s, in->address, t, args);
        }
        if (!call) {
            forget_after_jump(r);
            return;
        }
        /* caller-saved registers and outgoing arguments are gone */
        static const int clobber64[] = {RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11};
        static const int clobber32[] = {RAX, RCX, RDX};
        if (is64)
            for (size_t i = 0; i < sizeof clobber64 / sizeof clobber64[0]; i++)
                r->reg[clobber64[i]] = unknown;
        else
            for (size_t i = 0; i < sizeof clobber32 / sizeof clobber32[0]; i++)
                r->reg[clobber32[i]] = unknown;
        for (int i = 0; i < 4; i++)
            r->slot[i] = r->push[i] = unknown;
        r->reg[RAX] = ret;
        return;
    }
    case X86_INS_RET:
    case X86_INS_RETF: forget_all(r); return;
    default: break;
    }
    x86_forget_written(h, in, r);
    if (!is64) {
        /* anything else touching the stack pointer moves the argument slots */
        cs_regs rd, wr;
        uint8_t nr, nw;
        if (cs_regs_access(h, in, rd, &nr, wr, &nw) == CS_ERR_OK)
            for (uint8_t i = 0; i < nw; i++)
                if (wr[i] == X86_REG_ESP)
                    for (int k = 0; k < 4; k++)
                        r->slot[k] = unknown;
    }
}

/* arm64: x0..x30 / w0..w30 -> 0..30, else -1. */
static int a64_reg(unsigned reg, bool *wide) {
    if (reg >= ARM64_REG_X0 && reg <= ARM64_REG_X28) {
        *wide = true;
        return (int)(reg - ARM64_REG_X0);
    }
    if (reg >= ARM64_REG_W0 && reg <= ARM64_REG_W28) {
        *wide = false;
        return (int)(reg - ARM64_REG_W0);
    }
    if (reg == ARM64_REG_X29 || reg == ARM64_REG_X30) {
        *wide = true;
        return reg == ARM64_REG_X29 ? 29 : 30;
    }
    return -1;
}

/* bl: x0..x18 and x30 are the callee's. */
static void a64_clobber(regs *r) {
    for (int i = 0; i <= 18; i++)
        r->reg[i] = unknown;
    r->reg[30] = unknown;
}

static void a64_step(scan *s, csh h, const cs_insn *in, regs *r) {
    const cs_arm64 *a = &in->detail->arm64;
    bool wide = false, wide2 = false;
    int d = a->op_count >= 1 && a->operands[0].type == ARM64_OP_REG ? a64_reg(a->operands[0].reg, &wide) : -1;
    switch (in->id) {
    case ARM64_INS_ADRP:
    case ARM64_INS_ADR:
        if (d >= 0 && a->op_count == 2 && a->operands[1].type == ARM64_OP_IMM) {
            r->reg[d] = wide ? address((uint64_t)a->operands[1].imm) : unknown;
            return;
        }
        break;
    case ARM64_INS_ADD:
        if (d >= 0 && wide && a->op_count == 3 && a->operands[1].type == ARM64_OP_REG &&
            a->operands[2].type == ARM64_OP_IMM) {
            int sr = a64_reg(a->operands[1].reg, &wide2);
            uint64_t imm = (uint64_t)a->operands[2].imm;
            if (a->operands[2].shift.type == ARM64_SFT_LSL)
                imm <<= a->operands[2].shift.value;
            bool ok = sr >= 0 && wide2 && r->reg[sr].known && !r->reg[sr].url;
            r->reg[d] = ok ? address(r->reg[sr].v + imm) : unknown;
            return;
        }
        break;
    case ARM64_INS_MOV:
        if (d >= 0 && wide && a->op_count == 2 && a->operands[1].type == ARM64_OP_REG) {
            int sr = a64_reg(a->operands[1].reg, &wide2);
            r->reg[d] = sr >= 0 && wide2 ? r->reg[sr] : unknown;
            return;
        }
        break;
    case ARM64_INS_BL:
    case ARM64_INS_B:
        if (a->op_count == 1 && a->operands[0].type == ARM64_OP_IMM) {
            bool always = a->cc == ARM64_CC_INVALID || a->cc == ARM64_CC_AL;
            const target *t = find_target(s, (uint64_t)a->operands[0].imm, false);
            val ret = unknown;
            if (t && (in->id == ARM64_INS_BL || always))
                ret = call_to(s, in->address, t, r->reg);
            if (in->id == ARM64_INS_BL) {
                a64_clobber(r);
                r->reg[0] = ret;
            } else if (always)
                forget_all(r);
            return;
        }
        break;
    case ARM64_INS_RET:
    case ARM64_INS_BR: forget_all(r); return;
    case ARM64_INS_BLR: a64_clobber(r); return;
    default: break;
    }
    cs_regs rd, wr;
    uint8_t nr, nw;
    if (cs_regs_access(h, in, rd, &nr, wr, &nw) != CS_ERR_OK) {
        forget_all(r);
        return;
    }
    for (uint8_t i = 0; i < nw; i++) {
        int w = a64_reg(wr[i], &wide);
        if (w >= 0)
            r->reg[w] = unknown;
    }
    /* operand 0 written but not reported by cs_regs_access (Capstone 4 misses some) */
    if (d >= 0 && a->op_count >= 1 && (a->operands[0].access & CS_AC_WRITE))
        r->reg[d] = unknown;
}

enum {
    WINDOW = 64 * 1024,   /* __text is read in windows of this size */
    LOOKBACK = 4096,      /* bytes decoded before a call site: its arguments are set up there */
    FUNC_LOOKBACK = 16384 /* or from its function's start, when that is this close */
};

/* A stretch of __text to decode: offsets from the section's start. */
typedef struct range {
    uint64_t from, to;
} range;

typedef struct ranges {
    range *v;
    size_t n, cap;
} ranges;

/* The function that holds the address text->addr + off: its index, or
 * s->nfuncs. */
static size_t func_at(const scan *s, uint64_t addr) {
    size_t lo = 0, hi = s->nfuncs; /* first function above addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->funcs[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? s->nfuncs : lo - 1;
}

/* The call site at offset `site` (len bytes) of text needs the code before
 * it decoded: from the start of its function when that is at most
 * FUNC_LOOKBACK bytes before (the arguments are known there), else the
 * LOOKBACK bytes before. Sites come in increasing order, so overlapping
 * stretches merge as they come. */
static bool add_site(const scan *s, const lcp_section *text, ranges *rs, uint64_t site, uint64_t len) {
    uint64_t from = site > LOOKBACK ? site - LOOKBACK : 0, to = site + len;
    size_t f = func_at(s, text->addr + site);
    if (f < s->nfuncs && s->funcs[f].addr >= text->addr && text->addr + site - s->funcs[f].addr <= FUNC_LOOKBACK)
        from = s->funcs[f].addr - text->addr;
    if (rs->n > 0 && from <= rs->v[rs->n - 1].to) {
        if (to > rs->v[rs->n - 1].to)
            rs->v[rs->n - 1].to = to;
        return true;
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        range *v = realloc(rs->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = (range){from, to};
    return true;
}

static int64_t sign_extend(uint64_t v, unsigned bits) {
    uint64_t m = 1ull << (bits - 1);
    return (int64_t)((v ^ m) - m);
}

/* i386 `call/jmp *disp(reg)` (FF /2 or FF /4, disp8 or disp32, no SIB):
 * its target depends on a register (the PIC base), so it is a call site
 * whenever the image has loader pointers at all; returns its length, or 0. */
static size_t i386_call_through_register(const uint8_t *b, size_t left) {
    if (left < 2 || b[0] != 0xff)
        return 0;
    unsigned mod = b[1] >> 6, op = (b[1] >> 3) & 7, rm = b[1] & 7;
    if ((op != 2 && op != 4) || rm == 4 || (mod != 1 && mod != 2))
        return 0;
    size_t len = mod == 1 ? 3 : 6;
    return len <= left ? len : 0;
}

/* Pass 1, without decoding: the call sites of __text whose target is one of
 * the functions, from the instruction bytes alone. arm64: BL and B imm26
 * (every instruction is 4 bytes and aligned). x86: E8/E9 rel32 (call or jmp
 * to a stub) and FF 15/FF 25 disp32 (call or jmp through a pointer:
 * rip-relative on x86_64, absolute on i386), and on i386 calls through a
 * register-relative pointer. A byte pattern inside another instruction
 * only costs a stretch decoded for nothing, since pass 2 matches decoded
 * calls. Most images call a loader a few times in megabytes of code, so
 * this is what makes --dlopen affordable. */
static bool find_call_sites(scan *s, const lcp_section *text, uint8_t *buf, ranges *rs) {
    const lcp_image *img = s->img;
    bool a64 = img->cputype == LCP_CPU_TYPE_ARM64, i386 = img->cputype == LCP_CPU_TYPE_I386;
    bool pointers = false; /* i386: loader pointers, which PIC code reaches through a register */
    for (size_t k = 0; k < s->ntargets; k++)
        pointers = pointers || s->targets[k].pointer;
    uint64_t done = 0, size = text->size;
    while (done < size) {
        size_t n = size - done < WINDOW ? (size_t)(size - done) : WINDOW;
        if (!img_read(s, (uint64_t)text->offset + done, buf, n))
            break;
        bool last = done + n >= size;
        size_t limit = last ? n : n - 8; /* an x86 pattern is at most 6 bytes: the rest goes to the next window */
        uint64_t base = text->addr + done;
        if (a64) {
            for (size_t i = 0; i + 4 <= limit; i += 4) {
                uint32_t w = lcp_le32(buf + i);
                if ((w & 0x7c000000u) != 0x14000000u) /* B (bit 31 clear) or BL */
                    continue;
                uint64_t to = base + i + (uint64_t)sign_extend((w & 0x03ffffffu) * 4ull, 28);
                if (find_target(s, to, false) && !add_site(s, text, rs, done + i, 4))
                    return false;
            }
            done += limit;
            continue;
        }
        for (size_t i = 0; i < limit; i++) {
            uint64_t to;
            bool pointer = false, site;
            size_t len;
            if ((buf[i] == 0xe8 || buf[i] == 0xe9) && i + 5 <= n) {
                len = 5;
                to = base + i + len + (uint64_t)sign_extend(lcp_le32(buf + i + 1), 32);
                site = find_target(s, to, false) != NULL;
            } else if (buf[i] == 0xff && i + 6 <= n && (buf[i + 1] == 0x15 || buf[i + 1] == 0x25)) {
                len = 6;
                to = i386 ? lcp_le32(buf + i + 2) : base + i + len + (uint64_t)sign_extend(lcp_le32(buf + i + 2), 32);
                pointer = true;
                site = find_target(s, to, pointer) != NULL;
            } else if (i386 && pointers && (len = i386_call_through_register(buf + i, n - i)) != 0)
                site = true;
            else
                continue;
            if (site && !add_site(s, text, rs, done + i, len))
                return false;
        }
        done += limit;
    }
    return true;
}

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
    s->cur = func_at(s, text->addr + rg.from);
    size_t next = s->cur < s->nfuncs ? s->cur + 1 : 0; /* the first function after rg.from */
    if (s->cur < s->nfuncs && s->funcs[s->cur].addr == text->addr + rg.from)
        next = s->cur; /* the range starts at a function: enter it below */
    uint64_t done = rg.from;
    while (done < rg.to && s->st == LCP_OK) {
        size_t n = rg.to - done < WINDOW ? (size_t)(rg.to - done) : WINDOW;
        /* the bytes in place in the cache, else read into buf */
        const uint8_t *code = img_peek_cached(s, CACHE_TEXT, (uint64_t)text->offset + done, n);
        if (code == NULL && !img_read(s, (uint64_t)text->offset + done, buf, n))
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
                x86_step(s, h, in, &r, s->img->is64);
            else
                a64_step(s, h, in, &r);
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
        if (!find_call_sites(s, text, buf, &rs))
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

static int cmp_func(const void *a, const void *b) {
    const func *x = a, *y = b;
    return x->addr < y->addr ? -1 : (x->addr > y->addr);
}

/* The functions of __text (x86_64 and arm64, whose arguments travel in
 * registers): defined symbols in the section, but not the assembler's local
 * labels (l..., L...); then the starts LC_FUNCTION_STARTS records that no
 * symbol names (a stripped image keeps those; they get a name, sub_<address>,
 * only if one turns out to be a wrapper). Without either, none: paths passed
 * through wrappers are then not followed. */
static bool collect_funcs(scan *s, const lcp_symtab *syms, const lcp_section *text) {
    if (s->img->cputype != LCP_CPU_TYPE_X86_64 && s->img->cputype != LCP_CPU_TYPE_ARM64)
        return true;
    uint64_t *starts;
    size_t nstarts, nsyms = lcp_symtab_count(syms);
    lcp_error e;
    lcp_status st = lcp_function_starts(s->src, s->img, &starts, &nstarts, &e);
    if (st == LCP_E_NOMEM)
        return false;
    if (st != LCP_OK) /* unreadable starts: the symbols alone */
        nstarts = 0;
    s->funcs = nsyms + nstarts > 0 ? malloc((nsyms + nstarts) * sizeof *s->funcs) : NULL;
    if (s->funcs == NULL && nsyms + nstarts > 0) {
        free(starts);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < nsyms && ok; i++) {
        const lcp_symbol *sym = lcp_symtab_symbol(syms, i);
        if ((sym->type & LCP_N_TYPE) != LCP_N_SECT || sym->addr < text->addr || sym->addr - text->addr >= text->size ||
            sym->name[0] == 'l' || sym->name[0] == 'L')
            continue;
        /* the name is borrowed: the symbol table outlives the scan */
        s->funcs[s->nfuncs++] = (func){sym->addr, sym->name[0] == '_' ? sym->name + 1 : sym->name, NULL};
    }
    if (ok && s->nfuncs > 1)
        qsort(s->funcs, s->nfuncs, sizeof *s->funcs, cmp_func);
    /* Merge the starts (ascending) behind the named functions: a start a
     * symbol already names is left out. */
    size_t named = s->nfuncs, k = 0;
    for (size_t i = 0; i < nstarts && ok; i++) {
        uint64_t a = starts[i];
        while (k < named && s->funcs[k].addr < a)
            k++;
        if (a >= text->addr && a - text->addr < text->size && (k == named || s->funcs[k].addr != a))
            s->funcs[s->nfuncs++] = (func){a, NULL, NULL};
    }
    free(starts);
    if (ok && s->nfuncs > named && named > 0) /* two sorted runs */
        qsort(s->funcs, s->nfuncs, sizeof *s->funcs, cmp_func);
    return ok;
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
    if (!collect(&s, syms) || (text && !collect_funcs(&s, syms, text)))
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
