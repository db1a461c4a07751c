/* A bundle's signature outside its main executable: where its parts are
 * (Contents/ for a macOS app, Versions/<current>/ for a framework, the
 * root for a shallow bundle), and the resource seal
 * _CodeSignature/CodeResources compared with the files on disk, as
 * codesign --verify --strict does: files2 (SHA-256 hash2) or files (SHA-1
 * hash), optional entries, the rules2 (or rules) regexes with omit,
 * optional, nested and weight, symlinks by target, nested code by cdhash.
 * Regexes are POSIX extended (regcomp), which covers codesign's default
 * rules. */
#include "format/cs_plist.h"
#include "lcpatch/audit.h"
#include "lcpatch/codesign.h"
#include "util/checked.h"
#include "util/path.h"
#include "util/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_SMALL_FILE (64u << 20) /* Info.plist, CodeResources */

static char *join(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *s = malloc(na + nb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, na);
    s[na] = '/';
    memcpy(&s[na + 1], b, nb + 1);
    return s;
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}
static bool is_dir(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* A whole small file; LCP_E_NOTFOUND when absent. */
static lcp_status slurp(const char *path, uint8_t **out, size_t *len, lcp_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return lcp_error_set(err, errno == ENOENT ? LCP_E_NOTFOUND : LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path,
                             strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_SMALL_FILE) {
        close(fd);
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: not a regular file of at most %u bytes", path,
                             MAX_SMALL_FILE);
    }
    size_t n = (size_t)st.st_size, got = 0;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    while (got < n) {
        ssize_t r = read(fd, &buf[got], n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            free(buf);
            close(fd);
            return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: short read", path);
        }
        got += (size_t)r;
    }
    close(fd);
    *out = buf;
    *len = n;
    return LCP_OK;
}

void lcp_cs_bundle_release(lcp_cs_bundle *b) {
    if (!b)
        return;
    free(b->root);
    free(b->base);
    free(b->executable);
    free(b->info_path);
    free(b->info_plist);
    free(b->resources);
    memset(b, 0, sizeof *b);
}

static char *dup_str(const char *s) {
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

lcp_status lcp_cs_bundle_open(const char *path, lcp_cs_bundle *b, lcp_error *err) {
    memset(b, 0, sizeof *b);
    if (!(b->root = dup_str(path)))
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    /* The base: the folder whose _CodeSignature seals it, else the
     * folder that holds Info.plist. */
    static const char *bases[] = {"Contents", "Versions/Current", ""};
    static const char *infos[] = {"Info.plist", "Resources/Info.plist"};
    for (size_t i = 0; i < sizeof bases / sizeof bases[0] && !b->base; i++) {
        char *base = bases[i][0] ? join(path, bases[i]) : dup_str(path);
        if (!base)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        char *seal = join(base, "_CodeSignature/CodeResources");
        bool found = seal && is_file(seal);
        for (size_t k = 0; !found && k < 2; k++) {
            char *ip = join(base, infos[k]);
            found = ip && is_file(ip);
            free(ip);
        }
        free(seal);
        if (found && is_dir(base))
            b->base = base;
        else
            free(base);
    }
    if (!b->base)
        return lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET,
                             "%s: not a bundle (no Info.plist, no _CodeSignature/CodeResources)", path);
    lcp_status st;
    for (size_t k = 0; k < 2 && !b->info_plist; k++) {
        char *ip = join(b->base, infos[k]);
        if (!ip)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        st = slurp(ip, &b->info_plist, &b->info_plist_len, err);
        if (st == LCP_OK)
            b->info_path = ip;
        else {
            free(ip);
            if (st != LCP_E_NOTFOUND)
                return st;
        }
    }
    char *seal = join(b->base, "_CodeSignature/CodeResources");
    if (!seal)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    st = slurp(seal, &b->resources, &b->resources_len, err);
    free(seal);
    if (st != LCP_OK && st != LCP_E_NOTFOUND)
        return st;
    /* The main executable: CFBundleExecutable, in MacOS/ (a macOS app's
     * Contents) or beside Info.plist's folder. */
    char *exe = NULL;
    if (b->info_plist &&
        lcp_plist_string(b->info_plist, b->info_plist_len, "CFBundleExecutable", &exe, NULL) == LCP_OK && exe &&
        !strchr(exe, '/')) {
        char *macos = join(b->base, "MacOS");
        char *cand1 = macos ? join(macos, exe) : NULL, *cand2 = join(b->base, exe);
        if (cand1 && is_file(cand1)) {
            b->executable = cand1;
            cand1 = NULL;
        } else if (cand2 && is_file(cand2)) {
            b->executable = cand2;
            cand2 = NULL;
        }
        free(macos);
        free(cand1);
        free(cand2);
    }
    free(exe);
    b->ext.info_plist = b->info_plist;
    b->ext.info_plist_len = b->info_plist_len;
    b->ext.resources = b->resources;
    b->ext.resources_len = b->resources_len;
    return LCP_OK;
}

const char *lcp_cs_change_name(lcp_cs_change_kind k) {
    switch (k) {
    case LCP_CS_FILE_ADDED: return "file added";
    case LCP_CS_FILE_MODIFIED: return "file modified";
    case LCP_CS_FILE_MISSING: return "file missing";
    }
    return "?";
}

void lcp_cs_seal_report_release(lcp_cs_seal_report *r) {
    if (!r)
        return;
    for (size_t i = 0; i < r->nchanges; i++)
        free(r->changes[i].path);
    free(r->changes);
    for (size_t i = 0; i < r->nnested; i++)
        free(r->nested[i]);
    free(r->nested);
    memset(r, 0, sizeof *r);
}

typedef struct rule {
    regex_t re;
    bool omit, optional, nested;
    int64_t weight;
} rule;

typedef struct seal_ctx {
    const lcp_cs_bundle *b;
    const lcp_pl *files; /* files2 or files */
    bool v2;
    rule *rules;
    size_t nrules;
    lcp_cs_seal_report *r;
    lcp_error *err;
} seal_ctx;

static lcp_status add_change(seal_ctx *c, lcp_cs_change_kind k, const char *rel) {
    lcp_cs_change *n = realloc(c->r->changes, (c->r->nchanges + 1) * sizeof *n);
    char *p = dup_str(rel);
    if (!n || !p) {
        free(p);
        if (n)
            c->r->changes = n;
        return lcp_error_set(c->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    c->r->changes = n;
    n[c->r->nchanges].kind = k;
    n[c->r->nchanges].path = p;
    c->r->nchanges++;
    return LCP_OK;
}

static const rule *best_rule(const seal_ctx *c, const char *rel) {
    const rule *best = NULL;
    for (size_t i = 0; i < c->nrules; i++)
        if (regexec(&c->rules[i].re, rel, 0, NULL, 0) == 0 && (!best || c->rules[i].weight > best->weight))
            best = &c->rules[i];
    return best;
}

static bool bool_key(const lcp_pl *d, const char *k) {
    const lcp_pl *v = lcp_pl_get(d, k);
    return v && v->type == LCP_PL_BOOL && v->b;
}

/* The nested code's primary cdhashes (every slice): does one equal want? */
static bool nested_cdhash_matches(const char *path, const uint8_t *want, size_t want_len) {
    char *exe = NULL;
    if (is_dir(path)) {
        lcp_cs_bundle nb;
        if (lcp_cs_bundle_open(path, &nb, NULL) == LCP_OK && nb.executable)
            exe = dup_str(nb.executable);
        lcp_cs_bundle_release(&nb);
    } else
        exe = dup_str(path);
    if (!exe)
        return false;
    lcp_file *f;
    bool match = false;
    if (lcp_file_open(exe, &f, NULL) == LCP_OK) {
        for (size_t i = 0; i < f->nslices && !match; i++) {
            lcp_cs_signature sig;
            if (f->slices[i].image && lcp_cs_read(&f->src, f->slices[i].image, &sig, NULL) == LCP_OK && sig.ncds > 0)
                for (size_t k = 0; k < sig.ncds && !match; k++)
                    match = want_len <= sig.cds[k].cdhash_len && memcmp(sig.cds[k].cdhash, want, want_len) == 0;
            lcp_cs_signature_release(&sig);
        }
        lcp_file_free(f);
    }
    free(exe);
    return match;
}

/* One sealed entry: compare it with the disk. */
static bool escapes(const char *rel) {
    if (!rel || rel[0] == '/' || strcmp(rel, "..") == 0 || strncmp(rel, "../", 3) == 0)
        return true;
    return strstr(rel, "/../") != NULL || (strlen(rel) >= 3 && strcmp(&rel[strlen(rel) - 3], "/..") == 0);
}

static lcp_status check_entry(seal_ctx *c, const lcp_pl *e) {
    /* A seal naming a path outside the bundle is hostile: not followed. */
    if (escapes(e->key))
        return add_change(c, LCP_CS_FILE_MODIFIED, e->key ? e->key : "");
    char *full = join(c->b->base, e->key);
    if (!full)
        return lcp_error_set(c->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    const lcp_pl *hash = NULL, *symlink = NULL, *cdhash = NULL;
    bool optional = false;
    uint8_t type = c->v2 ? LCP_CS_HASHTYPE_SHA256 : LCP_CS_HASHTYPE_SHA1;
    if (e->type == LCP_PL_DATA)
        hash = e;
    else if (e->type == LCP_PL_DICT) {
        hash = lcp_pl_get(e, c->v2 ? "hash2" : "hash");
        if (!hash && c->v2) {
            hash = lcp_pl_get(e, "hash");
            type = LCP_CS_HASHTYPE_SHA1;
        }
        symlink = lcp_pl_get(e, "symlink");
        cdhash = lcp_pl_get(e, "cdhash");
        optional = bool_key(e, "optional");
    }
    struct stat st;
    lcp_status s = LCP_OK;
    c->r->files_checked++;
    if (lstat(full, &st) != 0) {
        if (!optional)
            s = add_change(c, LCP_CS_FILE_MISSING, e->key);
    } else if (symlink && symlink->type == LCP_PL_STRING) {
        char target[PATH_MAX];
        ssize_t n = readlink(full, target, sizeof target - 1);
        if (n < 0 || (target[n] = 0, strcmp(target, symlink->str) != 0))
            s = add_change(c, LCP_CS_FILE_MODIFIED, e->key);
    } else if (cdhash && cdhash->type == LCP_PL_DATA) {
        char **nn = realloc(c->r->nested, (c->r->nnested + 1) * sizeof *nn);
        if (!nn) {
            free(full);
            return lcp_error_set(c->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        }
        c->r->nested = nn;
        if (!(nn[c->r->nnested] = dup_str(e->key))) {
            free(full);
            return lcp_error_set(c->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        }
        c->r->nnested++;
        if (!nested_cdhash_matches(full, cdhash->data, cdhash->data_len))
            s = add_change(c, LCP_CS_FILE_MODIFIED, e->key);
    } else if (hash && hash->type == LCP_PL_DATA) {
        uint8_t d[LCP_CS_MAX_DIGEST];
        size_t dl;
        if (!S_ISREG(st.st_mode))
            s = add_change(c, LCP_CS_FILE_MODIFIED, e->key);
        else if (lcp_cs_hash_file(type, full, d, &dl, c->err) != LCP_OK)
            s = c->err ? c->err->status : LCP_E_IO;
        else if (dl != hash->data_len || memcmp(d, hash->data, dl) != 0)
            s = add_change(c, LCP_CS_FILE_MODIFIED, e->key);
    }
    free(full);
    return s;
}

static bool sealed_key(const seal_ctx *c, const char *rel) { return lcp_pl_get(c->files, rel) != NULL; }

/* Files on disk that the seal does not name but its rules would seal: a
 * walker visit. A name the seal lists (a nested bundle too) is checked by
 * check_entry and not entered. */
static lcp_status seal_visit(void *arg, const lcp_walk_entry *e, bool *skip) {
    seal_ctx *c = arg;
    *skip = true;
    if (e->depth == 1 && strcmp(e->name, "_CodeSignature") == 0)
        return LCP_OK;
    char *full = join(c->b->base, e->rel);
    if (!full)
        return lcp_error_set(c->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    bool own = (c->b->executable && strcmp(full, c->b->executable) == 0) ||
               (c->b->info_path && strcmp(full, c->b->info_path) == 0);
    free(full);
    if (own || sealed_key(c, e->rel))
        return LCP_OK;
    if (S_ISDIR(e->st->st_mode)) {
        *skip = false;
        return LCP_OK;
    }
    const rule *ru = best_rule(c, e->rel);
    return ru && !ru->omit ? add_change(c, LCP_CS_FILE_ADDED, e->rel) : LCP_OK;
}

/* A folder the walk cannot open holds nothing codesign could have sealed
 * either: passed over. A folder too deep to walk may hold added files: the
 * seal cannot be checked, and saying it holds would be a guess. */
static lcp_status seal_walk_error(void *arg, const lcp_walk_error *e) {
    seal_ctx *c = arg;
    if (e->kind != LCP_WALK_DEPTH)
        return LCP_OK;
    char shown[LCP_PATH_SHOWN_MAX];
    return lcp_error_set(c->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET,
                         "%s: folders nested deeper than %d levels: the resource seal cannot be checked",
                         lcp_path_shown(e->path, shown), LCP_WALK_MAX_DEPTH);
}

static int cmp_change(const void *a, const void *b) {
    const lcp_cs_change *x = a, *y = b;
    return strcmp(x->path, y->path);
}

lcp_status lcp_cs_bundle_check_seal(const lcp_cs_bundle *b, lcp_cs_seal_report *r, lcp_error *err) {
    memset(r, 0, sizeof *r);
    if (!b->resources)
        return LCP_OK;
    lcp_pl *pl = lcp_pl_parse(b->resources, b->resources_len);
    if (!pl || pl->type != LCP_PL_DICT) {
        lcp_pl_free(pl);
        return lcp_error_set(err, LCP_E_MALFORMED, LCP_NO_OFFSET,
                             "%s/_CodeSignature/CodeResources: not an XML property list with a dict", b->base);
    }
    r->sealed = true;
    seal_ctx c = {b, lcp_pl_get(pl, "files2"), true, NULL, 0, r, err};
    const lcp_pl *rules = lcp_pl_get(pl, "rules2");
    if (!c.files || c.files->type != LCP_PL_DICT) {
        c.files = lcp_pl_get(pl, "files");
        c.v2 = false;
        rules = lcp_pl_get(pl, "rules");
    }
    lcp_status s = LCP_OK;
    if (rules && rules->type == LCP_PL_DICT && rules->nkids && !(c.rules = calloc(rules->nkids, sizeof *c.rules)))
        s = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; s == LCP_OK && rules && rules->type == LCP_PL_DICT && i < rules->nkids; i++) {
        const lcp_pl *v = &rules->kids[i];
        rule *ru = &c.rules[c.nrules];
        if (regcomp(&ru->re, v->key, REG_EXTENDED | REG_NOSUB) != 0)
            continue; /* a pattern POSIX cannot compile: the rule is left out */
        ru->weight = 1;
        if (v->type == LCP_PL_DICT) {
            ru->omit = bool_key(v, "omit");
            ru->optional = bool_key(v, "optional");
            ru->nested = bool_key(v, "nested");
            const lcp_pl *w = lcp_pl_get(v, "weight");
            if (w && (w->type == LCP_PL_INT || w->type == LCP_PL_OTHER) && w->str)
                ru->weight = strtoll(w->str, NULL, 10);
        } else if (v->type == LCP_PL_BOOL && !v->b)
            ru->omit = true;
        c.nrules++;
    }
    for (size_t i = 0; s == LCP_OK && c.files && c.files->type == LCP_PL_DICT && i < c.files->nkids; i++)
        s = check_entry(&c, &c.files->kids[i]);
    if (s == LCP_OK && c.files && c.files->type == LCP_PL_DICT) {
        lcp_walk_options o = {
            .max_depth = LCP_WALK_MAX_DEPTH, .visit = seal_visit, .on_error = seal_walk_error, .ctx = &c};
        s = lcp_walk(b->base, &o, err);
    }
    for (size_t i = 0; i < c.nrules; i++)
        regfree(&c.rules[i].re);
    free(c.rules);
    lcp_pl_free(pl);
    if (r->nchanges > 1)
        qsort(r->changes, r->nchanges, sizeof *r->changes, cmp_change);
    return s;
}
