/* Where a load path of the graph leads, as dyld looks: @loader_path/ and
 * @executable_path/ expanded, dyld's candidates tried in order (with the
 * old-framework fallback of @loader_path/), and @rpath/ tried against each
 * LC_RPATH of the load chain, marking the ones that resolve something. */
#include "audit/graph_internal.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *rel_of(const au_ctx *ctx, int node) { return ctx->nodes[node].rel; }

/* The host folder of node (no trailing slash). */
static bool node_dir(const au_ctx *ctx, int node, char *buf, size_t len) {
    if (!au_host_path(ctx, rel_of(ctx, node), buf, len))
        return false;
    char *slash = strrchr(buf, '/');
    if (slash == NULL)
        return false;
    if (slash == buf)
        slash[1] = '\0';
    else
        *slash = '\0';
    return true;
}

bool au_has_prefix_var(const char *p, const char *var) {
    size_t n = strlen(var);
    return strncmp(p, var, n) == 0 && (p[n] == '/' || p[n] == '\0');
}

/* dyld's concatenatePaths: no double slash. */
static bool join(char *out, size_t len, const char *a, const char *b) {
    size_t al = strlen(a);
    int n = (al && a[al - 1] == '/' && b[0] == '/') ? snprintf(out, len, "%s%s", a, b + 1)
                                                    : snprintf(out, len, "%s%s", a, b);
    return n >= 0 && (size_t)n < len;
}

/* Expands @loader_path (holder's folder) and @executable_path (main's folder). */
enum expand au_expand(const au_ctx *ctx, int holder, int main_node, const char *p, char *out, size_t len) {
    char dir[PATH_MAX];
    if (au_has_prefix_var(p, "@loader_path")) {
        if (holder < 0 || !node_dir(ctx, holder, dir, sizeof dir) || !join(out, len, dir, p + 12))
            return EX_UNKNOWN;
        return EX_HOST;
    }
    if (au_has_prefix_var(p, "@executable_path")) {
        if (main_node < 0 || !node_dir(ctx, main_node, dir, sizeof dir) || !join(out, len, dir, p + 16))
            return EX_UNKNOWN;
        return EX_HOST;
    }
    if (strncmp(p, "@rpath/", 7) == 0)
        return EX_RPATH;
    if (p[0] == '/') {
        snprintf(out, len, "%s", p);
        return EX_TARGET;
    }
    return EX_RELATIVE;
}

int au_image_for(const au_ctx *ctx, int node, uint32_t cputype) {
    const au_node *n = &ctx->nodes[node];
    for (size_t i = 0; i < n->nimages; i++)
        if (n->images[i].member == NULL && n->images[i].cputype == cputype)
            return (int)i;
    return -1;
}

/* Tries one candidate: a usable file gives true. A file in the bundle that
 * is not Mach-O or lacks the architecture is refused (dyld goes on to the
 * next candidate) and noted. */
static bool try_candidate(const au_ctx *ctx, const char *cand, bool host, uint32_t cputype, const char *arch,
                          lookup *lk, au_res *res) {
    if (host)
        au_resolve_host(ctx, cand, false, res);
    else
        au_resolve_target(ctx, cand, false, res);
    if (res->loop)
        lk->loop = true;
    if (res->where == AU_BUNDLE && res->node >= 0) {
        const au_node *n = &ctx->nodes[res->node];
        if (!n->macho) {
            snprintf(lk->note, sizeof lk->note, "%.400s is not a Mach-O file", res->path);
            return false;
        }
        int im = au_image_for(ctx, res->node, cputype);
        if (im < 0) {
            snprintf(lk->note, sizeof lk->note, "%.400s has no %.40s slice", res->path, arch);
            return false;
        }
        lk->image = im;
    }
    return res->where == AU_BUNDLE || res->where == AU_SYSTEM || res->where == AU_PRESENT;
}

static void lookup_done(lookup *lk, const au_res *res) {
    lk->where = res->where;
    lk->node = res->where == AU_BUNDLE ? res->node : -1;
    snprintf(lk->resolved, sizeof lk->resolved, "%s", res->path);
}

/* Resolves a path that does not start with @rpath/. */
void au_lookup_plain(const au_ctx *ctx, int holder, const au_image *img, int main_node, const char *path, lookup *lk) {
    char cand[PATH_MAX * 2];
    au_res res;
    lk->where = AU_NONE;
    lk->node = lk->image = -1;
    lk->resolved[0] = lk->note[0] = '\0';
    lk->loop = false;
    enum expand e = au_expand(ctx, holder, main_node, path, cand, sizeof cand);
    if (e == EX_UNKNOWN) {
        lk->where = AU_UNKNOWN;
        return;
    }
    if (e == EX_RELATIVE || e == EX_RPATH)
        return;
    if (try_candidate(ctx, cand, e == EX_HOST, img->cputype, img->arch, lk, &res)) {
        lookup_done(lk, &res);
        return;
    }
    au_res first = res;
    /* dyld: @loader_path in a framework binary missing its Versions/X part */
    if (au_has_prefix_var(path, "@loader_path") && img->id && img->filetype == LCP_MH_DYLIB) {
        const char *leaf = strrchr(img->id, '/');
        const char *rel = rel_of(ctx, holder);
        size_t rl = strlen(rel), ll = leaf ? strlen(leaf) : 0;
        if (leaf && rl > ll + 11 && strncmp(rel + rl - ll - 11, "/Versions/", 10) == 0) {
            char dir[PATH_MAX], fw[PATH_MAX];
            snprintf(fw, sizeof fw, "%.*s", (int)(rl - ll - 11), rel);
            if (au_host_path(ctx, fw, dir, sizeof dir) && join(cand, sizeof cand, dir, path + 12) &&
                try_candidate(ctx, cand, true, img->cputype, img->arch, lk, &res)) {
                lookup_done(lk, &res);
                return;
            }
        }
    }
    if (first.where == AU_OUTSIDE) {
        lookup_done(lk, &first);
        return;
    }
    lk->where = AU_NONE;
}

/* Resolves @rpath/... against the rpath stack of the chain. */
void au_lookup_rpath(const au_ctx *ctx, const au_link *chain, int main_node, const char *path, lookup *lk) {
    const au_image *img = chain->img;
    const char *tail = path + 6; /* starts with '/' */
    char cand[PATH_MAX * 2], exp[PATH_MAX * 2];
    au_res res, outside;
    bool have_outside = false;
    bool *outside_mark = NULL;
    lk->where = AU_NONE;
    lk->node = lk->image = -1;
    lk->resolved[0] = lk->note[0] = '\0';
    lk->loop = false;
    for (const au_link *l = chain; l; l = l->parent) {
        for (size_t k = 0; k < l->img->nrpaths; k++) {
            au_load *rp = &l->img->rpaths[k];
            enum expand e = au_expand(ctx, l->node, main_node, rp->path, exp, sizeof exp);
            if (e == EX_UNKNOWN)
                rp->state = AU_UNKNOWN;
            if (e != EX_HOST && e != EX_TARGET)
                continue;
            if (!join(cand, sizeof cand, exp, tail))
                continue;
            if (try_candidate(ctx, cand, e == EX_HOST, img->cputype, img->arch, lk, &res)) {
                l->img->rpath_used[k] = true;
                lookup_done(lk, &res);
                return;
            }
            if (res.where == AU_OUTSIDE && !have_outside) {
                outside = res;
                have_outside = true;
                outside_mark = &l->img->rpath_used[k];
            }
        }
    }
    if (have_outside) {
        *outside_mark = true;
        lookup_done(lk, &outside);
    }
}
