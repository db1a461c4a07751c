/* The walk: every regular file under the audited root, in a fixed order
 * (names sorted bytewise in each folder, depth first), with its (dev, ino)
 * so that hard links and symlinked names are audited once.
 *
 * Symlinks are not descended: everything a symlink inside the root can
 * reach inside the root is walked under its real name anyway, and nothing
 * outside the root is audited. Symlinks are followed where it matters, when
 * a load path is resolved (resolve.c: cycles detected there). */
#include "audit/internal.h"
#include "util/path.h"
#include "util/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    AU_PATH_MAX = 4096 /* the longest root-relative path the audit keeps */
};

static size_t hash_key(dev_t dev, ino_t ino) {
    uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xc2b2ae3d27d4eb4full;
    return (size_t)(h ^ (h >> 29));
}

static bool hash_insert(au_ctx *ctx, size_t idx) {
    if ((ctx->nnodes + 1) * 2 > ctx->hash_cap) {
        size_t cap = ctx->hash_cap ? ctx->hash_cap * 2 : 1024;
        size_t *h = calloc(cap, sizeof *h);
        if (h == NULL)
            return false;
        for (size_t i = 0; i < ctx->hash_cap; i++) {
            size_t v = ctx->hash[i];
            if (v == 0)
                continue;
            size_t k = hash_key(ctx->nodes[v - 1].dev, ctx->nodes[v - 1].ino) & (cap - 1);
            while (h[k])
                k = (k + 1) & (cap - 1);
            h[k] = v;
        }
        free(ctx->hash);
        ctx->hash = h;
        ctx->hash_cap = cap;
    }
    size_t k = hash_key(ctx->nodes[idx].dev, ctx->nodes[idx].ino) & (ctx->hash_cap - 1);
    while (ctx->hash[k])
        k = (k + 1) & (ctx->hash_cap - 1);
    ctx->hash[k] = idx + 1;
    return true;
}

int au_node_find(const au_ctx *ctx, dev_t dev, ino_t ino) {
    if (ctx->hash_cap == 0)
        return -1;
    size_t k = hash_key(dev, ino) & (ctx->hash_cap - 1);
    while (ctx->hash[k]) {
        const au_node *n = &ctx->nodes[ctx->hash[k] - 1];
        if (n->dev == dev && n->ino == ino)
            return (int)(ctx->hash[k] - 1);
        k = (k + 1) & (ctx->hash_cap - 1);
    }
    return -1;
}

int au_node_add(au_ctx *ctx, const char *rel, const char *label, dev_t dev, ino_t ino) {
    if (au_node_find(ctx, dev, ino) >= 0)
        return -2; /* a hard link of a file already walked */
    if (ctx->nnodes == ctx->cap_nodes) {
        size_t cap = ctx->cap_nodes ? ctx->cap_nodes * 2 : 256;
        au_node *n = realloc(ctx->nodes, cap * sizeof *n);
        if (n == NULL)
            return -1;
        ctx->nodes = n;
        ctx->cap_nodes = cap;
    }
    au_node *n = &ctx->nodes[ctx->nnodes];
    memset(n, 0, sizeof *n);
    n->rel = strdup(rel);
    n->label = strdup(label);
    n->dev = dev;
    n->ino = ino;
    if (n->rel == NULL || n->label == NULL) {
        free(n->rel);
        free(n->label);
        return -1;
    }
    ctx->nnodes++;
    if (!hash_insert(ctx, ctx->nnodes - 1)) {
        ctx->nnodes--;
        free(n->rel);
        free(n->label);
        return -1;
    }
    return (int)(ctx->nnodes - 1);
}

bool au_host_path(const au_ctx *ctx, const char *rel, char *buf, size_t len) {
    int n = rel[0] == '/' ? snprintf(buf, len, "%s", rel)
            : rel[0]      ? snprintf(buf, len, "%s/%s", ctx->root_real, rel)
                          : snprintf(buf, len, "%s", ctx->root_real);
    return n >= 0 && (size_t)n < len;
}

static bool add_app(au_ctx *ctx, const char *rel) {
    if (ctx->napps == ctx->cap_apps) {
        size_t cap = ctx->cap_apps ? ctx->cap_apps * 2 : 8;
        au_app *a = realloc(ctx->apps, cap * sizeof *a);
        if (a == NULL)
            return false;
        ctx->apps = a;
        ctx->cap_apps = cap;
    }
    ctx->apps[ctx->napps].rel = strdup(rel);
    ctx->apps[ctx->napps].exe = -1;
    if (ctx->apps[ctx->napps].rel == NULL)
        return false;
    ctx->napps++;
    return true;
}

static bool ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* The walk's callbacks: ctx is the audit, err its caller's error (for
 * out of memory and a root that cannot be opened, which end the audit;
 * everything else is a failure of one path, and the audit goes on). */
typedef struct walk_ctx {
    au_ctx *ctx;
    lcp_error *err;
} walk_ctx;

static lcp_status nomem(walk_ctx *w) { return lcp_error_set(w->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory"); }

static lcp_status visit(void *arg, const lcp_walk_entry *e, bool *skip) {
    walk_ctx *w = arg;
    au_ctx *ctx = w->ctx;
    if (strlen(e->rel) >= AU_PATH_MAX) {
        /* the audit's paths live in fixed buffers: name the folder */
        size_t dl = strlen(e->rel) - strlen(e->name);
        lcp_error le;
        lcp_error_set(&le, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%.*s/%s: path too long", (int)(dl ? dl - 1 : 0), e->rel,
                      e->name);
        char *parent = strndup(e->rel, dl ? dl - 1 : 0);
        if (parent == NULL)
            return nomem(w);
        lcp_status st = au_add_failure(ctx, parent, &le);
        free(parent);
        *skip = true;
        return st == LCP_E_NOMEM ? nomem(w) : st;
    }
    if (S_ISDIR(e->st->st_mode)) {
        if (ends_with(e->name, ".app") && !add_app(ctx, e->rel))
            return nomem(w);
    } else if (S_ISREG(e->st->st_mode)) {
        ctx->report->files++;
        if (au_node_add(ctx, e->rel, e->rel, e->st->st_dev, e->st->st_ino) == -1)
            return nomem(w);
    }
    /* symlinks, devices, sockets: not walked (see the top of the file) */
    return LCP_OK;
}

static lcp_status on_error(void *arg, const lcp_walk_error *we) {
    walk_ctx *w = arg;
    au_ctx *ctx = w->ctx;
    lcp_error le;
    char shown[LCP_PATH_SHOWN_MAX];
    if (we->rel[0] == '\0') /* the root: nothing to audit */
        return lcp_error_set(w->err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", ctx->root_given, strerror(we->errnum));
    if (we->kind == LCP_WALK_DEPTH)
        lcp_error_set(&le, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: folders nested deeper than %d levels",
                      lcp_path_shown(we->rel, shown), LCP_WALK_MAX_DEPTH);
    else
        lcp_error_set(&le, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", we->rel, strerror(we->errnum));
    lcp_status st = au_add_failure(ctx, we->rel, &le);
    return st == LCP_E_NOMEM ? nomem(w) : st;
}

lcp_status au_walk(au_ctx *ctx, lcp_error *err) {
    struct stat sb;
    if (stat(ctx->root_given, &sb) != 0)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", ctx->root_given, strerror(errno));
    char *real = realpath(ctx->root_given, NULL);
    if (real == NULL)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", ctx->root_given, strerror(errno));
    if (S_ISDIR(sb.st_mode)) {
        ctx->root_is_dir = true;
        ctx->report_all = true;
        ctx->bundle_root = true;
        ctx->root_real = real;
        ctx->root_len = strlen(real);
        if (ends_with(real, ".app") && !add_app(ctx, ""))
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        walk_ctx w = {ctx, err};
        lcp_walk_options o = {.max_depth = LCP_WALK_MAX_DEPTH, .visit = visit, .on_error = on_error, .ctx = &w};
        return lcp_walk(real, &o, err);
    }
    if (!S_ISREG(sb.st_mode)) {
        free(real);
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: not a regular file or folder", ctx->root_given);
    }
    /* A file argument: the bundle is its outermost enclosing .app, .framework,
     * .bundle, .plugin, .appex or .xpc folder (else its own folder), so that
     * paths into the rest of the bundle resolve; findings name it as given. */
    static const char *const bundle_ext[] = {".app", ".framework", ".bundle", ".plugin", ".appex", ".xpc"};
    size_t root_end = (size_t)(strrchr(real, '/') - real);
    for (size_t i = root_end; i > 0; i--) {
        if (real[i] != '/')
            continue;
        real[i] = '\0';
        for (size_t k = 0; k < sizeof bundle_ext / sizeof bundle_ext[0]; k++)
            if (ends_with(real, bundle_ext[k]))
                root_end = i;
        real[i] = '/';
    }
    ctx->bundle_root = root_end != (size_t)(strrchr(real, '/') - real);
    char *rel = strdup(real + root_end + 1);
    if (rel == NULL) {
        free(real);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    if (root_end == 0)
        real[1] = '\0';
    else
        real[root_end] = '\0';
    ctx->root_real = real;
    ctx->root_len = strlen(real);
    /* the .app folders above the file, for their main executables */
    for (char *p = rel; (p = strchr(p, '/')) != NULL; p++) {
        *p = '\0';
        bool app = ends_with(rel, ".app");
        bool ok = !app || add_app(ctx, rel);
        *p = '/';
        if (!ok) {
            free(rel);
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        }
    }
    if (ends_with(ctx->root_real, ".app") && !add_app(ctx, "")) {
        free(rel);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    ctx->report->files++;
    int idx = au_node_add(ctx, rel, ctx->root_given, sb.st_dev, sb.st_ino);
    free(rel);
    if (idx < 0)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    ctx->nodes[idx].report = true;
    return LCP_OK;
}
