/* The per-file loop of the in-place image editors: read, plan, stage
 * (see lcpatch/edit_files.h). */
#include "lcpatch/edit_files.h"

#include "lcpatch/lcpatch.h"

#include <stdlib.h>
#include <string.h>

bool lcp_edit_files_add(lcp_edit_files *e, lcp_image *img, const char *label, bool stale) {
    if (e->nedited == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        lcp_image **v = realloc(e->edited, cap * sizeof *v);
        if (v == NULL)
            goto oom;
        e->edited = v;
        e->cap = cap;
    }
    e->edited[e->nedited++] = img;
    /* the images whose signature the edit leaves stale (not signed
     * again): their warning is printed once the file is written */
    if (stale) {
        if (e->nresign == e->resign_cap) {
            size_t cap = e->resign_cap ? e->resign_cap * 2 : 8;
            struct lcp_edit_resign *v = realloc(e->resign, cap * sizeof *v);
            if (v == NULL)
                goto oom;
            e->resign = v;
            e->resign_cap = cap;
        }
        char *copy = strdup(label);
        if (copy == NULL)
            goto oom;
        e->resign[e->nresign].file = e->cur;
        e->resign[e->nresign++].label = copy;
    }
    return true;
oom:;
    lcp_error oom;
    lcp_error_set(&oom, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    e->err = oom;
    e->failed = true;
    return false;
}

void lcp_edit_files_fail(lcp_edit_files *e, const lcp_error *err, const char *label) {
    if (!e->failed) {
        e->err = *err;
        lcp_error_prefix(&e->err, "%s", label);
    }
    e->failed = true;
}

bool lcp_edit_files_record(lcp_edit_files *e, const void *record) {
    if (e->nrecords == e->rec_cap) {
        size_t cap = e->rec_cap ? e->rec_cap * 2 : 16;
        int *files = realloc(e->rec_file, cap * sizeof *files);
        if (files)
            e->rec_file = files;
        unsigned char *data = files ? realloc(e->rec_data, cap * e->record_size) : NULL;
        if (data == NULL) {
            lcp_error oom;
            lcp_error_set(&oom, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            e->err = oom;
            e->failed = true;
            return false;
        }
        e->rec_data = data;
        e->rec_cap = cap;
    }
    e->rec_file[e->nrecords] = e->cur;
    memcpy(e->rec_data + e->nrecords * e->record_size, record, e->record_size);
    e->nrecords++;
    return true;
}

/* What lcp_edit_files_stage hands its planner. */
struct edit_run {
    lcp_edit_files *e;
    char *const *files;
    lcp_image_visitor visit;
    void *ctx;
    lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err);
};

/* Lets the visitor (and `after`) edit the images of file i, then plans the
 * edited images, ad-hoc signed slices (the linker's or codesign's) signed
 * again unless --no-resign. */
static lcp_status plan_file(void *run_, int i, lcp_file *f, lcp_plan *plan, bool *write, bool *keep, lcp_error *err) {
    struct edit_run *run = run_;
    lcp_edit_files *e = run->e;
    lcp_edit_outcome *o = &e->outcome[i];
    (void)keep;
    e->cur = i;
    e->nedited = 0;
    e->failed = false;
    o->opened = true;
    lcp_file_visit_images(f, run->visit, run->ctx);
    lcp_status st = LCP_OK;
    if (e->failed) {
        *err = e->err;
        st = err->status ? err->status : LCP_E_NOSPACE;
    } else if (run->after) {
        st = run->after(run->ctx, f, run->files[i], err);
    }
    o->visited = st == LCP_OK;
    o->edited = e->nedited > 0;
    *write = st == LCP_OK && (e->nedited > 0 || !e->out->in_place);
    bool resigned = false;
    if (*write)
        st = e->out->no_resign ? lcp_plan_edited_images(f, e->edited, e->nedited, plan, err)
                               : lcp_sign_edited(f, e->edited, e->nedited, plan, &resigned, err);
    return st;
}

bool lcp_edit_files_stage(lcp_edit_files *e, lcp_write_all *w, const lcp_output_opts *out, char *const *files,
                          int nfiles, lcp_image_visitor visit, void *ctx,
                          lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err)) {
    e->outcome = calloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof *e->outcome);
    if (e->outcome == NULL || !lcp_write_all_init(w, out, nfiles))
        return false;
    e->out = out; /* lcp_edit_files_stale reads --no-resign */
    struct edit_run run = {e, files, visit, ctx, after};
    lcp_write_all_files(w, files, plan_file, &run);
    return true;
}

bool lcp_edit_files_stale(const lcp_edit_files *e, const lcp_file *f, const lcp_member *m, const lcp_image *img) {
    if (lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) < 0)
        return false;
    return (e->out && e->out->no_resign) || m != NULL ||
           !(lcp_image_linker_signed(&f->src, img) || lcp_image_adhoc_signed(&f->src, img));
}

void lcp_edit_files_release(lcp_edit_files *e) {
    free(e->edited);
    e->edited = NULL;
    e->nedited = e->cap = 0;
    for (size_t k = 0; k < e->nresign; k++)
        free(e->resign[k].label);
    free(e->resign);
    e->resign = NULL;
    e->nresign = e->resign_cap = 0;
    free(e->rec_file);
    free(e->rec_data);
    e->rec_file = NULL;
    e->rec_data = NULL;
    e->nrecords = e->rec_cap = 0;
    free(e->outcome);
    e->outcome = NULL;
}
