/* otool -l: the thread states of LC_THREAD and LC_UNIXTHREAD, per CPU, in
 * Apple's otool layout. A state is a (flavor, count, count words) triple;
 * the flavors otool knows are printed by register name, any other as words. */
#include "compat/otool.h"

#include <stdio.h>
#include <string.h>

/* A cursor over the command's state words, in the image's byte order. */
struct states {
    const lcp_image *img;
    size_t i;
    uint32_t pos, end; /* byte offsets in the command */
};

static uint32_t word(const struct states *s, uint32_t at) {
    uint32_t v = 0;
    if (at + 4 <= s->end)
        lcp_image_cmd_u32(s->img, s->i, at, &v);
    return v;
}

static uint64_t dword(const struct states *s, uint32_t at) {
    uint64_t v = 0;
    if (at + 8 <= s->end)
        lcp_image_cmd_u64(s->img, s->i, at, &v);
    return v;
}

/* The registers of a known flavor, read from `at`: 32-bit words. */
static void regs32(const struct states *s, uint32_t at, uint32_t *r, unsigned n) {
    for (unsigned k = 0; k < n; k++)
        r[k] = word(s, at + 4 * k);
}

static void count_line(uint32_t count, uint32_t want, const char *name) {
    if (count == want)
        printf("      count %s_COUNT\n", name);
    else
        printf("      count %u (not %s_COUNT)\n", count, name);
}

static void print_unknown_state(const struct states *s, uint32_t flavor, uint32_t count, const char *indent) {
    printf("%sflavor %u (unknown)\n      count %u\n      state:\n", indent, flavor, count);
    uint32_t words = (s->end - s->pos) / 4; /* the words that are there */
    lcp_otool_print_words(s->img, s->i, s->pos, count < words ? count : words);
}

/* The flavors otool prints with one format, Apple's: each %08x (%016llx)
 * prints the next 32-bit (64-bit) register. */
static const struct {
    uint32_t cputype, flavor;
    const char *name; /* the flavor's, and its _COUNT, in words */
    uint32_t count;
    const char *format;
} flavors[] = {
    {LCP_CPU_TYPE_I386, 1, "i386_THREAD_STATE", 16,
     "\t    eax 0x%08x ebx    0x%08x ecx 0x%08x edx 0x%08x\n"
     "\t    edi 0x%08x esi    0x%08x ebp 0x%08x esp 0x%08x\n"
     "\t    ss  0x%08x eflags 0x%08x eip 0x%08x cs  0x%08x\n"
     "\t    ds  0x%08x es     0x%08x fs  0x%08x gs  0x%08x\n"},
    {LCP_CPU_TYPE_X86_64, 4, "x86_THREAD_STATE64", 42,
     "   rax  0x%016llx rbx 0x%016llx rcx  0x%016llx\n"
     "   rdx  0x%016llx rdi 0x%016llx rsi  0x%016llx\n"
     "   rbp  0x%016llx rsp 0x%016llx r8   0x%016llx\n"
     "    r9  0x%016llx r10 0x%016llx r11  0x%016llx\n"
     "   r12  0x%016llx r13 0x%016llx r14  0x%016llx\n"
     "   r15  0x%016llx rip 0x%016llx\n"
     "rflags  0x%016llx cs  0x%016llx fs   0x%016llx\n"
     "    gs  0x%016llx\n"},
    {LCP_CPU_TYPE_ARM, 1, "ARM_THREAD_STATE", 17,
     "\t    r0  0x%08x r1     0x%08x r2  0x%08x r3  0x%08x\n"
     "\t    r4  0x%08x r5     0x%08x r6  0x%08x r7  0x%08x\n"
     "\t    r8  0x%08x r9     0x%08x r10 0x%08x r11 0x%08x\n"
     "\t    r12 0x%08x sp     0x%08x lr  0x%08x pc  0x%08x\n"
     "\t   cpsr 0x%08x\n"},
    /* HPPA_FRAME_THREAD_STATE: the first five of its eleven words */
    {LCP_CPU_TYPE_HPPA, 2, "HPPA_FRAME_THREAD_STATE", 11,
     "pcsq_front  0x%08x pcsq_back  0x%08x\npcoq_front  0x%08x pcoq_back  0x%08x\n       psw  0x%08x\n"},
    /* SPARC_THREAD_STATE_REGS: psr, pc, npc, y, g1-g7, o0-o7 (g0 is 0) */
    {LCP_CPU_TYPE_SPARC, 1, "SPARC_THREAD_STATE_REGS", 19,
     "psr 0x%08x  pc  0x%08x  npc 0x%08x  y   0x%08x\n"
     "g0  0x00000000  g1  0x%08x  g2  0x%08x  g3  0x%08x\n"
     "g4  0x%08x  g5  0x%08x  g6  0x%08x  g7  0x%08x\n"
     "o0  0x%08x  o1  0x%08x  o2  0x%08x  o3  0x%08x\n"
     "o4  0x%08x  o5  0x%08x  o6  0x%08x  o7  0x%08x\n"},
};

static void print_registers(const struct states *s, const char *format) {
    uint32_t at = s->pos;
    for (const char *p = format; *p; p++) {
        if (strncmp(p, "%08x", 4) == 0) {
            printf("%08x", word(s, at));
            at += 4;
            p += 3;
        } else if (strncmp(p, "%016llx", 7) == 0) {
            printf("%016llx", (unsigned long long)dword(s, at));
            at += 8;
            p += 6;
        } else
            putchar(*p);
    }
}

/* Prints one known flavor at s->pos and returns the bytes it spans, or 0
 * when (cputype, flavor) is not one otool prints by name. */
static uint32_t print_known(const struct states *s, uint32_t cputype, uint32_t flavor, uint32_t count,
                            const char *indent) {
    for (size_t k = 0; k < sizeof flavors / sizeof flavors[0]; k++)
        if (flavors[k].cputype == cputype && flavors[k].flavor == flavor) {
            printf("%sflavor %s\n", indent, flavors[k].name);
            count_line(count, flavors[k].count, flavors[k].name);
            print_registers(s, flavors[k].format);
            return flavors[k].count * 4;
        }
    uint32_t r[40];
    if (cputype == LCP_CPU_TYPE_POWERPC && flavor == 1) {
        /* PPC_THREAD_STATE: srr0, srr1, r0-r31, cr, xer, lr, ctr, mq, vrsave */
        printf("     flavor PPC_THREAD_STATE\n");
        count_line(count, 40, "PPC_THREAD_STATE");
        regs32(s, s->pos, r, 40);
        for (unsigned row = 0; row < 6; row++) {
            unsigned b = row * 5;
            printf("    r%-2u 0x%08x r%-2u 0x%08x r%-2u 0x%08x r%-3u 0x%08x r%-3u 0x%08x\n", b, r[2 + b], b + 1,
                   r[3 + b], b + 2, r[4 + b], b + 3, r[5 + b], b + 4, r[6 + b]);
        }
        printf("    r30 0x%08x r31 0x%08x cr  0x%08x xer  0x%08x lr   0x%08x\n", r[32], r[33], r[34], r[35], r[36]);
        printf("    ctr 0x%08x mq  0x%08x vrsave 0x%08x srr0 0x%08x srr1 0x%08x\n", r[37], r[38], r[39], r[0], r[1]);
        return 160;
    }
    if (cputype == LCP_CPU_TYPE_MC680x0 && flavor == 1) {
        /* M68K_THREAD_STATE_REGS: dreg[8], areg[8], pad0, sr (16 bits each), pc */
        printf("     flavor M68K_THREAD_STATE_REGS\n");
        count_line(count, 18, "M68K_THREAD_STATE_REGS");
        regs32(s, s->pos, r, 18);
        printf(" dregs ");
        for (unsigned k = 0; k < 8; k++)
            printf(" %08x", r[k]);
        printf("\n aregs ");
        for (unsigned k = 8; k < 16; k++)
            printf(" %08x", r[k]);
        /* pad0 and sr are the two halves of word 16, in file order */
        printf("\n pad 0x%04x sr 0x%04x pc 0x%08x\n", s->img->big_endian ? r[16] >> 16 : r[16] & 0xffff,
               s->img->big_endian ? r[16] & 0xffff : r[16] >> 16, r[17]);
        return 72;
    }
    return 0;
}

void lcp_otool_print_thread(const lcp_image *img, size_t i) {
    struct states s = {img, i, 8, img->lc[i].cmdsize};
    /* HPPA's unknown flavors are indented like its known ones. */
    const char *indent = img->cputype == LCP_CPU_TYPE_HPPA ? "      " : "     ";
    while (s.pos < s.end) {
        uint32_t flavor = 0, count = 0;
        if (s.end - s.pos > 4) {
            flavor = word(&s, s.pos);
            s.pos += 4;
        } else
            s.pos = s.end;
        if (s.end - s.pos > 4) {
            count = word(&s, s.pos);
            s.pos += 4;
        } else
            s.pos = s.end;
        uint32_t used = print_known(&s, img->cputype, flavor, count, indent);
        if (used == 0) {
            print_unknown_state(&s, flavor, count, indent);
            used = count * 4;
        }
        if (used >= s.end - s.pos)
            break;
        s.pos += used;
    }
}
