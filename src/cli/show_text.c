/* lcpatch show: the text report (for people; --json is for machines). */
#include "cli/cli.h"
#include "cli/show.h"

#include <inttypes.h>

#define FIELD "  %-15s"

static void print_flags(FILE *out, uint32_t flags) {
    char b[16];
    fprintf(out, FIELD "0x%08x", "flags", flags);
    for (uint32_t bit = 1; bit != 0; bit <<= 1)
        if (flags & bit)
            fprintf(out, " %s", lcp_show_name(lcp_mh_flag_name, bit, true, b, sizeof b));
    fputc('\n', out);
}

static void print_versions(FILE *out, const lcp_image *img) {
    bool any = false;
    char b1[32], b2[32];
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_build_version bv;
        if (!lcp_image_platform_version(img, i, &bv))
            continue;
        fprintf(out, FIELD "%s platform %s", "version", lcp_lc_name(img->lc[i].cmd),
                lcp_show_name(lcp_platform_name, bv.platform, false, b1, sizeof b1));
        fprintf(out, " minos %s sdk %s", lcp_version_format(bv.minos, b1, sizeof b1),
                bv.sdk ? lcp_version_format(bv.sdk, b2, sizeof b2) : "n/a");
        for (uint32_t k = 0; k < bv.ntools; k++) {
            uint32_t tool, version;
            if (!lcp_image_build_tool(img, i, k, &tool, &version))
                break;
            fprintf(out, "%s %s", k == 0 ? ", tools:" : ",", lcp_show_name(lcp_tool_name, tool, false, b1, sizeof b1));
            fprintf(out, " %s", lcp_version_format(version, b1, sizeof b1));
        }
        fputc('\n', out);
        any = true;
    }
    if (!any)
        fprintf(out, FIELD "none\n", "version");
}

static void print_image(FILE *out, const lcp_file *f, size_t slice_index, const lcp_member *member,
                        const lcp_image *img) {
    char label[1200], abuf[48], b1[32], b2[32];
    fprintf(out, "%s:\n", lcp_cli_image_label(f, slice_index, member, img, label, sizeof label));
    const lcp_slice *s = &f->slices[slice_index];
    if (f->kind == LCP_FAT || f->kind == LCP_FAT64)
        fprintf(out, FIELD "%zu of %zu: offset %" PRIu64 " (0x%" PRIx64 "), size %" PRIu64 ", align 2^%u\n", "slice",
                slice_index + 1, f->nslices, s->offset, s->offset, s->size, s->align);
    if (member)
        fprintf(out, FIELD "offset %" PRIu64 " (0x%" PRIx64 "), size %" PRIu64 "\n", "member", member->data_offset,
                member->data_offset, member->size);
    fprintf(out, FIELD "%s (cputype 0x%08x, cpusubtype 0x%08x), %s %s\n", "arch",
            lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf), img->cputype, img->cpusubtype,
            img->is64 ? "64-bit" : "32-bit", img->big_endian ? "big-endian" : "little-endian");
    fprintf(out, FIELD "%s\n", "file type", lcp_show_name(lcp_filetype_name, img->filetype, true, b1, sizeof b1));
    print_flags(out, img->flags);
    fprintf(out, FIELD "%u (%u bytes)\n", "load commands", img->ncmds, img->sizeofcmds);
    print_versions(out, img);

    bool any = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint64_t sv;
        if (lcp_image_source_version(img, i, &sv)) {
            fprintf(out, FIELD "%s\n", "source version", lcp_source_version_format(sv, b1, sizeof b1));
            any = true;
        }
    }
    if (!any)
        fprintf(out, FIELD "none\n", "source version");

    /* The install name (LC_ID_DYLIB), then the dylibs it loads, each with
     * its kind: the same line after the field. */
    for (int want_id = 1; want_id >= 0; want_id--) {
        const char *field = want_id ? "install name" : "dylib";
        any = false;
        for (size_t i = 0; i < img->ncmds; i++) {
            lcp_dylib d;
            if ((img->lc[i].cmd == LCP_LC_ID_DYLIB) != want_id || !lcp_image_dylib(img, i, &d))
                continue;
            fprintf(out, FIELD, field);
            if (!want_id)
                fprintf(out, "%-8s ", lcp_show_dylib_kind(img->lc[i].cmd));
            fprintf(out, "%s (current %s, compatibility %s)\n", d.name,
                    lcp_show_version(d.current_version, b1, sizeof b1),
                    lcp_show_version(d.compatibility_version, b2, sizeof b2));
            any = true;
        }
        if (!any)
            fprintf(out, FIELD "none\n", field);
    }

    any = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        const char *path;
        if (img->lc[i].cmd == LCP_LC_RPATH && lcp_image_cmd_string(img, i, &path)) {
            fprintf(out, FIELD "%s\n", "rpath", path);
            any = true;
        }
    }
    if (!any)
        fprintf(out, FIELD "none\n", "rpath");

    any = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_linkedit_data ld;
        if (img->lc[i].cmd == LCP_LC_CODE_SIGNATURE && lcp_image_linkedit_data(img, i, &ld)) {
            fprintf(out, FIELD "offset %u (0x%x), size %u\n", "signature", ld.dataoff, ld.dataoff, ld.datasize);
            if (!any)
                lcp_show_sig_text(out, f, img);
            any = true;
        }
    }
    if (!any)
        fprintf(out, FIELD "none\n", "signature");

    lcp_space sp;
    lcp_image_space(img, &sp);
    lcp_apple_space apple;
    lcp_image_apple_space(img, &apple);
    fprintf(out,
            FIELD "%" PRId64 " bytes free before offset %" PRIu64 "; vtool's rule %" PRId64
                  ", install_name_tool's %" PRId64 "\n",
            "header space", sp.safe_free, sp.safe_limit, apple.vtool_free, apple.int_free);
}

static size_t count_images(const lcp_archive *a) {
    size_t n = 0;
    for (size_t k = 0; k < a->nmembers; k++)
        if (a->members[k].image)
            n++;
    return n;
}

void lcp_show_text(FILE *out, const lcp_file *f) {
    char abuf[48];
    if (f->kind == LCP_FAT || f->kind == LCP_FAT64) {
        fprintf(out, "%s: %s file, %zu %s:", f->path, f->kind == LCP_FAT ? "fat" : "fat64 (FAT_MAGIC_64)", f->nslices,
                f->nslices == 1 ? "slice" : "slices");
        for (size_t i = 0; i < f->nslices; i++)
            fprintf(out, " %s", lcp_arch_label(f->slices[i].cputype, f->slices[i].cpusubtype, abuf, sizeof abuf));
        fputc('\n', out);
    }
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        if (s->image)
            print_image(out, f, i, NULL, s->image);
        if (s->archive) {
            const lcp_archive *a = s->archive;
            if (f->kind == LCP_ARCHIVE)
                fprintf(out, "%s: archive, %zu members, %zu Mach-O\n", f->path, a->nmembers, count_images(a));
            else
                fprintf(out, "%s (%s): archive, %zu members, %zu Mach-O\n", f->path,
                        lcp_arch_label(s->cputype, s->cpusubtype, abuf, sizeof abuf), a->nmembers, count_images(a));
            for (size_t k = 0; k < a->nmembers; k++)
                if (a->members[k].image)
                    print_image(out, f, i, &a->members[k], a->members[k].image);
        }
    }
}
