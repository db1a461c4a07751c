/* otool -l: the thread states of LC_THREAD and LC_UNIXTHREAD, per CPU, in
 * Apple's otool layout. A state is a (flavor, count, count words) triple;
 * the flavors otool knows are printed by register name, any other as words. */
#include "compat/otool.h"

#include <stdio.h>

static void count_line(uint32_t count, uint32_t want, const char *name) {
    if (count == want)
        printf("      count %s_COUNT\n", name);
    else
        printf("      count %u (not %s_COUNT)\n", count, name);
}

/* The flavors otool prints by name, each with Apple's format: its
 * directives (those of otool_lc.c's formats[]) read the state's registers
 * in order, %x (0x%08x) and %w (%08x) a 32-bit one, %X (0x%016llx) a
 * 64-bit one, %h (%04x) a 16-bit one. */
static const struct {
    uint32_t cputype, flavor;
    const char *name; /* the flavor's, and its _COUNT, in words */
    uint32_t count;
    const char *format;
} flavors[] = {
    {LCP_CPU_TYPE_I386, 1, "i386_THREAD_STATE", 16,
     "\t    eax %x ebx    %x ecx %x edx %x\n"
     "\t    edi %x esi    %x ebp %x esp %x\n"
     "\t    ss  %x eflags %x eip %x cs  %x\n"
     "\t    ds  %x es     %x fs  %x gs  %x\n"},
    {LCP_CPU_TYPE_X86_64, 4, "x86_THREAD_STATE64", 42,
     "   rax  %X rbx %X rcx  %X\n"
     "   rdx  %X rdi %X rsi  %X\n"
     "   rbp  %X rsp %X r8   %X\n"
     "    r9  %X r10 %X r11  %X\n"
     "   r12  %X r13 %X r14  %X\n"
     "   r15  %X rip %X\n"
     "rflags  %X cs  %X fs   %X\n"
     "    gs  %X\n"},
    {LCP_CPU_TYPE_ARM, 1, "ARM_THREAD_STATE", 17,
     "\t    r0  %x r1     %x r2  %x r3  %x\n"
     "\t    r4  %x r5     %x r6  %x r7  %x\n"
     "\t    r8  %x r9     %x r10 %x r11 %x\n"
     "\t    r12 %x sp     %x lr  %x pc  %x\n"
     "\t   cpsr %x\n"},
    /* HPPA_FRAME_THREAD_STATE: the first five of its eleven words */
    {LCP_CPU_TYPE_HPPA, 2, "HPPA_FRAME_THREAD_STATE", 11,
     "pcsq_front  %x pcsq_back  %x\npcoq_front  %x pcoq_back  %x\n       psw  %x\n"},
    /* SPARC_THREAD_STATE_REGS: psr, pc, npc, y, g1-g7, o0-o7 (g0 is 0) */
    {LCP_CPU_TYPE_SPARC, 1, "SPARC_THREAD_STATE_REGS", 19,
     "psr %x  pc  %x  npc %x  y   %x\n"
     "g0  0x00000000  g1  %x  g2  %x  g3  %x\n"
     "g4  %x  g5  %x  g6  %x  g7  %x\n"
     "o0  %x  o1  %x  o2  %x  o3  %x\n"
     "o4  %x  o5  %x  o6  %x  o7  %x\n"},
    /* PPC_THREAD_STATE: srr0, srr1, r0-r31, cr, xer, lr, ctr, mq, vrsave;
     * otool prints srr0 and srr1 last (%_ skips a register, %< goes back
     * to the first) */
    {LCP_CPU_TYPE_POWERPC, 1, "PPC_THREAD_STATE", 40,
     "%_%_    r0  %x r1  %x r2  %x r3   %x r4   %x\n"
     "    r5  %x r6  %x r7  %x r8   %x r9   %x\n"
     "    r10 %x r11 %x r12 %x r13  %x r14  %x\n"
     "    r15 %x r16 %x r17 %x r18  %x r19  %x\n"
     "    r20 %x r21 %x r22 %x r23  %x r24  %x\n"
     "    r25 %x r26 %x r27 %x r28  %x r29  %x\n"
     "    r30 %x r31 %x cr  %x xer  %x lr   %x\n"
     "    ctr %x mq  %x vrsave %x srr0 %<%x srr1 %x\n"},
    /* M68K_THREAD_STATE_REGS: dreg[8], areg[8], pad0, sr (16 bits each), pc */
    {LCP_CPU_TYPE_MC680x0, 1, "M68K_THREAD_STATE_REGS", 18,
     " dregs  %w %w %w %w %w %w %w %w\n"
     " aregs  %w %w %w %w %w %w %w %w\n"
     " pad 0x%h sr 0x%h pc %x\n"},
};

/* Prints the state of `flavor` at byte `pos` of command i, by name when
 * otool knows the flavor, else as words; returns the bytes it spans. */
static uint32_t print_state(const lcp_image *img, size_t i, uint32_t pos, uint32_t flavor, uint32_t count,
                            const char *indent) {
    for (size_t k = 0; k < sizeof flavors / sizeof flavors[0]; k++)
        if (flavors[k].cputype == img->cputype && flavors[k].flavor == flavor) {
            printf("%sflavor %s\n", indent, flavors[k].name);
            count_line(count, flavors[k].count, flavors[k].name);
            lcp_otool_print_fields(img, i, pos, img->lc[i].cmdsize, flavors[k].format);
            return flavors[k].count * 4;
        }
    printf("%sflavor %u (unknown)\n      count %u\n      state:\n", indent, flavor, count);
    uint32_t words = (img->lc[i].cmdsize - pos) / 4; /* the words that are there */
    lcp_otool_print_fields(img, i, pos, pos + 4 * (count < words ? count : words), "%W");
    return count * 4;
}

void lcp_otool_print_thread(const lcp_image *img, size_t i) {
    uint32_t pos = 8, end = img->lc[i].cmdsize; /* byte offsets in the command */
    /* HPPA's unknown flavors are indented like its known ones. */
    const char *indent = img->cputype == LCP_CPU_TYPE_HPPA ? "      " : "     ";
    while (pos < end) {
        uint32_t flavor = 0, count = 0;
        if (end - pos > 4) {
            lcp_image_cmd_u32(img, i, pos, &flavor);
            pos += 4;
        } else
            pos = end;
        if (end - pos > 4) {
            lcp_image_cmd_u32(img, i, pos, &count);
            pos += 4;
        } else
            pos = end;
        uint32_t used = print_state(img, i, pos, flavor, count, indent);
        if (used >= end - pos)
            break;
        pos += used;
    }
}
