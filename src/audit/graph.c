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
 * a failing @rpath load is reported once per failing chain (its "via").
 *
 * The files: this one picks the roots and makes the findings judged at the
 * end (pending @rpath/ loads, unused LC_RPATHs); graph_visit.c visits an
 * image in a chain, graph_lookup.c resolves a path, graph_image_checks.c
 * checks what no chain changes, graph_state.c remembers what was walked,
 * graph_hints.c words the hints. */
#include "audit/graph_internal.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
        int mi = au_image_for(ctx, main_node, img->cputype);
        if (mi >= 0) {
            parent = (au_link){main_node, &ctx->nodes[main_node].images[mi], NULL, false};
            self.parent = &parent;
            self.dlopened = true;
        }
    }
    return au_visit(&w, gs, &self);
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
    return au_image_checks(&w, &self);
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
