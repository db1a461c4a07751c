/* The per-file loop of the in-place image editors (see edit_files.h). */
#include "cli/edit_files.h"

#include "cli/cli.h"
#include "cli/write_all.h"

#include <stdio.h>
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
    /* the planning pass remembers the images whose signature the edit
     * leaves stale (not signed again): their warning is printed once the
     * file is written */
    if (e->planning && stale) {
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

/* Prints the records of file i, from *k on (records are in file order). */
static void print_records(const lcp_edit_files *e, int i, size_t *k, lcp_json *json) {
    for (; *k < e->nrecords && e->rec_file[*k] == i; ++*k)
        e->print(e->rec_data + *k * e->record_size, json);
}

/* Opens path and lets the visitor (and `after`) edit its images; *opened
 * says whether it could be read. */
static lcp_status edit_file(lcp_edit_files *e, const char *path, lcp_file **f, bool *opened, lcp_image_visitor visit,
                            void *ctx, lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err),
                            lcp_error *err) {
    e->nedited = 0;
    e->failed = false;
    *f = NULL;
    lcp_status st = lcp_file_open(path, f, err);
    *opened = st == LCP_OK;
    if (st != LCP_OK)
        return st;
    lcp_file_visit_images(*f, visit, ctx);
    if (e->failed) {
        *err = e->err;
        return err->status ? err->status : LCP_E_NOSPACE;
    }
    return after ? after(ctx, *f, path, err) : LCP_OK;
}

/* What the planning pass learnt of one file, for the report. */
struct planned {
    bool opened;  /* read: its records name every image */
    bool visited; /* read, visited and `after` passed */
    bool edited;  /* at least one image changed */
};

int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err)) {
    lcp_write_all w;
    struct planned *pl = calloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof *pl);
    if (pl == NULL || !lcp_write_all_init(&w, out, nfiles)) {
        free(pl);
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    /* 1. plan and stage every file; the visitors record what they did */
    e->planning = true;
    e->out = out; /* lcp_edit_files_stale reads --no-resign */
    for (int i = 0; i < nfiles; i++) {
        lcp_file *f = NULL;
        lcp_error err;
        lcp_plan plan;
        lcp_plan_init(&plan);
        e->cur = i;
        lcp_status st = edit_file(e, files[i], &f, &pl[i].opened, visit, ctx, after, &err);
        pl[i].visited = st == LCP_OK;
        pl[i].edited = e->nedited > 0;
        bool write = st == LCP_OK && (e->nedited > 0 || !out->in_place);
        /* ad-hoc signed slices (the linker's or codesign's) are signed
         * again unless --no-resign */
        bool resigned = false;
        if (write)
            st = out->no_resign ? lcp_plan_edited_images(f, e->edited, e->nedited, &plan, &err)
                                : lcp_sign_edited(f, e->edited, e->nedited, &plan, &resigned, &err);
        lcp_write_all_plan(&w, i, st, &err, write, files[i], &plan, f ? &f->src : NULL);
        lcp_plan_release(&plan);
        lcp_file_free(f);
    }
    /* 2. write them all (or nothing, after a failure); the failures are
     * printed on stderr */
    int status = lcp_write_all_finish(&w, e->command);
    /* 3. the report, from what happened: a file whose write failed is
     * reported as failed, never as edited; after a planning failure the
     * text report is only the failures */
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    lcp_json_begin_files(&j, json);
    size_t k = 0;
    for (int i = 0; i < nfiles; i++) {
        const char *path = files[i];
        if (json) {
            lcp_json_begin_object(&j);
            lcp_json_key(&j, "file");
            lcp_json_string(&j, path);
            if (pl[i].opened) {
                lcp_json_key(&j, "images");
                lcp_json_begin_array(&j);
                print_records(e, i, &k, &j);
                lcp_json_end_array(&j);
            }
            lcp_json_key(&j, "output");
            lcp_json_string(&j, w.written[i] ? lcp_output_opts_dest(out, path) : NULL);
            lcp_json_key(&j, "changed");
            lcp_json_bool(&j, w.written[i] && pl[i].edited);
            if (w.failed[i]) {
                lcp_json_key(&j, "error");
                char etext[LCP_CLI_ERROR_TEXT_MAX];
                lcp_json_string(&j, lcp_cli_error_text(&w.errs[i], etext, sizeof etext));
            }
            lcp_json_end_object(&j);
        } else if (lcp_write_all_ok(&w) && !w.failed[i] && pl[i].visited) {
            print_records(e, i, &k, NULL);
            if (!pl[i].edited && say_unchanged)
                printf("%s: nothing to change\n", path);
        }
        while (k < e->nrecords && e->rec_file[k] == i)
            k++; /* the records of a file not reported */
    }
    if (json) /* every --json report ends with its failures */
        lcp_write_all_json_failures(&w, files, &failures);
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    fflush(stdout);
    /* then warn about the signatures that the edit broke */
    for (size_t r = 0; r < e->nresign; r++)
        if (w.written[e->resign[r].file])
            fprintf(stderr, "lcpatch %s: warning: %s: the code signature is now invalid: re-sign it\n", e->command,
                    e->resign[r].label);
    lcp_write_all_release(&w);
    free(pl);
    return status;
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
}
