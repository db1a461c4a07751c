/* lcpatch check: the tree. Every entry under the root, names sorted in each
 * folder: regular files are opened when they start with a Mach-O magic (or
 * read as archives the notary opens, archive.c); bundles (folders whose
 * _CodeSignature or Info.plist makes them one) get Gatekeeper's rules:
 * the resource seal, the main executable's mode, symlinks that leave them.
 * Symlinks are never followed. */
#include "check/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static lcp_status walk_dir(struct walk *w, const char *path, const char *fs_path, lcp_error *err);

static void walk_entry(struct walk *w, const char *path, const char *fs_path, const char *dir_fs, const char *name) {
    struct stat st;
    ck_name(w->r, path, name);
    if (lstat(fs_path, &st) != 0) {
        lcp_error e;
        lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_path, strerror(errno));
        ck_failure(w->r, path, &e);
        return;
    }
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(fs_path, target, sizeof target - 1);
        if (n < 0 || w->depth == 0)
            return;
        target[n] = '\0';
        const char *root = w->stack[0].fs_path; /* the outermost bundle */
        char *abs_root = realpath(root, NULL), *abs_dir = realpath(dir_fs, NULL);
        if (abs_root && abs_dir && !stays_inside(abs_root, abs_dir, target))
            ck_issue(w->r, LCP_CK_SYMLINK_OUTSIDE, path, NULL, "-> %s", target);
        free(abs_root);
        free(abs_dir);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        lcp_error e;
        if (walk_dir(w, path, fs_path, &e) != LCP_OK)
            ck_failure(w->r, path, &e);
        return;
    }
    if (S_ISREG(st.st_mode))
        check_file(w, path, fs_path, &st);
}

static lcp_status walk_dir(struct walk *w, const char *path, const char *fs_path, lcp_error *err) {
    DIR *d = opendir(fs_path);
    if (d == NULL)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_path, strerror(errno));
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(names, cap * sizeof *nn);
            if (nn == NULL)
                break;
            names = nn;
        }
        if ((names[n] = strdup(de->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    bool bundle = is_bundle_name(path) && w->depth < sizeof w->stack / sizeof w->stack[0];
    if (bundle) {
        struct bundle *b = &w->stack[w->depth++];
        memset(b, 0, sizeof *b);
        b->fs_path = strdup(fs_path);
        if (b->fs_path)
            check_bundle(w, path, b);
    }
    for (size_t i = 0; i < n; i++) {
        char *p = ck_join(path, names[i]), *fp = ck_join(fs_path, names[i]);
        if (p && fp)
            walk_entry(w, p, fp, fs_path, names[i]);
        free(p);
        free(fp);
        free(names[i]);
    }
    free(names);
    if (bundle)
        keep_bundle(w, &w->stack[--w->depth]);
    return LCP_OK;
}

lcp_status ck_walk(lcp_check_report *r, const char *path, const char *fs_root, unsigned jobs, lcp_error *err) {
    struct walk w = {.r = r};
    struct stat st;
    if (stat(fs_root, &st) != 0)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", fs_root, strerror(errno));
    ck_name(r, path, path);
    lcp_status s = LCP_OK;
    if (S_ISDIR(st.st_mode))
        s = walk_dir(&w, path, fs_root, err);
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
