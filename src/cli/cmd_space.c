/* lcpatch space: the header space of every image and what still fits. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/show.h"

#include <string.h>

static const char space_help[] = "usage: lcpatch space [--json] FILE...\n"
                                 "\n"
                                 "For every slice (and archive member): the bytes used by the mach header and\n"
                                 "the load commands, the bytes free before the first section, and what still\n"
                                 "fits there: an LC_BUILD_VERSION (24 bytes), the LC_CODE_SIGNATURE codesign\n"
                                 "adds (16 bytes), and the longest LC_RPATH path.\n"
                                 "\n"
                                 "The free bytes are counted up to the first section that holds file bytes\n"
                                 "(the safe rule, which every lcpatch edit respects). Two more rules are\n"
                                 "reported because users meet them: vtool's (cctools' bit test, which skips\n"
                                 "__cstring and pointer sections and can report more room than there is)\n"
                                 "and install_name_tool's (skips empty sections, counts segments without\n"
                                 "sections).\n"
                                 "\n"
                                 "Exit status: 0 all files read, 2 usage error, 3 a file was not Mach-O,\n"
                                 "was malformed or could not be read.\n";

static int print_image(void *json, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    lcp_space sp;
    lcp_image_space(img, &sp);
    char label[1024], abuf[48];
    if (json) {
        lcp_json *j = json;
        lcp_json_begin_object(j);
        lcp_json_field_uint(j, "slice", slice_index);
        lcp_json_field_string(j, "arch", lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
        lcp_json_field_string(j, "member", member ? member->name : NULL);
        lcp_json_key(j, "space");
        lcp_show_json_space(j, img);
        lcp_json_end_object(j);
        return 0;
    }
    printf("%s:\n", lcp_cli_image_label(f, slice_index, member, img, label, sizeof label));
    printf("  %-26s %8u bytes\n", "mach header", sp.header_size);
    printf("  %-26s %8u bytes (%u commands)\n", "load commands", sp.sizeofcmds, img->ncmds);
    printf("  %-26s %8llu\n", "first section at", (unsigned long long)sp.safe_limit);
    printf("  %-26s %8lld bytes\n", "free", (long long)sp.safe_free);
    lcp_apple_space apple;
    lcp_image_apple_space(img, &apple);
    printf("  %-26s %8lld bytes\n", "free (vtool)", (long long)apple.vtool_free);
    printf("  %-26s %8lld bytes\n", "free (install_name_tool)", (long long)apple.int_free);
    printf("  still fits: LC_BUILD_VERSION %s, LC_CODE_SIGNATURE %s, ", sp.build_version_fits ? "yes" : "no",
           sp.signature_fits ? "yes" : "no");
    if (sp.rpath_max > 0)
        printf("an rpath of up to %lld bytes\n", (long long)sp.rpath_max);
    else
        printf("no rpath\n");
    return 0;
}

static int space_file(const char *path, lcp_json *j) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(path, &f, &err) != LCP_OK)
        return lcp_report_fail(path, &err);
    if (j) {
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "file", f->path);
        lcp_json_key(j, "images");
        lcp_json_begin_array(j);
    }
    lcp_file_visit_images(f, print_image, j);
    if (j) {
        lcp_json_end_array(j);
        lcp_json_end_object(j);
    }
    lcp_file_free(f);
    return LCP_EXIT_OK;
}

int cmd_space(int argc, char **argv) {
    return lcp_report_command(
        "space", space_help,
        "one JSON document on standard output: the\n\"space\" object of show --json for every "
        "image\n(docs/schema/space.schema.json); files that\ncannot be read are listed under \"failures\"",
        argc, argv, space_file);
}
