/* lcpatch check: what the notary service and Gatekeeper will say, before
 * upload. The library (src/check) returns the report; this file parses the
 * arguments and prints it (check_print.c: text, notary-log JSON, SARIF). */
#include "cli/check_print.h"
#include "cli/cli.h"
#include "cli/commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char check_help[] = "usage: lcpatch check [--json | --sarif] [--sysroot DIR] [--jobs N] PATH...\n"
                                 "\n"
                                 "Reports, per file and architecture, what the notary service and Gatekeeper\n"
                                 "will refuse in each PATH (a Mach-O file, a bundle, any folder, or a .zip,\n"
                                 ".jar or flat .pkg as the notary opens them):\n"
                                 "  notary     SDK older than 10.9 (or none), not signed, signature invalid, not\n"
                                 "             Developer ID, no secure timestamp, no hardened runtime (executables),\n"
                                 "             the get-task-allow entitlement, legacy slices (ppc, i386...)\n"
                                 "  Gatekeeper dangling load paths and rpaths (dyld's rules, as lcpatch audit),\n"
                                 "             sealed resources added, modified or missing, a main executable\n"
                                 "             without an x bit, symlinks leaving a bundle, arm64e third-party\n"
                                 "             code, file names that are not ASCII (NFC/NFD)\n"
                                 "Each problem comes with its fix. The notary's messages are its own words\n"
                                 "(docs/check.md lists every rule).\n"
                                 "\n"
                                 "  --json         a report shaped like the notary service's log (issues[] with\n"
                                 "                 severity, code, path, message, docUrl, architecture)\n"
                                 "  --sarif        SARIF 2.1.0, for code scanning\n"
                                 "  --sysroot DIR  absolute load paths present under DIR resolve\n"
                                 "  --jobs N       threads of the load path audit, and as many again for the\n"
                                 "                 signatures, run side by side (default: one per CPU)\n"
                                 "\n"
                                 "Certificates are named, not evaluated against a keychain: an expired or revoked\n"
                                 "Developer ID certificate is not detected.\n"
                                 "Exit status: 0 ready (warnings allowed), 1 problems found, 2 usage error,\n"
                                 "3 a PATH or a file in it could not be read.\n";

int cmd_check(int argc, char **argv) {
    bool json = false, sarif = false;
    lcp_check_options opt = {0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        const char *a = argv[first];
        if (lcp_cli_is_help(a)) {
            fputs(check_help, stdout);
            return LCP_EXIT_OK;
        }
        if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "--sarif") == 0)
            sarif = true;
        else if (strcmp(a, "--sysroot") == 0 || strcmp(a, "--jobs") == 0) {
            if (first + 1 >= argc)
                return lcp_cli_usage_error("check", "%s needs a value", a);
            const char *v = argv[++first];
            if (strcmp(a, "--sysroot") == 0) {
                opt.sysroot = v;
            } else {
                char *end;
                errno = 0;
                unsigned long n = strtoul(v, &end, 10);
                if (errno || *end || end == v || n < 1 || n > 64 || v[0] == '-')
                    return lcp_cli_usage_error("check", "--jobs wants a number from 1 to 64, not '%s'", v);
                opt.jobs = (unsigned)n;
            }
        } else if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else
            return lcp_cli_usage_error("check", "unknown option '%s'", a);
    }
    if (json && sarif)
        return lcp_cli_usage_error("check", "--json and --sarif exclude each other");
    if (first >= argc)
        return lcp_cli_usage_error("check", "no PATH given");
    lcp_check_report r;
    lcp_check_report_init(&r);
    int status = LCP_EXIT_OK;
    for (int i = first; i < argc; i++) {
        lcp_error err;
        (void)lcp_check_path(argv[i], &opt, &r, &err); /* a PATH that fails is in r.failures too */
    }
    for (size_t i = 0; i < r.nfailures; i++)
        status = lcp_cli_worse(status, lcp_cli_fail(&r.failures[i].error));
    if (json)
        lcp_check_print_json(stdout, &r);
    else if (sarif)
        lcp_check_print_sarif(stdout, &r);
    else
        lcp_check_print_text(stdout, &r);
    if (status == LCP_EXIT_OK && r.errors > 0)
        status = LCP_EXIT_FINDINGS;
    lcp_check_report_release(&r);
    return status;
}
