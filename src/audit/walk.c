/* The walk: every regular file under the audited root, in a fixed order
 * (names sorted bytewise in each folder, depth first), with its (dev, ino)
 * so that hard links and symlinked names are audited once.
 *
 * Symlinks are not descended: everything a symlink inside the root can
 * reach inside the root is walked under its real name anyway, and nothing
 * outside the root is audited. Symlinks are followed where it matters, when
 * a load path is resolved (resolve.c: cycles detected there). */
#include "audit/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Walks the folder open as dfd, whose path relative to the root is rel. */
static lcp_status walk_dir(au_ctx *ctx, int dfd, const char *rel, unsigned depth, lcp_error *err) {
    if (depth > 256) {
        close(dfd);
        lcp_error e;
        lcp_error_set(&e, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: folders nested too deep", rel);
        return au_add_failure(ctx, rel, &e);
    }
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        close(dfd);
        lcp_error e;
        lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", rel[0] ? rel : ctx->root_given, strerror(errno));
        return au_add_failure(ctx, rel, &e);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    lcp_status st = LCP_OK;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **nn = realloc(names, cap * sizeof *nn);
            if (nn == NULL) {
                st = LCP_E_NOMEM;
                break;
            }
            names = nn;
        }
        if ((names[n] = strdup(de->d_name)) == NULL) {
            st = LCP_E_NOMEM;
            break;
        }
        n++;
    }
    if (n > 1)
        qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        struct stat sb;
        char child[4096];
        int len = rel[0] ? snprintf(child, sizeof child, "%s/%s", rel, names[i])
                         : snprintf(child, sizeof child, "%s", names[i]);
        if (len < 0 || (size_t)len >= sizeof child) {
            lcp_error e;
            lcp_error_set(&e, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s/%s: path too long", rel, names[i]);
            st = au_add_failure(ctx, rel, &e);
            continue;
        }
        if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) {
            lcp_error e;
            lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", child, strerror(errno));
            st = au_add_failure(ctx, child, &e);
            continue;
        }
        if (S_ISDIR(sb.st_mode)) {
            if (ends_with(names[i], ".app") && !add_app(ctx, child)) {
                st = LCP_E_NOMEM;
                break;
            }
            int cfd = openat(dirfd(d), names[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
            if (cfd < 0) {
                lcp_error e;
                lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", child, strerror(errno));
                st = au_add_failure(ctx, child, &e);
                continue;
            }
            st = walk_dir(ctx, cfd, child, depth + 1, err);
        } else if (S_ISREG(sb.st_mode)) {
            ctx->report->files++;
            if (au_node_add(ctx, child, child, sb.st_dev, sb.st_ino) == -1)
                st = LCP_E_NOMEM;
        }
        /* symlinks, devices, sockets: not walked (see the top of the file) */
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    if (st == LCP_E_NOMEM)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    return st;
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
        int fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", ctx->root_given, strerror(errno));
        return walk_dir(ctx, fd, "", 0, err);
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
