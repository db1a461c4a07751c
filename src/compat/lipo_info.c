/* lipo's listings (-info, -detailed_info, -archs), from
 * the model of each input (the fat table as read, hidden slice included),
 * with the architecture names Apple's lipo prints (cctools misc/lipo.c
 * print_arch and print_cputype), which differ in places from libstuff's
 * table: 32-bit ARM subtypes are compared with their capability bits,
 * m88k/i860/hppa name several subtypes alike, and two ARM lines carry an
 * extra space of indent. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

#include <stdio.h>

struct lipo_arch_row {
    uint32_t cputype;
    uint32_t cpusubtype; /* without capability bits, except for ARM */
    const char *arch;    /* print_arch's name, NULL when it has none */
    const char *type_name, *subtype_name;
    const char *indent;
};

#define T_PPC "CPU_TYPE_POWERPC"
static const struct lipo_arch_row rows[] = {
    {LCP_CPU_TYPE_MC680x0, 1, "m68k", "CPU_TYPE_MC680x0", "CPU_SUBTYPE_MC680x0_ALL", "    "},
    {LCP_CPU_TYPE_MC680x0, 3, "m68030", "CPU_TYPE_MC680x0", "CPU_SUBTYPE_MC68030_ONLY", "    "},
    {LCP_CPU_TYPE_MC680x0, 2, "m68040", "CPU_TYPE_MC680x0", "CPU_SUBTYPE_MC68040", "    "},
    {LCP_CPU_TYPE_POWERPC, 0, "ppc", T_PPC, "CPU_SUBTYPE_POWERPC_ALL", "    "},
    {LCP_CPU_TYPE_POWERPC, 1, "ppc601", T_PPC, "CPU_SUBTYPE_POWERPC_601", "    "},
    {LCP_CPU_TYPE_POWERPC, 3, "ppc603", T_PPC, "CPU_SUBTYPE_POWERPC_603", "    "},
    {LCP_CPU_TYPE_POWERPC, 4, "ppc603e", T_PPC, "CPU_SUBTYPE_POWERPC_603e", "    "},
    {LCP_CPU_TYPE_POWERPC, 5, "ppc603ev", T_PPC, "CPU_SUBTYPE_POWERPC_603ev", "    "},
    {LCP_CPU_TYPE_POWERPC, 6, "ppc604", T_PPC, "CPU_SUBTYPE_POWERPC_604", "    "},
    {LCP_CPU_TYPE_POWERPC, 7, "ppc604e", T_PPC, "CPU_SUBTYPE_POWERPC_604e", "    "},
    {LCP_CPU_TYPE_POWERPC, 9, "ppc750", T_PPC, "CPU_SUBTYPE_POWERPC_750", "    "},
    {LCP_CPU_TYPE_POWERPC, 10, "ppc7400", T_PPC, "CPU_SUBTYPE_POWERPC_7400", "    "},
    {LCP_CPU_TYPE_POWERPC, 11, "ppc7450", T_PPC, "CPU_SUBTYPE_POWERPC_7450", "    "},
    {LCP_CPU_TYPE_POWERPC, 100, "ppc970", T_PPC, "CPU_SUBTYPE_POWERPC_970", "    "},
    {LCP_CPU_TYPE_POWERPC64, 0, "ppc64", "CPU_TYPE_POWERPC64", "CPU_SUBTYPE_POWERPC_ALL", "    "},
    {LCP_CPU_TYPE_POWERPC64, 100, "ppc970-64", "CPU_TYPE_POWERPC64", "CPU_SUBTYPE_POWERPC_970", "    "},
    {255, 1, "veo1", "CPU_TYPE_VEO", "CPU_SUBTYPE_VEO_1", "    "},
    {255, 2, "veo2", "CPU_TYPE_VEO", "CPU_SUBTYPE_VEO_2", "    "},
    {255, 3, "veo3", "CPU_TYPE_VEO", "CPU_SUBTYPE_VEO_3", "    "},
    {255, 4, "veo4", "CPU_TYPE_VEO", "CPU_SUBTYPE_VEO_4", "    "},
    {LCP_CPU_TYPE_MC88000, 0, "m88k", "CPU_TYPE_MC88000", "CPU_SUBTYPE_MC88000_ALL", "    "},
    {LCP_CPU_TYPE_MC88000, 2, "m88k", "CPU_TYPE_MC88000", "CPU_SUBTYPE_MC88110", "    "},
    {LCP_CPU_TYPE_I386, 3, "i386", "CPU_TYPE_I386", "CPU_SUBTYPE_I386_ALL", "    "},
    {LCP_CPU_TYPE_I386, 4, "i486", "CPU_TYPE_I386", "CPU_SUBTYPE_486", "    "},
    {LCP_CPU_TYPE_I386, 0x84, "i486SX", "CPU_TYPE_I386", "CPU_SUBTYPE_486SX", "    "},
    {LCP_CPU_TYPE_I386, 5, "pentium", "CPU_TYPE_I386", "CPU_SUBTYPE_PENT", "    "},
    {LCP_CPU_TYPE_I386, 0x16, "pentpro", "CPU_TYPE_I386", "CPU_SUBTYPE_PENTPRO", "    "},
    {LCP_CPU_TYPE_I386, 0x36, "pentIIm3", "CPU_TYPE_I386", "CPU_SUBTYPE_PENTII_M3", "    "},
    {LCP_CPU_TYPE_I386, 0x56, "pentIIm5", "CPU_TYPE_I386", "CPU_SUBTYPE_PENTII_M5", "    "},
    {LCP_CPU_TYPE_X86_64, 3, "x86_64", "CPU_TYPE_X86_64", "CPU_SUBTYPE_X86_64_ALL", "    "},
    {LCP_CPU_TYPE_X86_64, 8, "x86_64h", "CPU_TYPE_X86_64", "CPU_SUBTYPE_X86_64_H", "    "},
    {LCP_CPU_TYPE_I860, 0, "i860", "CPU_TYPE_I860", "CPU_SUBTYPE_I860_ALL", "    "},
    {LCP_CPU_TYPE_I860, 1, "i860", "CPU_TYPE_I860", "CPU_SUBTYPE_I860_860", "    "},
    {LCP_CPU_TYPE_HPPA, 0, "hppa", "CPU_TYPE_HPPA", "CPU_SUBTYPE_HPPA_ALL", "    "},
    {LCP_CPU_TYPE_HPPA, 1, "hppa", "CPU_TYPE_HPPA", "CPU_SUBTYPE_HPPA_7100LC", "    "},
    {LCP_CPU_TYPE_SPARC, 0, "sparc", "CPU_TYPE_SPARC", "CPU_SUBTYPE_SPARC_ALL", "    "},
    {LCP_CPU_TYPE_ARM, 0, "arm", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_ALL", "    "},
    {LCP_CPU_TYPE_ARM, 5, "armv4t", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V4T", "    "},
    {LCP_CPU_TYPE_ARM, 7, "armv5", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V5TEJ", "     "},
    {LCP_CPU_TYPE_ARM, 8, "xscale", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_XSCALE", "     "},
    {LCP_CPU_TYPE_ARM, 6, "armv6", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V6", "    "},
    {LCP_CPU_TYPE_ARM, 14, "armv6m", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V6M", "    "},
    {LCP_CPU_TYPE_ARM, 9, "armv7", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V7", "    "},
    {LCP_CPU_TYPE_ARM, 10, "armv7f", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V7F", "    "},
    {LCP_CPU_TYPE_ARM, 11, "armv7s", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V7S", "    "},
    {LCP_CPU_TYPE_ARM, 12, "armv7k", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V7K", "    "},
    {LCP_CPU_TYPE_ARM, 15, "armv7m", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V7M", "    "},
    {LCP_CPU_TYPE_ARM, 16, "armv7em", "CPU_TYPE_ARM", "CPU_SUBTYPE_ARM_V7EM", "    "},
    {LCP_CPU_TYPE_ARM64, 0, "arm64", "CPU_TYPE_ARM64", "CPU_SUBTYPE_ARM64_ALL", "    "},
    {LCP_CPU_TYPE_ARM64, 1, "arm64v8", "CPU_TYPE_ARM64", "CPU_SUBTYPE_ARM64_V8", "    "},
    {LCP_CPU_TYPE_ARM64, 2, "arm64e", "CPU_TYPE_ARM64", "CPU_SUBTYPE_ARM64E", "    "},
    {LCP_CPU_TYPE_ARM64_32, 1, "arm64_32", "CPU_TYPE_ARM64_32", "CPU_SUBTYPE_ARM64_32_V8", "    "},
    {LCP_CPU_TYPE_ANY, 0, "little", "CPU_TYPE_ANY", "CPU_SUBTYPE_LITTLE_ENDIAN", "    "},
    {LCP_CPU_TYPE_ANY, 1, "big", "CPU_TYPE_ANY", "CPU_SUBTYPE_BIG_ENDIAN", "    "},
};

static const struct lipo_arch_row *find_row(uint32_t cputype, uint32_t cpusubtype) {
    uint32_t sub = cputype == LCP_CPU_TYPE_ARM ? cpusubtype : cpusubtype & ~LCP_CPU_SUBTYPE_MASK;
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
        if (rows[i].cputype == cputype && rows[i].cpusubtype == sub)
            return &rows[i];
    return NULL;
}

/* print_arch: the name -info and -detailed_info print, or
 * "(cputype (N) cpusubtype (M))". */
static void print_arch(uint32_t cputype, uint32_t cpusubtype) {
    const struct lipo_arch_row *r = find_row(cputype, cpusubtype);
    if (r)
        fputs(r->arch, stdout);
    else
        printf("(cputype (%d) cpusubtype (%d))", (int)cputype, (int)(cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
}

/* print_cputype: the cputype, cpusubtype and capabilities lines of -detailed_info. */
static void print_cputype(uint32_t cputype, uint32_t cpusubtype) {
    const struct lipo_arch_row *r = find_row(cputype, cpusubtype);
    if (r)
        printf("%scputype %s\n%scpusubtype %s\n", r->indent, r->type_name, r->indent, r->subtype_name);
    else
        printf("    cputype (%d)\n    cpusubtype cpusubtype (%d)\n", (int)cputype,
               (int)(cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
    uint32_t caps = cpusubtype & LCP_CPU_SUBTYPE_MASK;
    printf("    capabilities ");
    if (cputype == LCP_CPU_TYPE_ARM64 && (cpusubtype & ~LCP_CPU_SUBTYPE_MASK) == LCP_CPU_SUBTYPE_ARM64E &&
        (caps & LCP_CPU_SUBTYPE_PTRAUTH_ABI))
        printf("PTR_AUTH_VERSION %s %u\n", (caps & 0x40000000u) ? "KERNEL" : "USERSPACE", (caps >> 24) & 0xfu);
    else if (caps == LCP_CPU_SUBTYPE_LIB64)
        printf("CPU_SUBTYPE_LIB64\n");
    else
        printf("0x%x\n", caps >> 24);
}

/* libstuff's get_arch_name_from_types: the name, or "cputype N cpusubtype M" in buf. */
static const char *arch_name_or_label(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len) {
    const char *n = lcp_arch_name(cputype, cpusubtype);
    if (n)
        return n;
    snprintf(buf, len, "cputype %u cpusubtype %u", cputype, cpusubtype & ~LCP_CPU_SUBTYPE_MASK);
    return buf;
}

static bool is_fat(const lcp_file *f) { return f && (f->kind == LCP_FAT || f->kind == LCP_FAT64); }

/* "Non-fat file: X is architecture: Y" for every thin input. */
static void print_nonfat(const struct lipo *L) {
    char buf[64];
    for (size_t i = 0; i < L->nthins; i++) {
        const struct lipo_thin *t = &L->thins[i];
        if (!t->from_fat)
            printf("Non-fat file: %s is architecture: %s\n", t->name,
                   arch_name_or_label(t->cputype, t->cpusubtype, buf, sizeof buf));
    }
}

void lipo_print_info(const struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        const struct lipo_input *in = &L->inputs[i];
        if (is_fat(in->file)) {
            printf("Architectures in the fat file: %s are: ", in->name);
            for (size_t j = 0; j < in->file->nslices; j++) {
                print_arch(in->file->slices[j].cputype, in->file->slices[j].cpusubtype);
                printf(" ");
            }
            printf("\n");
        } else if (in->file == NULL) { /* a file given with -arch that is not Mach-O */
            printf("input file %s is not a fat file\n", in->name);
        }
    }
    print_nonfat(L);
}

void lipo_print_detailed(const struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        const struct lipo_input *in = &L->inputs[i];
        if (!is_fat(in->file)) {
            printf("input file %s is not a fat file\n", in->name);
            continue;
        }
        const lcp_file *f = in->file;
        printf("Fat header in: %s\n", in->name);
        printf("fat_magic 0x%x\n", f->kind == LCP_FAT64 ? LCP_FAT_MAGIC_64 : LCP_FAT_MAGIC);
        /* Apple counts the hidden arm64 slice from raw_nfat_arch, which it
         * only sets for FAT_MAGIC: a FAT_MAGIC_64 file lists every slice as
         * hidden */
        size_t raw = f->kind == LCP_FAT64 ? 0 : f->nfat_arch;
        printf("nfat_arch %zu", raw);
        if (f->nslices != raw)
            printf(" (+%zu hidden)", f->nslices - raw);
        printf("\n");
        for (size_t j = 0; j < f->nslices; j++) {
            const lcp_slice *s = &f->slices[j];
            printf("architecture ");
            print_arch(s->cputype, s->cpusubtype);
            if (j >= raw)
                printf(" (hidden)");
            printf("\n");
            print_cputype(s->cputype, s->cpusubtype);
            printf("    offset %llu\n", (unsigned long long)s->offset);
            printf("    size %llu\n", (unsigned long long)s->size);
            printf("    align 2^%u (%d)\n", s->align, (int)(1u << s->align));
        }
    }
    print_nonfat(L);
}

void lipo_print_archs(const struct lipo *L) {
    for (size_t i = 0; i < L->nthins; i++) {
        const struct lipo_thin *t = &L->thins[i];
        const char *s = lcp_arch_name(t->cputype, t->cpusubtype);
        if (i)
            printf(" ");
        if (s)
            printf("%s", s);
        else
            printf("unknown(%u,%u)", t->cputype, t->cpusubtype & ~LCP_CPU_SUBTYPE_MASK);
    }
    printf("\n");
}
