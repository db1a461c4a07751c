/* Fixing a bundle's load paths (include/lcpatch/fix_paths.h): an index of
 * the bundle's libraries, the edits each problem needs, and their
 * application file by file through lcp_image_edit_names and an atomic
 * in-place write. */
#include "lcpatch/fix_paths.h"

#include "lcpatch/dylib_edit.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"
#include "lcpatch/macho.h"
#include "lcpatch/write.h"
#include "util/path.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { MAX_DEPTH = 64 };

/* ---- small string helpers ---- */

static char *dupstr(const char *s) { return s ? strdup(s) : NULL; }

static char *fmt(const char *f, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
static char *fmt(const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, f);
    vsnprintf(s, (size_t)n + 1, f, ap);
    va_end(ap);
    return s;
}

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

struct entry {
    char *rel;       /* root-relative path of a regular file */
    char *id;        /* its first LC_ID_DYLIB, or NULL */
    bool is_dylib;   /* a slice is MH_DYLIB */
    char archs[128]; /* ",x86_64,arm64," : the architectures of its MH_DYLIB slices */
};

struct index {
    struct entry *e;
    size_t n, cap;
};

static void index_release(struct index *x) {
    for (size_t i = 0; i < x->n; i++) {
        free(x->e[i].rel);
        free(x->e[i].id);
    }
    free(x->e);
}

static bool looks_macho(const char *full) {
    FILE *fp = fopen(full, "rb");
    if (!fp)
        return false;
    unsigned char m[4];
    bool ok = fread(m, 1, 4, fp) == 4;
    fclose(fp);
    if (!ok)
        return false;
    uint32_t be = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    return be == 0xfeedfaceu || be == 0xcefaedfeu || be == 0xfeedfacfu || be == 0xcffaedfeu || be == 0xcafebabeu ||
           be == 0xcafebabfu;
}

static bool add_entry(struct index *x, const char *root, const char *rel) {
    char *full = fmt("%s/%s", root, rel);
    if (!full)
        return false;
    if (!looks_macho(full)) {
        free(full);
        return true;
    }
    lcp_file *f = NULL;
    lcp_error err;
    struct entry en = {NULL, NULL, false, ","};
    if (lcp_file_open(full, &f, &err) == LCP_OK) {
        for (size_t s = 0; s < f->nslices; s++) {
            lcp_image *img = f->slices[s].image;
            if (!img || img->filetype != LCP_MH_DYLIB)
                continue;
            en.is_dylib = true;
            char abuf[48];
            const char *a = lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf);
            size_t used = strlen(en.archs);
            if (used + strlen(a) + 2 < sizeof en.archs)
                snprintf(en.archs + used, sizeof en.archs - used, "%s,", a);
            long i = lcp_image_find(img, LCP_LC_ID_DYLIB, 0);
            const char *id;
            if (i >= 0 && !en.id && lcp_image_cmd_string(img, (size_t)i, &id))
                en.id = strdup(id);
        }
        lcp_file_free(f);
    }
    free(full);
    if (!en.is_dylib) {
        free(en.id);
        return true;
    }
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 32;
        struct entry *v = realloc(x->e, cap * sizeof *v);
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

/* Every regular file under root/rel (symbolic links are not followed:
 * frameworks link Versions/Current, and a cycle must not loop). */
static bool walk(struct index *x, const char *root, const char *rel, int depth) {
    if (depth > MAX_DEPTH)
        return true;
    char *full = rel[0] ? fmt("%s/%s", root, rel) : strdup(root);
    if (!full)
        return false;
    DIR *d = opendir(full);
    free(full);
    if (!d)
        return true;
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *r = rel[0] ? fmt("%s/%s", rel, de->d_name) : strdup(de->d_name);
        char *fp = r ? fmt("%s/%s", root, r) : NULL;
        struct stat sb;
        if (!r || !fp)
            ok = false;
        else if (lstat(fp, &sb) == 0) {
            if (S_ISDIR(sb.st_mode))
                ok = walk(x, root, r, depth + 1);
            else if (S_ISREG(sb.st_mode))
                ok = add_entry(x, root, r);
        }
        free(fp);
        free(r);
    }
    closedir(d);
    return ok;
}

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const struct entry *)a)->rel, ((const struct entry *)b)->rel);
}

/* Whether the library has a slice dyld can load for `arch` (any when NULL). */
static bool has_arch(const struct entry *e, const char *arch) {
    if (!arch)
        return true;
    char key[64];
    snprintf(key, sizeof key, ",%s,", arch);
    return strstr(e->archs, key) != NULL;
}

/* The bundled library a load path names: by install name first, then by
 * file name; one with a slice of the loader's architecture, never the
 * loading file itself. */
static const struct entry *find_library(const struct index *x, const char *path, const char *loader, const char *arch) {
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
            char *joined = fmt("%s/%s", loader_dir, rest);
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

static lcp_status plan_load(const char *root, const struct index *x, const lcp_fix_problem *pr, lcp_fix_plan *plan,
                            lcp_error *err) {
    const struct entry *lib = find_library(x, pr->path, pr->file, pr->arch);
    if (!lib)
        return add_action(plan, LCP_FIX_UNRESOLVED, pr->file, pr->arch, pr->path, NULL, NULL) ? LCP_OK : oom(err);
    char *dir = NULL, *name = NULL, *newname = NULL, *loader_dir = NULL, *rel = NULL, *rp = NULL, *full = NULL;
    lcp_status st = LCP_OK;
    lcp_file *f = NULL;
    if (!rpath_target(lib->rel, &dir, &name) || !(newname = fmt("@rpath/%s", name)) ||
        !(loader_dir = dir_of(pr->file)) || !(full = fmt("%s/%s", root, pr->file))) {
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
    st = lcp_file_open(full, &f, err);
    if (st != LCP_OK)
        goto out;
    bool is_exec;
    if (rpath_reaches(f, pr->arch, loader_dir, dir, &is_exec))
        goto out;
    if (!(rel = relative(loader_dir, dir)) ||
        !(rp = fmt("%s%s%s", is_exec ? "@executable_path" : "@loader_path", rel[0] ? "/" : "", rel)) ||
        !add_action(plan, LCP_FIX_ADD_RPATH, pr->file, pr->arch, NULL, rp, NULL))
        st = oom(err);
out:
    lcp_file_free(f);
    free(dir), free(name), free(newname), free(loader_dir), free(rel), free(rp), free(full);
    return st;
}

lcp_status lcp_fix_paths_plan(const char *root, const lcp_fix_problem *problems, size_t n, lcp_fix_plan *plan,
                              lcp_error *err) {
    lcp_fix_plan_init(plan);
    struct index x = {NULL, 0, 0};
    if (!walk(&x, root, "", 0)) {
        index_release(&x);
        return oom(err);
    }
    if (x.n > 1)
        qsort(x.e, x.n, sizeof *x.e, cmp_entry);
    lcp_status st = LCP_OK;
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        const lcp_fix_problem *pr = &problems[i];
        if (!pr->file || !pr->path)
            continue;
        if (pr->kind == LCP_FIX_RPATH_OUTSIDE) {
            if (!add_action(plan, LCP_FIX_DELETE_RPATH, pr->file, pr->arch, pr->path, NULL, NULL))
                st = oom(err);
        } else {
            st = plan_load(root, &x, pr, plan, err);
            if (st == LCP_E_IO || st == LCP_E_MALFORMED || st == LCP_E_NOT_MACHO) {
                /* an unreadable loader: its load stays as it is */
                st = add_action(plan, LCP_FIX_UNRESOLVED, pr->file, pr->arch, pr->path, NULL, NULL) ? LCP_OK : oom(err);
            }
        }
    }
    index_release(&x);
    if (st != LCP_OK)
        lcp_fix_plan_release(plan);
    return st;
}

/* ---- applying it ---- */

void lcp_fix_result_init(lcp_fix_result *r) { memset(r, 0, sizeof *r); }

void lcp_fix_result_release(lcp_fix_result *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->nfailures; i++)
        free(r->failures[i].file);
    free(r->failures);
    memset(r, 0, sizeof *r);
}

static bool add_failure(lcp_fix_result *r, const char *file, const lcp_error *e) {
    lcp_fix_failure *v = realloc(r->failures, (r->nfailures + 1) * sizeof *v);
    if (!v)
        return false;
    r->failures = v;
    v[r->nfailures].file = strdup(file);
    v[r->nfailures].error = *e;
    if (!v[r->nfailures].file)
        return false;
    r->nfailures++;
    return true;
}

static bool image_has(const lcp_image *img, uint32_t cmd, const char *path) {
    for (size_t i = 0; i < img->ncmds; i++) {
        const char *s;
        if (img->lc[i].cmd == cmd && lcp_image_cmd_string(img, i, &s) && strcmp(s, path) == 0)
            return true;
    }
    return false;
}

/* The edits of `file` that apply to img, into e (capacity cap). */
static size_t edits_for(const lcp_fix_plan *p, const char *file, const lcp_image *img, lcp_name_edit *e) {
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

static lcp_status apply_file(const char *root, const lcp_fix_plan *p, const char *file, unsigned write_flags,
                             lcp_fix_result *r, lcp_error *err) {
    char *full = fmt("%s/%s", root, file);
    if (!full)
        return oom(err);
    lcp_file *f = NULL;
    lcp_error e;
    lcp_name_edit *edits = calloc(p->n ? p->n : 1, sizeof *edits);
    lcp_plan plan;
    lcp_plan_init(&plan);
    lcp_status st = edits ? lcp_file_open(full, &f, &e) : oom(err);
    size_t changed = 0;
    bool failed = st != LCP_OK;
    uint64_t pos = 0;
    for (size_t s = 0; !failed && s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image;
        if (!img)
            continue;
        size_t n = edits_for(p, file, img, edits);
        lcp_name_report rep;
        if (n && lcp_image_edit_names(img, edits, n, 0, &rep, &e) != LCP_OK) {
            char abuf[64];
            lcp_error_prefix(&e, "%s (%s)", file, lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
            failed = true;
        } else if (n) {
            changed += rep.changed;
        }
        if (n)
            lcp_name_report_release(&rep);
        /* the plan: everything before this image copied, the image re-emitted */
        if (failed)
            break;
        if (img->offset < pos) {
            lcp_error_set(&e, LCP_E_MALFORMED, img->offset, "%s: slices out of order", file);
            failed = true;
        } else if (lcp_plan_add_copy(&plan, pos, img->offset - pos, &e) != LCP_OK ||
                   lcp_plan_add_image(&plan, img, img->size, &e) != LCP_OK)
            failed = true;
        else
            pos = img->offset + img->size;
    }
    if (st == LCP_E_NOMEM) {
        free(full);
        free(edits);
        return st;
    }
    if (!failed && changed > 0) {
        char resolved[PATH_MAX];
        const char *target = realpath(full, resolved) ? resolved : full; /* keep symlinks */
        if ((pos < f->src.size && lcp_plan_add_copy(&plan, pos, f->src.size - pos, &e) != LCP_OK) ||
            lcp_plan_write_file_flags(&plan, &f->src, target, full, write_flags, &e) != LCP_OK)
            failed = true;
        else {
            r->files_changed++;
            r->edits += changed;
        }
    }
    st = LCP_OK;
    if (failed && !add_failure(r, file, &e))
        st = oom(err);
    lcp_plan_release(&plan);
    lcp_file_free(f);
    free(edits);
    free(full);
    return st;
}

lcp_status lcp_fix_paths_apply(const char *root, const lcp_fix_plan *p, unsigned write_flags, lcp_fix_result *r,
                               lcp_error *err) {
    lcp_fix_result_init(r);
    lcp_status st = LCP_OK;
    for (size_t i = 0; i < p->n && st == LCP_OK; i++) {
        if (p->actions[i].kind == LCP_FIX_UNRESOLVED)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = p->actions[k].kind != LCP_FIX_UNRESOLVED && strcmp(p->actions[k].file, p->actions[i].file) == 0;
        if (!seen)
            st = apply_file(root, p, p->actions[i].file, write_flags, r, err);
    }
    return st;
}
