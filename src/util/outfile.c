/* Atomic output file (see outfile.h). POSIX, with copy_file_range on Linux
 * and clonefile for whole-file copies on macOS. */
#if defined(__linux__)
#define _GNU_SOURCE /* copy_file_range */
#endif
#include "util/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/clonefile.h>
#endif

/* The folder part of path ("." when there is none); malloc'd. */
static char *dir_of(const char *path) {
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    size_t n = (size_t)(slash - path);
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, path, n);
        d[n] = '\0';
    }
    return d;
}

/* Writing through a symlink replaces the link's target and keeps the link. */
static char *resolve_destination(const char *path) {
    struct stat sb;
    if (lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode)) {
        char *real = realpath(path, NULL);
        if (real)
            return real;
    }
    return strdup(path);
}

lcp_status lcp_outfile_open(lcp_outfile *of, const char *path, const char *mode_from, lcp_error *err) {
    of->fd = -1;
    of->tmp_path = NULL;
    of->final_path = resolve_destination(path);
    if (of->final_path == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    mode_t mask = umask(0);
    umask(mask);
    of->mode = (mode_t)(0666 & ~mask);
    of->keep_owner = false;
    of->sync = true;
    struct stat sb;
    if (mode_from && stat(mode_from, &sb) == 0) {
        of->mode = sb.st_mode & 07777;
        of->keep_owner = true;
        of->uid = sb.st_uid;
        of->gid = sb.st_gid;
    }
    char *dir = dir_of(of->final_path);
    const char *base = strrchr(of->final_path, '/');
    base = base ? base + 1 : of->final_path;
    size_t n = (dir ? strlen(dir) : 0) + strlen(base) + 32;
    of->tmp_path = malloc(n);
    if (dir == NULL || of->tmp_path == NULL) {
        free(dir);
        lcp_outfile_abort(of);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    snprintf(of->tmp_path, n, "%s/.%s.lcpatch-XXXXXX", dir, base);
    free(dir);
    do
        of->fd = mkstemp(of->tmp_path);
    while (of->fd < 0 && errno == EINTR);
    if (of->fd < 0) {
        int e = errno;
        char *folder = dir_of(of->final_path);
        if (e == EACCES || e == EPERM || e == EROFS)
            lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "cannot write %s: folder %s is not writable (%s)",
                          of->final_path, folder ? folder : ".", strerror(e));
        else
            lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "cannot create a temporary file beside %s: %s", of->final_path,
                          strerror(e));
        if (err)
            err->sys_errno = e;
        free(folder);
        free(of->tmp_path);
        of->tmp_path = NULL;
        lcp_outfile_abort(of);
        return LCP_E_IO;
    }
    return LCP_OK;
}

lcp_status lcp_outfile_write(lcp_outfile *of, const void *data, size_t n, lcp_error *err) {
    const uint8_t *p = data;
    while (n > 0) {
        ssize_t w = write(of->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "write %s: %s", of->final_path,
                                 w < 0 ? strerror(errno) : "no progress");
        p += w;
        n -= (size_t)w;
    }
    return LCP_OK;
}

/* Portable copy through a bounded buffer. */
static lcp_status copy_by_reading(lcp_outfile *of, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err) {
    enum { CHUNK = 1 << 20 };
    uint8_t *buf = malloc(CHUNK);
    if (buf == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_status st = LCP_OK;
    while (n > 0 && st == LCP_OK) {
        size_t want = n < CHUNK ? (size_t)n : CHUNK;
        ssize_t got = pread(src_fd, buf, want, (off_t)src_off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            st = lcp_error_set(err, LCP_E_IO, src_off, "read at offset 0x%llx: %s", (unsigned long long)src_off,
                               got < 0 ? strerror(errno) : "unexpected end of file");
            break;
        }
        st = lcp_outfile_write(of, buf, (size_t)got, err);
        src_off += (uint64_t)got;
        n -= (uint64_t)got;
    }
    free(buf);
    return st;
}

#if defined(__APPLE__)
/* A whole-file copy into the still empty temporary file: let APFS clone it
 * (no data written). The clone is made under a second temporary name and
 * renamed over ours, so that on any failure nothing has changed and the
 * caller copies as usual. True when the clone replaced the temporary file.
 * (A clone also carries the source's extended attributes.) Compile-checked
 * with zig cc for macOS; not yet run on a Mac. */
static bool clone_whole_file(lcp_outfile *of, int src_fd, uint64_t src_off, uint64_t n) {
    struct stat sb;
    if (src_off != 0 || fstat(src_fd, &sb) != 0 || (uint64_t)sb.st_size != n || lseek(of->fd, 0, SEEK_CUR) != 0)
        return false;
    size_t len = strlen(of->tmp_path) + 3;
    char *alt = malloc(len);
    if (alt == NULL)
        return false;
    snprintf(alt, len, "%s.c", of->tmp_path);
    bool ok = false;
    if (fclonefileat(src_fd, AT_FDCWD, alt, 0) == 0) {
        int fd = open(alt, O_RDWR | O_CLOEXEC);
        if (fd >= 0 && lseek(fd, 0, SEEK_END) == (off_t)n && rename(alt, of->tmp_path) == 0) {
            close(of->fd);
            of->fd = fd;
            ok = true;
        } else {
            if (fd >= 0)
                close(fd);
            unlink(alt);
        }
    }
    free(alt);
    return ok;
}
#endif

lcp_status lcp_outfile_copy(lcp_outfile *of, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err) {
#if defined(__APPLE__)
    if (n > 0 && clone_whole_file(of, src_fd, src_off, n))
        return LCP_OK;
#endif
#if defined(__linux__)
    /* The kernel copies (or reflinks) without the bytes passing through us. */
    while (n > 0) {
        off_t in = (off_t)src_off;
        size_t want = n < ((size_t)1 << 30) ? (size_t)n : ((size_t)1 << 30);
        ssize_t c = copy_file_range(src_fd, &in, of->fd, NULL, want, 0);
        if (c < 0 && errno == EINTR)
            continue;
        if (c <= 0)
            break; /* unsupported here (EXDEV, ENOSYS, EINVAL...) or short: finish by reading */
        src_off += (uint64_t)c;
        n -= (uint64_t)c;
    }
#endif
    return n ? copy_by_reading(of, src_fd, src_off, n, err) : LCP_OK;
}

/* Calls that may be interrupted by a signal are simply tried again. */
static int fchmod_retry(int fd, mode_t mode) {
    int r;
    while ((r = fchmod(fd, mode)) != 0 && errno == EINTR)
        ;
    return r;
}
static int fsync_retry(int fd) {
    int r;
    while ((r = fsync(fd)) != 0 && errno == EINTR)
        ;
    return r;
}
static int rename_retry(const char *from, const char *to) {
    int r;
    while ((r = rename(from, to)) != 0 && errno == EINTR)
        ;
    return r;
}

lcp_status lcp_outfile_seal(lcp_outfile *of, lcp_error *err) {
    lcp_status st = LCP_OK;
    /* Keep the replaced file's owner and group where we may (root, or a
     * group we belong to); otherwise the new file is ours. chown comes
     * before chmod because it may clear set-id bits. */
    if (of->keep_owner) {
        struct stat sb;
        if (fstat(of->fd, &sb) == 0 && (sb.st_uid != of->uid || sb.st_gid != of->gid) &&
            fchown(of->fd, of->uid, of->gid) != 0)
            (void)(fchown(of->fd, (uid_t)-1, of->gid) != 0); /* at least the group, if allowed */
    }
    if (fchmod_retry(of->fd, of->mode) != 0)
        st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "chmod %s: %s", of->tmp_path, strerror(errno));
    else if (of->sync && fsync_retry(of->fd) != 0)
        st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "fsync %s: %s", of->tmp_path, strerror(errno));
    if (st) {
        lcp_outfile_abort(of);
        return st;
    }
    int fd = of->fd;
    of->fd = -1;
    if (close(fd) != 0 && errno != EINTR) { /* EINTR: Linux has closed it (and, with sync, the data is synced) */
        st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "close %s: %s", of->tmp_path, strerror(errno));
        lcp_outfile_abort(of);
        return st;
    }
    return LCP_OK;
}

lcp_status lcp_outfile_commit(lcp_outfile *of, lcp_error *err) {
    lcp_status st;
    if (of->fd >= 0 && (st = lcp_outfile_seal(of, err)) != LCP_OK)
        return st;
    if (rename_retry(of->tmp_path, of->final_path) != 0) {
        st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "rename to %s: %s", of->final_path, strerror(errno));
        lcp_outfile_abort(of);
        return st;
    }
    /* Make the rename itself durable; a failure here does not undo the output. */
    char *dir = of->sync ? dir_of(of->final_path) : NULL;
    if (dir) {
        int dfd = open(dir, O_RDONLY);
        if (dfd >= 0) {
            (void)fsync_retry(dfd);
            close(dfd);
        }
        free(dir);
    }
    free(of->tmp_path);
    of->tmp_path = NULL;
    free(of->final_path);
    of->final_path = NULL;
    return LCP_OK;
}

void lcp_outfile_abort(lcp_outfile *of) {
    if (of->fd >= 0)
        close(of->fd);
    of->fd = -1;
    if (of->tmp_path)
        unlink(of->tmp_path);
    free(of->tmp_path);
    of->tmp_path = NULL;
    free(of->final_path);
    of->final_path = NULL;
}
