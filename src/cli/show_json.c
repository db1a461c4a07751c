/* lcpatch show --json: the machine-readable report. The schema is
 * docs/schema/show.schema.json (its tables in docs/show.md); keep them in
 * step: tests/json-schema checks every output against it. */
#include "cli/cli.h"
#include "cli/show.h"

static void key_version(lcp_json *j, const char *key, uint32_t v) {
    char b[32];
    lcp_json_field_string(j, key, lcp_show_version(v, b, sizeof b));
}

/* The load commands listed under a key, in this order (the text's): an
 * array of every one (many), or the first one (null without any). */
static const char *const keys[LCP_SHOW_NKINDS] = {"version_commands", "source_version", "install_name",
                                                  "dylibs",           "rpaths",         "signature"};
static const bool many[LCP_SHOW_NKINDS] = {[LCP_SHOW_VERSION] = true, [LCP_SHOW_DYLIB] = true, [LCP_SHOW_RPATH] = true};

/* Writes command i if it is of this kind; returns whether it was. */
static bool json_command(lcp_json *j, const lcp_file *f, const lcp_image *img, size_t i, int kind) {
    char b[32];
    uint32_t cmd = img->lc[i].cmd;
    lcp_show_item it;
    if (!lcp_show_item_read(img, i, kind, &it))
        return false;
    switch (kind) {
    case LCP_SHOW_VERSION:
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "cmd", lcp_lc_name(cmd));
        lcp_json_field_uint(j, "index", i);
        lcp_json_field_string(j, "platform", lcp_platform_name(it.bv.platform));
        lcp_json_field_uint(j, "platform_value", it.bv.platform);
        key_version(j, "minos", it.bv.minos);
        key_version(j, "sdk", it.bv.sdk);
        lcp_json_key(j, "tools");
        if (cmd == LCP_LC_BUILD_VERSION) /* only it lists tools */
            lcp_json_begin_array(j);
        else
            lcp_json_null(j);
        for (uint32_t k = 0; k < it.bv.ntools; k++) {
            uint32_t tool, version;
            if (!lcp_image_build_tool(img, i, k, &tool, &version))
                break;
            lcp_json_begin_object(j);
            lcp_json_field_string(j, "tool", lcp_tool_name(tool));
            lcp_json_field_uint(j, "tool_value", tool);
            key_version(j, "version", version);
            lcp_json_end_object(j);
        }
        if (cmd == LCP_LC_BUILD_VERSION)
            lcp_json_end_array(j);
        lcp_json_end_object(j);
        return true;
    case LCP_SHOW_SOURCE_VERSION: lcp_json_string(j, lcp_source_version_format(it.sv, b, sizeof b)); return true;
    case LCP_SHOW_INSTALL_NAME:
    case LCP_SHOW_DYLIB:
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "kind", lcp_show_dylib_kind(cmd));
        lcp_json_field_string(j, "cmd", lcp_lc_name(cmd));
        lcp_json_field_uint(j, "index", i);
        lcp_json_field_string(j, "name", it.d.name);
        key_version(j, "current_version", it.d.current_version);
        key_version(j, "compatibility_version", it.d.compatibility_version);
        lcp_json_field_uint(j, "timestamp", it.d.timestamp);
        lcp_json_end_object(j);
        return true;
    case LCP_SHOW_RPATH: lcp_json_string(j, it.path); return true;
    default:
        lcp_json_begin_object(j);
        lcp_json_field_uint(j, "offset", it.ld.dataoff);
        lcp_json_field_uint(j, "size", it.ld.datasize);
        lcp_json_field_uint(j, "file_offset", img->offset + it.ld.dataoff);
        lcp_show_sig_json(j, f, img);
        lcp_json_end_object(j);
        return true;
    }
}

void lcp_show_json_space(lcp_json *j, const lcp_image *img) {
    lcp_space sp;
    lcp_image_space(img, &sp);
    lcp_apple_space apple;
    lcp_image_apple_space(img, &apple);
    lcp_json_begin_object(j);
    lcp_json_field_uint(j, "header_size", sp.header_size);
    lcp_json_field_uint(j, "sizeofcmds", sp.sizeofcmds);
    lcp_json_field_uint(j, "first_section_offset", sp.safe_limit);
    lcp_json_field_int(j, "free", sp.safe_free);
    lcp_json_field_uint(j, "vtool_limit", apple.vtool_limit);
    lcp_json_field_int(j, "vtool_free", apple.vtool_free);
    lcp_json_field_uint(j, "install_name_tool_limit", apple.int_limit);
    lcp_json_field_int(j, "install_name_tool_free", apple.int_free);
    lcp_json_field_bool(j, "signed", sp.signed_image);
    lcp_json_field_bool(j, "signature_fits", sp.signature_fits);
    lcp_json_field_bool(j, "build_version_fits", sp.build_version_fits);
    lcp_json_field_int(j, "rpath_max_length", sp.rpath_max);
    lcp_json_end_object(j);
}

/* One element of "images" (an lcp_image_visitor, ctx the lcp_json). */
static int json_image(void *ctx, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    lcp_json *j = ctx;
    char abuf[48], b[32];
    lcp_json_begin_object(j);
    lcp_json_field_uint(j, "slice", slice_index);
    lcp_json_field_string(j, "member", member ? member->name : NULL);
    lcp_json_field_string(j, "arch", lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
    lcp_json_field_uint(j, "cputype", img->cputype);
    lcp_json_field_uint(j, "cpusubtype", img->cpusubtype);
    lcp_json_field_string(j, "magic", img->is64 ? "MH_MAGIC_64" : "MH_MAGIC");
    lcp_json_field_string(j, "byte_order", img->big_endian ? "big" : "little");
    lcp_json_field_uint(j, "offset", img->offset);
    lcp_json_field_uint(j, "size", img->size);
    lcp_json_field_string(j, "filetype", lcp_filetype_name(img->filetype));
    lcp_json_field_uint(j, "filetype_value", img->filetype);
    lcp_json_field_uint(j, "flags", img->flags);
    lcp_json_key(j, "flag_names");
    lcp_json_begin_array(j);
    for (uint32_t bit = 1; bit != 0; bit <<= 1)
        if (img->flags & bit)
            lcp_json_string(j, lcp_show_name(lcp_mh_flag_name, bit, true, b, sizeof b));
    lcp_json_end_array(j);
    lcp_json_field_uint(j, "ncmds", img->ncmds);
    lcp_json_field_uint(j, "sizeofcmds", img->sizeofcmds);

    lcp_json_key(j, "load_commands");
    lcp_json_begin_array(j);
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "cmd", lcp_lc_name(img->lc[i].cmd));
        lcp_json_field_uint(j, "cmd_value", img->lc[i].cmd);
        lcp_json_field_uint(j, "cmdsize", img->lc[i].cmdsize);
        lcp_json_field_uint(j, "offset", img->offset + img->header_size + img->lc[i].offset);
        lcp_json_end_object(j);
    }
    lcp_json_end_array(j);

    for (int kind = 0; kind < LCP_SHOW_NKINDS; kind++) {
        lcp_json_key(j, keys[kind]);
        if (many[kind])
            lcp_json_begin_array(j);
        bool any = false;
        for (size_t i = 0; i < img->ncmds && (many[kind] || !any); i++)
            any = json_command(j, f, img, i, kind) || any;
        if (many[kind])
            lcp_json_end_array(j);
        else if (!any)
            lcp_json_null(j);
    }

    lcp_json_key(j, "space");
    lcp_show_json_space(j, img);
    lcp_json_end_object(j);
    return 0;
}

static const char *const containers[] = {
    [LCP_THIN] = "thin", [LCP_FAT] = "fat", [LCP_FAT64] = "fat64", [LCP_ARCHIVE] = "archive"};

void lcp_show_json(lcp_json *j, lcp_file *f) {
    char abuf[48];
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "file", f->path);
    lcp_json_field_string(j, "container", containers[f->kind]);
    lcp_json_field_uint(j, "size", f->src.size);
    lcp_json_key(j, "slices");
    lcp_json_begin_array(j);
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        lcp_json_begin_object(j);
        lcp_json_field_uint(j, "index", i);
        lcp_json_field_string(
            j, "arch", s->image || s->archive ? lcp_arch_label(s->cputype, s->cpusubtype, abuf, sizeof abuf) : NULL);
        lcp_json_field_uint(j, "cputype", s->cputype);
        lcp_json_field_uint(j, "cpusubtype", s->cpusubtype);
        lcp_json_field_uint(j, "offset", s->offset);
        lcp_json_field_uint(j, "size", s->size);
        lcp_json_field_uint(j, "align", s->align);
        lcp_json_field_string(j, "content", s->archive ? "archive" : "mach-o");
        if (s->archive)
            lcp_json_field_uint(j, "members", s->archive->nmembers);
        lcp_json_end_object(j);
    }
    lcp_json_end_array(j);
    lcp_json_key(j, "images");
    lcp_json_begin_array(j);
    lcp_file_visit_images(f, json_image, j);
    lcp_json_end_array(j);
    lcp_json_end_object(j);
}
