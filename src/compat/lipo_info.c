/* lipo's listings (-info, -detailed_info, -archs) and -verify_arch, from
 * the model of each input (the fat table as read, hidden slice included). */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

#include <stdio.h>

static bool is_fat(const lcp_file *f) { return f && (f->kind == LCP_FAT || f->kind == LCP_FAT64); }

/* "Non-fat file: X is architecture: Y" for every thin input. */
static void print_nonfat(const struct lipo *L) {
    char buf[64];
    for (size_t i = 0; i < L->nthins; i++) {
        const struct lipo_thin *t = &L->thins[i];
        if (!t->from_fat)
            printf("Non-fat file: %s is architecture: %s\n", t->name,
                   lipo_arch_name_or_label(t->cputype, t->cpusubtype, buf, sizeof buf));
    }
}

void lipo_print_info(const struct lipo *L) {
    for (size_t i = 0; i < L->ninputs; i++) {
        const struct lipo_input *in = &L->inputs[i];
        if (is_fat(in->file)) {
            printf("Architectures in the fat file: %s are: ", in->name);
            for (size_t j = 0; j < in->file->nslices; j++) {
                lipo_print_arch(in->file->slices[j].cputype, in->file->slices[j].cpusubtype);
                printf(" ");
            }
            printf("\n");
        } else if (!in->is_thin) {
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
            lipo_print_arch(s->cputype, s->cpusubtype);
            if (j >= raw)
                printf(" (hidden)");
            printf("\n");
            lipo_print_cputype(s->cputype, s->cpusubtype);
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

int lipo_verify(const struct lipo *L) {
    for (size_t i = 0; i < L->verifies.n; i++)
        if (lipo_find_thin(L, &L->verifies.v[i]) == L->nthins)
            return 1;
    return 0;
}
