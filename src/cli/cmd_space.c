/* lcpatch space: the header space of every image and what still fits. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/json.h"

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
                                 "sections).\n";

/* The longest rpath string that fits in `free_bytes`, keeping 16 bytes for a
 * future LC_CODE_SIGNATURE when the image has none; -1 when none fits. */
static int64_t longest_rpath(const lcp_image *img, const lcp_space *sp) {
    int64_t room = sp->safe_free - (sp->signed_image ? 0 : 16);
    int64_t align = img->is64 ? 8 : 4;
    room -= room % align;            /* cmdsize is a multiple of the alignment */
    int64_t longest = room - 12 - 1; /* the fixed part, and the string's NUL */
    return longest > 0 ? longest : -1;
}

struct space_ctx {
    lcp_json *json;
};

static int print_image(void *ctx_, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    struct space_ctx *ctx = ctx_;
    lcp_space sp;
    lcp_image_space(img, &sp);
    char label[1024], abuf[48];
    int64_t rpath = longest_rpath(img, &sp);
    bool bv_fits = sp.safe_free >= 24 + (sp.signed_image ? 0 : 16);
    if (ctx->json) {
        lcp_json *j = ctx->json;
        lcp_json_begin_object(j);
        lcp_json_key(j, "arch");
        lcp_json_string(j, lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
        lcp_json_key(j, "member");
        lcp_json_string(j, member ? member->name : NULL);
        lcp_json_key(j, "header_size");
        lcp_json_uint(j, sp.header_size);
        lcp_json_key(j, "sizeofcmds");
        lcp_json_uint(j, sp.sizeofcmds);
        lcp_json_key(j, "first_section_offset");
        lcp_json_uint(j, sp.safe_limit);
        lcp_json_key(j, "free");
        lcp_json_int(j, sp.safe_free);
        lcp_json_key(j, "free_vtool");
        lcp_json_int(j, sp.vtool_free);
        lcp_json_key(j, "free_install_name_tool");
        lcp_json_int(j, sp.int_free);
        lcp_json_key(j, "signed");
        lcp_json_bool(j, sp.signed_image);
        lcp_json_key(j, "fits");
        lcp_json_begin_object(j);
        lcp_json_key(j, "LC_BUILD_VERSION");
        lcp_json_bool(j, bv_fits);
        lcp_json_key(j, "LC_CODE_SIGNATURE");
        lcp_json_bool(j, sp.signature_fits);
        lcp_json_key(j, "rpath_max_length");
        lcp_json_int(j, rpath);
        lcp_json_end_object(j);
        lcp_json_end_object(j);
        return 0;
    }
    printf("%s:\n", lcp_cli_image_label(f, slice_index, member, img, label, sizeof label));
    printf("  %-26s %8u bytes\n", "mach header", sp.header_size);
    printf("  %-26s %8u bytes (%u commands)\n", "load commands", sp.sizeofcmds, img->ncmds);
    printf("  %-26s %8llu\n", "first section at", (unsigned long long)sp.safe_limit);
    printf("  %-26s %8lld bytes\n", "free", (long long)sp.safe_free);
    printf("  %-26s %8lld bytes\n", "free (vtool)", (long long)sp.vtool_free);
    printf("  %-26s %8lld bytes\n", "free (install_name_tool)", (long long)sp.int_free);
    printf("  still fits: LC_BUILD_VERSION %s, LC_CODE_SIGNATURE %s, ", bv_fits ? "yes" : "no",
           sp.signature_fits ? "yes" : "no");
    if (rpath > 0)
        printf("an rpath of up to %lld bytes\n", (long long)rpath);
    else
        printf("no rpath\n");
    return 0;
}

int cmd_space(int argc, char **argv) {
    bool json;
    int first, r = lcp_cli_parse_json_files("space", space_help, argc, argv, &json, &first);
    if (r >= 0)
        return r;
    int status = LCP_EXIT_OK;
    lcp_json j;
    lcp_json_init(&j, stdout);
    struct space_ctx ctx = {json ? &j : NULL};
    lcp_json_begin_files(&j, json);
    for (int i = first; i < argc; i++) {
        lcp_file *f;
        lcp_error err;
        if (lcp_file_open(argv[i], &f, &err) != LCP_OK) {
            status = lcp_cli_worse(status, lcp_cli_fail(&err));
            continue;
        }
        if (json) {
            lcp_json_begin_object(&j);
            lcp_json_key(&j, "file");
            lcp_json_string(&j, f->path);
            lcp_json_key(&j, "images");
            lcp_json_begin_array(&j);
        }
        lcp_file_visit_images(f, print_image, &ctx);
        if (json) {
            lcp_json_end_array(&j);
            lcp_json_end_object(&j);
        }
        lcp_file_free(f);
    }
    lcp_json_end_files(&j, json);
    return status;
}
