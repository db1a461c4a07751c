/* Shared by the fuzz harnesses: walk every decoder of the model over an
 * image, so that the fuzzer reaches them all. */
#ifndef LCP_FUZZ_COMMON_H
#define LCP_FUZZ_COMMON_H

#include "lcpatch/lcpatch.h"

#include <stdlib.h>
#include <string.h>

/* Inputs larger than this are ignored: the parser only reads headers and
 * load commands, so bigger inputs only slow the fuzzer down. */
#define LCP_FUZZ_MAX_LEN (256u * 1024u)

/* Touches every byte a decoder hands back, so ASan sees bad pointers. */
static inline unsigned lcp_fuzz_touch(const char *s) {
    unsigned h = 0;
    for (; s && *s; s++)
        h = h * 31u + (unsigned char)*s;
    return h;
}

static inline int lcp_fuzz_walk_image(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    unsigned *sink = ctx;
    (void)f;
    (void)slice;
    if (m)
        *sink += lcp_fuzz_touch(m->name);
    for (size_t i = 0; i < img->ncmds; i++) {
        const uint8_t *b = lcp_image_command_bytes(img, i);
        if (b == NULL)
            abort(); /* every indexed command has bytes */
        *sink += b[img->lc[i].cmdsize - 1];
        *sink += lcp_fuzz_touch(lcp_lc_name(img->lc[i].cmd));
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg)) {
            *sink += lcp_fuzz_touch(seg.segname);
            for (uint32_t k = 0; k < seg.nsects; k++) {
                lcp_section s;
                if (!lcp_image_section(img, i, k, &s))
                    abort(); /* validation promised nsects fit */
                *sink += lcp_fuzz_touch(s.sectname) + (unsigned)lcp_section_is_zerofill(&s);
            }
        }
        lcp_dylib d;
        if (lcp_cmd_is_dylib(img->lc[i].cmd) && !lcp_image_dylib(img, i, &d))
            abort();
        const char *str;
        if (lcp_image_cmd_string(img, i, &str))
            *sink += lcp_fuzz_touch(str);
        lcp_build_version bv;
        if (lcp_image_build_version(img, i, &bv))
            for (uint32_t k = 0; k < bv.ntools; k++) {
                uint32_t tool, version;
                if (!lcp_image_build_tool(img, i, k, &tool, &version))
                    abort();
                *sink += tool + version;
            }
        lcp_version_min vm;
        if (lcp_image_version_min(img, i, &vm))
            *sink += vm.version;
        uint64_t sv;
        if (lcp_image_source_version(img, i, &sv))
            *sink += (unsigned)sv;
        lcp_linkedit_data led;
        if (lcp_image_linkedit_data(img, i, &led))
            *sink += led.dataoff;
    }
    lcp_space sp;
    lcp_image_space(img, &sp);
    *sink += (unsigned)sp.edit_free;
    lcp_apple_space ap;
    lcp_image_apple_space(img, &ap);
    *sink += (unsigned)ap.vtool_free + (unsigned)ap.int_free + (unsigned)lcp_vtool_section_offset(img, false);
    char abuf[48];
    *sink += lcp_fuzz_touch(lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
    return 0;
}

#endif
