/* The project's one tree walker: every entry under a folder, depth first,
 * names sorted bytewise in each folder, so that what callers report does
 * not depend on the order the file system lists a folder in.
 *
 * The walker decides nothing about what an entry means. It hands each
 * entry (with its stat) to `visit`, which may stop the walk or keep the
 * walker out of a folder, and each failure (a folder it cannot open, an
 * entry it cannot stat, a folder nested too deep, a symlink loop) to
 * `on_error` with the path concerned, which decides whether the walk goes
 * on: one unreadable folder need not end an audit.
 *
 * Bounded: folders deeper than max_depth are not opened (an error), and
 * when symlinks are followed a link back to a folder on the current path
 * is a loop (an error), never a descent. Folders are opened relative to
 * their parent's descriptor (openat), so the walk holds one descriptor per
 * level and no path is ever too long for the kernel. */
#ifndef LCP_UTIL_WALK_H
#define LCP_UTIL_WALK_H

#include "lcpatch/error.h"

#include <stdbool.h>
#include <sys/stat.h>

typedef struct lcp_walk_entry {
    const char *path;      /* the root as given, "/", the relative path: for opening */
    const char *rel;       /* relative to the root, never empty */
    const char *name;      /* the last component */
    const struct stat *st; /* lstat; stat of the target when a followed symlink */
    bool symlink;          /* the entry is a symbolic link (followed or not) */
    unsigned depth;        /* 1 for the root's own entries */
} lcp_walk_entry;

typedef enum lcp_walk_failure {
    LCP_WALK_OPEN,  /* a folder (the root too) could not be opened or read */
    LCP_WALK_STAT,  /* an entry could not be stat'ed */
    LCP_WALK_DEPTH, /* a folder deeper than max_depth: not opened */
    LCP_WALK_LOOP   /* a followed symlink leads to a folder on the current path */
} lcp_walk_failure;

typedef struct lcp_walk_error {
    lcp_walk_failure kind;
    const char *path; /* as lcp_walk_entry.path; the root as given for the root */
    const char *rel;  /* "" for the root */
    int errnum;       /* errno for OPEN and STAT, else 0 */
} lcp_walk_error;

/* How deep every tree command walks (audit, check, rescue, fix-paths, sign
 * --adhoc, verify's seal check): one bound, so that a folder one command
 * reports as too deep is not silently passed over by another. */
enum { LCP_WALK_MAX_DEPTH = 256 };

typedef struct lcp_walk_options {
    /* Folders at depth > max_depth (the root is depth 0) are not opened. */
    unsigned max_depth;
    /* false: symlinks are reported (lstat) and never descended. true: a
     * symlink is reported with its target's stat (its own when dangling)
     * and a link to a folder is descended unless that makes a loop. */
    bool follow_symlinks;
    /* Every entry (folders before their contents). A status other than
     * LCP_OK ends the walk with it; *skip = true keeps the walker out of a
     * folder. */
    lcp_status (*visit)(void *ctx, const lcp_walk_entry *e, bool *skip);
    /* Optional: every folder `visit` let the walker into, after its
     * contents (or after the failure to open it was reported), so that a
     * caller can keep a stack (the bundle a file lies in). A status other
     * than LCP_OK ends the walk with it. */
    lcp_status (*leave)(void *ctx, const lcp_walk_entry *e);
    /* Every failure. LCP_OK goes on without the entry; another status
     * ends the walk with it. NULL: every failure is passed over. */
    lcp_status (*on_error)(void *ctx, const lcp_walk_error *e);
    void *ctx;
} lcp_walk_options;

/* Walks the folder `root` (followed when a symlink). Returns LCP_OK, the
 * status a callback ended the walk with (the callback fills its own error),
 * or LCP_E_NOMEM (err filled). The root itself is not visited. */
lcp_status lcp_walk(const char *root, const lcp_walk_options *opt, lcp_error *err);

/* "a" + "b" -> "a/b" with no doubled separator ("a/" + "b" -> "a/b"); a
 * heap string, NULL when out of memory. */
char *lcp_path_join(const char *dir, const char *name);

#endif
