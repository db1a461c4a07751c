/* The alignment Apple's lipo gives a slice (cctools misc/lipo.c get_align,
 * guess_align; libstuff/arch.c get_segalign_from_flag): see
 * include/lcpatch/slices.h. */
#include "lcpatch/slices.h"

#include "lcpatch/macho.h"

/* lipo's MAXSECTALIGN: 2^15. */
#define LCP_MAX_SECTALIGN 15u

uint32_t lcp_default_segalign(uint32_t cputype) {
    switch (cputype) {
    case LCP_CPU_TYPE_ARM:
    case LCP_CPU_TYPE_ARM64:
    case LCP_CPU_TYPE_ARM64_32: return 14;
    case LCP_CPU_TYPE_POWERPC:
    case LCP_CPU_TYPE_POWERPC64:
    case 255: /* CPU_TYPE_VEO */
    case LCP_CPU_TYPE_I386:
    case LCP_CPU_TYPE_X86_64: return 12;
    default: return 13;
    }
}

uint32_t lcp_guess_align(uint64_t vmaddr) {
    if (vmaddr == 0)
        return LCP_MAX_SECTALIGN;
    uint32_t align = 0;
    while ((vmaddr & ((uint64_t)1 << align)) == 0)
        align++;
    if (align < 2)
        return 2;
    return align > LCP_MAX_SECTALIGN ? LCP_MAX_SECTALIGN : align;
}

uint32_t lcp_image_lipo_align(const lcp_image *img) {
    /* Apple knows the page size of every architecture it can name. */
    if (lcp_arch_name(img->cputype, img->cpusubtype) != NULL)
        return lcp_default_segalign(img->cputype);
    uint32_t cur = LCP_MAX_SECTALIGN;
    uint32_t segcmd = img->is64 ? LCP_LC_SEGMENT_64 : LCP_LC_SEGMENT;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (img->lc[i].cmd != segcmd || !lcp_image_segment(img, i, &seg))
            continue;
        uint32_t align;
        if (img->filetype == LCP_MH_OBJECT) {
            /* the largest section alignment, at least that of a word; the
             * sections that fit in the command (lipo reads images with
             * LCP_PARSE_CMDS_SIZES_ONLY, where nsects is not checked) */
            align = img->is64 ? 3 : 2;
            lcp_section s;
            for (uint32_t k = 0; k < seg.nsects && lcp_image_section(img, i, k, &s); k++)
                if (s.align > align)
                    align = s.align;
        } else {
            align = lcp_guess_align(seg.vmaddr);
        }
        if (align < cur)
            cur = align;
    }
    return cur;
}

uint32_t lcp_image_seg_align(const lcp_image *img) {
    uint32_t min = img->is64 ? 3 : 2, cur = LCP_MAX_SECTALIGN;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        uint32_t align = min;
        if (img->filetype == LCP_MH_OBJECT) {
            /* nsects comes from the file: the first section that does not
             * fit in the command ends the walk (no 2^32 loop) */
            lcp_section s;
            for (uint32_t k = 0; k < seg.nsects && lcp_image_section(img, i, k, &s); k++)
                if (s.align > align)
                    align = s.align;
        } else if (seg.vmaddr == 0) {
            align = LCP_MAX_SECTALIGN;
        } else {
            align = 0;
            while ((seg.vmaddr & ((uint64_t)1 << align)) == 0)
                align++;
            align = align < min ? min : align > LCP_MAX_SECTALIGN ? LCP_MAX_SECTALIGN : align;
        }
        if (align < cur)
            cur = align;
    }
    return cur;
}
