/* The per-file loop of the in-place image editors (see edit_files.h). */
#include "cli/edit_files.h"

#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>

bool lcp_edit_files_add(lcp_edit_files *e, lcp_image *img) {
    if (e->nedited == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 8;
        lcp_image **v = realloc(e->edited, cap * sizeof *v);
        if (v == NULL) {
            lcp_error oom;
            lcp_error_set(&oom, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            e->err = oom;
            e->failed = true;
            return false;
        }
        e->edited = v;
        e->cap = cap;
    }
    e->edited[e->nedited++] = img;
    return true;
}

void lcp_edit_files_fail(lcp_edit_files *e, const lcp_error *err, const char *label) {
    if (!e->failed) {
        e->err = *err;
        lcp_error_prefix(&e->err, "%s", label);
    }
    e->failed = true;
}

int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err)) {
    int status = LCP_EXIT_OK;
    lcp_json j;
    lcp_json_init(&j, stdout);
    e->json = json ? &j : NULL;
    e->out = out;
    lcp_json_begin_files(&j, json);
    for (int i = 0; i < nfiles; i++) {
        const char *path = files[i];
        lcp_file *f = NULL;
        lcp_error err;
        e->nedited = 0;
        e->failed = false;
        if (json) {
            lcp_json_begin_object(&j);
            lcp_json_key(&j, "file");
            lcp_json_string(&j, path);
        }
        lcp_status st = lcp_file_open(path, &f, &err);
        if (st == LCP_OK) {
            if (json) {
                lcp_json_key(&j, "images");
                lcp_json_begin_array(&j);
            }
            lcp_file_visit_images(f, visit, ctx);
            if (json)
                lcp_json_end_array(&j);
            if (e->failed) {
                err = e->err;
                st = err.status ? err.status : LCP_E_NOSPACE;
            } else if (after)
                st = after(ctx, f, path, &err);
        }
        bool written = false;
        if (st == LCP_OK && (e->nedited > 0 || !out->in_place)) {
            st = lcp_output_write_edited(out, path, f, e->edited, e->nedited, &err);
            written = st == LCP_OK;
        }
        if (json) {
            lcp_json_key(&j, "output");
            lcp_json_string(&j, written ? lcp_output_opts_dest(out, path) : NULL);
            lcp_json_key(&j, "changed");
            lcp_json_bool(&j, written && e->nedited > 0);
            if (st != LCP_OK) {
                lcp_json_key(&j, "error");
                lcp_json_string(&j, err.message);
            }
            lcp_json_end_object(&j);
        } else if (st == LCP_OK && e->nedited == 0 && say_unchanged)
            printf("%s: nothing to change\n", path);
        if (st != LCP_OK)
            status = lcp_cli_worse(status, lcp_cli_fail(&err));
        lcp_file_free(f);
    }
    lcp_json_end_files(&j, json);
    e->json = NULL;
    return status;
}

bool lcp_edit_files_stale(const lcp_edit_files *e, const lcp_file *f, const lcp_member *m, const lcp_image *img) {
    if (lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) < 0)
        return false;
    return (e->out && e->out->no_resign) || m != NULL || !lcp_image_linker_signed(&f->src, img);
}

void lcp_edit_files_release(lcp_edit_files *e) {
    free(e->edited);
    e->edited = NULL;
    e->nedited = e->cap = 0;
}
