/* vtool's -show, -show-build, -show-source and -show-space (cctools
 * misc/vtool.c print_* functions), printed from the library's image. The
 * image may be one only vtool's lenient walk accepts: every field is read
 * inside its command, whose size that walk checked. */
#include "compat/vtool.h"

#include <stdio.h>

static uint32_t field(const lcp_image *img, size_t i, size_t at) {
    uint32_t v = 0;
    lcp_image_cmd_u32(img, i, at, &v);
    return v;
}

static void print_xyz(const char *label, uint32_t v) {
    if ((v & 0xff) == 0)
        printf("%s %u.%u\n", label, v >> 16, (v >> 8) & 0xff);
    else
        printf("%s %u.%u.%u\n", label, v >> 16, (v >> 8) & 0xff, v & 0xff);
}

static void print_sdk(uint32_t sdk) {
    if (sdk == 0)
        printf("      sdk n/a\n");
    else
        print_xyz("      sdk", sdk);
}

static const char *platform_upper(uint32_t p) {
    static const char *names[] = {NULL,
                                  "MACOS",
                                  "IOS",
                                  "TVOS",
                                  "WATCHOS",
                                  "BRIDGEOS",
                                  "MACCATALYST",
                                  "IOSSIMULATOR",
                                  "TVOSSIMULATOR",
                                  "WATCHOSSIMULATOR",
                                  "DRIVERKIT",
                                  "VISIONOS",
                                  "VISIONOSSIMULATOR",
                                  "FIRMWARE",
                                  "SEPOS"};
    return p < sizeof names / sizeof names[0] ? names[p] : NULL;
}

static void print_version_min(const lcp_image *img, size_t i) {
    const char *name = NULL;
    switch (img->lc[i].cmd) {
    case LCP_LC_VERSION_MIN_MACOSX: name = "LC_VERSION_MIN_MACOSX"; break;
    case LCP_LC_VERSION_MIN_IPHONEOS: name = "LC_VERSION_MIN_IPHONEOS"; break;
    case LCP_LC_VERSION_MIN_WATCHOS: name = "LC_VERSION_MIN_WATCHOS"; break;
    default: name = "LC_VERSION_MIN_TVOS"; break;
    }
    uint32_t cmdsize = img->lc[i].cmdsize;
    printf("      cmd %s\n", name);
    printf("  cmdsize %u%s\n", cmdsize, cmdsize != 16 ? " Incorrect size" : "");
    print_xyz("  version", field(img, i, 8));
    print_sdk(field(img, i, 12));
}

static void print_build_version(const lcp_image *img, size_t i) {
    uint32_t platform = field(img, i, 8), ntools = field(img, i, 20), cmdsize = img->lc[i].cmdsize;
    printf("      cmd LC_BUILD_VERSION\n");
    printf("  cmdsize %u%s\n", cmdsize, (uint64_t)cmdsize != 24 + 8 * (uint64_t)ntools ? " Incorrect size" : "");
    const char *pn = platform_upper(platform);
    if (pn)
        printf(" platform %s\n", pn);
    else
        printf(" platform %u\n", platform);
    print_xyz("    minos", field(img, i, 12));
    print_sdk(field(img, i, 16));
    printf("   ntools %u\n", ntools);
    for (uint32_t k = 0; k < ntools; k++) {
        uint32_t tool = field(img, i, 24 + 8 * (size_t)k), version = field(img, i, 28 + 8 * (size_t)k);
        switch (tool) {
        case LCP_TOOL_CLANG: printf("     tool CLANG\n"); break;
        case LCP_TOOL_SWIFT: printf("     tool SWIFT\n"); break;
        case LCP_TOOL_LD: printf("     tool LD\n"); break;
        default: printf("     tool %u\n", tool); break;
        }
        print_xyz("  version", version);
    }
}

static void print_source_version(const lcp_image *img, size_t i) {
    uint64_t v = 0;
    lcp_image_cmd_u64(img, i, 8, &v);
    unsigned long long a = (v >> 40) & 0xffffff, b = (v >> 30) & 0x3ff, c = (v >> 20) & 0x3ff, d = (v >> 10) & 0x3ff,
                       e = v & 0x3ff;
    uint32_t cmdsize = img->lc[i].cmdsize;
    printf("      cmd LC_SOURCE_VERSION\n");
    printf("  cmdsize %u%s\n", cmdsize, cmdsize != 16 ? " Incorrect size" : "");
    if (e != 0)
        printf("  version %llu.%llu.%llu.%llu.%llu\n", a, b, c, d, e);
    else if (d != 0)
        printf("  version %llu.%llu.%llu.%llu\n", a, b, c, d);
    else if (c != 0)
        printf("  version %llu.%llu.%llu\n", a, b, c);
    else
        printf("  version %llu.%llu\n", a, b);
}

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
        if (build && lcp_cmd_is_version_min(cmd)) {
            printf("Load command %zu\n", i);
            print_version_min(img, i);
        } else if (build && cmd == LCP_LC_BUILD_VERSION) {
            printf("Load command %zu\n", i);
            print_build_version(img, i);
        } else if (source && cmd == LCP_LC_SOURCE_VERSION) {
            printf("Load command %zu\n", i);
            print_source_version(img, i);
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
