/* lcpatch check: what the notary service and Gatekeeper will say, before
 * upload. The library (src/check) returns the report; this file parses the
 * arguments and prints it (check_print.c: text, notary-log JSON, SARIF). */
#include "cli/check_print.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/commands.h"

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
                                 "Certificates are named, not evaluated against a keychain: an expired or revoked\n"
                                 "Developer ID certificate is not detected.\n"
                                 "Exit status: 0 ready (warnings allowed), 1 problems found, 2 usage error,\n"
                                 "3 a PATH or a file in it could not be read.\n";

int cmd_check(int argc, char **argv) {
    bool json = false, sarif = false;
    lcp_check_options opt = {0};
    enum { OPT_SARIF = 1, OPT_SYSROOT, OPT_JOBS };
    static const lcp_opt_spec specs[] = {
        {LCP_OPT_ID_JSON, "--json", 0, LCP_OPT_FLAG, 0, NULL,
         "a report shaped like the notary service's log\n(issues[] with severity, code, path, message,\ndocUrl, "
         "architecture)",
         0, 0},
        {OPT_SARIF, "--sarif", 0, LCP_OPT_FLAG, 0, NULL, "SARIF 2.1.0, for code scanning", 0, 0},
        {OPT_SYSROOT, "--sysroot", 0, LCP_OPT_STRING, 0, "DIR", "absolute load paths present under DIR resolve", 0, 0},
        {OPT_JOBS, "--jobs", 0, LCP_OPT_NUMBER, 0, "N",
         "threads of the load path audit, and as many\nagain for the signatures, run side by side,\n1 to 64 (default: "
         "one per CPU)",
         1, 64},
    };
    static const lcp_opt_command cmd = {"check", check_help, specs, LCP_OPT_COUNT(specs), 0};
    lcp_opts op;
    lcp_opts_begin(&op, &cmd, argc, argv);
    int id;
    while ((id = lcp_opts_next(&op)) > 0) {
        switch (id) {
        case LCP_OPT_ID_JSON: json = true; break;
        case OPT_SARIF: sarif = true; break;
        case OPT_SYSROOT: opt.sysroot = op.value; break;
        case OPT_JOBS: opt.jobs = (unsigned)op.number; break;
        }
    }
    if (op.status >= 0)
        return op.status;
    int first = op.first;
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
