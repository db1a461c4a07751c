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

/* The load commands listed one line each under a label, in this order
 * (the same as show --json's keys); a kind without any is "none". */
static const char *const labels[LCP_SHOW_NKINDS] = {"version", "source version", "install name",
                                                    "dylib",   "rpath",          "signature"};

/* Prints command i's line if it is of this kind (the first signature is
 * followed by its contents); returns whether it was. */
static bool print_command(FILE *out, const lcp_file *f, const lcp_image *img, size_t i, int kind, bool first) {
    char b1[32], b2[32];
    uint32_t cmd = img->lc[i].cmd;
    lcp_show_item it;
    if (!lcp_show_item_read(img, i, kind, &it))
        return false;
    switch (kind) {
    case LCP_SHOW_VERSION:
        fprintf(out, FIELD "%s platform %s", labels[kind], lcp_lc_name(cmd),
                lcp_show_name(lcp_platform_name, it.bv.platform, false, b1, sizeof b1));
        fprintf(out, " minos %s sdk %s", lcp_version_format(it.bv.minos, b1, sizeof b1),
                it.bv.sdk ? lcp_version_format(it.bv.sdk, b2, sizeof b2) : "n/a");
        for (uint32_t k = 0; k < it.bv.ntools; k++) {
            uint32_t tool, version;
            if (!lcp_image_build_tool(img, i, k, &tool, &version))
                break;
            fprintf(out, "%s %s", k == 0 ? ", tools:" : ",", lcp_show_name(lcp_tool_name, tool, false, b1, sizeof b1));
            fprintf(out, " %s", lcp_version_format(version, b1, sizeof b1));
        }
        fputc('\n', out);
        return true;
    case LCP_SHOW_SOURCE_VERSION:
        fprintf(out, FIELD "%s\n", labels[kind], lcp_source_version_format(it.sv, b1, sizeof b1));
        return true;
    case LCP_SHOW_INSTALL_NAME:
    case LCP_SHOW_DYLIB: /* the same line, a dylib's with its kind */
        fprintf(out, FIELD, labels[kind]);
        if (kind == LCP_SHOW_DYLIB)
            fprintf(out, "%-8s ", lcp_show_dylib_kind(cmd));
        fprintf(out, "%s (current %s, compatibility %s)\n", it.d.name,
                lcp_show_version(it.d.current_version, b1, sizeof b1),
                lcp_show_version(it.d.compatibility_version, b2, sizeof b2));
        return true;
    case LCP_SHOW_RPATH: fprintf(out, FIELD "%s\n", labels[kind], it.path); return true;
    default:
        fprintf(out, FIELD "offset %u (0x%x), size %u\n", labels[kind], it.ld.dataoff, it.ld.dataoff, it.ld.datasize);
        if (first)
            lcp_show_sig_text(out, f, img);
        return true;
    }
}

static void print_image(FILE *out, const lcp_file *f, size_t slice_index, const lcp_member *member,
                        const lcp_image *img) {
    char label[1200], abuf[48], b1[32];
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
    for (int kind = 0; kind < LCP_SHOW_NKINDS; kind++) {
        bool any = false;
        for (size_t i = 0; i < img->ncmds; i++)
            any = print_command(out, f, img, i, kind, !any) || any;
        if (!any)
            fprintf(out, FIELD "none\n", labels[kind]);
    }

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
