/* The findings of one image that do not depend on its load chain:
 * duplicate, relative and out-of-bundle LC_RPATHs, relative load paths and
 * an absolute install name in a bundle. Checked once per image. */
#include "audit/graph_internal.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *command_name(uint32_t cmd) { return lcp_lc_name(cmd); }

lcp_status au_emit(walk *w, const au_link *self, lcp_audit_kind kind, const au_load *l, const char *resolved,
                   const char *via, const char *hint) {
    au_ctx *ctx = w->ctx;
    lcp_status st = au_add_finding(ctx, &ctx->nodes[self->node], self->img, kind, command_name(l->cmd), (long)l->index,
                                   0, l->path, resolved, via, hint);
    return st;
}

/* Checks that do not depend on the chain: once per image. */
lcp_status au_image_checks(walk *w, const au_link *self) {
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
                st = au_emit(w, self, LCP_AUDIT_DUPLICATE_RPATH, rp, NULL, NULL, hint);
                break;
            }
        if (st != LCP_OK)
            break;
        enum expand e = au_expand(ctx, self->node, w->main_node, rp->path, exp, sizeof exp);
        if (e == EX_RELATIVE || e == EX_RPATH) {
            st = au_emit(w, self, LCP_AUDIT_RELATIVE_PATH, rp, NULL, NULL,
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
            st = au_emit(w, self, LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, rp, NULL, NULL, hint);
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
            st = au_emit(w, self, LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, rp, res.path[0] == '/' ? NULL : res.path, NULL, hint);
        }
    }
    for (size_t i = 0; i < img->nloads && st == LCP_OK; i++) {
        const au_load *l = &img->loads[i];
        if (l->path[0] != '@' && l->path[0] != '/')
            st = au_emit(w, self, LCP_AUDIT_RELATIVE_PATH, l, NULL, NULL,
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
        st = au_emit(w, self, LCP_AUDIT_ABSOLUTE_ID, &idl, NULL, NULL, hint);
    }
    return st;
}
