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

/* vtool's file_read checks, in its order: every slice inside the file,
 * then every -arch present. Returns 0 or 1 after printing. */
static int check_file(const vt_opts *o, const lcp_file *f) {
    for (size_t i = 0; i < f->nslices; i++)
        if (vt_slice_out_of_file(&f->slices[i])) {
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

static int process(const vt_opts *o) {
    lcp_file *f = NULL;
    lcp_error err;
    if (lcp_file_open_flags(o->in_path, LCP_VTOOL_PARSE_FLAGS, &f, &err) != LCP_OK) {
        vt_print_open_error(o, &err);
        return 1;
    }
    int rc = check_file(o, f);
    vt_slice_edit *edits = calloc(f->nslices ? f->nslices : 1, sizeof *edits);
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
            rc = vt_edit_slice(o, f, i, &edits[i]);
    }
    if (rc == 0 && (o->command == VT_SET || o->command == VT_REMOVE))
        rc = vt_write_output(o, f, edits);
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
