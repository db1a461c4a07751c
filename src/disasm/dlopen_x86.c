/* The dlopen scan's value tracker for x86_64 and i386: what one decoded
 * instruction does to the registers, the i386 argument slots and pushes,
 * and the PIC base; calls to targets go to dlp_call_to. */
#include "disasm/dlopen_internal.h"

#include <string.h>

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

void dlp_x86_step(scan *s, csh h, const cs_insn *in, regs *r, bool is64) {
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
            t = dlp_find_target(s, to, false);
        } else if (x->op_count == 1 && x->operands[0].type == X86_OP_MEM) {
            const x86_op_mem *m = &x->operands[0].mem;
            int b = x86_family(m->base);
            if (m->base == X86_REG_RIP && m->index == X86_REG_INVALID)
                t = dlp_find_target(s, next + (uint64_t)m->disp, true);
            else if (m->base == X86_REG_INVALID && m->index == X86_REG_INVALID)
                t = dlp_find_target(s, (uint64_t)m->disp & 0xffffffffu, true);
            else if (!is64 && m->index == X86_REG_INVALID && b >= 0 && r->reg[b].known && !r->reg[b].url)
                t = dlp_find_target(s, (r->reg[b].v + (uint64_t)m->disp) & 0xffffffffu, true);
        }
        val ret = unknown;
        if (t) {
            val args[NARGS] = {unknown, unknown, unknown, unknown, unknown, unknown};
            static const int regs64[NARGS] = {RDI, RSI, RDX, RCX, R8, R9};
            for (int k = 0; k < NARGS; k++)
                args[k] = is64 ? r->reg[regs64[k]] : k < 4 ? i386_arg(r, k) : unknown;
            ret = dlp_call_to(s, in->address, t, args);
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
