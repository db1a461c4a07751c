/* lcpatch check: the tree. Every entry under the root, names sorted in each
 * folder: regular files are opened when they start with a Mach-O magic (or
 * read as archives the notary opens, archive.c); bundles (folders whose
 * _CodeSignature or Info.plist makes them one) get Gatekeeper's rules:
 * the resource seal, the main executable's mode, symlinks that leave them.
 * Symlinks are never followed. */
#include "check/internal.h"
#include "util/path.h"
#include "util/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Folders nested deeper are a failure, not walked (audit's bound: check
 * audits the same tree). */

/* The bundles enclosing the entry being walked, innermost last. */
struct bundle {
    char *fs_path; /* its folder */
    lcp_cs_bundle cs;
    bool opened;
};

/* A Mach-O file found by the walk, checked later by the pool (pool.c)
 * into a report of its own. */
struct walk {
    lcp_check_report *r;
    struct bundle stack[16];
    size_t depth;
    ck_task *tasks; /* owned */
    size_t ntasks, cap_tasks;
    struct bundle **kept; /* bundles whose seal a task's ext points into */
    size_t nkept, cap_kept;
};

static bool has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static bool is_bundle_name(const char *name) {
    static const char *const ext[] = {".app",   ".framework",  ".bundle",         ".plugin",      ".appex",
                                      ".xpc",   ".kext",       ".dext",           ".qlgenerator", ".prefPane",
                                      ".saver", ".mdimporter", ".systemextension"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        if (has_suffix(name, ext[i]))
            return true;
    return false;
}

bool ck_is_macho_magic(const uint8_t *b, size_t n) {
    /* every magic lcpatch reads, a Java class file's too: opening it
     * says what it is (the one sniffer of src/format decides) */
    return lcp_magic_sniff(b, n) != LCP_SNIFF_OTHER;
}

/* A UTF-8 decoder good enough to classify names: -1 on a bad sequence. */
static long next_cp(const unsigned char **p) {
    const unsigned char *s = *p;
    long cp;
    int more;
    if (s[0] < 0x80) {
        cp = s[0];
        more = 0;
    } else if ((s[0] & 0xe0) == 0xc0) {
        cp = s[0] & 0x1f;
        more = 1;
    } else if ((s[0] & 0xf0) == 0xe0) {
        cp = s[0] & 0x0f;
        more = 2;
    } else if ((s[0] & 0xf8) == 0xf0) {
        cp = s[0] & 0x07;
        more = 3;
    } else {
        *p = s + 1;
        return -1;
    }
    for (int i = 1; i <= more; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *p = s + i;
            return -1;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *p = s + more + 1;
    return cp;
}

void ck_name(lcp_check_report *r, const char *path, const char *name) {
    bool ascii = true, decomposed = false, precomposed = false, invalid = false;
    for (const unsigned char *p = (const unsigned char *)name; *p;) {
        long cp = next_cp(&p);
        if (cp < 0) {
            invalid = true;
            continue;
        }
        if (cp < 0x80)
            continue;
        ascii = false;
        /* combining marks: the NFD form of accented letters */
        if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x1100 && cp <= 0x11ff) || cp == 0x3099 || cp == 0x309a)
            decomposed = true;
        /* precomposed Latin letters and Hangul syllables: the NFC form */
        if ((cp >= 0xc0 && cp <= 0x24f && cp != 0xd7 && cp != 0xf7) || (cp >= 0x1e00 && cp <= 0x1eff) ||
            (cp >= 0xac00 && cp <= 0xd7a3))
            precomposed = true;
    }
    if (ascii)
        return;
    ck_issue(r, LCP_CK_NAME_NOT_ASCII, path, NULL, "%s",
             invalid       ? "not valid UTF-8"
             : decomposed  ? "holds decomposed characters (NFD): NFC and NFD differ"
             : precomposed ? "holds precomposed characters (NFC): NFC and NFD differ"
                           : "non-ASCII characters");
}

static bool add_task(struct walk *w, const char *path, const char *fs_path, const lcp_cs_external *ext,
                     const struct stat *st) {
    if (w->ntasks == w->cap_tasks) {
        size_t cap = w->cap_tasks ? w->cap_tasks * 2 : 64;
        ck_task *n = realloc(w->tasks, cap * sizeof *n);
        if (n == NULL)
            return false;
        w->tasks = n;
        w->cap_tasks = cap;
    }
    ck_task *t = &w->tasks[w->ntasks];
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    t->fs_path = strdup(fs_path);
    t->ext = ext;
    if (st && st->st_nlink > 1) {
        t->linked = true;
        t->dev = st->st_dev;
        t->ino = st->st_ino;
    }
    if (t->path == NULL || t->fs_path == NULL) {
        free(t->path);
        free(t->fs_path);
        return false;
    }
    w->ntasks++;
    return true;
}

/* A regular file: an archive the notary opens is read now; a Mach-O file
 * becomes a task (ext: the bundle's sealed Info.plist and resources, when
 * it is the bundle's main executable). st: its lstat, or NULL. */
static void check_file(struct walk *w, const char *path, const char *fs_path, const struct stat *st) {
    lcp_check_report *r = w->r;
    int fd = open(fs_path, O_RDONLY | O_CLOEXEC);
    uint8_t magic[8];
    ssize_t got = fd >= 0 ? read(fd, magic, sizeof magic) : -1;
    if (fd >= 0)
        close(fd);
    r->files++;
    if (got < 0) {
        lcp_error e;
        lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_path, strerror(errno));
        ck_failure(r, path, &e);
        return;
    }
    if (ck_is_archive_name(path)) {
        ck_archive(r, path, fs_path, NULL, 0, 0);
        return;
    }
    if (!ck_is_macho_magic(magic, (size_t)got))
        return;
    const lcp_cs_external *ext = NULL;
    if (w->depth) {
        struct bundle *b = &w->stack[w->depth - 1];
        if (b->opened && b->cs.executable && strcmp(b->cs.executable, fs_path) == 0)
            ext = &b->cs.ext;
    }
    if (!add_task(w, path, fs_path, ext, st)) {
        lcp_error e;
        lcp_error_set(&e, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        ck_failure(r, path, &e);
    }
}

/* Gatekeeper's bundle rules that do not depend on a file: the main
 * executable's mode and the resource seal. */
static void check_bundle(struct walk *w, const char *path, struct bundle *b) {
    lcp_error e;
    if (lcp_cs_bundle_open(b->fs_path, &b->cs, &e) != LCP_OK) {
        lcp_cs_bundle_release(&b->cs); /* what a failed open had allocated */
        return;                        /* not a bundle after all (no Info.plist, no seal) */
    }
    b->opened = true;
    struct stat st;
    if (b->cs.executable && stat(b->cs.executable, &st) == 0 && S_ISREG(st.st_mode) && !(st.st_mode & 0111)) {
        const char *rel = b->cs.executable + strlen(b->fs_path);
        ck_issue(w->r, LCP_CK_NOT_EXECUTABLE, path, NULL, "%s%s is mode %04o", path, rel,
                 (unsigned)(st.st_mode & 07777));
    }
    if (b->cs.resources == NULL)
        return;
    lcp_cs_seal_report seal;
    memset(&seal, 0, sizeof seal);
    if (lcp_cs_bundle_check_seal(&b->cs, &seal, &e) != LCP_OK) {
        ck_failure(w->r, path, &e);
        return;
    }
    const char *base_rel = b->cs.base + strlen(b->fs_path);
    for (size_t i = 0; i < seal.nchanges; i++) {
        const lcp_cs_change *c = &seal.changes[i];
        lcp_check_rule rule = c->kind == LCP_CS_FILE_ADDED      ? LCP_CK_SEAL_ADDED
                              : c->kind == LCP_CS_FILE_MODIFIED ? LCP_CK_SEAL_MODIFIED
                                                                : LCP_CK_SEAL_MISSING;
        char *in = ck_join(base_rel[0] == '/' ? base_rel + 1 : base_rel, c->path);
        char *p = in ? ck_join(path, base_rel[0] ? in : c->path) : NULL;
        if (p)
            ck_issue(w->r, rule, p, NULL, "%s: %s", lcp_cs_change_name(c->kind), c->path);
        free(p);
        free(in);
    }
    lcp_cs_seal_report_release(&seal);
}

/* Lexically resolves a symlink's target against the folder it lies in;
 * true when the result stays under root. */
static bool stays_inside(const char *root, const char *link_dir, const char *target) {
    char *buf = target[0] == '/' ? strdup(target) : ck_join(link_dir, target);
    if (buf == NULL)
        return true;
    /* normalise: drop "." and resolve ".." lexically */
    char *parts[512];
    size_t n = 0;
    for (char *save = NULL, *t = strtok_r(buf, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0) {
            if (n)
                n--;
            continue;
        }
        if (n < sizeof parts / sizeof parts[0])
            parts[n++] = t;
    }
    char *rootbuf = strdup(root);
    if (rootbuf == NULL) {
        free(buf);
        return true;
    }
    /* the root in the same normal form */
    char *rparts[512];
    size_t rn = 0;
    for (char *save = NULL, *t = strtok_r(rootbuf, "/", &save); t; t = strtok_r(NULL, "/", &save))
        if (strcmp(t, ".") != 0 && rn < 512)
            rparts[rn++] = t;
    bool inside = rn <= n;
    for (size_t i = 0; inside && i < rn; i++)
        inside = strcmp(rparts[i], parts[i]) == 0;
    free(buf);
    free(rootbuf);
    return inside;
}

/* A bundle the walk leaves: kept until the tasks that point into its seal
 * (the main executable's ext) have run. */
static void keep_bundle(struct walk *w, struct bundle *b) {
    struct bundle *copy = NULL;
    if (w->nkept == w->cap_kept) {
        size_t cap = w->cap_kept ? w->cap_kept * 2 : 16;
        struct bundle **n = realloc(w->kept, cap * sizeof *n);
        if (n) {
            w->kept = n;
            w->cap_kept = cap;
        }
    }
    if (w->nkept < w->cap_kept && (copy = malloc(sizeof *copy)) != NULL)
        *copy = *b;
    for (size_t i = 0; i < w->ntasks; i++)
        if (w->tasks[i].ext == &b->cs.ext)
            w->tasks[i].ext = copy ? &copy->cs.ext : NULL; /* out of memory: no external data */
    if (copy) {
        w->kept[w->nkept++] = copy;
        return;
    }
    if (b->opened)
        lcp_cs_bundle_release(&b->cs);
    free(b->fs_path);
}

/* A folder the walk entered. Gatekeeper's bundle rules (check_bundle) run
 * once the walker has listed the folder, before its first entry, so a bundle
 * folder that cannot be listed is a failure and nothing else. */
typedef enum folder_state {
    FOLDER_PLAIN,          /* no bundle name, or its rules ran into the stack */
    FOLDER_BUNDLE_PENDING, /* a bundle name: its rules wait for the listing */
    FOLDER_BUNDLE_PUSHED,  /* on the bundle stack until the walk leaves it */
    FOLDER_UNLISTED        /* could not be opened: no rules, no entries */
} folder_state;

typedef struct folder {
    folder_state state;
    char *path, *fs_path; /* a pending bundle's, else NULL */
} folder;

typedef struct walk_ctx {
    struct walk *w;
    const char *path, *fs_root;          /* the root: notary path, path as given */
    folder dirs[LCP_WALK_MAX_DEPTH + 2]; /* by depth: the root is 0 */
    lcp_error *err;
} walk_ctx;

/* A folder's rules, when it is a bundle waiting for its listing. */
static void list_done(walk_ctx *c, unsigned depth) {
    folder *f = &c->dirs[depth];
    if (f->state != FOLDER_BUNDLE_PENDING)
        return;
    struct walk *w = c->w;
    f->state = FOLDER_PLAIN;
    if (w->depth < sizeof w->stack / sizeof w->stack[0]) {
        struct bundle *b = &w->stack[w->depth++];
        memset(b, 0, sizeof *b);
        b->fs_path = f->fs_path; /* the bundle owns it now */
        f->fs_path = NULL;
        f->state = FOLDER_BUNDLE_PUSHED;
        check_bundle(w, f->path, b);
    }
    free(f->fs_path);
    f->fs_path = NULL;
    free(f->path);
    f->path = NULL;
}

/* The walk leaves a folder (or gives up on it). */
static void folder_done(walk_ctx *c, unsigned depth) {
    folder *f = &c->dirs[depth];
    if (f->state == FOLDER_BUNDLE_PUSHED)
        keep_bundle(c->w, &c->w->stack[--c->w->depth]);
    free(f->path);
    free(f->fs_path);
    *f = (folder){FOLDER_PLAIN, NULL, NULL};
}

/* A folder is about to be entered: a bundle's rules wait for its listing. */
static void folder_enter(walk_ctx *c, unsigned depth, const char *path, const char *fs_path) {
    folder *f = &c->dirs[depth];
    *f = (folder){FOLDER_PLAIN, NULL, NULL};
    if (!is_bundle_name(path))
        return;
    f->path = strdup(path);
    f->fs_path = strdup(fs_path);
    if (f->path && f->fs_path) {
        f->state = FOLDER_BUNDLE_PENDING;
        return;
    }
    free(f->path);
    free(f->fs_path);
    f->path = f->fs_path = NULL;
}

/* The entry's notary path and path as given (fs_root + "/" + rel, as the
 * bundle reader builds its paths); false when out of memory. */
static bool entry_paths(const walk_ctx *c, const char *rel, char **path, char **fs_path) {
    *path = ck_join(c->path, rel);
    *fs_path = ck_join(c->fs_root, rel);
    if (*path && *fs_path)
        return true;
    free(*path);
    free(*fs_path);
    return false;
}

static void check_symlink(struct walk *w, const char *path, const char *fs_path, const char *name) {
    char target[4096];
    ssize_t n = readlink(fs_path, target, sizeof target - 1);
    if (n < 0 || w->depth == 0)
        return;
    target[n] = '\0';
    /* the folder it lies in: fs_path without "/name" */
    char *dir_fs = strndup(fs_path, strlen(fs_path) - strlen(name) - 1);
    const char *root = w->stack[0].fs_path; /* the outermost bundle */
    char *abs_root = realpath(root, NULL), *abs_dir = dir_fs ? realpath(dir_fs, NULL) : NULL;
    if (abs_root && abs_dir && !stays_inside(abs_root, abs_dir, target))
        ck_issue(w->r, LCP_CK_SYMLINK_OUTSIDE, path, NULL, "-> %s", target);
    free(abs_root);
    free(abs_dir);
    free(dir_fs);
}

static lcp_status visit(void *arg, const lcp_walk_entry *e, bool *skip) {
    walk_ctx *c = arg;
    list_done(c, e->depth - 1);
    char *path, *fs_path;
    if (!entry_paths(c, e->rel, &path, &fs_path)) {
        *skip = true; /* out of memory: the entry is passed over */
        return LCP_OK;
    }
    ck_name(c->w->r, path, e->name);
    if (e->symlink)
        check_symlink(c->w, path, fs_path, e->name);
    else if (S_ISDIR(e->st->st_mode))
        folder_enter(c, e->depth, path, fs_path);
    else if (S_ISREG(e->st->st_mode))
        check_file(c->w, path, fs_path, e->st);
    free(path);
    free(fs_path);
    return LCP_OK;
}

static lcp_status leave(void *arg, const lcp_walk_entry *e) {
    walk_ctx *c = arg;
    list_done(c, e->depth); /* an empty folder: listed, nothing in it */
    folder_done(c, e->depth);
    return LCP_OK;
}

static lcp_status on_error(void *arg, const lcp_walk_error *we) {
    walk_ctx *c = arg;
    if (we->rel[0] == '\0') /* the root could not be listed */
        return lcp_error_set(c->err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", c->fs_root, strerror(we->errnum));
    unsigned depth = 1;
    for (const char *p = we->rel; *p; p++)
        depth += *p == '/';
    char *path, *fs_path;
    if (!entry_paths(c, we->rel, &path, &fs_path))
        return LCP_OK;
    lcp_error e;
    if (we->kind == LCP_WALK_STAT) {
        /* an entry of a listed folder: named, then the failure */
        list_done(c, depth - 1);
        const char *slash = strrchr(we->rel, '/');
        ck_name(c->w->r, path, slash ? slash + 1 : we->rel);
        lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_path, strerror(we->errnum));
    } else {
        /* a folder not listed: no bundle rules, no entries */
        c->dirs[depth].state = FOLDER_UNLISTED;
        char shown[LCP_PATH_SHOWN_MAX];
        if (we->kind == LCP_WALK_DEPTH)
            lcp_error_set(&e, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: folders nested deeper than %d levels",
                          lcp_path_shown(fs_path, shown), LCP_WALK_MAX_DEPTH);
        else
            lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_path, strerror(we->errnum));
    }
    ck_failure(c->w->r, path, &e);
    free(path);
    free(fs_path);
    return LCP_OK;
}

/* Every entry under the folder fs_root (names sorted in each folder, by
 * the one walker), the root's bundle rules first when it is one. */
static lcp_status walk_tree(struct walk *w, const char *path, const char *fs_root, lcp_error *err) {
    walk_ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    c->w = w;
    c->path = path;
    c->fs_root = fs_root;
    c->err = err;
    folder_enter(c, 0, path, fs_root);
    lcp_walk_options o = {
        .max_depth = LCP_WALK_MAX_DEPTH, .visit = visit, .leave = leave, .on_error = on_error, .ctx = c};
    lcp_status s = lcp_walk(fs_root, &o, err);
    if (s == LCP_OK)
        list_done(c, 0); /* an empty root */
    for (size_t d = LCP_WALK_MAX_DEPTH + 2; d-- > 0;)
        folder_done(c, (unsigned)d); /* the root, or every folder a failure left open */
    free(c);
    return s;
}

lcp_status ck_walk(lcp_check_report *r, const char *path, const char *fs_root, unsigned jobs, lcp_error *err) {
    struct walk w = {.r = r};
    struct stat st;
    if (stat(fs_root, &st) != 0)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_root, strerror(errno));
    ck_name(r, path, path);
    lcp_status s = LCP_OK;
    if (S_ISDIR(st.st_mode))
        s = walk_tree(&w, path, fs_root, err);
    else
        check_file(&w, path, fs_root, NULL);
    if (s == LCP_OK)
        ck_run_tasks(r, w.tasks, w.ntasks, jobs);
    for (size_t i = 0; i < w.ntasks; i++) {
        free(w.tasks[i].path);
        free(w.tasks[i].fs_path);
    }
    free(w.tasks);
    for (size_t i = 0; i < w.nkept; i++) {
        if (w.kept[i]->opened)
            lcp_cs_bundle_release(&w.kept[i]->cs);
        free(w.kept[i]->fs_path);
        free(w.kept[i]);
    }
    free(w.kept);
    return s;
}
