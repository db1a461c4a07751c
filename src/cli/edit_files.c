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

/* Opens path and lets the visitor (and `after`) edit its images. */
static lcp_status edit_file(lcp_edit_files *e, const char *path, lcp_file **f, lcp_image_visitor visit, void *ctx,
                            lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err),
                            lcp_error *err) {
    e->nedited = 0;
    e->failed = false;
    *f = NULL;
    lcp_status st = lcp_file_open(path, f, err);
    if (st != LCP_OK)
        return st;
    if (e->json) {
        lcp_json_key(e->json, "images");
        lcp_json_begin_array(e->json);
    }
    lcp_file_visit_images(*f, visit, ctx);
    if (e->json)
        lcp_json_end_array(e->json);
    if (e->failed) {
        *err = e->err;
        return err->status ? err->status : LCP_E_NOSPACE;
    }
    return after ? after(ctx, *f, path, err) : LCP_OK;
}

/* What the visitors said about one file, held back until its write
 * outcome is known: bytes [start, end) of the report buffer and, with
 * --json, the writer's state inside the file's still open object. */
struct held {
    long start, end;
    bool visited;     /* opened (and `after` passed): its report is meaningful */
    bool edited;      /* at least one image changed */
    lcp_json json_at; /* --json: the state after "images": [...] */
};

/* Copies bytes [start, end) of the report buffer to stdout. */
static void emit(const char *report, const struct held *h) {
    if (report && h->end > h->start)
        fwrite(report + h->start, 1, (size_t)(h->end - h->start), stdout);
}

int lcp_edit_files_run(lcp_edit_files *e, const lcp_output_opts *out, bool json, bool say_unchanged, char *const *files,
                       int nfiles, lcp_image_visitor visit, void *ctx,
                       lcp_status (*after)(void *ctx, lcp_file *f, const char *path, lcp_error *err)) {
    lcp_write_all w;
    char *report = NULL;
    size_t report_len = 0;
    FILE *buf = NULL;
    struct held *held = calloc(nfiles > 0 ? (size_t)nfiles : 1, sizeof *held);
    if (held == NULL || (buf = open_memstream(&report, &report_len)) == NULL ||
        !lcp_write_all_init(&w, e->command, out, nfiles)) {
        if (buf)
            fclose(buf);
        free(report);
        free(held);
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    /* 1. plan and stage every file; what the visitors report goes to buf,
     * to be printed once the outcome of the writes is known */
    e->planning = true;
    e->out = out; /* lcp_edit_files_stale reads --no-resign */
    e->report = buf;
    lcp_json j;
    lcp_json_init(&j, stdout);
    lcp_json_begin_files(&j, json);
    for (int i = 0; i < nfiles; i++) {
        lcp_file *f = NULL;
        lcp_error err;
        lcp_plan plan;
        lcp_plan_init(&plan);
        e->cur = i;
        fflush(buf);
        held[i].start = ftell(buf);
        lcp_json fj = j; /* file i's object, written to buf */
        fj.out = buf;
        e->json = json ? &fj : NULL;
        if (json) {
            lcp_json_begin_object(&fj);
            lcp_json_key(&fj, "file");
            lcp_json_string(&fj, files[i]);
        }
        lcp_status st = edit_file(e, files[i], &f, visit, ctx, after, &err);
        fflush(buf);
        held[i].end = ftell(buf);
        held[i].json_at = fj;
        held[i].visited = st == LCP_OK;
        held[i].edited = e->nedited > 0;
        if (json)
            j.need_comma[j.depth] = true; /* the array now holds file i */
        bool write = st == LCP_OK && (e->nedited > 0 || !out->in_place);
        /* linker-signed slices are signed again unless --no-resign */
        bool resigned = false;
        if (write)
            st = out->no_resign ? lcp_plan_edited_images(f, e->edited, e->nedited, &plan, &err)
                                : lcp_sign_edited(f, e->edited, e->nedited, &plan, &resigned, &err);
        lcp_write_all_plan(&w, i, st, &err, write, files[i], &plan, f ? &f->src : NULL);
        lcp_plan_release(&plan);
        lcp_file_free(f);
    }
    e->json = NULL;
    e->report = NULL;
    fclose(buf);
    /* 2. write them all (or nothing, after a failure); the failures are
     * printed on stderr */
    int status = lcp_write_all_finish(&w);
    /* 3. the report, from what happened: a file whose write failed is
     * reported as failed, never as edited; after a planning failure the
     * text report is only the failures */
    lcp_json_failures failures = LCP_JSON_FAILURES_INIT;
    for (int i = 0; i < nfiles; i++) {
        const char *path = files[i];
        if (json) {
            emit(report, &held[i]);
            lcp_json fj = held[i].json_at;
            fj.out = stdout;
            lcp_json_key(&fj, "output");
            lcp_json_string(&fj, w.written[i] ? lcp_output_opts_dest(out, path) : NULL);
            lcp_json_key(&fj, "changed");
            lcp_json_bool(&fj, w.written[i] && held[i].edited);
            if (w.failed[i]) {
                lcp_json_key(&fj, "error");
                char etext[LCP_CLI_ERROR_TEXT_MAX];
                lcp_json_string(&fj, lcp_cli_error_text(&w.errs[i], etext, sizeof etext));
            }
            lcp_json_end_object(&fj);
        } else if (lcp_write_all_ok(&w) && !w.failed[i] && held[i].visited) {
            emit(report, &held[i]);
            if (!held[i].edited && say_unchanged)
                printf("%s: nothing to change\n", path);
        }
    }
    if (json) /* every --json report ends with its failures */
        lcp_write_all_json_failures(&w, files, &failures);
    lcp_json_end_files(&j, json, &failures);
    lcp_json_failures_release(&failures);
    fflush(stdout);
    /* then warn about the signatures that the edit broke */
    for (size_t k = 0; k < e->nresign; k++)
        if (w.written[e->resign[k].file])
            fprintf(stderr, "lcpatch %s: warning: %s: the code signature is now invalid: re-sign it\n", e->command,
                    e->resign[k].label);
    lcp_write_all_release(&w);
    free(report);
    free(held);
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
    for (size_t k = 0; k < e->nresign; k++)
        free(e->resign[k].label);
    free(e->resign);
    e->resign = NULL;
    e->nresign = e->resign_cap = 0;
}
