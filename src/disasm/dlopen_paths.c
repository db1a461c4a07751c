/* Constant paths passed to dlopen() and the older loaders, recovered by
 * disassembling __TEXT,__text with Capstone (the only place, with the rest
 * of src/disasm, that includes capstone.h).
 *
 * 1. Calls are recognised by their target: a symbol stub (an S_SYMBOL_STUBS
 *    section, e.g. __TEXT,__stubs or i386's __IMPORT,__jump_table) or a
 *    pointer (S_NON_LAZY / S_LAZY_SYMBOL_POINTERS, `call *ptr`) whose
 *    indirect symbol table entry names one of the loaders below, as
 *    lcpatch/symbols.h resolves them (lcp_symtab_stubs_for / _pointers_for).
 * 2. A straight-line constant tracker follows the registers that hold an
 *    address: x86_64 `lea reg, [rip + X]`, arm64 `adrp`/`add`/`adr`, i386
 *    `call 1f; 1: pop reg` then `lea reg2, [reg + X]`, register copies, and
 *    i386's stack arguments (`mov [esp], reg` or `push`). Anything else that
 *    writes a register forgets it; calls forget the caller-saved registers;
 *    returns and unconditional jumps forget everything.
 * 3. At a call, the first argument (rdi, x0, [esp]) must hold an address
 *    inside a segment's file data where a NUL-terminated printable string
 *    lies: that string is the path.
 *
 * Only headers, the symbol, string and indirect symbol tables, and __text
 * (in 64 KiB windows) are read. */
#include "lcpatch/audit.h"
#include "lcpatch/macho.h"
#include "lcpatch/symbols.h"
#include "util/checked.h"
#include "util/reader.h"

/* Capstone 4's header uses an enum value pedantic C11 rejects (1U << 31). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include <capstone.h>
#pragma GCC diagnostic pop
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const loaders[] = {"dlopen",       "dlopen_preflight",          "NSAddImage",
                                      "NSAddLibrary", "NSAddLibraryWithSearching", "NSCreateObjectFileImageFromFile"};
#define NLOADERS (sizeof loaders / sizeof loaders[0])

typedef struct target {
    uint64_t addr; /* stub or pointer address */
    const char *function;
    bool pointer; /* reached through `call *addr` */
} target;

typedef struct scan {
    const lcp_source *src;
    const lcp_image *img;
    target *targets;
    size_t ntargets;
    lcp_dlopen_call *calls;
    size_t ncalls;
    lcp_status st;
    lcp_error *err;
} scan;

/* Reads n bytes at `off` from the start of the image (checked against its size). */
static bool img_read(scan *s, uint64_t off, void *buf, size_t n) {
    uint64_t at;
    if (!lcp_range_ok(off, n, s->img->size) || !lcp_add_u64(s->img->offset, off, &at))
        return false;
    return lcp_source_read(s->src, at, buf, n, NULL) == LCP_OK;
}

static bool add_target(scan *s, uint64_t addr, const char *fn, bool pointer) {
    target *t = realloc(s->targets, (s->ntargets + 1) * sizeof *t);
    if (t == NULL)
        return false;
    s->targets = t;
    t[s->ntargets++] = (target){addr, fn, pointer};
    return true;
}

static const target *find_target(const scan *s, uint64_t addr, bool pointer) {
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i].addr == addr && s->targets[i].pointer == pointer)
            return &s->targets[i];
    return NULL;
}

/* The loaders' stubs, and their pointers in (non-)lazy symbol pointer
 * sections (not lazy-dylib or thread-local ones). */
static bool collect(scan *s, const lcp_symtab *syms) {
    for (size_t i = 0; i < NLOADERS; i++) {
        char name[40];
        snprintf(name, sizeof name, "_%s", loaders[i]);
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
                if (!add_target(s, addrs[k], loaders[i], pointer != 0)) {
                    free(addrs);
                    return false;
                }
            }
            free(addrs);
        }
    }
    return true;
}

/* The printable C string at vmaddr, or NULL. */
static char *string_at(scan *s, uint64_t addr) {
    uint64_t off, left;
    if (!lcp_image_addr_to_offset(s->img, addr, &off, &left))
        return NULL;
    char buf[1025];
    size_t n = left < sizeof buf - 1 ? (size_t)left : sizeof buf - 1;
    if (!img_read(s, off, buf, n))
        return NULL;
    buf[n] = '\0';
    size_t len = strnlen(buf, n);
    if (len == 0 || len == n)
        return NULL;
    for (size_t k = 0; k < len; k++)
        if ((unsigned char)buf[k] < 0x20 || buf[k] == 0x7f)
            return NULL;
    return strdup(buf);
}

static void found(scan *s, uint64_t at, const char *fn, bool known, uint64_t value) {
    if (!known || s->st != LCP_OK)
        return;
    char *p = string_at(s, value);
    if (p == NULL)
        return;
    lcp_dlopen_call *c = realloc(s->calls, (s->ncalls + 1) * sizeof *c);
    if (c == NULL) {
        free(p);
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        return;
    }
    s->calls = c;
    c[s->ncalls++] = (lcp_dlopen_call){at, fn, p};
}

/* ---- register tracking ---- */

#define NREGS 32
typedef struct regs {
    bool known[NREGS];
    uint64_t value[NREGS];
    /* i386 */
    bool slot_known[4];
    uint64_t slot[4];
    bool push_known;
    uint64_t push;
    uint64_t pic_next; /* address after `call next` (then `pop reg` takes it) */
} regs;

static void forget_all(regs *r) { memset(r, 0, sizeof *r); }

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
            r->known[f] = false;
    }
}

/* The value of a register (when known) or immediate (masked) operand. */
static bool x86_source(const regs *r, const cs_x86_op *op, uint64_t mask, uint64_t *v) {
    if (op->type == X86_OP_REG) {
        int sr = x86_family(op->reg);
        if (sr < 0 || !r->known[sr])
            return false;
        *v = r->value[sr];
        return true;
    }
    if (op->type == X86_OP_IMM) {
        *v = (uint64_t)op->imm & mask;
        return true;
    }
    return false;
}

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
            r->known[d] = false;
            if (m->index != X86_REG_INVALID || m->segment != X86_REG_INVALID)
                break;
            if (m->base == X86_REG_RIP) {
                r->known[d] = true;
                r->value[d] = next + (uint64_t)m->disp;
            } else {
                int b = x86_family(m->base);
                if (b >= 0 && r->known[b]) {
                    r->known[d] = true;
                    r->value[d] = (r->value[b] + (uint64_t)m->disp) & (is64 ? UINT64_MAX : 0xffffffffu);
                }
            }
        }
        return;
    case X86_INS_MOV:
        if (x->op_count == 2 && x->operands[0].type == X86_OP_REG) {
            int d = x86_family(x->operands[0].reg);
            if (d < 0)
                break;
            r->known[d] = false;
            if (!x86_wide(x->operands[0].reg, is64) &&
                !(is64 && x->operands[0].size == 4 && x->operands[1].type == X86_OP_IMM))
                return;
            r->known[d] = x86_source(r, &x->operands[1], is64 && x->operands[0].size == 8 ? UINT64_MAX : 0xffffffffu,
                                     &r->value[d]);
            return;
        }
        if (!is64 && x->op_count == 2 && x->operands[0].type == X86_OP_MEM && x->operands[0].mem.base == X86_REG_ESP &&
            x->operands[0].mem.index == X86_REG_INVALID && x->operands[0].mem.disp >= 0 &&
            x->operands[0].mem.disp < 16 && x->operands[0].mem.disp % 4 == 0) {
            int slot = (int)(x->operands[0].mem.disp / 4);
            r->slot_known[slot] = x86_source(r, &x->operands[1], 0xffffffffu, &r->slot[slot]);
            return;
        }
        break;
    case X86_INS_PUSH:
        if (!is64 && x->op_count == 1) {
            r->push_known = x86_source(r, &x->operands[0], 0xffffffffu, &r->push);
            memset(r->slot_known, 0, sizeof r->slot_known);
        }
        return;
    case X86_INS_POP:
        if (x->op_count == 1 && x->operands[0].type == X86_OP_REG) {
            int d = x86_family(x->operands[0].reg);
            if (d >= 0) {
                r->known[d] = r->pic_next != 0 && r->pic_next == in->address;
                r->value[d] = in->address;
            }
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
            if (m->base == X86_REG_RIP && m->index == X86_REG_INVALID)
                t = find_target(s, next + (uint64_t)m->disp, true);
            else if (m->base == X86_REG_INVALID && m->index == X86_REG_INVALID)
                t = find_target(s, (uint64_t)m->disp & 0xffffffffu, true);
            else if (!is64 && m->index == X86_REG_INVALID && x86_family(m->base) >= 0 && r->known[x86_family(m->base)])
                t = find_target(s, (r->value[x86_family(m->base)] + (uint64_t)m->disp) & 0xffffffffu, true);
        }
        if (t) {
            if (is64)
                found(s, in->address, t->function, r->known[RDI], r->value[RDI]);
            else if (r->slot_known[0])
                found(s, in->address, t->function, true, r->slot[0]);
            else
                found(s, in->address, t->function, r->push_known, r->push);
        }
        if (call) {
            /* caller-saved registers and outgoing arguments are gone */
            static const int clobber64[] = {RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11};
            static const int clobber32[] = {RAX, RCX, RDX};
            if (is64)
                for (size_t i = 0; i < sizeof clobber64 / sizeof clobber64[0]; i++)
                    r->known[clobber64[i]] = false;
            else
                for (size_t i = 0; i < sizeof clobber32 / sizeof clobber32[0]; i++)
                    r->known[clobber32[i]] = false;
            memset(r->slot_known, 0, sizeof r->slot_known);
            r->push_known = false;
        } else
            forget_all(r);
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
                    memset(r->slot_known, 0, sizeof r->slot_known);
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

static void a64_step(scan *s, csh h, const cs_insn *in, regs *r) {
    const cs_arm64 *a = &in->detail->arm64;
    bool wide = false, wide2 = false;
    int d = a->op_count >= 1 && a->operands[0].type == ARM64_OP_REG ? a64_reg(a->operands[0].reg, &wide) : -1;
    switch (in->id) {
    case ARM64_INS_ADRP:
    case ARM64_INS_ADR:
        if (d >= 0 && a->op_count == 2 && a->operands[1].type == ARM64_OP_IMM) {
            r->known[d] = wide;
            r->value[d] = (uint64_t)a->operands[1].imm;
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
            bool ok = sr >= 0 && wide2 && r->known[sr];
            uint64_t v = ok ? r->value[sr] + imm : 0;
            r->known[d] = ok;
            r->value[d] = v;
            return;
        }
        break;
    case ARM64_INS_MOV:
        if (d >= 0 && wide && a->op_count == 2 && a->operands[1].type == ARM64_OP_REG) {
            int sr = a64_reg(a->operands[1].reg, &wide2);
            bool ok = sr >= 0 && wide2 && r->known[sr];
            uint64_t v = ok ? r->value[sr] : 0;
            r->known[d] = ok;
            r->value[d] = v;
            return;
        }
        break;
    case ARM64_INS_BL:
    case ARM64_INS_B:
        if (a->op_count == 1 && a->operands[0].type == ARM64_OP_IMM) {
            const target *t = find_target(s, (uint64_t)a->operands[0].imm, false);
            if (t && (in->id == ARM64_INS_BL || a->cc == ARM64_CC_INVALID || a->cc == ARM64_CC_AL))
                found(s, in->address, t->function, r->known[0], r->value[0]);
            if (in->id == ARM64_INS_BL) {
                for (int i = 0; i <= 18; i++)
                    r->known[i] = false;
                r->known[30] = false;
            } else if (a->cc == ARM64_CC_INVALID || a->cc == ARM64_CC_AL)
                forget_all(r);
            return;
        }
        break;
    case ARM64_INS_RET:
    case ARM64_INS_BR: forget_all(r); return;
    case ARM64_INS_BLR:
        for (int i = 0; i <= 18; i++)
            r->known[i] = false;
        r->known[30] = false;
        return;
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
            r->known[w] = false;
    }
    /* operand 0 written but not reported by cs_regs_access (Capstone 4 misses some) */
    if (d >= 0 && a->op_count >= 1 && (a->operands[0].access & CS_AC_WRITE))
        r->known[d] = false;
}

static void disassemble(scan *s, const lcp_section *text) {
    const lcp_image *img = s->img;
    cs_arch arch;
    cs_mode mode;
    bool x86 = true, is64 = img->is64;
    if (img->cputype == LCP_CPU_TYPE_X86_64) {
        arch = CS_ARCH_X86;
        mode = CS_MODE_64;
    } else if (img->cputype == LCP_CPU_TYPE_I386) {
        arch = CS_ARCH_X86;
        mode = CS_MODE_32;
    } else if (img->cputype == LCP_CPU_TYPE_ARM64) {
        arch = CS_ARCH_ARM64;
        mode = CS_MODE_ARM;
        x86 = false;
    } else
        return;
    csh h;
    if (cs_open(arch, mode, &h) != CS_ERR_OK) {
        s->st = lcp_error_set(s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "Capstone cannot disassemble this slice");
        return;
    }
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    cs_insn *in = cs_malloc(h);
    enum { WINDOW = 64 * 1024 };
    uint8_t *buf = malloc(WINDOW);
    if (in == NULL || buf == NULL) {
        s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        goto out;
    }
    regs r;
    forget_all(&r);
    uint64_t done = 0; /* bytes of __text consumed */
    uint64_t size = text->size;
    while (done < size && s->st == LCP_OK) {
        size_t n = size - done < WINDOW ? (size_t)(size - done) : WINDOW;
        if (!img_read(s, (uint64_t)text->offset + done, buf, n))
            break; /* __text outside the file: nothing more to read */
        const uint8_t *code = buf;
        size_t left = n;
        uint64_t addr = text->addr + done;
        bool last = done + n >= size;
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
            if (x86)
                x86_step(s, h, in, &r, is64);
            else
                a64_step(s, h, in, &r);
        }
        done += n - left;
    }
out:
    free(buf);
    if (in)
        cs_free(in, 1);
    cs_close(&h);
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
    scan s = {src, img, NULL, 0, NULL, 0, LCP_OK, err};
    const lcp_section *text = lcp_symtab_section_named(syms, "__TEXT", "__text");
    if (!collect(&s, syms))
        s.st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    else if (text && s.ntargets > 0 && !lcp_section_is_zerofill(text))
        disassemble(&s, text);
    lcp_symtab_free(syms);
    free(s.targets);
    if (s.st != LCP_OK) {
        lcp_dlopen_calls_free(s.calls, s.ncalls);
        return s.st;
    }
    *out = s.calls;
    *n = s.ncalls;
    return LCP_OK;
}

void lcp_dlopen_calls_free(lcp_dlopen_call *calls, size_t n) {
    for (size_t i = 0; i < n; i++)
        free(calls[i].path);
    free(calls);
}
