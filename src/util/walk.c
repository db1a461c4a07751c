/* The tree walker (util/walk.h). */
#include "util/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *lcp_path_join(const char *dir, const char *name) {
    size_t nd = strlen(dir), nn = strlen(name);
    bool sep = nd > 0 && dir[nd - 1] != '/';
    char *s = malloc(nd + sep + nn + 1);
    if (s == NULL)
        return NULL;
    memcpy(s, dir, nd);
    if (sep)
        s[nd] = '/';
    memcpy(s + nd + sep, name, nn + 1);
    return s;
}

/* The folders on the current path, for loop detection when following. */
typedef struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
} ancestor;

typedef struct walker {
    const lcp_walk_options *o;
    lcp_error *err;
} walker;

static lcp_status nomem(walker *w) { return lcp_error_set(w->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory"); }

static lcp_status fail(walker *w, lcp_walk_failure kind, const char *path, const char *rel, int errnum) {
    if (w->o->on_error == NULL)
        return LCP_OK;
    lcp_walk_error e = {kind, path, rel, errnum};
    return w->o->on_error(w->o->ctx, &e);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The names in the folder open as d, sorted; NULL with *n = 0 when empty. */
static lcp_status read_names(walker *w, DIR *d, char ***out, size_t *n) {
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    struct dirent *de;
    lcp_status st = LCP_OK;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (*n == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            char **nn = realloc(names, ncap * sizeof *nn);
            if (nn == NULL) {
                st = nomem(w);
                break;
            }
            names = nn;
            cap = ncap;
        }
        if ((names[*n] = strdup(de->d_name)) == NULL) {
            st = nomem(w);
            break;
        }
        (*n)++;
    }
    if (*n > 1)
        qsort(names, *n, sizeof *names, by_name);
    *out = names;
    return st;
}

static bool on_path(const ancestor *a, const struct stat *sb) {
    for (; a; a = a->up)
        if (a->dev == sb->st_dev && a->ino == sb->st_ino)
            return true;
    return false;
}

/* Walks the folder open as dfd (closed here) at `depth`. */
static lcp_status walk_dir(walker *w, int dfd, const char *path, const char *rel, unsigned depth, const ancestor *up) {
    DIR *d = fdopendir(dfd);
    if (d == NULL) {
        int e = errno;
        close(dfd);
        return fail(w, LCP_WALK_OPEN, path, rel, e);
    }
    struct stat self;
    ancestor here = {0, 0, up};
    if (fstat(dirfd(d), &self) == 0) {
        here.dev = self.st_dev;
        here.ino = self.st_ino;
    }
    char **names;
    size_t n;
    lcp_status st = read_names(w, d, &names, &n);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        char *cpath = lcp_path_join(path, names[i]);
        char *crel = rel[0] ? lcp_path_join(rel, names[i]) : strdup(names[i]);
        if (cpath == NULL || crel == NULL) {
            free(cpath);
            free(crel);
            st = nomem(w);
            break;
        }
        struct stat sb;
        if (fstatat(dirfd(d), names[i], &sb, AT_SYMLINK_NOFOLLOW) != 0) {
            st = fail(w, LCP_WALK_STAT, cpath, crel, errno);
        } else {
            bool link = S_ISLNK(sb.st_mode), skip = false, loop = false;
            struct stat target;
            if (link && w->o->follow_symlinks && fstatat(dirfd(d), names[i], &target, 0) == 0) {
                sb = target;
                loop = S_ISDIR(sb.st_mode) && on_path(&here, &sb);
            }
            lcp_walk_entry e = {cpath, crel, names[i], &sb, link, depth + 1};
            st = w->o->visit(w->o->ctx, &e, &skip);
            if (st == LCP_OK && !skip && S_ISDIR(sb.st_mode)) {
                if (loop)
                    st = fail(w, LCP_WALK_LOOP, cpath, crel, 0);
                else if (depth + 1 > w->o->max_depth)
                    st = fail(w, LCP_WALK_DEPTH, cpath, crel, 0);
                else {
                    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (link ? 0 : O_NOFOLLOW);
                    int cfd = openat(dirfd(d), names[i], flags);
                    st = cfd < 0 ? fail(w, LCP_WALK_OPEN, cpath, crel, errno)
                                 : walk_dir(w, cfd, cpath, crel, depth + 1, &here);
                }
                if (st == LCP_OK && w->o->leave)
                    st = w->o->leave(w->o->ctx, &e);
            }
        }
        free(cpath);
        free(crel);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return st;
}

lcp_status lcp_walk(const char *root, const lcp_walk_options *opt, lcp_error *err) {
    walker w = {opt, err};
    int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return fail(&w, LCP_WALK_OPEN, root, "", errno);
    return walk_dir(&w, fd, root, "", 0, NULL);
}
