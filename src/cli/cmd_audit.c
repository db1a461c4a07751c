/* lcpatch audit: dangling load paths, resolved the way dyld resolves them. */
#include "cli/audit_print.h"
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/commands.h"

#include <string.h>
#include <unistd.h>

static const char audit_help[] =
    "usage: lcpatch audit [--json | --sarif] [--executable PATH] [--sysroot DIR] [--jobs N]\n"
    "                     [--quiet] [--dlopen] PATH...\n"
    "\n"
    "Checks every load path (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB,\n"
    "LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB), LC_RPATH and LC_ID_DYLIB of every\n"
    "slice of every Mach-O file under PATH (a file, an .app/.framework/.bundle or any\n"
    "folder; Mach-O files are found by their magic), resolving @executable_path,\n"
    "@loader_path and @rpath along the load chain from the main executable as dyld\n"
    "does. Findings: dangling, missing-weak, outside-bundle (errors); rpath-outside-\n"
    "bundle, duplicate-rpath, unused-rpath, relative-path, absolute-id, dlopen,\n"
    "loader-rpath (warnings). A library audited without its program: an @rpath/\n"
    "load none of its LC_RPATHs resolves is loader-rpath (only the program's can),\n"
    "dangling when nothing in the audited folder loads the library.\n"
    "\n"
    "Exit status: 0 clean (warnings allowed), 1 error findings, 2 usage error,\n"
    "3 a file could not be read or parsed.\n";

struct progress {
    bool shown;
};

static void on_progress(void *ctx, size_t done, size_t total, size_t macho) {
    struct progress *p = ctx;
    p->shown = true;
    fprintf(stderr, "\rlcpatch audit: %zu/%zu files, %zu Mach-O", done, total, macho);
    fflush(stderr);
}

int cmd_audit(int argc, char **argv) {
    bool json = false, sarif = false, quiet = false;
    lcp_audit_options opt = {0};
    enum { OPT_SARIF = 1, OPT_QUIET, OPT_DLOPEN, OPT_EXECUTABLE, OPT_SYSROOT, OPT_JOBS };
    static const lcp_opt_spec specs[] = {
        {LCP_OPT_ID_JSON, "--json", 0, LCP_OPT_FLAG, 0, NULL, "machine-readable report (docs/schema/audit.schema.json)",
         0, 0},
        {OPT_SARIF, "--sarif", 0, LCP_OPT_FLAG, 0, NULL, "SARIF 2.1.0 report, for code scanning", 0, 0},
        {OPT_EXECUTABLE, "--executable", 0, LCP_OPT_STRING, 0, "PATH",
         "the main executable (@executable_path); default:\nthe CFBundleExecutable of each .app's Info.plist", 0, 0},
        {OPT_SYSROOT, "--sysroot", 0, LCP_OPT_STRING, 0, "DIR", "absolute load paths present under DIR resolve", 0, 0},
        {OPT_JOBS, "--jobs", 0, LCP_OPT_NUMBER, 0, "N", "worker threads, 1 to 64 (default: one per CPU)", 1, 64},
        {OPT_QUIET, "--quiet", 'q', LCP_OPT_FLAG, 0, NULL, "no progress on the terminal", 0, 0},
        {OPT_DLOPEN, "--dlopen", 0, LCP_OPT_FLAG, 0, NULL,
         "also check constant paths passed to dlopen() and\nfriends, and bundle paths given "
         "to\nCFBundleCreate()/CFPlugInCreate()",
         0, 0},
    };
    static const lcp_opt_command cmd = {"audit", audit_help, specs, LCP_OPT_COUNT(specs), 0};
    lcp_opts op;
    lcp_opts_begin(&op, &cmd, argc, argv);
    int id;
    while ((id = lcp_opts_next(&op)) > 0) {
        switch (id) {
        case LCP_OPT_ID_JSON: json = true; break;
        case OPT_SARIF: sarif = true; break;
        case OPT_QUIET: quiet = true; break;
        case OPT_DLOPEN: opt.dlopen = true; break;
        case OPT_EXECUTABLE: opt.executable = op.value; break;
        case OPT_SYSROOT: opt.sysroot = op.value; break;
        case OPT_JOBS: opt.jobs = (unsigned)op.number; break;
        }
    }
    if (op.status >= 0)
        return op.status;
    int first = op.first;
    if (json && sarif)
        return lcp_cli_usage_error("audit", "--json and --sarif exclude each other");
    if (first >= argc)
        return lcp_cli_usage_error("audit", "no PATH given");
    struct progress prog = {false};
    if (!quiet && isatty(STDERR_FILENO)) {
        opt.progress = on_progress;
        opt.progress_ctx = &prog;
    }
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    int status = LCP_EXIT_OK;
    for (int i = first; i < argc; i++) {
        lcp_error err;
        if (lcp_audit_path_recorded(argv[i], &opt, &r, &err) != LCP_OK)
            status = lcp_cli_worse(status, lcp_cli_fail(&err));
    }
    if (prog.shown)
        fputs("\r\033[K", stderr);
    for (size_t i = 0; i < r.nfailures; i++)
        status = lcp_cli_worse(status, lcp_cli_fail(&r.failures[i].error));
    if (json)
        lcp_audit_print_json(stdout, &r);
    else if (sarif)
        lcp_audit_print_sarif(stdout, &r);
    else
        lcp_audit_print_text(stdout, &r, argc - first > 1);
    if (status == LCP_EXIT_OK && r.errors > 0)
        status = LCP_EXIT_FINDINGS;
    lcp_audit_report_release(&r);
    return status;
}
