/* Choosing the slices to keep (see include/lcpatch/slices.h). */
#include "lcpatch/slices.h"

#include "lcpatch/macho.h"

#include <stdio.h>

bool lcp_arch_is_legacy(uint32_t cputype, uint32_t cpusubtype) {
    (void)cpusubtype;
    switch (cputype) {
    case LCP_CPU_TYPE_POWERPC:
    case LCP_CPU_TYPE_POWERPC64:
    case LCP_CPU_TYPE_I386:
    case LCP_CPU_TYPE_ARM: /* every 32-bit ARM: armv4t ... armv7s, armv7k */
    case LCP_CPU_TYPE_MC680x0:
    case LCP_CPU_TYPE_MC88000:
    case LCP_CPU_TYPE_HPPA:
    case LCP_CPU_TYPE_SPARC:
    case LCP_CPU_TYPE_I860:
    case 255: /* CPU_TYPE_VEO */ return true;
    default: return false;
    }
}

bool lcp_arch_matches(uint32_t cputype, uint32_t cpusubtype, uint32_t want_type, uint32_t want_subtype) {
    return cputype == want_type && (cpusubtype & ~LCP_CPU_SUBTYPE_MASK) == (want_subtype & ~LCP_CPU_SUBTYPE_MASK);
}

/* Whether name k picks slice i: the exact architecture when f has it,
 * else any slice of the same CPU type ("ppc" picks ppc7400). */
static bool picks(const lcp_file *f, const uint32_t (*archs)[2], size_t k, size_t i) {
    bool exact_somewhere = false;
    for (size_t j = 0; j < f->nslices && !exact_somewhere; j++)
        exact_somewhere = lcp_arch_matches(f->slices[j].cputype, f->slices[j].cpusubtype, archs[k][0], archs[k][1]);
    if (exact_somewhere)
        return lcp_arch_matches(f->slices[i].cputype, f->slices[i].cpusubtype, archs[k][0], archs[k][1]);
    return f->slices[i].cputype == archs[k][0];
}

lcp_status lcp_select_slices(const lcp_file *f, lcp_select_mode mode, const uint32_t (*archs)[2], size_t narchs,
                             bool *keep, lcp_error *err) {
    char buf[48];
    for (size_t k = 0; k < narchs && mode == LCP_SELECT_KEEP; k++) {
        bool found = false;
        for (size_t i = 0; i < f->nslices && !found; i++)
            found = picks(f, archs, k, i);
        if (!found)
            return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "%s: no %s slice", f->path,
                                 lcp_arch_label(archs[k][0], archs[k][1], buf, sizeof buf));
    }
    size_t kept = 0;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        bool named = false;
        for (size_t k = 0; k < narchs && !named; k++)
            named = picks(f, archs, k, i);
        switch (mode) {
        case LCP_SELECT_LEGACY: keep[i] = !lcp_arch_is_legacy(s->cputype, s->cpusubtype); break;
        case LCP_SELECT_REMOVE: keep[i] = !named; break;
        case LCP_SELECT_KEEP: keep[i] = named; break;
        }
        kept += keep[i];
    }
    if (kept == 0)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: %s", f->path,
                             mode == LCP_SELECT_LEGACY ? "no 64-bit slice to keep" : "no slice left");
    return LCP_OK;
}

void lcp_kept_slices(const lcp_file *f, const bool *keep, bool keep_fat, lcp_out_slice *out, size_t *n,
                     lcp_layout_rule *rule) {
    size_t k = 0;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        if (!keep[i])
            continue;
        lcp_out_slice o = {s->cputype, s->cpusubtype, s->align, s->reserved, NULL, s->offset, s->size, 0, 0};
        out[k++] = o;
    }
    *n = k;
    bool fat = f->kind == LCP_FAT || f->kind == LCP_FAT64;
    rule->fat64 = f->kind == LCP_FAT64;
    rule->thin = !fat || (k == 1 && !keep_fat);
    rule->lipo_order = true;
}
