/* The typed decoders over an image's command table (see
 * include/lcpatch/image.h): a command's bytes and fields, segments and
 * sections, dylibs, build and version-min commands and linkedit data. The
 * room left for new commands is a rule over these (src/layout/space.c). */
#include "lcpatch/image.h"

#include "format/lc_table.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <string.h>

const uint8_t *lcp_image_command_bytes(const lcp_image *img, size_t i) {
    if (i >= img->ncmds)
        return NULL;
    const uint8_t *v;
    return lcp_get_view(img->cmds, img->sizeofcmds, img->lc[i].offset, img->lc[i].cmdsize, &v) ? v : NULL;
}

long lcp_image_find(const lcp_image *img, uint32_t cmd, size_t from) {
    for (size_t i = from; i < img->ncmds; i++)
        if (img->lc[i].cmd == cmd)
            return (long)i;
    return -1;
}

bool lcp_image_cmd_u32(const lcp_image *img, size_t i, size_t field, uint32_t *out) {
    if (i >= img->ncmds)
        return false;
    return lcp_get_u32(lcp_image_command_bytes(img, i), img->lc[i].cmdsize, field, img->big_endian, out);
}

bool lcp_image_cmd_u64(const lcp_image *img, size_t i, size_t field, uint64_t *out) {
    if (i >= img->ncmds)
        return false;
    return lcp_get_u64(lcp_image_command_bytes(img, i), img->lc[i].cmdsize, field, img->big_endian, out);
}

/* A reader over command i, positioned after cmd and cmdsize. */
static bool command_reader(const lcp_image *img, size_t i, lcp_reader *r) {
    if (i >= img->ncmds)
        return false;
    lcp_reader_init(r, lcp_image_command_bytes(img, i), img->lc[i].cmdsize, img->big_endian);
    return lcp_reader_skip(r, 8);
}

bool lcp_image_segment(const lcp_image *img, size_t i, lcp_segment *out) {
    lcp_reader r;
    if (!command_reader(img, i, &r))
        return false;
    uint32_t cmd = img->lc[i].cmd;
    if (cmd == LCP_LC_SEGMENT_64) {
        return lcp_read_fixed_string(&r, out->segname, 16) && lcp_read_u64(&r, &out->vmaddr) &&
               lcp_read_u64(&r, &out->vmsize) && lcp_read_u64(&r, &out->fileoff) && lcp_read_u64(&r, &out->filesize) &&
               lcp_read_u32(&r, &out->maxprot) && lcp_read_u32(&r, &out->initprot) && lcp_read_u32(&r, &out->nsects) &&
               lcp_read_u32(&r, &out->flags);
    }
    if (cmd == LCP_LC_SEGMENT) {
        uint32_t a, b, c, d;
        if (!(lcp_read_fixed_string(&r, out->segname, 16) && lcp_read_u32(&r, &a) && lcp_read_u32(&r, &b) &&
              lcp_read_u32(&r, &c) && lcp_read_u32(&r, &d) && lcp_read_u32(&r, &out->maxprot) &&
              lcp_read_u32(&r, &out->initprot) && lcp_read_u32(&r, &out->nsects) && lcp_read_u32(&r, &out->flags)))
            return false;
        out->vmaddr = a;
        out->vmsize = b;
        out->fileoff = c;
        out->filesize = d;
        return true;
    }
    return false;
}

bool lcp_image_load_address(const lcp_image *img, uint64_t *base) {
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && seg.fileoff == 0 && seg.filesize != 0) {
            *base = seg.vmaddr;
            return true;
        }
    }
    return false;
}

bool lcp_image_section(const lcp_image *img, size_t i, uint32_t k, lcp_section *out) {
    lcp_segment seg;
    if (!lcp_image_segment(img, i, &seg) || k >= seg.nsects)
        return false;
    bool is64 = img->lc[i].cmd == LCP_LC_SEGMENT_64;
    size_t fixed = is64 ? LCP_SEGMENT_COMMAND_64_SIZE : LCP_SEGMENT_COMMAND_SIZE;
    size_t sect = is64 ? LCP_SECTION_64_SIZE : LCP_SECTION_SIZE;
    lcp_reader r;
    lcp_reader_init(&r, lcp_image_command_bytes(img, i), img->lc[i].cmdsize, img->big_endian);
    if (!lcp_reader_seek(&r, fixed + k * sect))
        return false;
    if (!(lcp_read_fixed_string(&r, out->sectname, 16) && lcp_read_fixed_string(&r, out->segname, 16)))
        return false;
    if (is64) {
        if (!(lcp_read_u64(&r, &out->addr) && lcp_read_u64(&r, &out->size)))
            return false;
    } else {
        uint32_t a, s;
        if (!(lcp_read_u32(&r, &a) && lcp_read_u32(&r, &s)))
            return false;
        out->addr = a;
        out->size = s;
    }
    out->reserved3 = 0;
    return lcp_read_u32(&r, &out->offset) && lcp_read_u32(&r, &out->align) && lcp_read_u32(&r, &out->reloff) &&
           lcp_read_u32(&r, &out->nreloc) && lcp_read_u32(&r, &out->flags) && lcp_read_u32(&r, &out->reserved1) &&
           lcp_read_u32(&r, &out->reserved2) && (!is64 || lcp_read_u32(&r, &out->reserved3));
}

bool lcp_section_is_zerofill(const lcp_section *s) {
    uint32_t type = s->flags & LCP_SECTION_TYPE;
    return type == LCP_S_ZEROFILL || type == LCP_S_GB_ZEROFILL || type == LCP_S_THREAD_LOCAL_ZEROFILL;
}

bool lcp_cmd_is_dylib(uint32_t cmd) {
    return cmd == LCP_LC_LOAD_DYLIB || cmd == LCP_LC_LOAD_WEAK_DYLIB || cmd == LCP_LC_REEXPORT_DYLIB ||
           cmd == LCP_LC_LOAD_UPWARD_DYLIB || cmd == LCP_LC_LAZY_LOAD_DYLIB || cmd == LCP_LC_ID_DYLIB;
}

bool lcp_image_cmd_string(const lcp_image *img, size_t i, const char **out) {
    if (i >= img->ncmds)
        return false;
    const lcp_lc_info *info = lcp_lc_lookup(img->lc[i].cmd);
    if (info == NULL || info->str_field == 0)
        return false;
    uint32_t off;
    const uint8_t *c = lcp_image_command_bytes(img, i);
    return lcp_get_u32(c, img->lc[i].cmdsize, info->str_field, img->big_endian, &off) &&
           lcp_get_cstring(c, img->lc[i].cmdsize, off, out);
}

bool lcp_image_dylib(const lcp_image *img, size_t i, lcp_dylib *out) {
    if (i >= img->ncmds || !lcp_cmd_is_dylib(img->lc[i].cmd))
        return false;
    return lcp_image_cmd_string(img, i, &out->name) && lcp_image_cmd_u32(img, i, 12, &out->timestamp) &&
           lcp_image_cmd_u32(img, i, 16, &out->current_version) &&
           lcp_image_cmd_u32(img, i, 20, &out->compatibility_version);
}

bool lcp_image_build_version(const lcp_image *img, size_t i, lcp_build_version *out) {
    if (i >= img->ncmds || img->lc[i].cmd != LCP_LC_BUILD_VERSION)
        return false;
    return lcp_image_cmd_u32(img, i, 8, &out->platform) && lcp_image_cmd_u32(img, i, 12, &out->minos) &&
           lcp_image_cmd_u32(img, i, 16, &out->sdk) && lcp_image_cmd_u32(img, i, 20, &out->ntools);
}

bool lcp_image_build_tool(const lcp_image *img, size_t i, uint32_t k, uint32_t *tool, uint32_t *version) {
    lcp_build_version bv;
    if (!lcp_image_build_version(img, i, &bv) || k >= bv.ntools)
        return false;
    return lcp_image_cmd_u32(img, i, 24 + 8 * (size_t)k, tool) &&
           lcp_image_cmd_u32(img, i, 28 + 8 * (size_t)k, version);
}

bool lcp_cmd_is_version_min(uint32_t cmd) {
    return cmd == LCP_LC_VERSION_MIN_MACOSX || cmd == LCP_LC_VERSION_MIN_IPHONEOS || cmd == LCP_LC_VERSION_MIN_TVOS ||
           cmd == LCP_LC_VERSION_MIN_WATCHOS;
}

uint32_t lcp_version_min_platform(uint32_t cmd) {
    switch (cmd) {
    case LCP_LC_VERSION_MIN_MACOSX: return LCP_PLATFORM_MACOS;
    case LCP_LC_VERSION_MIN_IPHONEOS: return LCP_PLATFORM_IOS;
    case LCP_LC_VERSION_MIN_TVOS: return LCP_PLATFORM_TVOS;
    case LCP_LC_VERSION_MIN_WATCHOS: return LCP_PLATFORM_WATCHOS;
    default: return 0;
    }
}

uint32_t lcp_version_min_cmd(uint32_t platform) {
    static const uint32_t cmds[] = {LCP_LC_VERSION_MIN_MACOSX, LCP_LC_VERSION_MIN_IPHONEOS, LCP_LC_VERSION_MIN_TVOS,
                                    LCP_LC_VERSION_MIN_WATCHOS};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
        if (lcp_version_min_platform(cmds[i]) == platform)
            return cmds[i];
    return 0;
}

bool lcp_image_version_min(const lcp_image *img, size_t i, lcp_version_min *out) {
    if (i >= img->ncmds || !lcp_cmd_is_version_min(img->lc[i].cmd))
        return false;
    return lcp_image_cmd_u32(img, i, 8, &out->version) && lcp_image_cmd_u32(img, i, 12, &out->sdk);
}

bool lcp_image_platform_version(const lcp_image *img, size_t i, lcp_build_version *out) {
    lcp_version_min vm;
    if (lcp_image_build_version(img, i, out))
        return true;
    if (!lcp_image_version_min(img, i, &vm))
        return false;
    *out = (lcp_build_version){lcp_version_min_platform(img->lc[i].cmd), vm.version, vm.sdk, 0};
    return true;
}

bool lcp_image_source_version(const lcp_image *img, size_t i, uint64_t *out) {
    if (i >= img->ncmds || img->lc[i].cmd != LCP_LC_SOURCE_VERSION)
        return false;
    return lcp_image_cmd_u64(img, i, 8, out);
}

bool lcp_image_linkedit_data(const lcp_image *img, size_t i, lcp_linkedit_data *out) {
    if (i >= img->ncmds)
        return false;
    switch (img->lc[i].cmd) {
    case LCP_LC_CODE_SIGNATURE:
    case LCP_LC_SEGMENT_SPLIT_INFO:
    case LCP_LC_FUNCTION_STARTS:
    case LCP_LC_DATA_IN_CODE:
    case LCP_LC_DYLIB_CODE_SIGN_DRS:
    case LCP_LC_LINKER_OPTIMIZATION_HINT:
    case LCP_LC_DYLD_EXPORTS_TRIE:
    case LCP_LC_DYLD_CHAINED_FIXUPS:
    case LCP_LC_ATOM_INFO:
    case LCP_LC_FUNCTION_VARIANTS:
    case LCP_LC_FUNCTION_VARIANT_FIXUPS:
        return lcp_image_cmd_u32(img, i, 8, &out->dataoff) && lcp_image_cmd_u32(img, i, 12, &out->datasize);
    default: return false;
    }
}
