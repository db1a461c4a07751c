/* lcpatch change-dylib, set-id, add-rpath, delete-rpath: the native
 * install-name and rpath edits (one driver, four commands). Unlike the
 * install_name_tool compat mode they are idempotent (adding an rpath that
 * is there, deleting one that is not, changing a name no command holds:
 * nothing to do, exit 0), never overwrite a section (the safe space rule
 * as well as install_name_tool's), edit big-endian slices correctly, and
 * take -o/--in-place and --json. */
#include "cli/cli.h"
#include "cli/edit_files.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/output_opts.h"
#include "lcpatch/dylib_edit.h"

#include <string.h>

struct spec {
    const char *name;
    lcp_name_edit_kind kind;
    int nargs; /* 1 or 2 values before the files */
    const char *help;
};

#define COMMON_HELP                                                                                                    \
    "\n"                                                                                                               \
    "Idempotent: a slice that already is as asked is left alone, and --in-place\n"                                     \
    "does not rewrite a file where nothing changes. Space: the new load commands\n"                                    \
    "must fit before the first section's bytes (install_name_tool's rule and\n"                                        \
    "lcpatch's safe rule), keeping 16 bytes for the LC_CODE_SIGNATURE codesign\n"                                      \
    "adds when there is none; otherwise nothing is written and the message says\n"                                     \
    "which slice lacks how many bytes.\n"                                                                              \
    "\n" LCP_OUTPUT_RESIGN_HELP "\n" LCP_OUTPUT_NO_FSYNC_HELP "\n" LCP_OUTPUT_ALL_OR_NOTHING_HELP                      \
    "Exit status: 0 done (or nothing to do), 2 usage, 3 the input failed or a\n"                                       \
    "slice has no room.\n"

static const struct spec specs[] = {
    {"change-dylib", LCP_NAME_CHANGE, 2,
     "usage: lcpatch change-dylib [--json] [--no-fsync] [--no-resign]\n"
     "                            (-o OUT | --in-place) OLD NEW FILE...\n"
     "\n"
     "Rewrites every dylib load command (LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB,\n"
     "LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB, LC_PREBOUND_DYLIB)\n"
     "that names OLD to name NEW, in every slice (install_name_tool -change).\n" COMMON_HELP},
    {"set-id", LCP_NAME_ID, 1,
     "usage: lcpatch set-id [--json] [--no-fsync] [--no-resign]\n"
     "                      (-o OUT | --in-place) NAME FILE...\n"
     "\n"
     "Sets the install name (LC_ID_DYLIB) of every slice to NAME\n"
     "(install_name_tool -id). A file without LC_ID_DYLIB is refused.\n" COMMON_HELP},
    {"add-rpath", LCP_NAME_ADD_RPATH, 1,
     "usage: lcpatch add-rpath [--json] [--no-fsync] [--no-resign]\n"
     "                         (-o OUT | --in-place) PATH FILE...\n"
     "\n"
     "Adds an LC_RPATH for PATH after the other load commands of every slice\n"
     "that does not have it yet (install_name_tool -add_rpath).\n" COMMON_HELP},
    {"delete-rpath", LCP_NAME_DELETE_RPATH, 1,
     "usage: lcpatch delete-rpath [--json] [--no-fsync] [--no-resign]\n"
     "                            (-o OUT | --in-place) PATH FILE...\n"
     "\n"
     "Removes every LC_RPATH for PATH (duplicates too) from every slice that has one\n"
     "(install_name_tool -delete_rpath).\n" COMMON_HELP},
};

struct ctx {
    const struct spec *spec;
    lcp_name_edit edit;
    lcp_edit_files e; /* the per-file loop's state */
};

/* What the visitor did to one image: printed once the write is done. */
struct name_record {
    char label[1024]; /* "file (arch)" */
    char arch[48];
    bool in_member;
    char member[1024];  /* the archive member's name when in_member */
    const char *action; /* "changed", "unchanged", "no-space"...: a literal */
    bool sized;         /* the edit was tried: needed and limit are known */
    uint64_t needed, limit;
};

static void print_record(const void *rec, lcp_json *j) {
    const struct name_record *x = rec;
    if (j) {
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "arch", x->arch);
        lcp_json_field_string(j, "member", x->in_member ? x->member : NULL);
        lcp_json_field_string(j, "action", x->action);
        if (x->sized) {
            lcp_json_field_uint(j, "header_needed", x->needed);
            lcp_json_field_uint(j, "header_limit", x->limit);
            if (x->needed > x->limit) {
                lcp_json_field_uint(j, "missing", x->needed - x->limit);
            }
        }
        lcp_json_end_object(j);
    } else if (strcmp(x->action, "changed") == 0) {
        printf("%s: %s\n", x->label, x->action);
    } else if (strcmp(x->action, "unchanged") == 0) {
        printf("%s: nothing to change\n", x->label);
    }
}

/* Records what was done to the image labelled label (r: the sizes, when
 * the edit was tried); false when out of memory. */
static bool report(struct ctx *c, const char *label, const char *arch, const lcp_member *member, const char *action,
                   const lcp_name_report *r) {
    struct name_record x;
    memset(&x, 0, sizeof x);
    snprintf(x.label, sizeof x.label, "%s", label);
    snprintf(x.arch, sizeof x.arch, "%s", arch);
    x.in_member = member != NULL;
    if (member)
        snprintf(x.member, sizeof x.member, "%s", member->name);
    x.action = action;
    x.sized = r != NULL;
    if (r) {
        x.needed = r->needed;
        x.limit = r->limit;
    }
    return lcp_edit_files_record(&c->e, &x);
}

static int visit(void *ctx_, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    struct ctx *c = ctx_;
    char label[1024], abuf[48];
    lcp_cli_image_label(f, slice_index, member, img, label, sizeof label);
    const char *arch = lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf);
    if (member) {
        /* objects in archives: dyld never loads them */
        return report(c, label, arch, member, "skipped-member", NULL) ? 0 : 1;
    }
    if (c->edit.kind == LCP_NAME_ID && lcp_image_find(img, LCP_LC_ID_DYLIB, 0) < 0) {
        return report(c, label, arch, member, "no-install-name", NULL) ? 0 : 1;
    }
    if (lcp_name_edit_done(img, &c->edit)) {
        return report(c, label, arch, member, "unchanged", NULL) ? 0 : 1;
    }
    lcp_name_report r;
    lcp_error err;
    lcp_status st = lcp_image_edit_name_all(img, &c->edit, &r, &err);
    if (st != LCP_OK) {
        (void)report(c, label, arch, member, st == LCP_E_NOSPACE ? "no-space" : "failed", &r);
        char named[1100];
        /* name the slice even in a thin file */
        if (f->kind == LCP_THIN && !member)
            snprintf(named, sizeof named, "%s (%s)", label, arch);
        else
            snprintf(named, sizeof named, "%s", label);
        lcp_edit_files_fail(&c->e, &err, named);
        lcp_name_report_release(&r);
        return 0; /* report every slice, write nothing */
    }
    bool recorded = report(c, label, arch, member, "changed", &r);
    lcp_name_report_release(&r);
    return recorded && lcp_edit_files_add(&c->e, img, label, lcp_edit_files_stale(&c->e, f, member, img)) ? 0 : 1;
}

/* An image outside archives with an install name (set-id needs one). */
static int count_ids(void *n_, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    (void)f;
    (void)slice_index;
    if (!member && lcp_image_find(img, LCP_LC_ID_DYLIB, 0) >= 0)
        ++*(size_t *)n_;
    return 0;
}

/* set-id on a file without any LC_ID_DYLIB is an error, not "nothing to do". */
static lcp_status check_has_id(void *ctx_, lcp_file *f, const char *path, lcp_error *err) {
    const struct ctx *c = ctx_;
    size_t n = 0;
    if (c->spec->kind != LCP_NAME_ID)
        return LCP_OK;
    lcp_file_visit_images(f, count_ids, &n);
    if (n > 0)
        return LCP_OK;
    return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET,
                         "%s: no LC_ID_DYLIB: not a dynamic library, it has no install name to set", path);
}

static int run(const struct spec *spec, int argc, char **argv) {
    struct ctx c;
    memset(&c, 0, sizeof c);
    c.spec = spec;
    c.e.command = spec->name;
    c.e.print = print_record;
    c.e.record_size = sizeof(struct name_record);
    bool json = false;
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    /* Options may come anywhere (before "--"); the rest, in order, are the
     * command's values then the files. */
    static const lcp_opt_spec opts[] = {LCP_OPT_JSON_SPEC, LCP_OPT_OUTPUT_SPECS, LCP_OPT_NO_RESIGN_SPEC};
    const lcp_opt_command cmd = {spec->name, spec->help, opts, LCP_OPT_COUNT(opts), LCP_OPTS_INTERLEAVED};
    lcp_opts op;
    lcp_opts_begin(&op, &cmd, argc, argv);
    int id;
    while ((id = lcp_opts_next(&op)) > 0)
        if (!lcp_output_opts_take(&out, &op, id))
            json = true; /* LCP_OPT_ID_JSON */
    if (op.status >= 0)
        return op.status;
    char **pos = argv + op.first;
    int npos = op.noperands;
    if (npos < spec->nargs)
        return lcp_cli_usage_error(spec->name, spec->nargs == 2 ? "needs OLD and NEW before the files"
                                                                : "needs a value before the files");
    c.edit.kind = spec->kind;
    if (spec->kind == LCP_NAME_CHANGE) {
        c.edit.old_path = pos[0];
        c.edit.new_path = pos[1];
    } else if (spec->kind == LCP_NAME_DELETE_RPATH)
        c.edit.old_path = pos[0];
    else
        c.edit.new_path = pos[0];
    for (int k = 0; k < spec->nargs; k++)
        if (pos[k][0] == '\0')
            return lcp_cli_usage_error(spec->name, "an empty path is not a load path");
    char **files = pos + spec->nargs;
    int nfiles = npos - spec->nargs;
    if (lcp_output_opts_check(&out, spec->name, files, nfiles))
        return LCP_EXIT_USAGE;

    int status = lcp_edit_files_run(&c.e, &out, json, false, files, nfiles, visit, &c, check_has_id);
    lcp_edit_files_release(&c.e);
    return status;
}

int cmd_change_dylib(int argc, char **argv) { return run(&specs[0], argc, argv); }
int cmd_set_id(int argc, char **argv) { return run(&specs[1], argc, argv); }
int cmd_add_rpath(int argc, char **argv) { return run(&specs[2], argc, argv); }
int cmd_delete_rpath(int argc, char **argv) { return run(&specs[3], argc, argv); }
