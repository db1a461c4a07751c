/* `lcpatch install_name_tool`: Apple's install_name_tool (cctools
 * misc/install_name_tool.c): its arguments, its messages, its exit codes,
 * and its in-place edit of the operand, over the library's model. The file
 * is read once, by src/format, with the options that make it read as
 * Apple's ofile_map and checkout read it (LCP_ITOOL_PARSE); the edits are
 * lcp_image_edit_names; the write is the library's plan. A slice that
 * carried the linker's ad-hoc signature is signed again after the edit,
 * as Xcode's build of the tool does (CODEDIRECTORY_SUPPORT,
 * codedir_is_linker_signed); any other signature gets Apple's warning.
 * Extensions: -prepend_rpath and -delete_all_rpaths (llvm-install-name-
 * tool's), -h/--help. */
#include "compat/apple.h"
#include "compat/itool.h"

#include "lcpatch/dylib_edit.h"
#include "lcpatch/sign.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char int_help[] = "usage: lcpatch install_name_tool [-change old new] ... [-rpath old new] ...\n"
                               "           [-add_rpath new] ... [-prepend_rpath new] ... [-delete_rpath old] ...\n"
                               "           [-delete_all_rpaths] [-id name] input\n"
                               "\n"
                               "Apple's install_name_tool, on Linux and macOS: edits the install names and\n"
                               "LC_RPATH commands of every slice of input, in place, with Apple's header-space\n"
                               "rule, messages and exit codes. See lcpatch-install_name_tool(1).\n";

struct itool {
    const char *prog; /* argv[0], as Apple's tool names itself */
    const char *input;
    lcp_name_edit *edits;
    size_t nedits;
    int errors;
};

/* cctools error(): "error: prog: message", counted */
#define err_msg(t, ...) ((t)->errors += lcp_apple_say("error", (t)->prog, __VA_ARGS__))

static int usage(struct itool *t) {
    fprintf(stderr,
            "Usage: %s [-change old new] ... [-rpath old new] ... [-add_rpath new] ... "
            "[-delete_rpath old] ... [-id name] input\n",
            t->prog);
    return 1;
}

/* ---- one image ---- */

static void edit_image(struct itool *t, lcp_image *img) {
    char abuf[64];
    const char *arch = lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf);
    lcp_name_report rep;
    lcp_error e;
    lcp_status st = lcp_image_edit_names(img, t->edits, t->nedits, LCP_NAME_APPLE_LIMIT, &rep, &e);
    if (st != LCP_OK && rep.nproblems == 0) {
        err_msg(t, "%s (for architecture %s): %s", t->input, arch, e.message);
        lcp_name_report_release(&rep);
        return;
    }
    for (size_t k = 0; k < rep.nproblems; k++) {
        const lcp_name_problem *p = &rep.problems[k];
        const lcp_name_edit *ed = &t->edits[p->edit];
        const char *existing = NULL;
        switch (p->kind) {
        case LCP_NAME_DUPLICATE_RPATH:
            lcp_image_cmd_string(img, p->command, &existing);
            err_msg(t,
                    "for: %s (for architecture %s) option \"%s %s\" would duplicate path, file already has "
                    "LC_RPATH for: %s",
                    t->input, arch, lcp_name_edit_option(ed->kind), ed->new_path, existing ? existing : "");
            break;
        case LCP_NAME_RPATH_NOT_FOUND: /* "-rpath OLD NEW" or "-delete_rpath OLD" (no new_path) */
            err_msg(t,
                    "no LC_RPATH load command with path: %s found in: %s (for architecture %s), required for "
                    "specified option \"%s %s%s%s\"",
                    ed->old_path, t->input, arch, lcp_name_edit_option(ed->kind), ed->old_path, ed->new_path ? " " : "",
                    ed->new_path ? ed->new_path : "");
            break;
        case LCP_NAME_NO_SPACE:
            err_msg(t,
                    "changing install names or rpaths can't be redone for: %s (for architecture %s) because larger "
                    "updated load commands do not fit (the program must be relinked, and you may need to use "
                    "-headerpad or -headerpad_max_install_names)",
                    t->input, arch);
            break;
        }
    }
    lcp_name_report_release(&rep);
}

/* ---- arguments ---- */

/* Fills t->edits (room for argc) from argv, checking each edit against the
 * ones before it as Apple's tool does. */
static int parse(struct itool *t, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        /* the options are the edit kinds' names (lcp_name_edit_option) */
        int k = LCP_NAME_CHANGE;
        while (k <= LCP_NAME_DELETE_ALL_RPATHS && strcmp(a, lcp_name_edit_option((lcp_name_edit_kind)k)) != 0)
            k++;
        if (k > LCP_NAME_DELETE_ALL_RPATHS) {
            if (t->input != NULL) {
                err_msg(t, "more than one input file specified (%s and %s)", a, t->input);
                return usage(t);
            }
            t->input = a;
            continue;
        }
        lcp_name_edit e = {(lcp_name_edit_kind)k, NULL, NULL};
        bool old_new = k == LCP_NAME_CHANGE || k == LCP_NAME_RPATH;
        int nargs = old_new ? 2 : k == LCP_NAME_DELETE_ALL_RPATHS ? 0 : 1;
        if (i + nargs >= argc) {
            err_msg(t, e.kind == LCP_NAME_ID ? "missing argument to: %s option" : "missing argument(s) to: %s option",
                    a);
            return usage(t);
        }
        if (old_new)
            e.old_path = argv[i + 1], e.new_path = argv[i + 2];
        else if (e.kind == LCP_NAME_DELETE_RPATH)
            e.old_path = argv[i + 1];
        else if (nargs == 1)
            e.new_path = argv[i + 1];
        char msg[1024];
        if (!lcp_name_edit_conflicts(t->edits, t->nedits, &e, msg, sizeof msg)) {
            err_msg(t, "%s", msg);
            return usage(t);
        }
        t->edits[t->nedits++] = e;
        i += nargs;
    }
    if (t->input == NULL || t->nedits == 0)
        return usage(t);
    return 0;
}

/* ---- the write: every slice's new header, everything else copied ---- */

/* True when the edit changed img's commands (copy: them before). */
static bool commands_changed(const lcp_image *img, const lcp_image *copy) {
    return img->ncmds != copy->ncmds || img->sizeofcmds != copy->sizeofcmds ||
           memcmp(img->cmds, copy->cmds, img->sizeofcmds) != 0;
}

/* process(): every slice in order; a non-Mach-O one ends the run. Lists
 * the images whose commands changed in edited[*n]. */
static bool edit_all(struct itool *t, lcp_file *f, lcp_image **edited, size_t *n) {
    for (size_t s = 0; s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image, *before = NULL;
        if (!img) {
            err_msg(t, "input file: %s is not a Mach-O file", t->input);
            return false;
        }
        if (img->filetype == LCP_MH_DYLIB_STUB) {
            lcp_apple_say("fatal error", t->prog,
                          "input file: %s is Mach-O dynamic shared library stub file and can't be changed", t->input);
            return false;
        }
        lcp_error e;
        if (lcp_image_clone(img, &before, &e) != LCP_OK) {
            err_msg(t, "%s", e.message);
            return false;
        }
        edit_image(t, img);
        if (commands_changed(img, before))
            edited[(*n)++] = img;
        lcp_image_free(before);
    }
    return t->errors == 0;
}

/* A signature that is not re-signed no longer matches: say so, per slice. */
static void warn_stale(struct itool *t, const lcp_file *f, const bool *resign) {
    for (size_t s = 0; s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image;
        if (resign[s] || lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) < 0)
            continue;
        char abuf[64], where[96] = ""; /* a fat file's slices are named */
        if (f->kind != LCP_THIN)
            snprintf(where, sizeof where, " (for architecture %s)",
                     lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
        fprintf(stderr, "%s: warning: changes being made to the file will invalidate the code signature in: %s%s\n",
                t->prog, t->input, where);
    }
}

int cmd_install_name_tool(int argc, char **argv) {
    if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(int_help, stdout);
        return 0;
    }
    struct itool t = {argc > 0 ? argv[0] : "install_name_tool", NULL, calloc((size_t)argc + 1, sizeof *t.edits), 0, 0};
    int rc = t.edits ? parse(&t, argc, argv) : err_msg(&t, "out of memory");
    if (rc != 0) {
        free(t.edits);
        return rc;
    }
    lcp_file *f = NULL;
    lcp_error e;
    if (lcp_file_open_flags(t.input, LCP_PARSE_APPLE_LC_STR | LCP_ITOOL_PARSE, &f, &e) != LCP_OK) {
        lcp_itool_say_open_error(stderr, t.prog, t.input, &e);
        free(t.edits);
        return 1;
    }
    rc = 1;
    lcp_plan plan;
    lcp_plan_init(&plan);
    size_t ns = f->nslices ? f->nslices : 1, nedited = 0;
    bool *resign = calloc(ns, sizeof *resign);
    lcp_image **edited = calloc(ns, sizeof *edited);
    if (resign == NULL || edited == NULL) {
        err_msg(&t, "out of memory");
        goto out;
    }
    if (!edit_all(&t, f, edited, &nedited))
        goto out;
    lcp_status st = lcp_plan_apple_edit(f, edited, nedited, resign, &plan, &e);
    warn_stale(&t, f, resign);
    for (size_t s = 0; st == LCP_OK && s < f->nslices; s++)
        if (f->slices[s].image->big_endian && !lcp_itool_swap_check(t.prog, f->slices[s].image))
            goto out;
    /* Apple's tool does not replace a symbolic link: it writes its target. */
    char resolved[PATH_MAX];
    const char *target = realpath(t.input, resolved) ? resolved : t.input;
    if (st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, target, t.input, &e);
    if (st != LCP_OK) {
        lcp_apple_say("fatal error", t.prog, "%s", e.message);
        goto out;
    }
    rc = 0;
out:
    lcp_plan_release(&plan);
    free(resign);
    free(edited);
    lcp_file_free(f);
    free(t.edits);
    return rc;
}
