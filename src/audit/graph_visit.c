/* One visit of the graph walk: an image in one load chain. Its loads are
 * resolved (once per chain context) and followed, failures become
 * findings, and its constant dlopen() and CFBundleCreate() paths are
 * looked up as loads from it. */
#include "audit/graph_internal.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool in_chain(const au_link *chain, const au_image *img) {
    for (const au_link *l = chain; l; l = l->parent)
        if (l->img == img)
            return true;
    return false;
}

static bool chain_dlopened(const au_link *chain) {
    for (const au_link *l = chain; l; l = l->parent)
        if (l->dlopened)
            return true;
    return false;
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

lcp_status au_visit(walk *w, graph_state *gs, const au_link *self) {
    au_ctx *ctx = w->ctx;
    au_image *img = self->img;
    if (w->st != LCP_OK)
        return w->st;
    if (++ctx->visits > 2000000)
        return LCP_OK; /* pathological graphs: stop exploring contexts, every image is still checked once */
    if (!au_visited_insert(ctx, au_visit_key(self, w->main_node)))
        return LCP_OK;
    lcp_status st = LCP_OK;
    if (!img->visited) {
        img->visited = true;
        if ((st = au_image_checks(w, self)) != LCP_OK)
            return st;
    }
    bool dlopened = chain_dlopened(self);
    if (w->main_node >= 0 && !dlopened) {
        img->in_main_graph = true;
        if (!au_loaded_add(gs, img, w->main_node))
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
            au_lookup_rpath(ctx, self, w->main_node, l->path, &lk);
            if (lk.where == AU_NONE && dlopened) {
                const loaded *ld = au_loaded_find(gs, img->cputype, l->path, w->main_node);
                if (ld) {
                    lk.where = AU_BUNDLE;
                    lk.node = -1; /* already walked in the main graph */
                }
            }
            /* no main executable: the loader that provides the rest of the
             * rpath stack is unknown (a library audited on its own); judged
             * at the end (pending_findings), when its loaders are known */
            if (lk.where == AU_NONE && w->main_node < 0) {
                if (!au_pending_add(gs, self, i, au_chain_via(ctx, self)))
                    return LCP_E_NOMEM;
                lk.where = AU_UNKNOWN;
            }
        } else if (au_has_prefix_var(l->path, "@executable_path") && !l->done) {
            au_lookup_plain(ctx, self->node, img, w->main_node, l->path, &lk);
        } else if (l->done) {
            lk.where = (au_where)l->state;
            snprintf(lk.resolved, sizeof lk.resolved, "%s", l->resolved ? l->resolved : "");
            lk.node = l->node;
            lk.image = (int)l->image;
            snprintf(lk.note, sizeof lk.note, "%s", l->note ? l->note : "");
            lk.loop = false;
        } else {
            au_lookup_plain(ctx, self->node, img, w->main_node, l->path, &lk);
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
                bool reused = dlopened && au_is_loaded(gs, child, w->main_node);
                if (!in_chain(self, child) && !reused) {
                    au_link next = {lk.node, child, self, false};
                    st = au_visit(w, gs, &next);
                }
            }
            break;
        case AU_NONE:
            if (is_rpath)
                via = au_chain_via(ctx, self);
            if (is_rpath && weak)
                au_fix_hint(hint, sizeof hint, &lk,
                            "weak load: no LC_RPATH of the load chain holds it; the app runs without it, but "
                            "bundle it or remove the load");
            else if (is_rpath) {
                char tried[1024], base[1400];
                if (au_chain_rpaths(self, tried, sizeof tried) > 0)
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
                au_fix_hint(hint, sizeof hint, &lk, base);
            } else if (l->path[0] == '/' && (owner = au_node_with_id(ctx, img->cputype, l->path)) >= 0) {
                const char *leaf = strrchr(l->path, '/') + 1;
                snprintf(hint, sizeof hint,
                         "%.1024s in the bundle has this install name: load it through @rpath/ "
                         "(install_name_tool -change %.1024s @rpath/%.256s, and -id @rpath/%.256s on the library)",
                         ctx->nodes[owner].label, l->path, leaf, leaf);
            } else if (l->path[0] == '/')
                au_fix_hint(hint, sizeof hint, &lk,
                            weak ? "weak load of a library that users do not have: bundle it or remove the load"
                                 : "users do not have this library: copy it into the bundle and change the load with "
                                   "install_name_tool -change OLD @rpath/NAME");
            else
                au_fix_hint(hint, sizeof hint, &lk,
                            weak ? "weak load: nothing at the expanded path; bundle the library there or remove the "
                                   "load"
                                 : "nothing at the expanded path: copy the library there or fix the path with "
                                   "install_name_tool -change");
            st = au_emit(w, self, weak ? LCP_AUDIT_MISSING_WEAK : LCP_AUDIT_DANGLING, l, NULL, via, hint);
            break;
        case AU_OUTSIDE:
            if (is_rpath)
                via = au_chain_via(ctx, self);
            snprintf(hint, sizeof hint,
                     "found only at %.1024s, outside the bundle, where users will not have it: copy it into the bundle "
                     "and load it through @rpath/ or @loader_path/",
                     lk.resolved);
            st = au_emit(w, self, LCP_AUDIT_OUTSIDE_BUNDLE, l, lk.resolved, via, hint);
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
            au_through_wrapper(hint, sizeof hint, c);
            st = au_add_finding(ctx, &ctx->nodes[self->node], img, LCP_AUDIT_DLOPEN, c->function, -1, c->address, p,
                                NULL, NULL, hint);
            continue;
        }
        if (strncmp(p, "@rpath/", 7) == 0) {
            au_lookup_rpath(ctx, self, w->main_node, p, &lk);
            if (lk.where == AU_NONE && w->main_node < 0)
                continue; /* the caller's rpath stack is unknown */
        } else
            au_lookup_plain(ctx, self->node, img, w->main_node, p, &lk);
        if (lk.where == AU_NONE || lk.where == AU_OUTSIDE) {
            char *via = strncmp(p, "@rpath/", 7) == 0 ? au_chain_via(ctx, self) : NULL;
            if (lk.where == AU_NONE)
                au_fix_hint(hint, sizeof hint, &lk,
                            "this dlopen() finds nothing on the user's Mac: bundle the library and pass an @rpath/ or "
                            "@loader_path/ path (or handle the failure)");
            else
                snprintf(hint, sizeof hint,
                         "this dlopen() finds %.1024s only outside the bundle: bundle the library and pass an @rpath/ "
                         "or @loader_path/ path",
                         lk.resolved);
            au_through_wrapper(hint, sizeof hint, c);
            st = au_add_finding(ctx, &ctx->nodes[self->node], img, LCP_AUDIT_DLOPEN, c->function, -1, c->address, p,
                                lk.where == AU_OUTSIDE ? lk.resolved : NULL, via, hint);
            free(via);
        }
    }
    if (st != LCP_OK)
        w->st = st;
    return st;
}
