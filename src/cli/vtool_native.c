/* lcpatch set-build-version, set-version-min, remove-build-version: vtool's
 * edits (lcp_vtool_apply: the same rules, the same new commands) with
 * lcpatch's conventions, on every container lcpatch reads: thin, fat,
 * FAT_MAGIC_64, static archives and fat archives (every Mach-O member).
 * Images keep their size and place; every byte outside the edited header
 * and load commands is copied. */
#include "cli/cli.h"
#include "cli/edit_files.h"
#include "cli/commands.h"
#include "cli/output_opts.h"
#include "lcpatch/vtool_file.h"

#include <string.h>

enum native_op { OP_SET_BUILD, OP_SET_VMIN, OP_REMOVE_BUILD };

static const char *const op_names[] = {"set-build-version", "set-version-min", "remove-build-version"};

/* The end of every help: the output options, then the exit statuses. */
#define NATIVE_HELP_END(no_room)                                                                                       \
    LCP_OUTPUT_RESIGN_HELP LCP_OUTPUT_NO_FSYNC_HELP LCP_OUTPUT_ALL_OR_NOTHING_HELP                                     \
        "Exit status: 0 done, 2 usage, 3 the input failed" no_room ".\n"

static const char *const op_help[] = {
    "usage: lcpatch set-build-version PLATFORM MINOS SDK [--tool TOOL VERSION]... [--replace]\n"
    "                                 [--arch A]... [--no-fsync] [--no-resign] (-o OUT | --in-place)\n"
    "                                 FILE...\n"
    "\n"
    "Replaces the version command of PLATFORM in every slice and archive member\n"
    "(every version command with --replace) by an LC_BUILD_VERSION with the given\n"
    "minos, sdk and tools, appended after the other load commands: Apple vtool's\n"
    "-set-build-version, on thin, fat, fat64 files and archives. The new commands\n"
    "must fit before the first section with 16 bytes kept for LC_CODE_SIGNATURE\n"
    "on unsigned slices; otherwise the file is refused and nothing is written.\n" NATIVE_HELP_END(
        " or a slice has no room"),
    "usage: lcpatch set-version-min PLATFORM MINOS SDK [--replace] [--arch A]...\n"
    "                               [--no-fsync] [--no-resign] (-o OUT | --in-place) FILE...\n"
    "\n"
    "As set-build-version, with an LC_VERSION_MIN_* (macos, ios, tvos, watchos):\n"
    "Apple vtool's -set-version-min, on thin, fat, fat64 files and archives.\n" NATIVE_HELP_END(
        " or a slice has no room"),
    "usage: lcpatch remove-build-version PLATFORM [--arch A]... [--no-fsync] [--no-resign]\n"
    "                                    (-o OUT | --in-place) FILE...\n"
    "\n"
    "Removes the version commands of PLATFORM from every slice and archive member:\n"
    "Apple vtool's -remove-build-version, on thin, fat, fat64 files and archives.\n" NATIVE_HELP_END("")};

#define MAX_ITEMS 64
#define MAX_ARCHS 32

struct native {
    enum native_op op;
    lcp_vtool_item items[MAX_ITEMS];
    size_t nitems;
    bool replace;
    uint32_t archs[MAX_ARCHS][2];
    size_t narchs;
    lcp_edit_files e; /* the per-file loop's state */
};

static bool wanted(const struct native *n, const lcp_image *img) {
    if (n->narchs == 0)
        return true;
    for (size_t i = 0; i < n->narchs; i++)
        if (lcp_arch_matches(img->cputype, img->cpusubtype, n->archs[i][0], n->archs[i][1]))
            return true;
    return false;
}

/* An edited image: printed once the write is done. */
struct native_record {
    char label[1024]; /* "file (arch)" */
    const char *what; /* the command's name: a literal */
};

static void print_record(const void *rec, lcp_json *json) {
    const struct native_record *x = rec;
    (void)json; /* these commands have no --json */
    printf("%s: %s\n", x->label, x->what);
}

static int visit(void *ctx, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    struct native *n = ctx;
    if (!wanted(n, img) || n->e.failed)
        return 0;
    struct native_record x = {.what = op_names[n->op]};
    lcp_cli_image_label(f, slice_index, member, img, x.label, sizeof x.label);
    lcp_vtool_edit edit = {n->items, n->nitems, n->replace};
    lcp_vtool_result res;
    lcp_error err;
    if (lcp_vtool_apply(img, &edit, &res, &err) != LCP_OK) {
        lcp_edit_files_fail(&n->e, &err, x.label);
        return 1;
    }
    if (res.outcome == LCP_VTOOL_NO_SPACE) {
        lcp_error_set(
            &n->e.err, LCP_E_NOSPACE, img->offset + img->header_size,
            "%s: not enough space for the load commands: %llu bytes needed before the first section "
            "(at %llu), %llu available",
            x.label, (unsigned long long)res.needed, (unsigned long long)res.section_offset,
            (unsigned long long)(res.section_offset > img->header_size ? res.section_offset - img->header_size : 0));
        n->e.failed = true;
        return 1;
    }
    if (res.outcome != LCP_VTOOL_DONE) {
        lcp_error_set(&n->e.err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: %s", x.label,
                      res.outcome == LCP_VTOOL_NO_BUILD_VERSION ? "no LC_BUILD_VERSION for the platform of the tool"
                                                                : "LC_VERSION_MIN_* commands have no tools");
        n->e.failed = true;
        return 1;
    }
    if (!res.changed)
        return 0;
    if (!lcp_edit_files_add(&n->e, img, x.label, lcp_edit_files_stale(&n->e, f, member, img)))
        return 1;
    return lcp_edit_files_record(&n->e, &x) ? 0 : 1;
}

enum { OPT_TOOL = 1, OPT_REPLACE, OPT_ARCH };

/* Each command's options: set-build-version takes them all, set-version-min
 * no --tool, remove-build-version neither --tool nor --replace. */
static const lcp_opt_spec native_specs[] = {
    {OPT_TOOL, "--tool", 0, LCP_OPT_PAIR, LCP_OPT_REPEAT, "TOOL VERSION", "add a build tool (ld, clang, swift...)", 0,
     0},
    {OPT_REPLACE, "--replace", 0, LCP_OPT_FLAG, 0, NULL, "replace every version command, not only PLATFORM's", 0, 0},
    {OPT_ARCH, "--arch", 0, LCP_OPT_ARCH, LCP_OPT_REPEAT, "A", "only the slices of architecture A", 0, 0},
    LCP_OPT_OUTPUT_SPECS,
    LCP_OPT_NO_RESIGN_SPEC,
};
static const size_t native_first_spec[] = {0, 1, 2};

static int run(enum native_op op, int argc, char **argv) {
    const char *name = op_names[op];
    struct native n;
    memset(&n, 0, sizeof n);
    n.e.command = name;
    n.e.print = print_record;
    n.e.record_size = sizeof(struct native_record);
    n.op = op;
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    const lcp_opt_spec *specs = native_specs + native_first_spec[op];
    const lcp_opt_command cmd = {name, op_help[op], specs, LCP_OPT_COUNT(native_specs) - native_first_spec[op],
                                 LCP_OPTS_INTERLEAVED};
    /* the --tool pairs, checked once PLATFORM is known */
    const char *tools[MAX_ITEMS][2];
    size_t ntools = 0;
    lcp_opts op_;
    lcp_opts_begin(&op_, &cmd, argc, argv);
    int id;
    while ((id = lcp_opts_next(&op_)) > 0) {
        if (lcp_output_opts_take(&out, &op_, id))
            continue;
        if (id == OPT_REPLACE) {
            n.replace = true;
        } else if (id == OPT_TOOL) {
            if (ntools == MAX_ITEMS - 1)
                return lcp_cli_usage_error(name, "too many --tool options");
            tools[ntools][0] = op_.value;
            tools[ntools++][1] = op_.value2;
        } else if (id == OPT_ARCH) {
            if (n.narchs == MAX_ARCHS)
                return lcp_cli_usage_error(name, "too many --arch options");
            n.archs[n.narchs][0] = op_.cputype;
            n.archs[n.narchs++][1] = op_.cpusubtype;
        }
    }
    if (op_.status >= 0)
        return op_.status;
    char **pos = argv + op_.first;
    int nargs = op_.noperands;
    /* the positional PLATFORM [MINOS SDK] */
    int npos = op == OP_REMOVE_BUILD ? 1 : 3;
    if (nargs < npos)
        return lcp_cli_usage_error(name, "needs %s", op == OP_REMOVE_BUILD ? "PLATFORM" : "PLATFORM MINOS SDK");
    lcp_vtool_item *it = &n.items[n.nitems++];
    it->kind = op == OP_REMOVE_BUILD ? LCP_VTOOL_REMOVE_BUILD : LCP_VTOOL_SET_BUILD;
    it->version_min = op == OP_SET_VMIN;
    if (!lcp_platform_from_name(pos[0], &it->platform) || it->platform == 0)
        return lcp_cli_usage_error(name, "unknown platform '%s'", pos[0]);
    if (op == OP_SET_VMIN && lcp_version_min_cmd(it->platform) == 0)
        return lcp_cli_usage_error(name, "platform '%s' has no LC_VERSION_MIN_* command", pos[0]);
    if (op != OP_REMOVE_BUILD) {
        if (!lcp_version_parse(pos[1], &it->version) || !lcp_version_parse(pos[2], &it->sdk))
            return lcp_cli_usage_error(name, "bad version '%s' or '%s' (X[.Y[.Z]], X <= 65535, Y, Z <= 255)", pos[1],
                                       pos[2]);
    }
    uint32_t platform = it->platform;
    for (size_t k = 0; k < ntools; k++) {
        lcp_vtool_item *t = &n.items[n.nitems];
        memset(t, 0, sizeof *t);
        t->kind = LCP_VTOOL_ADD_TOOL;
        t->platform = platform;
        if (!lcp_tool_from_name(tools[k][0], &t->tool) || t->tool == 0)
            return lcp_cli_usage_error(name, "unknown tool '%s'", tools[k][0]);
        if (!lcp_version_parse(tools[k][1], &t->version))
            return lcp_cli_usage_error(name, "bad tool version '%s'", tools[k][1]);
        if (lcp_vtool_repeated(n.items, ++n.nitems, LCP_VTOOL_ADD_TOOL))
            return lcp_cli_usage_error(name, "tool '%s' given twice", tools[k][0]);
    }
    char **files = pos + npos;
    int nfiles = nargs - npos;
    if (lcp_output_opts_check(&out, name, files, nfiles))
        return LCP_EXIT_USAGE;
    int status = lcp_edit_files_run(&n.e, &out, false, true, files, nfiles, visit, &n, NULL);
    lcp_edit_files_release(&n.e);
    return status;
}

int cmd_set_build_version(int argc, char **argv) { return run(OP_SET_BUILD, argc, argv); }
int cmd_set_version_min(int argc, char **argv) { return run(OP_SET_VMIN, argc, argv); }
int cmd_remove_build_version(int argc, char **argv) { return run(OP_REMOVE_BUILD, argc, argv); }
