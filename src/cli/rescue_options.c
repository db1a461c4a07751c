/* rescue's command line: its options table (options.h) and --help. */
#include "cli/cli.h"
#include "cli/rescue_cli.h"

#include <stdlib.h>
#include <string.h>

static const char rescue_help[] =
    "usage: lcpatch rescue [--sdk 10.9] [--keep ARCHS] [--dry-run] [--json] [--fix-paths]\n"
    "                      [--exclude PATH]... [--skip-unrescuable] [--adhoc] [--no-fsync]\n"
    "                      (-o OUT | --in-place) PATH...\n"
    "\n"
    "Makes legacy Mach-O files ready for `codesign --options runtime` and the\n"
    "notary service, in one step per file, planned completely before anything\n"
    "is written (a failure anywhere writes nothing):\n"
    "  1. drops the legacy slices (ppc, ppc64, i386, 32-bit ARM...) unless\n"
    "     --keep x86_64,arm64 names what to keep; a file with no x86_64 or\n"
    "     arm64 slice is refused (blocked);\n"
    "  2. removes the signature (codesign --remove-signature);\n"
    "  3. raises the sdk of every macOS slice to --sdk (default 10.9), in place;\n"
    "  4. checks that codesign can sign the result: 16 bytes of header space for\n"
    "     LC_CODE_SIGNATURE, aligned cmdsizes, __LINKEDIT last; a blocker stops\n"
    "     every write;\n"
    "  5. audits the load paths (lcpatch audit's rules) and reports dangling ones;\n"
    "     they are not fixed. A load path that stops the result from running\n"
    "     (audit's errors, and relative paths, which the hardened runtime\n"
    "     refuses) makes the file \"not ready\" and the exit status 1.\n"
    "PATH: files, bundles or folders (every Mach-O file inside, archives\n"
    "included; folders need --in-place). A file already rescued is left as it\n"
    "is (\"already rescued\"). A file built for iOS, tvOS, watchOS... (no macOS\n"
    "image) is reported and left alone (lcpatch strip-arch, unsign and set-sdk\n"
    "--platform edit it when asked to). A folder with no Mach-O file is\n"
    "reported (exit 1). --dry-run prints the plan and writes nothing.\n"
    "The report ends with the codesign command to run next (none when nothing\n"
    "there is signed: static archives and object files are linked, not signed).\n"
    "--exclude PATH: leave PATH (a file, or every file under a folder) out of\n"
    "the rescue; repeatable; a PATH that matches no file is a usage error.\n"
    "--skip-unrescuable: a file with no x86_64 or arm64 slice, or with a\n"
    "blocker, is reported as blocked and left as it is, and the other files are\n"
    "rescued (exit 1); without it such a file stops every write, and the report\n"
    "says how to exclude it.\n"
    "--fix-paths (bundles and folders, --in-place): after step 4, rewrite the\n"
    "dangling loads whose library is inside the PATH to @rpath/..., add the\n"
    "rpath that finds them, delete LC_RPATHs outside it, audit again and report\n"
    "what is left (docs/fix-paths.md).\n"
    "--adhoc: sign each rescued file ad hoc (as `codesign -s -`, lcpatch sign\n"
    "--adhoc) so that it runs here; distribution still needs codesign's\n"
    "Developer ID signature.\n" LCP_OUTPUT_NO_FSYNC_HELP
    "Exit status: 0 done, 1 done but problems were reported (load path errors,\n"
    "left with --fix-paths; files left alone or skipped; nothing found), 2 usage\n"
    "(-o naming a folder included), 3 an input failed or a blocker was found.\n";

enum { OPT_SDK = 1, OPT_KEEP, OPT_DRY_RUN, OPT_FIX_PATHS, OPT_EXCLUDE, OPT_SKIP, OPT_ADHOC };

static const lcp_opt_spec rescue_specs[] = {
    {OPT_SDK, "--sdk", 0, LCP_OPT_STRING, 0, "V", "raise the sdk to V, at least 10.9 (10.9)", 0, 0},
    {OPT_KEEP, "--keep", 0, LCP_OPT_STRING, 0, "ARCHS", "the slices to keep, e.g. x86_64,arm64", 0, 0},
    {OPT_DRY_RUN, "--dry-run", 'n', LCP_OPT_FLAG, 0, NULL, "print the plan, write nothing", 0, 0},
    LCP_OPT_JSON_SPEC,
    {OPT_FIX_PATHS, "--fix-paths", 0, LCP_OPT_FLAG, 0, NULL, "fix the dangling loads inside the PATH (see below)", 0,
     0},
    {OPT_EXCLUDE, "--exclude", 0, LCP_OPT_STRING, LCP_OPT_REPEAT, "PATH", "leave PATH (a file or a folder) out", 0, 0},
    {OPT_SKIP, "--skip-unrescuable", 0, LCP_OPT_FLAG, 0, NULL, "leave unrescuable files as they are, rescue the rest",
     0, 0},
    {OPT_ADHOC, "--adhoc", 0, LCP_OPT_FLAG, 0, NULL, "sign each rescued file ad hoc (see below)", 0, 0},
    LCP_OPT_OUTPUT_SPECS,
};

static const lcp_opt_command rescue_command = {"rescue", rescue_help, rescue_specs, LCP_OPT_COUNT(rescue_specs), 0};

/* One option the parser returned into a: -1 to go on, else the exit status. */
static int rescue_option(struct rescue_args *a, const lcp_opts *p, int id) {
    if (lcp_output_opts_take(&a->out, p, id))
        return -1;
    switch (id) {
    case LCP_OPT_ID_JSON: a->json = true; break;
    case OPT_DRY_RUN: a->dry_run = true; break;
    case OPT_FIX_PATHS: a->fix_paths = true; break;
    case OPT_SKIP: a->skip = true; break;
    case OPT_ADHOC: a->adhoc = true; break;
    case OPT_SDK:
        if (!lcp_version_parse(p->value, &a->opt.sdk))
            return lcp_cli_usage_error("rescue", "--sdk '%s' is not a version (X[.Y[.Z]], X <= 65535, Y, Z <= 255)",
                                       p->value);
        if (a->opt.sdk < LCP_VERSION(10, 9, 0))
            return lcp_cli_usage_error("rescue", "--sdk wants a version of at least 10.9, not '%s'", p->value);
        break;
    case OPT_KEEP:
        if (lcp_cli_parse_archs("rescue", p->value, " in --keep", &a->keep, &a->nkeep) != 0)
            return LCP_EXIT_USAGE;
        break;
    case OPT_EXCLUDE: {
        char **n = realloc(a->excl, (a->nexcl + 1) * sizeof *n);
        if (n == NULL)
            return LCP_EXIT_FAILED;
        a->excl = n;
        a->excl[a->nexcl++] = (char *)p->value;
        break;
    }
    }
    return -1;
}

int rescue_parse_args(struct rescue_args *a, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    lcp_output_opts_init(&a->out);
    lcp_rescue_options_init(&a->opt);
    lcp_opts p;
    lcp_opts_begin(&p, &rescue_command, argc, argv);
    int id;
    while ((id = lcp_opts_next(&p)) > 0) {
        int st = rescue_option(a, &p, id);
        if (st >= 0)
            return st;
    }
    if (p.status >= 0)
        return p.status;
    a->opt.keep = (const uint32_t(*)[2])a->keep;
    a->opt.nkeep = a->nkeep;
    a->roots = argv + p.first;
    a->nroots = (size_t)p.noperands;
    return -1;
}

void rescue_args_release(struct rescue_args *a) {
    free(a->keep);
    free(a->excl);
    a->keep = NULL;
    a->excl = NULL;
}
