/* The scan: every walked file is opened with lcp_file_open (headers and
 * load commands only), recognised by its magic, and its load paths copied
 * into au_image records; the file is closed at once, so a tree of any size
 * keeps no descriptor open and holds only the paths in memory.
 *
 * Files are shared out to worker threads by an atomic counter; each worker
 * writes only its own nodes, so the result (and the output order) does not
 * depend on the number of threads. */
#include "audit/internal.h"
#include "lcpatch/macho.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void load_release(au_load *l) {
    free(l->path);
    free(l->resolved);
    free(l->note);
}

static void image_release(au_image *img) {
    free(img->member);
    for (size_t i = 0; i < img->nloads; i++)
        load_release(&img->loads[i]);
    free(img->loads);
    for (size_t i = 0; i < img->nrpaths; i++)
        load_release(&img->rpaths[i]);
    free(img->rpaths);
    free(img->rpath_used);
    free(img->id);
    lcp_dlopen_calls_free(img->calls, img->ncalls);
}

void au_node_release(au_node *n) {
    if (n == NULL)
        return;
    free(n->rel);
    free(n->label);
    for (size_t i = 0; i < n->nimages; i++)
        image_release(&n->images[i]);
    free(n->images);
    free(n->error);
}

struct scan_one {
    au_ctx *ctx;
    au_node *node;
    lcp_file *file;
    lcp_status st;
    lcp_error *err;
};

static bool push_load(au_load **arr, size_t *n, uint32_t cmd, uint32_t index, const char *path) {
    au_load *a = realloc(*arr, (*n + 1) * sizeof **arr);
    if (a == NULL)
        return false;
    *arr = a;
    au_load *l = &a[*n];
    memset(l, 0, sizeof *l);
    l->cmd = cmd;
    l->index = index;
    l->node = -1;
    if ((l->path = strdup(path)) == NULL)
        return false;
    (*n)++;
    return true;
}

static int copy_image(void *ctx_, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    struct scan_one *s = ctx_;
    au_node *node = s->node;
    au_image *imgs = realloc(node->images, (node->nimages + 1) * sizeof *imgs);
    if (imgs == NULL)
        goto nomem;
    node->images = imgs;
    au_image *a = &imgs[node->nimages++];
    memset(a, 0, sizeof *a);
    a->slice_index = slice_index;
    a->cputype = img->cputype;
    a->cpusubtype = img->cpusubtype;
    a->filetype = img->filetype;
    a->id_index = -1;
    char abuf[48];
    snprintf(a->arch, sizeof a->arch, "%s", lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
    if (member && (a->member = strdup(member->name)) == NULL)
        goto nomem;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        const char *str;
        if (cmd == LCP_LC_RPATH) {
            if (!lcp_image_cmd_string(img, i, &str) || !push_load(&a->rpaths, &a->nrpaths, cmd, (uint32_t)i, str))
                goto nomem_or_bad;
        } else if (lcp_cmd_is_dylib(cmd)) {
            lcp_dylib d;
            if (!lcp_image_dylib(img, i, &d))
                goto nomem_or_bad;
            if (cmd == LCP_LC_ID_DYLIB) {
                if (a->id == NULL) {
                    if ((a->id = strdup(d.name)) == NULL)
                        goto nomem;
                    a->id_index = (long)i;
                }
            } else if (!push_load(&a->loads, &a->nloads, cmd, (uint32_t)i, d.name))
                goto nomem;
        }
    }
    if (a->nrpaths && (a->rpath_used = calloc(a->nrpaths, sizeof *a->rpath_used)) == NULL)
        goto nomem;
    if (s->ctx->opt->dlopen && member == NULL) {
        lcp_status st = lcp_dlopen_paths(&f->src, img, &a->calls, &a->ncalls, s->err);
        if (st != LCP_OK) {
            char label[64];
            lcp_error_prefix(s->err, "%s (%s)", node->label,
                             lcp_arch_label(img->cputype, img->cpusubtype, label, sizeof label));
            s->st = st;
            return 1;
        }
    }
    return 0;
nomem_or_bad:
    /* lcp_image validated every command: a decoder can only fail on memory. */
nomem:
    s->st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    return 1;
}

/* Scans one node; failures are recorded on the node (error in *e). */
static void scan_node(au_ctx *ctx, au_node *node, lcp_error *e) {
    char path[4096];
    if (!au_host_path(ctx, node->rel, path, sizeof path)) {
        lcp_error_set(e, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: path too long", node->label);
        node->failed = true;
        return;
    }
    lcp_file *f;
    lcp_status st = lcp_file_open(path, &f, e);
    if (st == LCP_E_NOT_MACHO)
        return;
    if (st != LCP_OK) {
        /* name the file as the user knows it, not by its real path */
        const char *m = e->message;
        size_t pl = strlen(path);
        if (strncmp(m, path, pl) == 0) {
            char tmp[sizeof e->message];
            snprintf(tmp, sizeof tmp, "%s%s", node->label, m + pl);
            snprintf(e->message, sizeof e->message, "%s", tmp);
        }
        node->failed = true;
        return;
    }
    node->macho = true;
    struct scan_one s = {ctx, node, f, LCP_OK, e};
    lcp_file_visit_images(f, copy_image, &s);
    lcp_file_free(f);
    if (s.st != LCP_OK)
        node->failed = true;
}

struct pool {
    au_ctx *ctx;
    atomic_size_t next;
    atomic_size_t done;
    atomic_size_t macho;
    pthread_mutex_t progress_lock;
};

static void *worker(void *arg) {
    struct pool *p = arg;
    au_ctx *ctx = p->ctx;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= ctx->nnodes)
            break;
        lcp_error e;
        scan_node(ctx, &ctx->nodes[i], &e);
        if (ctx->nodes[i].failed && (ctx->nodes[i].error = malloc(sizeof e)) != NULL)
            *ctx->nodes[i].error = e;
        if (ctx->nodes[i].macho)
            atomic_fetch_add(&p->macho, 1);
        size_t done = atomic_fetch_add(&p->done, 1) + 1;
        if (ctx->opt->progress && (done % 64 == 0 || done == ctx->nnodes)) {
            pthread_mutex_lock(&p->progress_lock);
            ctx->opt->progress(ctx->opt->progress_ctx, done, ctx->nnodes, atomic_load(&p->macho));
            pthread_mutex_unlock(&p->progress_lock);
        }
    }
    return NULL;
}

lcp_status au_scan(au_ctx *ctx, lcp_error *err) {
    if (ctx->nnodes == 0)
        return LCP_OK;
    struct pool p;
    p.ctx = ctx;
    atomic_init(&p.next, 0);
    atomic_init(&p.done, 0);
    atomic_init(&p.macho, 0);
    pthread_mutex_init(&p.progress_lock, NULL);
    unsigned jobs = ctx->opt->jobs;
    if (jobs == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = n > 0 ? (unsigned)n : 1;
    }
    if (jobs > 64)
        jobs = 64;
    if (jobs > ctx->nnodes)
        jobs = (unsigned)ctx->nnodes;
    pthread_t tids[64];
    unsigned started = 0;
    for (unsigned t = 1; t < jobs; t++) {
        if (pthread_create(&tids[started], NULL, worker, &p) != 0)
            break; /* fewer threads: still correct */
        started++;
    }
    worker(&p); /* this thread works too */
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    pthread_mutex_destroy(&p.progress_lock);
    lcp_status st = LCP_OK;
    for (size_t i = 0; i < ctx->nnodes && st == LCP_OK; i++) {
        if (!ctx->report_all && !ctx->nodes[i].report)
            continue; /* a helper node of a file root */
        if (ctx->nodes[i].macho)
            ctx->report->macho_files++;
        if (ctx->nodes[i].failed) {
            lcp_error nomem;
            if (ctx->nodes[i].error == NULL)
                lcp_error_set(&nomem, LCP_E_NOMEM, LCP_NO_OFFSET, "%s: out of memory", ctx->nodes[i].label);
            st = au_add_failure(ctx, ctx->nodes[i].label, ctx->nodes[i].error ? ctx->nodes[i].error : &nomem);
        }
    }
    if (st != LCP_OK)
        return lcp_error_set(err, st, LCP_NO_OFFSET, "out of memory");
    return LCP_OK;
}
