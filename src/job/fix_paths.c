/* The fix-paths job (include/lcpatch/fix_paths.h): walks the bundle and
 * reads its files into the index, reads each loading file for the planner
 * (src/edit/fix_paths.c, which touches no file), and writes every edited
 * file atomically in place. */
#include "util/buf.h"
#include "edit/fix_paths_model.h"

#include "lcpatch/write.h"
#include "util/walk.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static lcp_status oom(lcp_error *err) { return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory"); }

/* ---- the bundle's index ---- */

/* True when the file's magic is one lcp_file_open may read as Mach-O:
 * the others are not opened at all. */
static bool looks_macho(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    uint8_t b[8];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    lcp_sniff k = n > 0 ? lcp_magic_sniff(b, (size_t)n) : LCP_SNIFF_OTHER;
    return k != LCP_SNIFF_OTHER && k != LCP_SNIFF_ARCHIVE; /* no dylib in an archive */
}

typedef struct index_walk {
    lcp_fix_index *x;
    const char *root;
    lcp_error *err;
} index_walk;

/* Every regular file under the root (symbolic links are not followed:
 * frameworks link Versions/Current, and a cycle must not loop); a file
 * that does not read is not indexed. */
static lcp_status index_visit(void *ctx, const lcp_walk_entry *e, bool *skip) {
    index_walk *w = ctx;
    (void)skip;
    if (!S_ISREG(e->st->st_mode))
        return LCP_OK;
    char *full = lcp_strfmt("%s/%s", w->root, e->rel);
    if (!full)
        return oom(w->err);
    lcp_file *f = NULL;
    lcp_error ferr;
    bool ok = true;
    if (looks_macho(full) && lcp_file_open(full, &f, &ferr) == LCP_OK) {
        ok = lcp_fix_index_add(w->x, e->rel, f);
        lcp_file_free(f);
    }
    free(full);
    return ok ? LCP_OK : oom(w->err);
}

/* ---- the plan ---- */

lcp_status lcp_fix_paths_plan(const char *root, const lcp_fix_problem *problems, size_t n, lcp_fix_plan *plan,
                              lcp_error *err) {
    lcp_fix_plan_init(plan);
    lcp_fix_index x = {NULL, 0, 0};
    index_walk w = {&x, root, err};
    /* folders that cannot be read hold no library to find: passed over */
    lcp_walk_options o = {.max_depth = LCP_WALK_MAX_DEPTH, .visit = index_visit, .ctx = &w};
    lcp_status st = lcp_walk(root, &o, err);
    if (st != LCP_OK) {
        lcp_fix_index_release(&x);
        return st;
    }
    lcp_fix_index_sort(&x);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        const lcp_fix_problem *pr = &problems[i];
        lcp_file *loader = NULL;
        if (pr->file && pr->path && pr->kind != LCP_FIX_RPATH_OUTSIDE &&
            lcp_fix_find_library(&x, pr->path, pr->file, pr->arch)) {
            char *full = lcp_strfmt("%s/%s", root, pr->file);
            st = full ? lcp_file_open(full, &loader, err) : oom(err);
            free(full);
            if (st == LCP_E_IO || st == LCP_E_MALFORMED || st == LCP_E_NOT_MACHO)
                st = LCP_OK; /* an unreadable loader: planned with none */
            if (st != LCP_OK)
                break;
        }
        st = lcp_fix_plan_problem(plan, &x, pr, loader, err);
        lcp_file_free(loader);
    }
    lcp_fix_index_release(&x);
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

static lcp_status apply_file(const char *root, const lcp_fix_plan *p, const char *file, unsigned write_flags,
                             lcp_fix_result *r, lcp_error *err) {
    char *full = lcp_strfmt("%s/%s", root, file);
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
        size_t n = lcp_fix_edits_for(p, file, img, edits);
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
