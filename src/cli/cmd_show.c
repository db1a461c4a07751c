/* lcpatch show: every slice and archive member of each file: architecture,
 * file type, flags, version commands, source version, install name, dylibs,
 * rpaths, signature and header space. Printers: show_text.c, show_json.c. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/show.h"
#include "lcpatch/codesign.h"
#include "util/dynlib.h"

#include <string.h>

static const char show_help[] = "usage: lcpatch show [--json] FILE...\n"
                                "\n"
                                "Describes every slice of each FILE (thin or fat Mach-O, and every Mach-O\n"
                                "member of a static archive): architecture (Apple's names: ppc7400,\n"
                                "x86_64h, arm64e, armv7s...), file type, header flags, version commands\n"
                                "(platform, minos, sdk, tools), source version, install name, dylibs with\n"
                                "their kind (load, weak, reexport, upward, lazy) and versions, rpaths,\n"
                                "code signature (offset, size, CodeDirectories, requirements, entitlements,\n"
                                "CMS signer and timestamp), header space (vtool's rule and the safe\n"
                                "rule) and the number of load commands.\n"
                                "\n"
                                "A file that cannot be read is reported on standard error with the slice\n"
                                "and the file offset concerned; the other files are still shown.\n"
                                "Exit status: 0 all files read, 2 usage error, 3 a file was not Mach-O,\n"
                                "was malformed or could not be read.\n";

const char *lcp_show_version(uint32_t v, char *buf, size_t len) {
    snprintf(buf, len, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
    return buf;
}

const char *lcp_show_name(const char *(*name_of)(uint32_t), uint32_t v, bool hex, char *buf, size_t len) {
    const char *name = name_of(v);
    if (name)
        return name;
    snprintf(buf, len, hex ? "0x%x" : "%u", v);
    return buf;
}

const char *lcp_show_dylib_kind(uint32_t cmd) {
    switch (cmd) {
    case LCP_LC_LOAD_DYLIB: return "load";
    case LCP_LC_LOAD_WEAK_DYLIB: return "weak";
    case LCP_LC_REEXPORT_DYLIB: return "reexport";
    case LCP_LC_LOAD_UPWARD_DYLIB: return "upward";
    case LCP_LC_LAZY_LOAD_DYLIB: return "lazy";
    case LCP_LC_ID_DYLIB: return "id";
    default: return NULL;
    }
}

bool lcp_show_item_read(const lcp_image *img, size_t i, int kind, lcp_show_item *it) {
    uint32_t cmd = img->lc[i].cmd;
    switch (kind) {
    case LCP_SHOW_VERSION: return lcp_image_platform_version(img, i, &it->bv);
    case LCP_SHOW_SOURCE_VERSION: return lcp_image_source_version(img, i, &it->sv);
    case LCP_SHOW_INSTALL_NAME:
    case LCP_SHOW_DYLIB:
        return (cmd == LCP_LC_ID_DYLIB) == (kind == LCP_SHOW_INSTALL_NAME) && lcp_image_dylib(img, i, &it->d);
    case LCP_SHOW_RPATH: return cmd == LCP_LC_RPATH && lcp_image_cmd_string(img, i, &it->path);
    default: return cmd == LCP_LC_CODE_SIGNATURE && lcp_image_linkedit_data(img, i, &it->ld);
    }
}

/* Counts the images of a file (n[0]) and the signed ones (n[1]). */
static int count_images(void *n, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    (void)f, (void)slice_index, (void)member;
    ((size_t *)n)[0]++;
    ((size_t *)n)[1] += lcp_cs_command(img) >= 0;
    return 0;
}

static lcp_json_failures *report_failures; /* of the running --json document, else NULL */

int lcp_report_fail(const char *path, const lcp_error *err) {
    /* Flush what was printed for earlier files first, so that the
     * message appears after them on a shared terminal. */
    fflush(stdout);
    if (report_failures)
        lcp_json_failures_add(report_failures, path, err);
    return lcp_cli_fail(err);
}

int lcp_report_command(const char *command, const char *help, const char *json_help, int argc, char **argv,
                       lcp_report_fn each) {
    bool json;
    int first, r = lcp_cli_parse_json_files(command, help, json_help, argc, argv, &json, &first);
    if (r >= 0)
        return r;
    int status = LCP_EXIT_OK;
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    report_failures = json ? &failures : NULL;
    lcp_json_begin_files(&j, json);
    for (int i = first; i < argc; i++)
        status = lcp_cli_worse(status, each(argv[i], json ? &j : NULL));
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    report_failures = NULL;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "lcpatch %s: error writing standard output\n", command);
        return LCP_EXIT_FAILED;
    }
    return status;
}

static int show_file(const char *path, lcp_json *j) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(path, &f, &err) != LCP_OK)
        return lcp_report_fail(path, &err);
    int status = LCP_EXIT_OK;
    size_t n[2] = {0, 0};
    lcp_file_visit_images(f, count_images, n);
    if (n[0] == 0) {
        /* An archive of ELF or COFF objects, or an empty one. */
        lcp_error_set(&err, LCP_E_NOT_MACHO, LCP_NO_OFFSET, "%s: not Mach-O: the archive holds no Mach-O member",
                      f->path);
        status = lcp_report_fail(path, &err);
    } else if (n[1] != 0 && lcp_need_crypto(&err) != LCP_OK) {
        /* A signature is decoded with libcrypto: without it, the file
         * fails as a whole rather than show a signature "unreadable". */
        lcp_error_prefix(&err, "%s", f->path);
        status = lcp_report_fail(path, &err);
    } else if (j)
        lcp_show_json(j, f);
    else
        lcp_show_text(stdout, f);
    lcp_file_free(f);
    return status;
}

int cmd_show(int argc, char **argv) {
    return lcp_report_command("show", show_help,
                              "one JSON document on standard output (schema:\ndocs/schema/show.schema.json; "
                              "files that cannot\nbe read are listed under \"failures\")",
                              argc, argv, show_file);
}
