/* lcpatch sign: write an ad-hoc signature. Today the linker's kind
 * (--linker-signed), byte for byte what ld64.lld writes (lcp_sign_linker_file). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output_opts.h"

#include <string.h>

static const char sign_help[] = "usage: lcpatch sign --linker-signed[=ld64|=ld64.lld] [--identifier ID] [--no-fsync]\n"
                                "                    (-o OUT | --in-place) FILE...\n"
                                "\n"
                                "Signs every Mach-O slice ad hoc, as the linker does (ld64, ld64.lld):\n"
                                "one SHA-256 CodeDirectory over 4 KiB pages, flags adhoc and\n"
                                "linker-signed, the __TEXT exec segment, no requirements, no entitlements.\n"
                                "An old signature is replaced. The identifier is the install name's last\n"
                                "component for a dylib, else the output file's name (the linker names it\n"
                                "after -o), unless --identifier gives one: an unsigned ld64.lld output\n"
                                "re-signed under its link name is the linker's file again, byte for\n"
                                "byte. ld64's layout of the same signature (no padding) with\n"
                                "--linker-signed=ld64; ld64.lld's (16-byte padding) by default.\n"
                                "-o takes one FILE.\n"
                                "(--adhoc, codesign's own ad-hoc signature with requirements and\n"
                                "entitlements, is not written yet.)\n" LCP_OUTPUT_NO_FSYNC_HELP
                                "Exit status: 0 done, 2 usage, 3 the input or the output failed (no room\n"
                                "for LC_CODE_SIGNATURE in the header padding, say).\n";

int cmd_sign(int argc, char **argv) {
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    bool linker = false;
    lcp_sign_flavor flavor = LCP_SIGN_LLD;
    const char *ident = NULL;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        const char *a = argv[first];
        if (lcp_cli_is_help(a)) {
            fputs(sign_help, stdout);
            return LCP_EXIT_OK;
        }
        int r = lcp_output_opts_parse(&o, "sign", argc, argv, &first);
        if (r < 0)
            return LCP_EXIT_USAGE;
        if (r > 0)
            continue;
        if (strcmp(a, "--linker-signed") == 0 || strcmp(a, "--linker-signed=ld64.lld") == 0) {
            linker = true;
        } else if (strcmp(a, "--linker-signed=ld64") == 0) {
            linker = true;
            flavor = LCP_SIGN_LD64;
        } else if (strcmp(a, "--identifier") == 0) {
            if (first + 1 >= argc || argv[first + 1][0] == '\0')
                return lcp_cli_usage_error("sign", "--identifier needs a value");
            ident = argv[++first];
        } else if (strcmp(a, "--adhoc") == 0) {
            return lcp_cli_usage_error("sign", "--adhoc (codesign's signature) is not supported yet; use "
                                               "--linker-signed");
        } else if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else {
            return lcp_cli_usage_error("sign", "unknown option '%s'", a);
        }
    }
    if (!linker)
        return lcp_cli_usage_error("sign", "say which signature: --linker-signed");
    if (lcp_output_opts_check(&o, "sign", argv + first, argc - first))
        return LCP_EXIT_USAGE;
    int status = LCP_EXIT_OK;
    for (int i = first; i < argc; i++) {
        const char *path = argv[i], *dest = lcp_output_opts_dest(&o, path);
        lcp_file *f = NULL;
        lcp_error err;
        lcp_plan plan;
        lcp_plan_init(&plan);
        lcp_sign_opts so = {ident, dest, flavor};
        lcp_status st = lcp_file_open(path, &f, &err);
        if (st == LCP_OK)
            st = lcp_sign_linker_file(f, &so, &plan, &err);
        if (st == LCP_OK)
            st = lcp_output_write(&o, path, &plan, &f->src, &err);
        lcp_plan_release(&plan);
        lcp_file_free(f);
        if (st) {
            status = lcp_cli_worse(status, lcp_cli_fail(&err));
            continue;
        }
        printf("%s: signed (linker-signed)%s%s\n", path, o.in_place ? "" : ", written to ", o.in_place ? "" : dest);
    }
    return status;
}
