/* The Capstone wrapper (see include/lcpatch/disasm.h). The only file of
 * lcpatch that includes capstone.h. */
#include "lcpatch/disasm.h"

#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/dynlib.h"

#include <capstone/capstone.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WINDOW 65536u /* bytes read from the file at a time */
#define NREGS 512u    /* larger than every Capstone 4 *_REG_ENDING we use */

struct lcp_disasm {
    csh cs;
    cs_arch arch;
    cs_mode mode;     /* the base mode (ARM, not Thumb) */
    bool thumb;       /* the mode currently set */
    bool start_thumb; /* the next range starts in Thumb (lcp_disasm_start_thumb) */
    const lcp_image *img;
    const lcp_symtab *syms;
    cs_insn *insn;
    uint8_t *buf; /* WINDOW bytes */
    /* Registers holding a known address (adrp pages, PIC bases, lea results). */
    bool known[NREGS];
    uint64_t value[NREGS];
    bool pic_pending; /* i386: the last instruction was `call` to the next one */
    uint64_t pic_value;
};

const char *lcp_disasm_engine_version(void) {
    static char v[16];
    int major = 0, minor = 0;
    cs_version(&major, &minor);
    snprintf(v, sizeof v, "%d.%d", major, minor);
    return v;
}

lcp_status lcp_disasm_new(const lcp_image *img, const lcp_symtab *syms, lcp_disasm **out, lcp_error *err) {
    *out = NULL;
    lcp_status need = lcp_need_capstone(err);
    if (need != LCP_OK)
        return need;
    cs_arch arch;
    cs_mode mode;
    switch (img->cputype) {
    case LCP_CPU_TYPE_X86_64: arch = CS_ARCH_X86, mode = CS_MODE_64; break;
    case LCP_CPU_TYPE_X86: arch = CS_ARCH_X86, mode = CS_MODE_32; break;
    case LCP_CPU_TYPE_ARM64: arch = CS_ARCH_ARM64, mode = CS_MODE_ARM; break;
    case LCP_CPU_TYPE_ARM: arch = CS_ARCH_ARM, mode = CS_MODE_ARM; break;
    case LCP_CPU_TYPE_POWERPC: arch = CS_ARCH_PPC, mode = (cs_mode)(CS_MODE_32 | CS_MODE_BIG_ENDIAN); break;
    case LCP_CPU_TYPE_POWERPC64: arch = CS_ARCH_PPC, mode = (cs_mode)(CS_MODE_64 | CS_MODE_BIG_ENDIAN); break;
    default:
        return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "no disassembler for cputype 0x%x", img->cputype);
    }
    lcp_disasm *d = calloc(1, sizeof *d);
    if (d == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (cs_open(arch, mode, &d->cs) != CS_ERR_OK) {
        free(d);
        return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "Capstone %s cannot open this architecture",
                             lcp_disasm_engine_version());
    }
    cs_option(d->cs, CS_OPT_DETAIL, CS_OPT_ON);
    if (arch == CS_ARCH_X86)
        cs_option(d->cs, CS_OPT_SYNTAX, CS_OPT_SYNTAX_ATT); /* as otool prints */
    d->arch = arch;
    d->mode = mode;
    d->img = img;
    d->syms = syms;
    d->insn = cs_malloc(d->cs);
    d->buf = malloc(WINDOW);
    if (d->insn == NULL || d->buf == NULL) {
        lcp_disasm_free(d);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    *out = d;
    return LCP_OK;
}

void lcp_disasm_free(lcp_disasm *d) {
    if (d == NULL)
        return;
    if (d->insn)
        cs_free(d->insn, 1);
    if (d->cs)
        cs_close(&d->cs);
    free(d->buf);
    free(d);
}

/* Replaces the first occurrence of token in s (capacity cap) with name. */
static void replace_token(char *s, size_t cap, const char *token, const char *name) {
    char *at = strstr(s, token);
    if (at == NULL)
        return;
    char tail[256];
    snprintf(tail, sizeof tail, "%s", at + strlen(token));
    size_t head = (size_t)(at - s);
    snprintf(s + head, cap - head, "%s%s", name, tail);
}

/* The name of an address: the import of a stub or pointer slot starting
 * there, or a symbol starting there. */
static const char *name_of(const lcp_disasm *d, uint64_t addr) { return lcp_symtab_name_at(d->syms, addr); }

/* Writes `literal pool for: "..."` when ref points into a C-string section,
 * reading at most 160 bytes of it (bounded by the section). */
static bool cstring_comment(const lcp_disasm *d, const lcp_source *src, uint64_t ref, char *out, size_t cap) {
    const lcp_section *s = lcp_symtab_section_at(d->syms, ref);
    if (s == NULL || (s->flags & LCP_SECTION_TYPE) != LCP_S_CSTRING_LITERALS)
        return false;
    uint64_t off, avail;
    if (!lcp_image_addr_to_offset(d->img, ref, &off, &avail))
        return false;
    uint64_t n = s->addr + s->size - ref;
    if (n > avail)
        n = avail;
    if (n > 160)
        n = 160;
    uint8_t b[160];
    if (lcp_source_read(src, d->img->offset + off, b, (size_t)n, NULL) != LCP_OK)
        return false;
    size_t o = (size_t)snprintf(out, cap, "literal pool for: \"");
    for (size_t i = 0; i < n && b[i] && o + 6 < cap; i++) {
        uint8_t c = b[i];
        if (c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, cap - o, "\\%c", c);
        else if (c == '\n')
            o += (size_t)snprintf(out + o, cap - o, "\\n");
        else if (c == '\t')
            o += (size_t)snprintf(out + o, cap - o, "\\t");
        else if (c < 0x20 || c >= 0x7f)
            o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    snprintf(out + o, cap - o, "\"");
    return true;
}

/* Describes a PC-relative reference: a string, a pointer slot, a symbol. */
static void describe_ref(lcp_disasm *d, const lcp_source *src, lcp_insn *in) {
    lcp_import_kind kind;
    uint64_t entry;
    const char *imp = lcp_symtab_import_at(d->syms, in->ref, &kind, &entry);
    if (imp && entry == in->ref) {
        in->ref_name = imp;
        if (kind == LCP_IMPORT_POINTER)
            snprintf(in->comment, sizeof in->comment, "literal pool symbol address: %s", imp);
        else
            snprintf(in->comment, sizeof in->comment, "symbol stub for: %s", imp);
        return;
    }
    if (cstring_comment(d, src, in->ref, in->comment, sizeof in->comment))
        return;
    in->ref_name = name_of(d, in->ref);
    if (in->ref_name && strstr(in->operands, in->ref_name))
        return;       /* already reads as the name */
    if (in->ref_name) /* else the operand already shows the address */
        snprintf(in->comment, sizeof in->comment, "%s", in->ref_name);
}

/* Forgets every register this instruction writes. */
static void forget_written(lcp_disasm *d, const cs_insn *ci) {
    cs_regs rr, ww;
    uint8_t nr = 0, nw = 0;
    if (cs_regs_access(d->cs, ci, rr, &nr, ww, &nw) != CS_ERR_OK)
        return;
    for (uint8_t i = 0; i < nw; i++)
        if (ww[i] < NREGS)
            d->known[ww[i]] = false;
}

static void set_reg(lcp_disasm *d, lcp_insn *in, unsigned reg, uint64_t v) {
    if (reg < NREGS) {
        d->known[reg] = true;
        d->value[reg] = v;
    }
    snprintf(in->reg, sizeof in->reg, "%s", cs_reg_name(d->cs, reg) ? cs_reg_name(d->cs, reg) : "");
}

static void analyse_x86(lcp_disasm *d, const lcp_source *src, const cs_insn *ci, lcp_insn *in) {
    const cs_x86 *x = &ci->detail->x86;
    bool pic_pending = d->pic_pending;
    d->pic_pending = false;
    uint64_t next = ci->address + ci->size;
    /* Branches: a direct immediate operand. */
    if ((in->kind == LCP_INSN_CALL || in->kind == LCP_INSN_JUMP) && x->op_count == 1 &&
        x->operands[0].type == X86_OP_IMM) {
        in->has_target = true;
        in->target = (uint64_t)x->operands[0].imm;
        if (d->mode == CS_MODE_32)
            in->target &= 0xffffffffu;
        in->target_name = name_of(d, in->target);
        if (in->target_name)
            snprintf(in->operands, sizeof in->operands, "%s", in->target_name);
        if (in->kind == LCP_INSN_CALL && in->target == next) { /* call 1f; 1: pop %reg */
            d->pic_pending = true;
            d->pic_value = next;
        }
        forget_written(d, ci);
        return;
    }
    if (ci->id == X86_INS_POP && pic_pending && x->op_count == 1 && x->operands[0].type == X86_OP_REG) {
        forget_written(d, ci);
        set_reg(d, in, x->operands[0].reg, d->pic_value);
        return;
    }
    /* A memory operand relative to rip or to a register holding a known address. */
    int memi = -1;
    for (int i = 0; i < x->op_count; i++)
        if (x->operands[i].type == X86_OP_MEM)
            memi = i;
    unsigned dest = X86_REG_INVALID;
    for (int i = 0; i < x->op_count; i++)
        if (i != memi && x->operands[i].type == X86_OP_REG && (x->operands[i].access & CS_AC_WRITE))
            dest = x->operands[i].reg;
    bool have = false;
    uint64_t ref = 0;
    if (memi >= 0) {
        const x86_op_mem *m = &x->operands[memi].mem;
        if (m->base == X86_REG_RIP && m->index == X86_REG_INVALID) {
            ref = next + (uint64_t)m->disp;
            have = true;
            char token[40];
            snprintf(token, sizeof token, "%s0x%" PRIx64 "(%%rip)", m->disp < 0 ? "-" : "",
                     m->disp < 0 ? (uint64_t)0 - (uint64_t)m->disp : (uint64_t)m->disp);
            const char *nm = name_of(d, ref);
            if (nm) {
                char repl[200];
                snprintf(repl, sizeof repl, "%s(%%rip)", nm);
                replace_token(in->operands, sizeof in->operands, token, repl);
            }
        } else if (m->base != X86_REG_INVALID && m->base < NREGS && d->known[m->base] && m->index == X86_REG_INVALID) {
            ref = (d->value[m->base] + (uint64_t)m->disp) & (d->mode == CS_MODE_32 ? 0xffffffffu : UINT64_MAX);
            have = true;
        }
    }
    forget_written(d, ci);
    if (!have)
        return;
    in->has_ref = true;
    in->ref = ref;
    describe_ref(d, src, in);
    if (ci->id == X86_INS_LEA && dest != X86_REG_INVALID)
        set_reg(d, in, dest, ref);
    else if (dest != X86_REG_INVALID)
        snprintf(in->reg, sizeof in->reg, "%s", cs_reg_name(d->cs, dest));
}

static void analyse_arm64(lcp_disasm *d, const lcp_source *src, const cs_insn *ci, lcp_insn *in) {
    const cs_arm64 *a = &ci->detail->arm64;
    if ((ci->id == ARM64_INS_BL || ci->id == ARM64_INS_B) && a->op_count == 1 && a->operands[0].type == ARM64_OP_IMM) {
        in->has_target = true;
        in->target = (uint64_t)a->operands[0].imm;
        in->target_name = name_of(d, in->target);
        if (in->target_name)
            snprintf(in->operands, sizeof in->operands, "%s", in->target_name);
        forget_written(d, ci);
        return;
    }
    if ((in->kind == LCP_INSN_JUMP) && a->op_count >= 1 && a->operands[a->op_count - 1].type == ARM64_OP_IMM) {
        /* cbz/cbnz/tbz/b.cond: the last operand is the target */
        in->has_target = true;
        in->target = (uint64_t)a->operands[a->op_count - 1].imm;
        in->target_name = name_of(d, in->target);
        forget_written(d, ci);
        return;
    }
    bool have = false;
    uint64_t ref = 0;
    unsigned dest = a->op_count >= 1 && a->operands[0].type == ARM64_OP_REG ? a->operands[0].reg : ARM64_REG_INVALID;
    bool keep = false; /* the destination holds ref afterwards */
    if ((ci->id == ARM64_INS_ADRP || ci->id == ARM64_INS_ADR) && a->op_count == 2 &&
        a->operands[1].type == ARM64_OP_IMM) {
        ref = (uint64_t)a->operands[1].imm;
        have = ci->id == ARM64_INS_ADR;
        forget_written(d, ci);
        if (ci->id == ARM64_INS_ADRP) { /* a page: named only once completed by add/ldr */
            set_reg(d, in, dest, ref);
            in->has_ref = true;
            in->ref = ref;
            return;
        }
        keep = true;
    } else if (ci->id == ARM64_INS_ADD && a->op_count == 3 && a->operands[1].type == ARM64_OP_REG &&
               a->operands[2].type == ARM64_OP_IMM && a->operands[1].reg < NREGS && d->known[a->operands[1].reg] &&
               a->operands[2].shift.type == ARM64_SFT_INVALID) {
        ref = d->value[a->operands[1].reg] + (uint64_t)a->operands[2].imm;
        have = keep = true;
    } else if ((ci->id == ARM64_INS_LDR || ci->id == ARM64_INS_LDRSW) && a->op_count == 2) {
        if (a->operands[1].type == ARM64_OP_IMM) { /* literal */
            ref = (uint64_t)a->operands[1].imm;
            have = true;
            const char *nm = name_of(d, ref);
            if (nm) {
                char token[40];
                snprintf(token, sizeof token, "#0x%" PRIx64, ref);
                replace_token(in->operands, sizeof in->operands, token, nm);
            }
        } else if (a->operands[1].type == ARM64_OP_MEM && a->operands[1].mem.index == ARM64_REG_INVALID &&
                   a->operands[1].mem.base < NREGS && d->known[a->operands[1].mem.base] && !a->writeback) {
            ref = d->value[a->operands[1].mem.base] + (uint64_t)(int64_t)a->operands[1].mem.disp;
            have = true;
        }
    }
    forget_written(d, ci);
    if (!have)
        return;
    in->has_ref = true;
    in->ref = ref;
    describe_ref(d, src, in);
    if (keep && dest != ARM64_REG_INVALID)
        set_reg(d, in, dest, ref);
    else if (dest != ARM64_REG_INVALID)
        snprintf(in->reg, sizeof in->reg, "%s", cs_reg_name(d->cs, dest));
}

static void analyse_arm(lcp_disasm *d, const lcp_source *src, const cs_insn *ci, lcp_insn *in) {
    const cs_arm *a = &ci->detail->arm;
    if ((in->kind == LCP_INSN_CALL || in->kind == LCP_INSN_JUMP) && a->op_count == 1 &&
        a->operands[0].type == ARM_OP_IMM) {
        in->has_target = true;
        in->target = (uint32_t)a->operands[0].imm;
        in->target_name = name_of(d, in->target);
        if (in->target_name) {
            char token[24];
            snprintf(token, sizeof token, "#0x%" PRIx64, in->target);
            replace_token(in->operands, sizeof in->operands, token, in->target_name);
        }
        return;
    }
    /* ldr rD, [pc, #imm]: the literal's address. */
    if (ci->id == ARM_INS_LDR && a->op_count == 2 && a->operands[1].type == ARM_OP_MEM &&
        a->operands[1].mem.base == ARM_REG_PC && a->operands[1].mem.index == ARM_REG_INVALID) {
        uint64_t pc = (ci->address + (d->thumb ? 4 : 8)) & ~(uint64_t)3;
        in->has_ref = true;
        in->ref = (uint32_t)(pc + (uint64_t)(int64_t)a->operands[1].mem.disp);
        describe_ref(d, src, in);
        snprintf(in->reg, sizeof in->reg, "%s", cs_reg_name(d->cs, a->operands[0].reg));
    }
}

static void analyse_ppc(lcp_disasm *d, const cs_insn *ci, lcp_insn *in) {
    const cs_ppc *p = &ci->detail->ppc;
    if (in->kind != LCP_INSN_CALL && in->kind != LCP_INSN_JUMP)
        return;
    for (int i = 0; i < p->op_count; i++) {
        if (p->operands[i].type != PPC_OP_IMM)
            continue;
        in->has_target = true;
        in->target = (uint64_t)p->operands[i].imm;
        if (!(d->mode & CS_MODE_64))
            in->target &= 0xffffffffu;
        in->target_name = name_of(d, in->target);
        if (in->target_name) {
            char token[24];
            snprintf(token, sizeof token, "0x%" PRIx64, in->target);
            replace_token(in->operands, sizeof in->operands, token, in->target_name);
        }
    }
}

/* Capstone 4 puts few PowerPC branches in groups: read the mnemonic. blr
 * and its conditional forms (beqlr...) return; a trailing l (link) or la
 * calls (bl, bla, bctrl, blrl); any other b... branches. */
static lcp_insn_kind ppc_kind(const char *m) {
    size_t n = strlen(m);
    if (m[0] != 'b' || n < 1)
        return LCP_INSN_OTHER;
    const char *base = m;
    while (n > 0 && (base[n - 1] == '+' || base[n - 1] == '-'))
        n--; /* branch hints */
    if (n >= 2 && base[n - 2] == 'l' && base[n - 1] == 'r')
        return LCP_INSN_RETURN;
    if (base[n - 1] == 'l' || (n >= 2 && base[n - 2] == 'l' && base[n - 1] == 'a'))
        return LCP_INSN_CALL;
    return LCP_INSN_JUMP;
}

static lcp_insn_kind kind_of(const lcp_disasm *d, const cs_insn *ci) {
    if (d->arch == CS_ARCH_PPC)
        return ppc_kind(ci->mnemonic);
    const cs_detail *dt = ci->detail;
    for (uint8_t i = 0; i < dt->groups_count; i++)
        if (dt->groups[i] == CS_GRP_CALL)
            return LCP_INSN_CALL;
    for (uint8_t i = 0; i < dt->groups_count; i++) {
        if (dt->groups[i] == CS_GRP_RET)
            return LCP_INSN_RETURN;
        if (dt->groups[i] == CS_GRP_JUMP)
            return LCP_INSN_JUMP;
    }
    return LCP_INSN_OTHER;
}

/* Emits `n` undecodable bytes at addr as one data entry. */
static int emit_data(lcp_disasm *d, const uint8_t *b, size_t n, uint64_t addr, const char *label, lcp_insn_fn fn,
                     void *ctx) {
    lcp_insn in;
    memset(&in, 0, sizeof in);
    in.addr = addr;
    in.size = (uint8_t)n;
    in.kind = LCP_INSN_DATA;
    in.label = label;
    memcpy(in.bytes, b, n);
    bool big = d->img->big_endian;
    if (n == 4) {
        uint32_t v = big ? (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]
                         : (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 | (uint32_t)b[1] << 8 | b[0];
        snprintf(in.mnemonic, sizeof in.mnemonic, ".long");
        snprintf(in.operands, sizeof in.operands, "0x%08x", v);
    } else if (n == 2) {
        unsigned v = big ? (unsigned)b[0] << 8 | b[1] : (unsigned)b[1] << 8 | b[0];
        snprintf(in.mnemonic, sizeof in.mnemonic, ".short");
        snprintf(in.operands, sizeof in.operands, "0x%04x", v);
    } else {
        snprintf(in.mnemonic, sizeof in.mnemonic, ".byte");
        snprintf(in.operands, sizeof in.operands, "0x%02x", b[0]);
    }
    memset(d->known, 0, sizeof d->known); /* data breaks every chain */
    return fn(ctx, &in);
}

/* The smallest unit of code: what an undecodable run is skipped by. */
static size_t unit_of(const lcp_disasm *d) {
    if (d->arch == CS_ARCH_X86)
        return 1;
    if (d->arch == CS_ARCH_ARM && d->thumb)
        return 2;
    return 4;
}

static const char *label_at(const lcp_disasm *d, uint64_t addr) {
    uint64_t off;
    const lcp_symbol *s = lcp_symtab_lookup(d->syms, addr, &off);
    return s && off == 0 ? s->name : NULL;
}

void lcp_disasm_start_thumb(lcp_disasm *d) {
    if (d->arch == CS_ARCH_ARM)
        d->start_thumb = true;
}

lcp_status lcp_disasm_range(lcp_disasm *d, const lcp_source *src, uint64_t addr, uint64_t len, size_t max_count,
                            lcp_insn_fn fn, void *ctx, int *stopped, lcp_error *err) {
    if (stopped)
        *stopped = 0;
    uint64_t end;
    if (!lcp_add_u64(addr, len, &end))
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "address range wraps around");
    memset(d->known, 0, sizeof d->known);
    d->pic_pending = false;
    bool start_thumb = d->start_thumb; /* for this range only */
    d->start_thumb = false;
    uint64_t pos = addr;
    size_t count = 0;
    while (pos < end && (max_count == 0 || count < max_count)) {
        /* A chunk ends at the next symbol (labels, Thumb switches) or at end. */
        uint64_t chunk_end = end, next;
        if (lcp_symtab_next(d->syms, pos, &next) && next < chunk_end)
            chunk_end = next;
        if (d->arch == CS_ARCH_ARM) {
            uint64_t off;
            const lcp_symbol *s = lcp_symtab_lookup(d->syms, pos, &off);
            bool thumb = s && (s->desc & LCP_N_ARM_THUMB_DEF);
            if (pos == addr && start_thumb)
                thumb = true; /* the caller knows better: an entry with its low bit set */
            if (thumb != d->thumb) {
                cs_option(d->cs, CS_OPT_MODE, thumb ? (size_t)CS_MODE_THUMB : (size_t)d->mode);
                d->thumb = thumb;
            }
        }
        uint64_t off, avail;
        if (!lcp_image_addr_to_offset(d->img, pos, &off, &avail))
            return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "address 0x%" PRIx64 " has no bytes in the file",
                                 pos);
        uint64_t want = chunk_end - pos;
        if (want > avail)
            want = avail;
        bool capped = want > WINDOW;
        if (capped)
            want = WINDOW;
        lcp_status st = lcp_source_read(src, d->img->offset + off, d->buf, (size_t)want, err);
        if (st)
            return st;
        const uint8_t *code = d->buf;
        size_t left = (size_t)want;
        uint64_t a = pos;
        while (left > 0 && (max_count == 0 || count < max_count)) {
            const char *label = label_at(d, a);
            const uint8_t *before = code;
            uint64_t at = a;
            if (cs_disasm_iter(d->cs, &code, &left, &a, d->insn)) {
                const cs_insn *ci = d->insn;
                lcp_insn in;
                memset(&in, 0, sizeof in);
                in.addr = ci->address;
                in.size = (uint8_t)ci->size;
                memcpy(in.bytes, ci->bytes, ci->size < sizeof in.bytes ? ci->size : sizeof in.bytes);
                in.label = label;
                snprintf(in.mnemonic, sizeof in.mnemonic, "%s", ci->mnemonic);
                snprintf(in.operands, sizeof in.operands, "%s", ci->op_str);
                in.kind = kind_of(d, ci);
                switch (d->arch) {
                case CS_ARCH_X86: analyse_x86(d, src, ci, &in); break;
                case CS_ARCH_ARM64: analyse_arm64(d, src, ci, &in); break;
                case CS_ARCH_ARM: analyse_arm(d, src, ci, &in); break;
                case CS_ARCH_PPC: analyse_ppc(d, ci, &in); break;
                default: break;
                }
                count++;
                int r = fn(ctx, &in);
                if (r) {
                    if (stopped)
                        *stopped = r;
                    return LCP_OK;
                }
                continue;
            }
            /* Not decodable: either an instruction cut by the window (read
             * again from here) or data. */
            if (capped && left < 16)
                break;
            size_t n = unit_of(d);
            if (n > left)
                n = left;
            count++;
            int r = emit_data(d, before, n, at, label, fn, ctx);
            if (r) {
                if (stopped)
                    *stopped = r;
                return LCP_OK;
            }
            code = before + n;
            left -= n;
            a = at + n;
        }
        pos = a;
    }
    return LCP_OK;
}
