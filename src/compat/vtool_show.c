/* vtool's -show, -show-build, -show-source and -show-space (cctools
 * misc/vtool.c print_* functions), printed from the library's image. vtool
 * prints a version command as otool -l does, but for LC_BUILD_VERSION's
 * platform and tools, which it names: otool's printer prints them
 * (lcp_otool_print_version_command). The image may be one only vtool's
 * lenient walk accepts: every field is read inside its command, whose size
 * that walk checked. */
#include "compat/otool.h"
#include "compat/vtool.h"

#include <stdio.h>

void vt_show_image(const vt_opts *o, const lcp_file *f, const lcp_image *img) {
    bool label = f->nslices > 1 || o->narch;
    const char *arch = label ? lcp_arch_name(img->cputype, img->cpusubtype) : NULL;
    if (arch)
        printf("%s (architecture %s):\n", o->in_path, arch);
    else
        printf("%s:\n", o->in_path);
    bool build = o->show == VT_SHOW_ALL || o->show == VT_SHOW_BUILD;
    bool source = o->show == VT_SHOW_ALL || o->show == VT_SHOW_SOURCE;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        if ((build && (lcp_cmd_is_version_min(cmd) || cmd == LCP_LC_BUILD_VERSION)) ||
            (source && cmd == LCP_LC_SOURCE_VERSION)) {
            printf("Load command %zu\n", i);
            lcp_otool_print_version_command(img, i);
        }
    }
    if (o->show == VT_SHOW_SPACE) {
        uint64_t sect = lcp_vtool_section_offset(img, true);
        printf("  Mach header size:  %5d\n", (int)img->header_size);
        printf("  Load command size: %5d\n", (int)img->sizeofcmds);
        printf("  Available space:   %5d\n",
               (int)((int64_t)sect - (int64_t)img->header_size - (int64_t)img->sizeofcmds));
        printf("  Total:             %5d\n", (int)sect);
    }
}
