/* lcpatch audit: dangling load paths, resolved the way dyld resolves them. */
#include "cli/audit_print.h"
#include "cli/cli.h"
#include "cli/commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    "  --json             machine-readable report (docs/schema/audit.schema.json)\n"
    "  --sarif            SARIF 2.1.0 report, for code scanning\n"
    "  --executable PATH  the main executable (@executable_path); default: the\n"
    "                     CFBundleExecutable of each .app's Info.plist\n"
    "  --sysroot DIR      absolute load paths present under DIR resolve\n"
    "  --jobs N           worker threads (default: one per CPU)\n"
    "  --quiet            no progress on the terminal\n"
    "  --dlopen           also check constant paths passed to dlopen() and friends,\n"
    "                     and bundle paths given to CFBundleCreate()/CFPlugInCreate()\n"
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

static bool need_value(int argc, char **argv, int i) { return i + 1 < argc && argv[i + 1] != NULL; }

int cmd_audit(int argc, char **argv) {
    bool json = false, sarif = false, quiet = false;
    lcp_audit_options opt = {0};
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        const char *a = argv[first];
        if (lcp_cli_is_help(a)) {
            fputs(audit_help, stdout);
            return LCP_EXIT_OK;
        }
        if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "--sarif") == 0)
            sarif = true;
        else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0)
            quiet = true;
        else if (strcmp(a, "--dlopen") == 0)
            opt.dlopen = true;
        else if (strcmp(a, "--executable") == 0 || strcmp(a, "--sysroot") == 0 || strcmp(a, "--jobs") == 0) {
            if (!need_value(argc, argv, first))
                return lcp_cli_usage_error("audit", "%s needs a value", a);
            const char *v = argv[++first];
            if (strcmp(a, "--executable") == 0)
                opt.executable = v;
            else if (strcmp(a, "--sysroot") == 0)
                opt.sysroot = v;
            else {
                char *end;
                errno = 0;
                unsigned long n = strtoul(v, &end, 10);
                if (errno || *end || end == v || n < 1 || n > 64 || v[0] == '-')
                    return lcp_cli_usage_error("audit", "--jobs wants a number from 1 to 64, not '%s'", v);
                opt.jobs = (unsigned)n;
            }
        } else if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else
            return lcp_cli_usage_error("audit", "unknown option '%s'", a);
    }
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
        if (lcp_audit_path(argv[i], &opt, &r, &err) != LCP_OK) {
            /* a PATH that cannot be audited is a failure of the report in
             * every format (failures[] in JSON, a notification in SARIF,
             * the count in text), as a file inside a folder is */
            struct stat sb;
            if (stat(argv[i], &sb) == 0 && S_ISREG(sb.st_mode))
                r.files++;
            if (lcp_audit_report_add_failure(&r, argv[i], argv[i], &err) != LCP_OK)
                status = lcp_cli_worse(status, lcp_cli_fail(&err));
        }
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
