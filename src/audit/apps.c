/* The main executable of each .app: CFBundleExecutable of Contents/Info.plist
 * (XML or binary) in Contents/MacOS/, else the one file of Contents/MacOS/.
 * A flat (iOS-style) bundle keeps Info.plist and the executable at its top. */
#include "audit/internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Reads at most 4 MiB of a file into a heap buffer. */
static uint8_t *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > 4 * 1024 * 1024) {
        close(fd);
        return NULL;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    size_t got = 0;
    while (buf && got < n) {
        ssize_t r = pread(fd, buf + got, n - got, (off_t)got);
        if (r <= 0) {
            free(buf);
            buf = NULL;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    *len = n;
    return buf;
}

/* The node of the file at rel; for a file root, the file is added (not
 * reported, only used for its LC_RPATHs and folder). */
static int node_at(au_ctx *ctx, const char *rel) {
    char path[4096];
    struct stat sb;
    if (!au_host_path(ctx, rel, path, sizeof path) || stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return -1;
    int idx = au_node_find(ctx, sb.st_dev, sb.st_ino);
    if (idx < 0 && !ctx->root_is_dir)
        idx = au_node_add(ctx, rel, rel, sb.st_dev, sb.st_ino);
    return idx < 0 ? -1 : idx;
}

static int app_executable(au_ctx *ctx, const char *app) {
    const char *sep = app[0] ? "/" : "";
    char rel[4096], path[4096];
    for (int flat = 0; flat < 2; flat++) {
        snprintf(rel, sizeof rel, "%s%s%s", app, sep, flat ? "Info.plist" : "Contents/Info.plist");
        size_t len;
        uint8_t *data;
        if (!au_host_path(ctx, rel, path, sizeof path) || (data = slurp(path, &len)) == NULL)
            continue;
        char *name = NULL;
        lcp_status st = lcp_plist_string(data, len, "CFBundleExecutable", &name, NULL);
        free(data);
        if (st != LCP_OK)
            continue;
        int idx = -1;
        if (strchr(name, '/') == NULL && name[0]) {
            snprintf(rel, sizeof rel, "%s%s%s%s", app, sep, flat ? "" : "Contents/MacOS/", name);
            idx = node_at(ctx, rel);
        }
        free(name);
        if (idx >= 0)
            return idx;
    }
    /* no usable Info.plist: the one file of Contents/MacOS */
    char prefix[4096];
    snprintf(prefix, sizeof prefix, "%s%sContents/MacOS/", app, sep);
    size_t pl = strlen(prefix);
    int found = -1;
    for (size_t i = 0; i < ctx->nnodes; i++) {
        const char *r = ctx->nodes[i].rel;
        if (strncmp(r, prefix, pl) == 0 && strchr(r + pl, '/') == NULL) {
            if (found >= 0)
                return -1;
            found = (int)i;
        }
    }
    return found;
}

void au_find_executables(au_ctx *ctx) {
    for (size_t i = 0; i < ctx->napps; i++)
        ctx->apps[i].exe = app_executable(ctx, ctx->apps[i].rel);
}
