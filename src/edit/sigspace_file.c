/* codesign_allocate -a over a whole file (lcp_sigspace_file, see
 * include/lcpatch/slices.h): which edit each image gets, and the file the
 * edited slices make. */
#include "lcpatch/slices.h"

#include "lcpatch/macho.h"

#include <stdlib.h>

typedef struct sigspace_run {
    lcp_sigspace_arch *archs;
    size_t narchs;
    bool page_align;
    lcp_out_slice *os; /* per slice; .image is a clone this run owns */
    lcp_sigspace_stop *stop;
    lcp_error *err;
    lcp_status st;
} sigspace_run;

/* Apple's setup_code_signature for one image, in file order: the first
 * failure ends the run (Apple's fatal). */
static int sigspace_one(void *vr, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    sigspace_run *r = vr;
    (void)f;
    size_t i = 0;
    uint32_t sub = img->cpusubtype & ~LCP_CPU_SUBTYPE_MASK;
    while (i < r->narchs && !(r->archs[i].cputype == img->cputype && r->archs[i].cpusubtype == sub))
        i++;
    lcp_sigspace_arch *a = i < r->narchs ? &r->archs[i] : NULL;
    lcp_image *clone = NULL;
    uint64_t copy_end = 0, size = img->size;
    bool changed = true;
    lcp_status st = lcp_image_clone(img, &clone, r->err);
    if (st == LCP_OK && a == NULL) {
        /* not asked for: its signature's bytes become zeros */
        st = lcp_sigspace_blank(clone, &copy_end, &changed, r->err);
    } else if (st == LCP_OK && a->datasize == 0) {
        /* size 0 removes the signature, as -r does */
        st = lcp_unsign_image(clone, &size, &changed, r->err);
        copy_end = size;
    } else if (st == LCP_OK) {
        lcp_sigspace req = {a->datasize, r->page_align, false};
        st = lcp_sigspace_image(clone, &req, &copy_end, &size, r->err);
    }
    if (a != NULL)
        a->found = true;
    if (st == LCP_OK && m != NULL && changed) {
        st = lcp_error_set(r->err, LCP_E_UNSUPPORTED, img->offset, "lcpatch does not rewrite archive members");
        r->err->reason = LCP_R_SIGSPACE_MEMBER;
    }
    if (st == LCP_OK && changed) {
        r->os[slice].image = clone;
        r->os[slice].size = size;
        r->os[slice].zeros_from = copy_end;
        return 0;
    }
    lcp_image_free(clone);
    if (st == LCP_OK)
        return 0;
    *r->stop = (lcp_sigspace_stop){img, m, a};
    r->st = st;
    return 1;
}

lcp_status lcp_sigspace_file(lcp_file *f, lcp_sigspace_arch *archs, size_t narchs, bool page_align, lcp_plan *out,
                             lcp_sigspace_stop *stop, lcp_error *err) {
    sigspace_run r = {archs, narchs, page_align, calloc(f->nslices ? f->nslices : 1, sizeof *r.os), stop, err, LCP_OK};
    *stop = (lcp_sigspace_stop){NULL, NULL, NULL};
    if (r.os == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        r.os[i] = (lcp_out_slice){s->cputype, s->cpusubtype, s->align, s->reserved, NULL, s->offset, s->size, 0, 0};
    }
    lcp_file_visit_images(f, sigspace_one, &r);
    for (size_t i = 0; r.st == LCP_OK && i < narchs; i++)
        if (!archs[i].found) {
            stop->arch = &archs[i];
            r.st = lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "%s holds no image of an architecture asked for",
                                 f->path);
        }
    if (r.st == LCP_OK) {
        lcp_layout_rule rule = lcp_layout_rule_for(f);
        r.st = lcp_layout_file(r.os, f->nslices, &rule, out, err);
    }
    for (size_t i = 0; i < f->nslices; i++) /* the plan holds copies of their commands */
        lcp_image_free((lcp_image *)r.os[i].image);
    free(r.os);
    return r.st;
}
