/* The project's one path normaliser: "." and empty components dropped, ".."
 * folded into the component before it, no trailing separator. What ".."
 * means where nothing is left to fold depends on what the path is, hence
 * the modes. Lexical only: nothing is looked up, so ".." after a symlink is
 * folded as text (the audit resolves symlinks component by component
 * before it normalises; see audit/resolve.c). */
#ifndef LCP_UTIL_PATH_H
#define LCP_UTIL_PATH_H

#include <stdbool.h>

typedef enum lcp_path_mode {
    /* An absolute path on a file system: must begin with "/"; ".." at "/"
     * stays at "/" (as the kernel reads it); "/" at least. */
    LCP_PATH_ABSOLUTE,
    /* A path relative to a root (a bundle's top folder): leading "/" are
     * dropped; ".." above the root is refused (false). "" is the root. */
    LCP_PATH_IN_ROOT,
    /* A load path as a load command holds it: absolute ones as
     * LCP_PATH_ABSOLUTE; "@loader_path", "@executable_path", "@rpath" (any
     * first component that begins with "@") is kept, and so is every ".."
     * that would climb above it or above the start of a relative path:
     * what they lead to is not known here. */
    LCP_PATH_LOAD
} lcp_path_mode;

/* Normalises path in place (the result is never longer). False, with path
 * unspecified, for a LCP_PATH_ABSOLUTE path that does not begin with "/"
 * and a LCP_PATH_IN_ROOT path that climbs above its root. */
bool lcp_path_normalize(char *path, lcp_path_mode mode);

/* A path as a message names it: whole when it fits, else its first and
 * last folders around "/.../", so that what the message says after the
 * path is never cut off by the message's bound (a folder 256 levels deep
 * has a path longer than any message). Returns path itself or buf. */
enum { LCP_PATH_SHOWN_MAX = 240 };
const char *lcp_path_shown(const char *path, char buf[LCP_PATH_SHOWN_MAX]);

#endif
