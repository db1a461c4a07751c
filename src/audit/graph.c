/* The load graph, walked the way dyld loads it (dyld4 Loader.cpp:
 * forEachResolvedAtPathVar, expandAtLoaderPath, expandAtExecutablePath):
 *
 *   @executable_path/  the main executable's folder
 *   @loader_path/      the folder of the image holding the command (for an
 *                      LC_RPATH: the image holding the rpath); a framework
 *                      binary whose path ends in Versions/X/<leaf> also tries
 *                      the framework's top folder, as dyld does for old binaries
 *   @rpath/            each LC_RPATH of the requesting image, in order, then
 *                      of the image that loaded it, and so on up to the main
 *                      executable (the "rpath stack" of the load chain)
 *   /absolute          the dyld shared cache prefixes, the bundle, --sysroot
 *
 * Roots: each .app's main executable, --executable, every other MH_EXECUTE
 * (its own main), then every image not reached yet, as if the main
 * executable of its bundle dlopen()ed it (dlopen's chain ends at the main
 * executable too, and what the main executable's graph loaded counts as
 * already loaded, as dyld's matchesPath does for @rpath install names).
 *
 * An image is walked once per distinct rpath context (the images above it
 * that have LC_RPATHs, and the main executable), so a library reached by
 * several chains is checked once per chain that can change the answer, and
 * a failing @rpath load is reported once per failing chain (its "via"). */
#include "audit/internal.h"
#include "util/path.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct au_link {
    int node;
    au_image *img;
    const struct au_link *parent; /* the image that loaded this one */
    bool dlopened;                /* loaded by dlopen() from parent */
} au_link;

typedef struct walk {
    au_ctx *ctx;
    int main_node; /* the chain's main executable, or -1 */
    lcp_status st;
} walk;

/* Images of the main executables' graphs, for dlopen's "already loaded". */
typedef struct loaded {
    const au_image *img;
    int main; /* the main executable whose process loads it */
} loaded;

/* An @rpath/ load that no LC_RPATH of its chain resolves, met while no main
 * executable is known: judged once every image's loaders are known. */
typedef struct pending {
    int node;
    au_image *img;
    size_t load; /* index in img->loads */
    char *via;   /* owned: the chain, or NULL when the image was the walk's root */
} pending;

typedef struct graph_state {
    loaded *items;
    size_t n, cap;
    pending *pend;
    size_t npend, cap_pend;
} graph_state;

/* ---- helpers ---- */

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

static bool has_prefix_var(const char *p, const char *var) {
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

enum expand { EX_HOST, EX_TARGET, EX_UNKNOWN, EX_RELATIVE, EX_RPATH };

/* Expands @loader_path (holder's folder) and @executable_path (main's folder). */
static enum expand expand(const au_ctx *ctx, int holder, int main_node, const char *p, char *out, size_t len) {
    char dir[PATH_MAX];
    if (has_prefix_var(p, "@loader_path")) {
        if (holder < 0 || !node_dir(ctx, holder, dir, sizeof dir) || !join(out, len, dir, p + 12))
            return EX_UNKNOWN;
        return EX_HOST;
    }
    if (has_prefix_var(p, "@executable_path")) {
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

static int image_for(const au_ctx *ctx, int node, uint32_t cputype) {
    const au_node *n = &ctx->nodes[node];
    for (size_t i = 0; i < n->nimages; i++)
        if (n->images[i].member == NULL && n->images[i].cputype == cputype)
            return (int)i;
    return -1;
}

typedef struct lookup {
    au_where where;
    char resolved[4096];
    int node;
    int image;
    char note[512];
    bool loop;
} lookup;

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
        int im = image_for(ctx, res->node, cputype);
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
static void lookup_plain(const au_ctx *ctx, int holder, const au_image *img, int main_node, const char *path,
                         lookup *lk) {
    char cand[PATH_MAX * 2];
    au_res res;
    lk->where = AU_NONE;
    lk->node = lk->image = -1;
    lk->resolved[0] = lk->note[0] = '\0';
    lk->loop = false;
    enum expand e = expand(ctx, holder, main_node, path, cand, sizeof cand);
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
    if (has_prefix_var(path, "@loader_path") && img->id && img->filetype == LCP_MH_DYLIB) {
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
static void lookup_rpath(const au_ctx *ctx, const au_link *chain, int main_node, const char *path, lookup *lk) {
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
            enum expand e = expand(ctx, l->node, main_node, rp->path, exp, sizeof exp);
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

/* ---- findings ---- */

/* The loaders of self, outermost first: "A -> B", with " (dlopen)" after
 * an image that dlopen()ed the next one; NULL when self has no loader. */
static char *chain_via(const au_ctx *ctx, const au_link *self) {
    const au_link *stack[64];
    size_t n = 0;
    for (const au_link *l = self->parent; l && n < 64; l = l->parent)
        stack[n++] = l;
    if (n == 0)
        return NULL;
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(ctx->nodes[stack[i]->node].label) + 16;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    size_t o = 0;
    s[0] = '\0';
    for (size_t i = n; i-- > 0;) {
        const au_link *child = i > 0 ? stack[i - 1] : self;
        o += (size_t)snprintf(s + o, len - o, "%s%s%s", o ? " -> " : "", ctx->nodes[stack[i]->node].label,
                              child->dlopened ? " (dlopen)" : "");
    }
    return s;
}

static const char *command_name(uint32_t cmd) { return lcp_lc_name(cmd); }

static lcp_status emit(walk *w, const au_link *self, lcp_audit_kind kind, const au_load *l, const char *resolved,
                       const char *via, const char *hint) {
    au_ctx *ctx = w->ctx;
    lcp_status st = au_add_finding(ctx, &ctx->nodes[self->node], self->img, kind, command_name(l->cmd), (long)l->index,
                                   0, l->path, resolved, via, hint);
    return st;
}

static lcp_status visit(walk *w, graph_state *gs, const au_link *self);

static bool in_chain(const au_link *chain, const au_image *img) {
    for (const au_link *l = chain; l; l = l->parent)
        if (l->img == img)
            return true;
    return false;
}

/* Checks that do not depend on the chain: once per image. */
static lcp_status image_checks(walk *w, const au_link *self) {
    au_ctx *ctx = w->ctx;
    au_image *img = self->img;
    char hint[1024], exp[PATH_MAX * 2];
    lcp_status st = LCP_OK;
    for (size_t k = 0; k < img->nrpaths && st == LCP_OK; k++) {
        au_load *rp = &img->rpaths[k];
        for (size_t j = 0; j < k; j++)
            if (strcmp(img->rpaths[j].path, rp->path) == 0) {
                snprintf(hint, sizeof hint,
                         "the same LC_RPATH as load command %u: remove one with install_name_tool -delete_rpath "
                         "(recent linkers warn about duplicates and recent dyld versions may refuse them)",
                         img->rpaths[j].index);
                st = emit(w, self, LCP_AUDIT_DUPLICATE_RPATH, rp, NULL, NULL, hint);
                break;
            }
        if (st != LCP_OK)
            break;
        enum expand e = expand(ctx, self->node, w->main_node, rp->path, exp, sizeof exp);
        if (e == EX_RELATIVE || e == EX_RPATH) {
            st = emit(w, self, LCP_AUDIT_RELATIVE_PATH, rp, NULL, NULL,
                      "a relative LC_RPATH: dyld resolves it against the current folder (whatever folder the "
                      "program was started from), and the hardened runtime refuses it, so lcpatch does not try it: "
                      "use @loader_path/ or @executable_path/ (install_name_tool -rpath OLD NEW)");
            continue;
        }
        au_res res;
        if (e == EX_TARGET) {
            if (lcp_audit_is_system_path(exp))
                continue;
            au_resolve_target(ctx, exp, true, &res);
            if (res.where == AU_BUNDLE)
                continue;
            snprintf(hint, sizeof hint,
                     "%s is not in the bundle nor a system location (a build-machine folder?): remove it with "
                     "install_name_tool -delete_rpath, or point it inside the bundle with @loader_path/",
                     rp->path);
            st = emit(w, self, LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, rp, NULL, NULL, hint);
        } else if (e == EX_HOST) {
            au_resolve_host(ctx, exp, true, &res);
            if (res.where == AU_NONE) {
                /* not there: decide inside/outside lexically */
                lcp_path_normalize(exp, LCP_PATH_ABSOLUTE);
                size_t rl = ctx->root_len;
                bool inside = strncmp(exp, ctx->root_real, rl) == 0 && (exp[rl] == '/' || exp[rl] == '\0');
                if (inside || !ctx->bundle_root)
                    continue;
                au_host_label(ctx, exp, &res);
                res.where = AU_OUTSIDE;
            }
            if (res.where != AU_OUTSIDE || !ctx->bundle_root)
                continue;
            snprintf(hint, sizeof hint,
                     "this LC_RPATH leads out of the bundle: remove it with install_name_tool -delete_rpath or "
                     "make it point inside the bundle");
            st = emit(w, self, LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, rp, res.path[0] == '/' ? NULL : res.path, NULL, hint);
        }
    }
    for (size_t i = 0; i < img->nloads && st == LCP_OK; i++) {
        const au_load *l = &img->loads[i];
        if (l->path[0] != '@' && l->path[0] != '/')
            st = emit(w, self, LCP_AUDIT_RELATIVE_PATH, l, NULL, NULL,
                      "a relative load path is resolved against the current folder and refused in hardened "
                      "programs: change it to @rpath/, @loader_path/ or @executable_path/ with install_name_tool "
                      "-change");
    }
    if (st == LCP_OK && img->id && img->id[0] == '/' && ctx->bundle_root && img->filetype == LCP_MH_DYLIB) {
        au_load idl = {LCP_LC_ID_DYLIB, (uint32_t)img->id_index, img->id, false, 0, NULL, -1, 0, NULL};
        const char *leaf = strrchr(img->id, '/') + 1;
        snprintf(hint, sizeof hint,
                 "a library shipped inside a bundle should be found through its loaders: install_name_tool -id "
                 "@rpath/%s (and -change the loads that name %s)",
                 leaf, img->id);
        st = emit(w, self, LCP_AUDIT_ABSOLUTE_ID, &idl, NULL, NULL, hint);
    }
    return st;
}

static bool is_loaded(const graph_state *gs, const au_image *img, int main_node) {
    for (size_t i = 0; i < gs->n; i++)
        if (gs->items[i].img == img && gs->items[i].main == main_node)
            return true;
    return false;
}

static bool loaded_add(graph_state *gs, const au_image *img, int main_node) {
    if (is_loaded(gs, img, main_node))
        return true;
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 32;
        loaded *l = realloc(gs->items, cap * sizeof *l);
        if (l == NULL)
            return false;
        gs->items = l;
        gs->cap = cap;
    }
    gs->items[gs->n++] = (loaded){img, main_node};
    return true;
}

/* An image the main executable's process has loaded under this install name. */
static const loaded *loaded_find(const graph_state *gs, uint32_t cputype, const char *id, int main_node) {
    for (size_t i = 0; i < gs->n; i++)
        if (gs->items[i].main == main_node && gs->items[i].img->cputype == cputype && gs->items[i].img->id &&
            strcmp(gs->items[i].img->id, id) == 0)
            return &gs->items[i];
    return NULL;
}

static bool chain_dlopened(const au_link *chain) {
    for (const au_link *l = chain; l; l = l->parent)
        if (l->dlopened)
            return true;
    return false;
}

/* The context key of a visit: the image, the chain images with rpaths, the main. */
static uint64_t visit_key(const au_link *self, int main_node) {
    uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
    MIX((uintptr_t)self->img);
    MIX(main_node + 2);
    for (const au_link *l = self->parent; l; l = l->parent) {
        if (l->img->nrpaths)
            MIX((uintptr_t)l->img);
        if (l->dlopened)
            MIX(0x5a5a5a5aull);
    }
#undef MIX
    return h ? h : 1;
}

static bool visited_insert(au_ctx *ctx, uint64_t key) {
    if ((ctx->visited_len + 1) * 2 > ctx->visited_cap) {
        size_t cap = ctx->visited_cap ? ctx->visited_cap * 2 : 1024;
        uint64_t *v = calloc(cap, sizeof *v);
        if (v == NULL)
            return false;
        for (size_t i = 0; i < ctx->visited_cap; i++) {
            if (ctx->visited[i] == 0)
                continue;
            size_t k = (size_t)(ctx->visited[i] & (cap - 1));
            while (v[k])
                k = (k + 1) & (cap - 1);
            v[k] = ctx->visited[i];
        }
        free(ctx->visited);
        ctx->visited = v;
        ctx->visited_cap = cap;
    }
    size_t k = (size_t)(key & (ctx->visited_cap - 1));
    while (ctx->visited[k]) {
        if (ctx->visited[k] == key)
            return false;
        k = (k + 1) & (ctx->visited_cap - 1);
    }
    ctx->visited[k] = key;
    ctx->visited_len++;
    return true;
}

static void fix_hint(char *hint, size_t len, const lookup *lk, const char *base) {
    int n = snprintf(hint, len, "%s", base);
    if (lk->note[0] && n >= 0 && (size_t)n < len)
        n += snprintf(hint + n, len - (size_t)n, " (refused: %s)", lk->note);
    if (lk->loop && n >= 0 && (size_t)n < len)
        snprintf(hint + n, len - (size_t)n, " (a symlink loop is on the way)");
}

static bool pending_add(graph_state *gs, const au_link *self, size_t load, char *via) {
    if (gs->npend == gs->cap_pend) {
        size_t cap = gs->cap_pend ? gs->cap_pend * 2 : 16;
        pending *p = realloc(gs->pend, cap * sizeof *p);
        if (p == NULL) {
            free(via);
            return false;
        }
        gs->pend = p;
        gs->cap_pend = cap;
    }
    gs->pend[gs->npend++] = (pending){self->node, self->img, load, via};
    return true;
}

/* The distinct LC_RPATHs of the chain, "A, B" (at most len bytes), for
 * hints; returns how many. */
static size_t chain_rpaths(const au_link *chain, char *buf, size_t len) {
    size_t n = 0, o = 0;
    buf[0] = '\0';
    for (const au_link *l = chain; l; l = l->parent)
        for (size_t k = 0; k < l->img->nrpaths; k++) {
            const char *p = l->img->rpaths[k].path;
            bool seen = false;
            for (const au_link *m = chain; m && !seen; m = m == l ? NULL : m->parent)
                for (size_t j = 0; j < (m == l ? k : m->img->nrpaths) && !seen; j++)
                    seen = strcmp(m->img->rpaths[j].path, p) == 0;
            if (seen)
                continue;
            if (o < len)
                o += (size_t)snprintf(buf + o, len - o, "%s%s", n ? ", " : "", p);
            n++;
        }
    return n;
}

/* A scanned image with this install name and architecture, or -1. */
static int node_with_id(const au_ctx *ctx, uint32_t cputype, const char *id) {
    for (size_t n = 0; n < ctx->nnodes; n++)
        for (size_t i = 0; i < ctx->nodes[n].nimages; i++) {
            const au_image *img = &ctx->nodes[n].images[i];
            if (img->id && img->member == NULL && img->cputype == cputype && strcmp(img->id, id) == 0)
                return (int)n;
        }
    return -1;
}

/* A path handed to the loader through the program's own function: the
 * call at the finding's address is to that function; say so. */
static void through_wrapper(char *hint, size_t size, const lcp_dlopen_call *c) {
    size_t n = strlen(hint);
    if (c->via && n < size)
        snprintf(hint + n, size - n, " (the call here is to %.200s(), which passes the path on to %s())", c->via,
                 c->function);
}

/* A bundle folder that CFBundleCreate or CFPlugInCreate loads from a
 * constant path. CoreFoundation takes the path as it is: no @-variables,
 * and a relative path is relative to the current folder (the root folder
 * for an app opened from the Finder). An absolute path must name a folder
 * in the bundle, in a system location or under --sysroot. */
static lcp_status check_bundle_load(au_ctx *ctx, const au_link *self, const au_image *img, const lcp_dlopen_call *c) {
    char hint[1400];
    au_res res;
    if (c->path[0] != '/')
        return au_add_finding(ctx, &ctx->nodes[self->node], img, LCP_AUDIT_DLOPEN, c->function, -1, c->address, c->path,
                              NULL, NULL,
                              "CoreFoundation takes this path literally: it does not expand @executable_path/, "
                              "@loader_path/ or @rpath/, and resolves a relative path against the current folder: "
                              "build the URL from the app's bundle instead (CFBundleGetMainBundle() with "
                              "CFBundleCopyBuiltInPlugInsURL or CFBundleCopyResourceURL)");
    au_resolve_target(ctx, c->path, true, &res);
    if (res.where == AU_BUNDLE || res.where == AU_SYSTEM || res.where == AU_PRESENT)
        return LCP_OK;
    if (res.where == AU_OUTSIDE)
        snprintf(hint, sizeof hint,
                 "%s() finds the bundle %.1024s only outside the app, where users will not have it: ship it in "
                 "the app (Contents/PlugIns) and build its URL from CFBundleGetMainBundle()",
                 c->function, res.path);
    else
        snprintf(hint, sizeof hint,
                 "%s() finds no bundle folder at this path on the user's Mac: ship the bundle in the app "
                 "(Contents/PlugIns) and build its URL from CFBundleGetMainBundle() (or handle the failure)",
                 c->function);
    return au_add_finding(ctx, &ctx->nodes[self->node], img, LCP_AUDIT_DLOPEN, c->function, -1, c->address, c->path,
                          res.where == AU_OUTSIDE ? res.path : NULL, NULL, hint);
}

static lcp_status visit(walk *w, graph_state *gs, const au_link *self) {
    au_ctx *ctx = w->ctx;
    au_image *img = self->img;
    if (w->st != LCP_OK)
        return w->st;
    if (++ctx->visits > 2000000)
        return LCP_OK; /* pathological graphs: stop exploring contexts, every image is still checked once */
    if (!visited_insert(ctx, visit_key(self, w->main_node)))
        return LCP_OK;
    lcp_status st = LCP_OK;
    if (!img->visited) {
        img->visited = true;
        if ((st = image_checks(w, self)) != LCP_OK)
            return st;
    }
    bool dlopened = chain_dlopened(self);
    if (w->main_node >= 0 && !dlopened) {
        img->in_main_graph = true;
        if (!loaded_add(gs, img, w->main_node))
            return LCP_E_NOMEM;
    }
    char hint[4096];
    for (size_t i = 0; i < img->nloads && st == LCP_OK; i++) {
        au_load *l = &img->loads[i];
        bool weak = l->cmd == LCP_LC_LOAD_WEAK_DYLIB;
        bool is_rpath = strncmp(l->path, "@rpath/", 7) == 0;
        if (l->path[0] != '@' && l->path[0] != '/')
            continue; /* relative: reported by image_checks */
        lookup lk;
        if (is_rpath) {
            lookup_rpath(ctx, self, w->main_node, l->path, &lk);
            if (lk.where == AU_NONE && dlopened) {
                const loaded *ld = loaded_find(gs, img->cputype, l->path, w->main_node);
                if (ld) {
                    lk.where = AU_BUNDLE;
                    lk.node = -1; /* already walked in the main graph */
                }
            }
            /* no main executable: the loader that provides the rest of the
             * rpath stack is unknown (a library audited on its own); judged
             * at the end (pending_findings), when its loaders are known */
            if (lk.where == AU_NONE && w->main_node < 0) {
                if (!pending_add(gs, self, i, chain_via(ctx, self)))
                    return LCP_E_NOMEM;
                lk.where = AU_UNKNOWN;
            }
        } else if (has_prefix_var(l->path, "@executable_path") && !l->done) {
            lookup_plain(ctx, self->node, img, w->main_node, l->path, &lk);
        } else if (l->done) {
            lk.where = (au_where)l->state;
            snprintf(lk.resolved, sizeof lk.resolved, "%s", l->resolved ? l->resolved : "");
            lk.node = l->node;
            lk.image = (int)l->image;
            snprintf(lk.note, sizeof lk.note, "%s", l->note ? l->note : "");
            lk.loop = false;
        } else {
            lookup_plain(ctx, self->node, img, w->main_node, l->path, &lk);
            /* cache what does not depend on the chain */
            l->done = true;
            l->state = lk.where;
            l->resolved = strdup(lk.resolved);
            l->node = lk.node;
            l->image = lk.image >= 0 ? (size_t)lk.image : 0;
            l->note = lk.note[0] ? strdup(lk.note) : NULL;
        }
        char *via = NULL;
        int owner;
        switch (lk.where) {
        case AU_UNKNOWN:
        case AU_SYSTEM:
        case AU_PRESENT: break;
        case AU_BUNDLE:
            if (lk.node >= 0 && lk.image >= 0) {
                au_image *child = &ctx->nodes[lk.node].images[lk.image];
                if (child != img)
                    child->has_loader = true;
                /* dlopen() reuses what the process already loaded: its dependents are not redone */
                bool reused = dlopened && is_loaded(gs, child, w->main_node);
                if (!in_chain(self, child) && !reused) {
                    au_link next = {lk.node, child, self, false};
                    st = visit(w, gs, &next);
                }
            }
            break;
        case AU_NONE:
            if (is_rpath)
                via = chain_via(ctx, self);
            if (is_rpath && weak)
                fix_hint(hint, sizeof hint, &lk,
                         "weak load: no LC_RPATH of the load chain holds it; the app runs without it, but "
                         "bundle it or remove the load");
            else if (is_rpath) {
                char tried[1024], base[1400];
                if (chain_rpaths(self, tried, sizeof tried) > 0)
                    /* the chain has rpaths: the library is missing from them,
                     * adding the usual one again would not help */
                    snprintf(base, sizeof base,
                             "no LC_RPATH of the load chain holds it (tried: %.1000s): copy the library into the "
                             "folder one of them names, or add an LC_RPATH to the folder where it is",
                             tried);
                else
                    snprintf(base, sizeof base, "%s",
                             "no LC_RPATH of the load chain holds it: copy the library into the bundle (e.g. "
                             "Contents/Frameworks) and add an LC_RPATH such as @executable_path/../Frameworks");
                fix_hint(hint, sizeof hint, &lk, base);
            } else if (l->path[0] == '/' && (owner = node_with_id(ctx, img->cputype, l->path)) >= 0) {
                const char *leaf = strrchr(l->path, '/') + 1;
                snprintf(hint, sizeof hint,
                         "%.1024s in the bundle has this install name: load it through @rpath/ "
                         "(install_name_tool -change %.1024s @rpath/%.256s, and -id @rpath/%.256s on the library)",
                         ctx->nodes[owner].label, l->path, leaf, leaf);
            } else if (l->path[0] == '/')
                fix_hint(hint, sizeof hint, &lk,
                         weak ? "weak load of a library that users do not have: bundle it or remove the load"
                              : "users do not have this library: copy it into the bundle and change the load with "
                                "install_name_tool -change OLD @rpath/NAME");
            else
                fix_hint(hint, sizeof hint, &lk,
                         weak ? "weak load: nothing at the expanded path; bundle the library there or remove the "
                                "load"
                              : "nothing at the expanded path: copy the library there or fix the path with "
                                "install_name_tool -change");
            st = emit(w, self, weak ? LCP_AUDIT_MISSING_WEAK : LCP_AUDIT_DANGLING, l, NULL, via, hint);
            break;
        case AU_OUTSIDE:
            if (is_rpath)
                via = chain_via(ctx, self);
            snprintf(hint, sizeof hint,
                     "found only at %.1024s, outside the bundle, where users will not have it: copy it into the bundle "
                     "and load it through @rpath/ or @loader_path/",
                     lk.resolved);
            st = emit(w, self, LCP_AUDIT_OUTSIDE_BUNDLE, l, lk.resolved, via, hint);
            break;
        }
        free(via);
    }
    /* dlopen paths: looked up like loads from this image, never dangling errors */
    for (size_t i = 0; i < img->ncalls && st == LCP_OK; i++) {
        const lcp_dlopen_call *c = &img->calls[i];
        lookup lk;
        const char *p = c->path;
        if (c->bundle) {
            st = check_bundle_load(ctx, self, img, c);
            continue;
        }
        if (strchr(p, '/') == NULL) {
            /* a leaf name: @rpath/leaf, then the fallback /usr/lib/leaf (dyld) */
            continue;
        }
        if (p[0] != '@' && p[0] != '/') {
            snprintf(hint, sizeof hint, "%s",
                     "a relative path passed to dlopen is resolved against the current folder and "
                     "refused in hardened programs: use @rpath/, @loader_path/ or an absolute path");
            through_wrapper(hint, sizeof hint, c);
            st = au_add_finding(ctx, &ctx->nodes[self->node], img, LCP_AUDIT_DLOPEN, c->function, -1, c->address, p,
                                NULL, NULL, hint);
            continue;
        }
        if (strncmp(p, "@rpath/", 7) == 0) {
            lookup_rpath(ctx, self, w->main_node, p, &lk);
            if (lk.where == AU_NONE && w->main_node < 0)
                continue; /* the caller's rpath stack is unknown */
        } else
            lookup_plain(ctx, self->node, img, w->main_node, p, &lk);
        if (lk.where == AU_NONE || lk.where == AU_OUTSIDE) {
            char *via = strncmp(p, "@rpath/", 7) == 0 ? chain_via(ctx, self) : NULL;
            if (lk.where == AU_NONE)
                fix_hint(hint, sizeof hint, &lk,
                         "this dlopen() finds nothing on the user's Mac: bundle the library and pass an @rpath/ or "
                         "@loader_path/ path (or handle the failure)");
            else
                snprintf(hint, sizeof hint,
                         "this dlopen() finds %.1024s only outside the bundle: bundle the library and pass an @rpath/ "
                         "or @loader_path/ path",
                         lk.resolved);
            through_wrapper(hint, sizeof hint, c);
            st = au_add_finding(ctx, &ctx->nodes[self->node], img, LCP_AUDIT_DLOPEN, c->function, -1, c->address, p,
                                lk.where == AU_OUTSIDE ? lk.resolved : NULL, via, hint);
            free(via);
        }
    }
    if (st != LCP_OK)
        w->st = st;
    return st;
}

/* The main executable for images of node (not themselves executables). */
static int main_for(const au_ctx *ctx, int node) {
    if (ctx->exe_override >= 0)
        return ctx->exe_override;
    const char *rel = ctx->nodes[node].rel;
    int best = -1;
    size_t best_len = 0;
    for (size_t i = 0; i < ctx->napps; i++) {
        const char *a = ctx->apps[i].rel;
        size_t al = strlen(a);
        bool inside = al == 0 || (strncmp(rel, a, al) == 0 && rel[al] == '/');
        if (inside && ctx->apps[i].exe >= 0 && (best < 0 || al >= best_len)) {
            best = ctx->apps[i].exe;
            best_len = al;
        }
    }
    return best;
}

static lcp_status walk_root(au_ctx *ctx, graph_state *gs, int node, size_t im, int main_node, bool dlopened) {
    walk w = {ctx, main_node, LCP_OK};
    au_image *img = &ctx->nodes[node].images[im];
    au_link self = {node, img, NULL, false};
    au_link parent;
    if (dlopened && main_node >= 0 && main_node != node) {
        int mi = image_for(ctx, main_node, img->cputype);
        if (mi >= 0) {
            parent = (au_link){main_node, &ctx->nodes[main_node].images[mi], NULL, false};
            self.parent = &parent;
            self.dlopened = true;
        }
    }
    return visit(&w, gs, &self);
}

static lcp_status unused_rpaths(au_ctx *ctx) {
    for (size_t n = 0; n < ctx->nnodes; n++) {
        au_node *node = &ctx->nodes[n];
        for (size_t i = 0; i < node->nimages; i++) {
            au_image *img = &node->images[i];
            if (img->member)
                continue;
            for (size_t k = 0; k < img->nrpaths; k++) {
                au_load *rp = &img->rpaths[k];
                if (img->rpath_used[k] || rp->state == AU_UNKNOWN)
                    continue;
                /* a relative rpath is never tried (it depends on the current
                 * folder): its relative-path finding says so, "unused, remove
                 * it" would be a guess */
                if (rp->path[0] != '/' && (rp->path[0] != '@' || strncmp(rp->path, "@rpath/", 7) == 0))
                    continue;
                bool dup = false;
                for (size_t j = 0; j < k; j++)
                    dup |= strcmp(img->rpaths[j].path, rp->path) == 0;
                if (dup)
                    continue; /* already reported as duplicate-rpath */
                lcp_status st = au_add_finding(
                    ctx, node, img, LCP_AUDIT_UNUSED_RPATH, lcp_lc_name(rp->cmd), (long)rp->index, 0, rp->path, NULL,
                    NULL,
                    "no @rpath load of this image or of what it loads resolves through it: remove it with "
                    "install_name_tool -delete_rpath (keep it if code dlopen()s @rpath/ paths)");
                if (st != LCP_OK)
                    return st;
            }
        }
    }
    return LCP_OK;
}

/* The @rpath/ loads that no LC_RPATH of their chain resolved, with no main
 * executable known. A library audited on its own (a file argument) or
 * loaded by another image of the tree: only the program that loads it can
 * still resolve it, a warning (loader-rpath), reported per failing chain
 * through its loaders. An image of an audited folder that nothing in the
 * folder loads (no loader in the tree): an error (dangling). */
static bool pending_has_chain(const graph_state *gs, const pending *p) {
    for (size_t i = 0; i < gs->npend; i++)
        if (gs->pend[i].img == p->img && gs->pend[i].load == p->load && gs->pend[i].via != NULL)
            return true;
    return false;
}

static lcp_status pending_findings(au_ctx *ctx, graph_state *gs) {
    char hint[4096];
    lcp_status st = LCP_OK;
    for (size_t i = 0; i < gs->npend && st == LCP_OK; i++) {
        const pending *p = &gs->pend[i];
        const au_load *l = &p->img->loads[p->load];
        bool weak = l->cmd == LCP_LC_LOAD_WEAK_DYLIB;
        /* with loaders, the chains through them are reported (the walk
         * from the image itself is one of them when they have no rpaths) */
        if (p->via == NULL && p->img->has_loader && pending_has_chain(gs, p))
            continue;
        const char *label = ctx->nodes[p->node].label;
        lcp_audit_kind kind;
        if (p->img->has_loader || !ctx->root_is_dir) {
            kind = LCP_AUDIT_LOADER_RPATH;
            snprintf(hint, sizeof hint,
                     "%sno LC_RPATH of %.1024s%s resolves it: only the LC_RPATHs of the program that loads it can "
                     "(give --executable PROGRAM to check them, or add an LC_RPATH to where the library is with "
                     "install_name_tool -add_rpath @loader_path/DIR)",
                     weak ? "weak load: " : "", label,
                     p->img->has_loader ? " nor of its loaders in the audited folder" : "");
        } else {
            kind = weak ? LCP_AUDIT_MISSING_WEAK : LCP_AUDIT_DANGLING;
            snprintf(hint, sizeof hint,
                     "%sno LC_RPATH of %.1024s resolves it and nothing in the audited folder loads it: add an "
                     "LC_RPATH to where the library is (install_name_tool -add_rpath @loader_path/DIR), or give "
                     "--executable PROGRAM if a program outside the folder loads it",
                     weak ? "weak load: " : "", label);
        }
        st = au_add_finding(ctx, &ctx->nodes[p->node], p->img, kind, lcp_lc_name(l->cmd), (long)l->index, 0, l->path,
                            NULL, p->via, hint);
    }
    return st;
}

/* Archive members: not loadable, only their own commands are checked. */
static lcp_status member_checks(au_ctx *ctx, int node, size_t im) {
    walk w = {ctx, -1, LCP_OK};
    au_link self = {node, &ctx->nodes[node].images[im], NULL, false};
    self.img->visited = true;
    return image_checks(&w, &self);
}

lcp_status au_graph(au_ctx *ctx, lcp_error *err) {
    graph_state gs = {NULL, 0, 0, NULL, 0, 0};
    lcp_status st = LCP_OK;
    /* 1. main executables of apps, and --executable */
    for (size_t a = 0; a < ctx->napps && st == LCP_OK; a++) {
        int exe = ctx->exe_override >= 0 ? -1 : ctx->apps[a].exe;
        if (exe < 0)
            continue;
        for (size_t i = 0; i < ctx->nodes[exe].nimages && st == LCP_OK; i++)
            if (ctx->nodes[exe].images[i].member == NULL)
                st = walk_root(ctx, &gs, exe, i, exe, false);
    }
    if (ctx->exe_override >= 0)
        for (size_t i = 0; i < ctx->nodes[ctx->exe_override].nimages && st == LCP_OK; i++)
            if (ctx->nodes[ctx->exe_override].images[i].member == NULL)
                st = walk_root(ctx, &gs, ctx->exe_override, i, ctx->exe_override, false);
    /* 2. every other executable is its own main */
    for (size_t n = 0; n < ctx->nnodes && st == LCP_OK; n++)
        for (size_t i = 0; i < ctx->nodes[n].nimages && st == LCP_OK; i++) {
            au_image *img = &ctx->nodes[n].images[i];
            if (img->member == NULL && img->filetype == LCP_MH_EXECUTE && !img->visited)
                st = walk_root(ctx, &gs, (int)n, i, (int)n, false);
        }
    /* 3. the rest, as dlopen()ed by their bundle's main executable */
    for (size_t n = 0; n < ctx->nnodes && st == LCP_OK; n++)
        for (size_t i = 0; i < ctx->nodes[n].nimages && st == LCP_OK; i++) {
            au_image *img = &ctx->nodes[n].images[i];
            if (img->visited)
                continue;
            if (img->member)
                st = member_checks(ctx, (int)n, i);
            else
                st = walk_root(ctx, &gs, (int)n, i, main_for(ctx, (int)n), true);
        }
    if (st == LCP_OK)
        st = pending_findings(ctx, &gs);
    if (st == LCP_OK)
        st = unused_rpaths(ctx);
    for (size_t i = 0; i < gs.npend; i++)
        free(gs.pend[i].via);
    free(gs.pend);
    free(gs.items);
    if (st != LCP_OK)
        return lcp_error_set(err, st, LCP_NO_OFFSET, "out of memory");
    return LCP_OK;
}
