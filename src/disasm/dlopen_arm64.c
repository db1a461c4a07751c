/* The dlopen scan's value tracker for arm64: adrp/add/adr, register
 * copies, and calls (bl/b) to targets through dlp_call_to. */
#include "disasm/dlopen_internal.h"

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

void dlp_a64_step(scan *s, csh h, const cs_insn *in, regs *r) {
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
            const target *t = dlp_find_target(s, (uint64_t)a->operands[0].imm, false);
            val ret = unknown;
            if (t && (in->id == ARM64_INS_BL || always))
                ret = dlp_call_to(s, in->address, t, r->reg);
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
