/* The path normaliser (util/path.h). */
#include "util/path.h"

#include <string.h>

bool lcp_path_normalize(char *path, lcp_path_mode mode) {
    bool abs = path[0] == '/' && mode != LCP_PATH_IN_ROOT;
    if (mode == LCP_PATH_ABSOLUTE && !abs)
        return false;
    /* Written at path[0..o) while read at in (never behind o): every
     * component written was read with at least the separator it gets. */
    const char *in = path;
    size_t o = 0, floor = 0; /* path[0..floor): what ".." cannot take away */
    if (abs) {
        path[o++] = '/';
        floor = 1;
    }
    bool first = true;
    while (*in) {
        while (*in == '/')
            in++;
        if (*in == '\0')
            break;
        const char *end = strchr(in, '/');
        size_t n = end ? (size_t)(end - in) : strlen(in);
        bool dot = n == 1 && in[0] == '.', dotdot = n == 2 && in[0] == '.' && in[1] == '.';
        bool anchor = first && !abs && mode == LCP_PATH_LOAD && in[0] == '@';
        first = false;
        if (dot) {
            in += n;
            continue;
        }
        if (dotdot && o > floor) {
            while (o > floor && path[o - 1] != '/')
                o--;
            if (o > floor)
                o--; /* the separator before the component */
            in += n;
            continue;
        }
        if (dotdot && mode == LCP_PATH_IN_ROOT)
            return false;
        if (dotdot && abs) {
            in += n; /* "/.." is "/" */
            continue;
        }
        /* a component, or a ".." kept (LCP_PATH_LOAD, nothing to fold) */
        if (o > 0 && path[o - 1] != '/')
            path[o++] = '/';
        memmove(path + o, in, n);
        o += n;
        in += n;
        if (anchor || dotdot)
            floor = o;
    }
    path[o] = '\0';
    return true;
}

/* Cuts at a separator when one is near, else off a UTF-8 continuation
 * byte, so that the kept ends are whole names or at least whole
 * characters. */
const char *lcp_path_shown(const char *path, char buf[LCP_PATH_SHOWN_MAX]) {
    static const char gap[] = "/.../";
    size_t len = strlen(path);
    if (len < LCP_PATH_SHOWN_MAX)
        return path;
    size_t keep = (LCP_PATH_SHOWN_MAX - sizeof gap) / 2;
    size_t head = keep;
    while (head > keep / 2 && path[head] != '/')
        head--;
    if (path[head] != '/')
        for (head = keep; head > 0 && ((unsigned char)path[head] & 0xC0) == 0x80;)
            head--;
    size_t tail = len - keep;
    while (tail < len - keep / 2 && path[tail] != '/')
        tail++;
    if (path[tail] == '/')
        tail++;
    else
        for (tail = len - keep; tail < len && ((unsigned char)path[tail] & 0xC0) == 0x80;)
            tail++;
    memcpy(buf, path, head);
    memcpy(buf + head, gap, sizeof gap - 1);
    memcpy(buf + head + sizeof gap - 1, path + tail, len - tail);
    buf[head + sizeof gap - 1 + len - tail] = '\0';
    return buf;
}
