/* Path resolution: does a candidate path name a file, and where is it?
 *
 * Two kinds of path meet here. Host paths are expansions inside the audited
 * tree (@loader_path, @executable_path): they are walked component by
 * component with lstat/readlink, so ".." after a symlink means what the
 * kernel means, symlink loops are caught (more than 32 links), and a
 * symlink to an absolute path outside the root is read as a path on the
 * user's Mac, not on this machine. Target paths are absolute paths as the
 * user's Mac sees them: the dyld shared cache prefixes always resolve, and
 * anything else only when present under --sysroot. */
#include "audit/internal.h"
#include "util/path.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool lcp_audit_is_system_path(const char *path) {
    static const char *const prefixes[] = {"/usr/lib/", "/System/Library/", "/System/iOSSupport/",
                                           "/System/DriverKit/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

bool au_is_build_location(const char *path) {
    static const char *const prefixes[] = {
        "/usr/local/", "/opt/",     "/Users/", "/home/", "/Applications/", "/Library/Developer/", "/private/", "/tmp/",
        "/var/",       "/Volumes/", "/sw/",    "/nix/",  "/build/",        "/Developer/"};
    for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++)
        if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
            return true;
    return false;
}

static bool under(const char *path, const char *dir, size_t dlen) {
    if (dlen == 1 && dir[0] == '/')
        return path[0] == '/';
    return strncmp(path, dir, dlen) == 0 && (path[dlen] == '/' || path[dlen] == '\0');
}

/* out->path for a host path: relative to the root when inside it, else a
 * relative path from the root ("../x"), so that outputs do not depend on
 * where the tree lies on this machine. */
void au_host_label(const au_ctx *ctx, const char *path, au_res *out) {
    if (under(path, ctx->root_real, ctx->root_len)) {
        const char *rel = path + ctx->root_len;
        while (*rel == '/')
            rel++;
        snprintf(out->path, sizeof out->path, "%s", rel[0] ? rel : ".");
        return;
    }
    /* common ancestor of root_real and path */
    size_t common = 0;
    for (size_t i = 0; ctx->root_real[i] && path[i] && ctx->root_real[i] == path[i]; i++)
        if (ctx->root_real[i] == '/')
            common = i;
    if (path[common] != '/' || (ctx->root_real[common] != '/'))
        common = 0;
    size_t ups = 0;
    for (const char *p = ctx->root_real + common; *p; p++)
        if (*p == '/')
            ups++;
    size_t o = 0;
    out->path[0] = '\0';
    for (size_t i = 0; i < ups && o + 3 < sizeof out->path; i++)
        o += (size_t)snprintf(out->path + o, sizeof out->path - o, "../");
    snprintf(out->path + o, sizeof out->path - o, "%s", path + common + 1);
}

void au_resolve_target(const au_ctx *ctx, const char *path, bool want_dir, au_res *out) {
    out->node = -1;
    out->loop = false;
    snprintf(out->path, sizeof out->path, "%s", path);
    if (path[0] != '/') {
        out->where = AU_NONE;
        return;
    }
    if (lcp_audit_is_system_path(path)) {
        out->where = AU_SYSTEM;
        return;
    }
    if (ctx->root_real && under(path, ctx->root_real, ctx->root_len) && ctx->root_len > 1) {
        au_resolve_host(ctx, path, want_dir, out);
        return;
    }
    out->where = AU_NONE;
    if (ctx->sysroot_real) {
        char full[PATH_MAX * 2];
        int n = snprintf(full, sizeof full, "%s%s", ctx->sysroot_real, path);
        struct stat sb;
        if (n > 0 && (size_t)n < sizeof full && stat(full, &sb) == 0 &&
            (want_dir ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode)))
            out->where = au_is_build_location(path) ? AU_OUTSIDE : AU_PRESENT;
    }
}

void au_resolve_host(const au_ctx *ctx, const char *path, bool want_dir, au_res *out) {
    out->where = AU_NONE;
    out->node = -1;
    out->loop = false;
    snprintf(out->path, sizeof out->path, "%s", path);
    /* cur: the resolved prefix, free of symlinks; rest: what is left to walk */
    char cur[PATH_MAX], rest[PATH_MAX * 2], tmp[PATH_MAX * 2];
    size_t clen = 0;
    cur[0] = '\0';
    const char *start = path;
    if (ctx->root_len > 1 && under(path, ctx->root_real, ctx->root_len)) {
        memcpy(cur, ctx->root_real, ctx->root_len + 1);
        clen = ctx->root_len;
        start = path + ctx->root_len;
    }
    if (snprintf(rest, sizeof rest, "%s", start) >= (int)sizeof rest)
        return;
    unsigned links = 0;
    size_t pos = 0;
    for (;;) {
        while (rest[pos] == '/')
            pos++;
        if (rest[pos] == '\0')
            break;
        const char *comp = rest + pos;
        const char *slash = strchr(comp, '/');
        size_t n = slash ? (size_t)(slash - comp) : strlen(comp);
        pos += n;
        if (n == 1 && comp[0] == '.')
            continue;
        if (n == 2 && comp[0] == '.' && comp[1] == '.') {
            while (clen > 0 && cur[clen - 1] != '/')
                clen--;
            if (clen > 0)
                clen--;
            cur[clen] = '\0';
            continue;
        }
        if (clen + 1 + n >= sizeof cur)
            return;
        cur[clen++] = '/';
        memcpy(cur + clen, comp, n);
        clen += n;
        cur[clen] = '\0';
        struct stat sb;
        if (lstat(cur, &sb) != 0)
            return; /* no such file (or not a folder on the way) */
        if (S_ISLNK(sb.st_mode)) {
            if (++links > 32) {
                out->loop = true;
                return;
            }
            char target[PATH_MAX];
            ssize_t tl = readlink(cur, target, sizeof target - 1);
            if (tl <= 0)
                return;
            target[tl] = '\0';
            /* drop the link from cur */
            while (clen > 0 && cur[clen - 1] != '/')
                clen--;
            if (clen > 0)
                clen--;
            cur[clen] = '\0';
            if (target[0] == '/') {
                bool inside = ctx->root_len > 1 && under(target, ctx->root_real, ctx->root_len);
                if (!inside) {
                    /* an absolute link out of the tree names a file on the user's Mac */
                    if (snprintf(tmp, sizeof tmp, "%s/%s", target, rest + pos) >= (int)sizeof tmp)
                        return;
                    lcp_path_normalize(tmp, LCP_PATH_ABSOLUTE);
                    au_resolve_target(ctx, tmp, want_dir, out);
                    return;
                }
                clen = 0;
                cur[0] = '\0';
            }
            if (snprintf(tmp, sizeof tmp, "%s/%s", target, rest + pos) >= (int)sizeof tmp)
                return;
            memcpy(rest, tmp, strlen(tmp) + 1);
            pos = 0;
            continue;
        }
        if (!S_ISDIR(sb.st_mode)) {
            /* a file: it must be the last component */
            const char *r = rest + pos;
            while (*r == '/')
                r++;
            if (*r != '\0' || want_dir || !S_ISREG(sb.st_mode))
                return;
            au_host_label(ctx, cur, out);
            if (ctx->root_is_dir || ctx->root_len > 0) {
                if (under(cur, ctx->root_real, ctx->root_len)) {
                    out->where = AU_BUNDLE;
                    out->node = au_node_find(ctx, sb.st_dev, sb.st_ino);
                } else
                    out->where = AU_OUTSIDE;
            }
            return;
        }
    }
    if (!want_dir)
        return;
    if (clen == 0) {
        cur[0] = '/';
        cur[1] = '\0';
    }
    au_host_label(ctx, cur, out);
    out->where = under(cur, ctx->root_real, ctx->root_len) ? AU_BUNDLE : AU_OUTSIDE;
}
