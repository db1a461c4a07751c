/* Laying out an output file from a list of slices: lipo's order, offsets
 * rounded to each slice's alignment, the fat header, the plan (see
 * include/lcpatch/slices.h). */
#include "lcpatch/slices.h"

#include "lcpatch/macho.h"
#include "util/checked.h"

#include <stdlib.h>

lcp_layout_rule lcp_layout_rule_for(const lcp_file *f) {
    lcp_layout_rule r = {f->kind == LCP_FAT64, f->kind == LCP_THIN || f->kind == LCP_ARCHIVE, false};
    return r;
}

/* lipo's cmp_qsort: same cputype by subtype; the arm64 family after every
 * other; the rest by alignment. */
static int lipo_cmp(const lcp_out_slice *a, const lcp_out_slice *b) {
    if (a->cputype == b->cputype)
        return a->cpusubtype < b->cpusubtype ? -1 : a->cpusubtype > b->cpusubtype;
    if (a->cputype == LCP_CPU_TYPE_ARM64)
        return 1;
    if (b->cputype == LCP_CPU_TYPE_ARM64)
        return -1;
    return a->align < b->align ? -1 : a->align > b->align;
}

lcp_status lcp_layout_place(lcp_out_slice *slices, size_t n, const lcp_layout_rule *rule, lcp_error *err) {
    if (n == 0)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "no slice to write");
    if (rule->thin) {
        if (n != 1)
            return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "a thin file holds one slice, not %zu", n);
        slices[0].out_offset = 0;
        return LCP_OK;
    }
    if (rule->lipo_order) {
        /* insertion sort: stable, and n is small */
        for (size_t i = 1; i < n; i++) {
            lcp_out_slice t = slices[i];
            size_t j = i;
            for (; j > 0 && lipo_cmp(&slices[j - 1], &t) > 0; j--)
                slices[j] = slices[j - 1];
            slices[j] = t;
        }
    }
    uint64_t off = LCP_FAT_HEADER_SIZE + (uint64_t)n * (rule->fat64 ? LCP_FAT_ARCH_SIZE_64 : LCP_FAT_ARCH_SIZE);
    for (size_t i = 0; i < n; i++) {
        if (slices[i].align > 31)
            return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "slice %zu: alignment 2^%u too large", i,
                                 slices[i].align);
        if (!lcp_round_up_u64(off, (uint64_t)1 << slices[i].align, &off))
            return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "output too large");
        if (!rule->fat64 && (off > UINT32_MAX || slices[i].size > UINT32_MAX)) {
            char buf[48];
            return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET,
                                 "the %s slice (offset %llu, size %llu) needs a FAT_MAGIC_64 header",
                                 lcp_arch_label(slices[i].cputype, slices[i].cpusubtype, buf, sizeof buf),
                                 (unsigned long long)off, (unsigned long long)slices[i].size);
        }
        slices[i].out_offset = off;
        if (!lcp_add_u64(off, slices[i].size, &off))
            return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "output too large");
    }
    return LCP_OK;
}

static lcp_status add_slice(lcp_plan *p, const lcp_out_slice *s, lcp_error *err) {
    if (s->image && s->zeros_from != 0)
        return lcp_plan_add_image_upto(p, s->image, s->zeros_from, s->size, err);
    if (s->image)
        return lcp_plan_add_image(p, s->image, s->size, err);
    return lcp_plan_add_copy(p, s->src_offset, s->size, err);
}

lcp_status lcp_layout_file(lcp_out_slice *slices, size_t n, const lcp_layout_rule *rule, lcp_plan *out,
                           lcp_error *err) {
    lcp_status st = lcp_layout_place(slices, n, rule, err);
    if (st)
        return st;
    if (rule->thin)
        return add_slice(out, &slices[0], err);
    lcp_fat_entry *e = calloc(n, sizeof *e);
    if (e == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < n; i++) {
        e[i].cputype = slices[i].cputype;
        e[i].cpusubtype = slices[i].cpusubtype;
        e[i].offset = slices[i].out_offset;
        e[i].size = slices[i].size;
        e[i].align = slices[i].align;
        e[i].reserved = slices[i].reserved;
    }
    st = lcp_plan_add_fat_header(out, rule->fat64, e, n, err);
    free(e);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        st = lcp_plan_pad_to(out, slices[i].out_offset, err);
        if (st == LCP_OK)
            st = add_slice(out, &slices[i], err);
    }
    return st;
}
