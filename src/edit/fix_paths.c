/* Fixing a bundle's load paths, the pure half (edit/fix_paths_model.h):
 * the bundle's index, the edits each problem needs, and the name edits of
 * one image. No file is opened here: src/job/fix_paths.c walks, reads and
 * writes. */
#include "util/buf.h"
#include "edit/fix_paths_model.h"

#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "util/path.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- small string helpers ---- */

static char *dupstr(const char *s) { return s ? strdup(s) : NULL; }

static bool same(const char *a, const char *b) {
    if (!a || !b)
        return a == b;
    return strcmp(a, b) == 0;
}

static const char *base_name(const char *p) {
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* The folder of a root-relative file ("" at the top). */
static char *dir_of(const char *p) {
    const char *s = strrchr(p, '/');
    if (!s)
        return strdup("");
    char *d = malloc((size_t)(s - p) + 1);
    if (d) {
        memcpy(d, p, (size_t)(s - p));
        d[s - p] = '\0';
    }
    return d;
}

/* The relative path from folder `from` to folder `to` (both normalised,
 * root-relative): "" when equal, else "../../x/y". */
static char *relative(const char *from, const char *to) {
    size_t i = 0, common = 0;
    /* the longest common prefix that ends at a component boundary */
    while (from[i] && to[i] && from[i] == to[i]) {
        i++;
        if ((from[i] == '/' || from[i] == '\0') && (to[i] == '/' || to[i] == '\0'))
            common = i;
    }
    if (from[0] == '\0' || to[0] == '\0')
        common = 0;
    const char *f = from + common, *t = to + common;
    while (*f == '/')
        f++;
    while (*t == '/')
        t++;
    size_t ups = 0;
    if (*f) {
        ups = 1;
        for (const char *c = f; *c; c++)
            ups += *c == '/';
    }
    size_t tl = strlen(t);
    char *r = malloc(ups * 3 + tl + 1);
    if (!r)
        return NULL;
    size_t n = 0;
    for (size_t k = 0; k < ups; k++) {
        memcpy(r + n, "../", 3);
        n += 3;
    }
    memcpy(r + n, t, tl);
    n += tl;
    if (n > 0 && r[n - 1] == '/')
        n--;
    r[n] = '\0';
    return r;
}

/* ---- the bundle's index ---- */

void lcp_fix_index_release(lcp_fix_index *x) {
    for (size_t i = 0; i < x->n; i++) {
        free(x->e[i].rel);
        free(x->e[i].id);
    }
    free(x->e);
}

bool lcp_fix_index_add(lcp_fix_index *x, const char *rel, const lcp_file *f) {
    lcp_fix_lib en = {NULL, NULL, ","};
    bool is_dylib = false;
    for (size_t s = 0; s < f->nslices; s++) {
        const lcp_image *img = f->slices[s].image;
        if (!img || img->filetype != LCP_MH_DYLIB)
            continue;
        is_dylib = true;
        char abuf[48];
        const char *a = lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf);
        size_t used = strlen(en.archs);
        if (used + strlen(a) + 2 < sizeof en.archs)
            snprintf(en.archs + used, sizeof en.archs - used, "%s,", a);
        long i = lcp_image_find(img, LCP_LC_ID_DYLIB, 0);
        const char *id;
        if (i >= 0 && !en.id && lcp_image_cmd_string(img, (size_t)i, &id) && !(en.id = strdup(id)))
            return false;
    }
    if (!is_dylib) {
        free(en.id);
        return true;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        lcp_fix_lib *v = realloc(x->e, cap * sizeof *v);
        if (!v) {
            free(en.id);
            return false;
        }
        x->e = v;
        x->cap = cap;
    }
    en.rel = strdup(rel);
    if (!en.rel) {
        free(en.id);
        return false;
    }
    x->e[x->n++] = en;
    return true;
}

static int cmp_lib(const void *a, const void *b) {
    return strcmp(((const lcp_fix_lib *)a)->rel, ((const lcp_fix_lib *)b)->rel);
}

void lcp_fix_index_sort(lcp_fix_index *x) {
    if (x->n > 1)
        qsort(x->e, x->n, sizeof *x->e, cmp_lib);
}

/* Whether the library has a slice dyld can load for `arch` (any when NULL). */
static bool has_arch(const lcp_fix_lib *e, const char *arch) {
    if (!arch)
        return true;
    char key[64];
    snprintf(key, sizeof key, ",%s,", arch);
    return strstr(e->archs, key) != NULL;
}

const lcp_fix_lib *lcp_fix_find_library(const lcp_fix_index *x, const char *path, const char *loader,
                                        const char *arch) {
    for (size_t i = 0; i < x->n; i++)
        if (x->e[i].id && strcmp(x->e[i].id, path) == 0 && strcmp(x->e[i].rel, loader) != 0 && has_arch(&x->e[i], arch))
            return &x->e[i];
    const char *name = base_name(path);
    if (!name[0])
        return NULL;
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(base_name(x->e[i].rel), name) == 0 && strcmp(x->e[i].rel, loader) != 0 && has_arch(&x->e[i], arch))
            return &x->e[i];
    return NULL;
}

/* ---- the plan ---- */

void lcp_fix_plan_init(lcp_fix_plan *p) { memset(p, 0, sizeof *p); }

void lcp_fix_plan_release(lcp_fix_plan *p) {
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->actions[i].file);
        free(p->actions[i].arch);
        free(p->actions[i].old_path);
        free(p->actions[i].new_path);
        free(p->actions[i].target);
    }
    free(p->actions);
    memset(p, 0, sizeof *p);
}

static bool has_action(const lcp_fix_plan *p, lcp_fix_action_kind k, const char *file, const char *arch,
                       const char *old_path, const char *new_path) {
    for (size_t i = 0; i < p->n; i++) {
        const lcp_fix_action *a = &p->actions[i];
        if (a->kind == k && same(a->file, file) && same(a->arch, arch) && same(a->old_path, old_path) &&
            same(a->new_path, new_path))
            return true;
    }
    return false;
}

static bool add_action(lcp_fix_plan *p, lcp_fix_action_kind k, const char *file, const char *arch, const char *old_path,
                       const char *new_path, const char *target) {
    if (has_action(p, k, file, arch, old_path, new_path))
        return true;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        lcp_fix_action *v = realloc(p->actions, cap * sizeof *v);
        if (!v)
            return false;
        p->actions = v;
        p->cap = cap;
    }
    lcp_fix_action a = {k, dupstr(file), dupstr(arch), dupstr(old_path), dupstr(new_path), dupstr(target)};
    if (!a.file || (arch && !a.arch) || (old_path && !a.old_path) || (new_path && !a.new_path) ||
        (target && !a.target)) {
        free(a.file), free(a.arch), free(a.old_path), free(a.new_path), free(a.target);
        return false;
    }
    p->actions[p->n++] = a;
    return true;
}

static bool arch_matches(const lcp_image *img, const char *arch) {
    if (!arch)
        return true;
    char buf[64];
    return strcmp(lcp_arch_label(img->cputype, img->cpusubtype, buf, sizeof buf), arch) == 0;
}

/* Whether an image of the loading file (those of `arch`) already has an
 * LC_RPATH leading to root-relative folder `dir`; *is_exec tells whether
 * the loading file is an executable (then @executable_path is its folder). */
static bool rpath_reaches(const lcp_file *f, const char *arch, const char *loader_dir, const char *dir, bool *is_exec) {
    bool found = false;
    *is_exec = false;
    for (size_t s = 0; s < f->nslices; s++) {
        const lcp_image *img = f->slices[s].image;
        if (!img || !arch_matches(img, arch))
            continue;
        if (img->filetype == LCP_MH_EXECUTE)
            *is_exec = true;
        for (size_t i = 0; i < img->ncmds && !found; i++) {
            const char *rp;
            if (img->lc[i].cmd != LCP_LC_RPATH || !lcp_image_cmd_string(img, i, &rp))
                continue;
            const char *rest = NULL;
            if (strncmp(rp, "@loader_path", 12) == 0)
                rest = rp + 12;
            else if (strncmp(rp, "@executable_path", 16) == 0 && img->filetype == LCP_MH_EXECUTE)
                rest = rp + 16;
            if (!rest || (rest[0] != '\0' && rest[0] != '/'))
                continue;
            char *joined = lcp_strfmt("%s/%s", loader_dir, rest);
            found = joined && lcp_path_normalize(joined, LCP_PATH_IN_ROOT) && strcmp(joined, dir) == 0;
            free(joined);
        }
    }
    return found;
}

/* Where the rpath must lead and the @rpath name for a bundled library: the
 * folder holding X.framework and "X.framework/..." inside a framework, else
 * the library's folder and its file name. */
static bool rpath_target(const char *rel, char **dir, char **name) {
    const char *p = rel;
    while (p) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (slash && len > 10 && memcmp(p + len - 10, ".framework", 10) == 0) {
            size_t dl = p == rel ? 0 : (size_t)(p - rel - 1);
            *dir = malloc(dl + 1);
            *name = strdup(p);
            if (!*dir || !*name)
                return false;
            memcpy(*dir, rel, dl);
            (*dir)[dl] = '\0';
            return true;
        }
        p = slash ? slash + 1 : NULL;
    }
    *dir = dir_of(rel);
    *name = strdup(base_name(rel));
    return *dir && *name;
}

static lcp_status oom(lcp_error *err) { return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory"); }

static lcp_status plan_load(const lcp_fix_index *x, const lcp_fix_problem *pr, const lcp_file *f, lcp_fix_plan *plan,
                            lcp_error *err) {
    const lcp_fix_lib *lib = lcp_fix_find_library(x, pr->path, pr->file, pr->arch);
    if (!lib)
        return add_action(plan, LCP_FIX_UNRESOLVED, pr->file, pr->arch, pr->path, NULL, NULL) ? LCP_OK : oom(err);
    char *dir = NULL, *name = NULL, *newname = NULL, *loader_dir = NULL, *rel = NULL, *rp = NULL;
    lcp_status st = LCP_OK;
    if (!rpath_target(lib->rel, &dir, &name) || !(newname = lcp_strfmt("@rpath/%s", name)) ||
        !(loader_dir = dir_of(pr->file))) {
        st = oom(err);
        goto out;
    }
    if (strcmp(newname, pr->path) != 0 &&
        !add_action(plan, LCP_FIX_CHANGE, pr->file, pr->arch, pr->path, newname, lib->rel)) {
        st = oom(err);
        goto out;
    }
    if (lib->id && lib->id[0] == '/' && strcmp(lib->id, newname) != 0 &&
        !add_action(plan, LCP_FIX_SET_ID, lib->rel, NULL, lib->id, newname, NULL)) {
        st = oom(err);
        goto out;
    }
    if (f == NULL) {
        /* an unreadable loader: its load stays as it is */
        st = add_action(plan, LCP_FIX_UNRESOLVED, pr->file, pr->arch, pr->path, NULL, NULL) ? LCP_OK : oom(err);
        goto out;
    }
    bool is_exec;
    if (rpath_reaches(f, pr->arch, loader_dir, dir, &is_exec))
        goto out;
    if (!(rel = relative(loader_dir, dir)) ||
        !(rp = lcp_strfmt("%s%s%s", is_exec ? "@executable_path" : "@loader_path", rel[0] ? "/" : "", rel)) ||
        !add_action(plan, LCP_FIX_ADD_RPATH, pr->file, pr->arch, NULL, rp, NULL))
        st = oom(err);
out:
    free(dir), free(name), free(newname), free(loader_dir), free(rel), free(rp);
    return st;
}

lcp_status lcp_fix_plan_problem(lcp_fix_plan *plan, const lcp_fix_index *x, const lcp_fix_problem *pr,
                                const lcp_file *loader, lcp_error *err) {
    if (!pr->file || !pr->path)
        return LCP_OK;
    if (pr->kind == LCP_FIX_RPATH_OUTSIDE)
        return add_action(plan, LCP_FIX_DELETE_RPATH, pr->file, pr->arch, pr->path, NULL, NULL) ? LCP_OK : oom(err);
    return plan_load(x, pr, loader, plan, err);
}

/* ---- the edits of one image ---- */

static bool image_has(const lcp_image *img, uint32_t cmd, const char *path) {
    for (size_t i = 0; i < img->ncmds; i++) {
        const char *s;
        if (img->lc[i].cmd == cmd && lcp_image_cmd_string(img, i, &s) && strcmp(s, path) == 0)
            return true;
    }
    return false;
}

size_t lcp_fix_edits_for(const lcp_fix_plan *p, const char *file, const lcp_image *img, lcp_name_edit *e) {
    size_t n = 0;
    for (size_t i = 0; i < p->n; i++) {
        const lcp_fix_action *a = &p->actions[i];
        if (strcmp(a->file, file) != 0 || !arch_matches(img, a->arch))
            continue;
        switch (a->kind) {
        case LCP_FIX_CHANGE: e[n++] = (lcp_name_edit){LCP_NAME_CHANGE, a->old_path, a->new_path}; break;
        case LCP_FIX_SET_ID:
            if (!image_has(img, LCP_LC_ID_DYLIB, a->new_path)) {
                bool dup = false;
                for (size_t k = 0; k < n; k++)
                    dup |= e[k].kind == LCP_NAME_ID;
                if (!dup)
                    e[n++] = (lcp_name_edit){LCP_NAME_ID, NULL, a->new_path};
            }
            break;
        case LCP_FIX_ADD_RPATH:
            if (!image_has(img, LCP_LC_RPATH, a->new_path))
                e[n++] = (lcp_name_edit){LCP_NAME_ADD_RPATH, NULL, a->new_path};
            break;
        case LCP_FIX_DELETE_RPATH:
            if (image_has(img, LCP_LC_RPATH, a->old_path))
                e[n++] = (lcp_name_edit){LCP_NAME_DELETE_RPATH, a->old_path, NULL};
            break;
        case LCP_FIX_UNRESOLVED: break;
        }
    }
    return n;
}
