/* lcpatch vtool (and the multi-call name `vtool`): Apple's vtool with its
 * argument syntax, output, messages and exit statuses (cctools
 * misc/vtool.c), over the library's model: the file is read once by
 * src/format with vtool's parse options (LCP_VTOOL_PARSE_FLAGS), the edits
 * are lcp_vtool_apply's, the output is one lcp_plan written atomically.
 *
 * Where Apple's tool is wrong, this is right instead: the sdk of an
 * LC_VERSION_MIN_* in a big-endian slice is written in the slice's byte
 * order; a -tool on a big-endian slice writes a correct LC_BUILD_VERSION
 * (Apple's tool crashes); a slice whose first section lies inside its
 * header (a dSYM) is refused for lack of space (Apple's tool crashes); a
 * linker-signed slice that is edited is signed again, as Xcode's vtool
 * does (the open-source build leaves the signature stale). */
#include "compat/vtool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool arch_selected(const vt_opts *o, uint32_t cputype, uint32_t cpusubtype) {
    for (uint32_t j = 0; j < o->narch; j++)
        if (lcp_arch_matches(cputype, cpusubtype, o->archs[j].cputype, o->archs[j].cpusubtype))
            return true;
    return false;
}

/* vtool's file_read checks, in its order: every slice inside the file (a
 * fat entry past the end refuses the whole file before anything else),
 * then every -arch present. Returns 0 or 1 after printing. */
static int check_file(const vt_opts *o, const lcp_file *f) {
    for (size_t i = 0; i < f->nslices; i++)
        if (f->slices[i].error && f->slices[i].error->reason == LCP_R_FAT_ARCH_PAST_END) {
            vt_print_slice_error(o, f, i, f->slices[i].error);
            return 1;
        }
    int rc = 0;
    for (uint32_t j = 0; j < o->narch; j++) {
        bool found = false;
        for (size_t i = 0; i < f->nslices && !found; i++)
            found = lcp_arch_matches(f->slices[i].cputype, f->slices[i].cpusubtype, o->archs[j].cputype,
                                     o->archs[j].cpusubtype);
        if (!found) {
            fprintf(stderr, "%s error: %s file does not contain architecture: %s\n", o->prog, o->in_path,
                    o->archs[j].name);
            rc = 1;
        }
    }
    return rc;
}

/* Runs the set or remove command on slice i. Returns 0, or 1 after
 * printing vtool's message. */
static int edit_slice(const vt_opts *o, const lcp_file *f, size_t i, lcp_vtool_slice *out) {
    lcp_image *img = f->slices[i].image;
    lcp_vtool_edit e = {o->items, o->nitems, o->replace};
    lcp_vtool_result res;
    lcp_error err;
    out->img = NULL;
    /* an image only vtool's lenient walk accepts: vtool goes ahead when
     * nothing changes, else it fails for space or the library says why
     * (the reader's errors are never LCP_E_NOSPACE) */
    lcp_status st = img->strict_error ? lcp_vtool_check_lenient(img, &e, &err) : lcp_vtool_apply(img, &e, &res, &err);
    if (img->strict_error && st == LCP_OK)
        return 0;
    if ((img->strict_error && st == LCP_E_NOSPACE) || (st == LCP_OK && res.outcome == LCP_VTOOL_NO_SPACE)) {
        vt_print_no_space(o, f, img);
        return 1;
    }
    if (st != LCP_OK) {
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->in_path, err.message);
        return 1;
    }
    if (res.outcome != LCP_VTOOL_DONE) {
        vt_print_outcome(o, &res);
        return 1;
    }
    out->img = img;
    out->sect = res.section_offset;
    return 0;
}

/* Writes the output (lcp_vtool_plan: linker-signed edited slices signed
 * again, else vtool's layout). Returns 0 or 1. */
static int write_output(const vt_opts *o, const lcp_file *f, const lcp_vtool_slice *edits) {
    lcp_plan plan;
    lcp_plan_init(&plan);
    lcp_error err;
    bool stale = false;
    lcp_status st = lcp_vtool_plan(f, edits, &plan, &stale, &err);
    if (stale)
        fprintf(stderr, "%s warning: code signature will be invalid for %s\n", o->prog, o->out_path);
    if (st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, o->out_path, o->in_path, &err);
    lcp_plan_release(&plan);
    if (st != LCP_OK) {
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->out_path, err.message);
        return 1;
    }
    return 0;
}

static int process(const vt_opts *o) {
    lcp_file *f = NULL;
    lcp_error err;
    if (lcp_file_open_flags(o->in_path, LCP_VTOOL_PARSE_FLAGS, &f, &err) != LCP_OK) {
        vt_print_open_error(o, &err);
        return 1;
    }
    int rc = check_file(o, f);
    lcp_vtool_slice *edits = calloc(f->nslices ? f->nslices : 1, sizeof *edits);
    if (rc == 0 && edits == NULL) {
        fprintf(stderr, "%s error: %s: out of memory\n", o->prog, o->in_path);
        rc = 1;
    }
    /* slice by slice, as vtool goes: a bad slice stops it there */
    for (size_t i = 0; rc == 0 && i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        if (s->error) {
            vt_print_slice_error(o, f, i, s->error);
            rc = 1;
            break;
        }
        const lcp_image *img = s->image;
        if (o->narch && !arch_selected(o, img->cputype, img->cpusubtype))
            continue;
        if (o->command == VT_SHOW)
            vt_show_image(o, f, img);
        else
            rc = edit_slice(o, f, i, &edits[i]);
    }
    if (rc == 0 && (o->command == VT_SET || o->command == VT_REMOVE))
        rc = write_output(o, f, edits);
    free(edits);
    lcp_file_free(f);
    return rc;
}

int cmd_vtool(int argc, char **argv) {
    vt_opts o;
    memset(&o, 0, sizeof o);
    o.prog = argc > 0 ? argv[0] : "vtool";
    int rc = vt_parse_args(&o, argc, argv);
    if (rc == 0)
        rc = process(&o);
    free(o.items);
    return rc;
}
