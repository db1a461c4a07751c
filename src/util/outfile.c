/* Atomic output file (see outfile.h). POSIX, with copy_file_range,
 * FICLONE and FICLONERANGE on Linux and clonefile for whole-file copies on
 * macOS. */
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
#if defined(__linux__)
#include <linux/fs.h> /* FICLONE, FICLONERANGE */
#include <sys/ioctl.h>
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
    of->no_clone = false;
    of->pos = 0;
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

lcp_status lcp_outfile_write_at(lcp_outfile *of, uint64_t at, const void *data, size_t n, lcp_error *err) {
    const uint8_t *p = data;
    while (n > 0) {
        if (at > (uint64_t)INT64_MAX - n)
            return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "write %s: output too large", of->final_path);
        ssize_t w = pwrite(of->fd, p, n, (off_t)at);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "write %s: %s", of->final_path,
                                 w < 0 ? strerror(errno) : "no progress");
        p += w;
        at += (uint64_t)w;
        n -= (size_t)w;
    }
    return LCP_OK;
}

lcp_status lcp_outfile_write(lcp_outfile *of, const void *data, size_t n, lcp_error *err) {
    lcp_status st = lcp_outfile_write_at(of, of->pos, data, n, err);
    if (st == LCP_OK)
        of->pos += n;
    return st;
}

/* Portable copy through a bounded buffer. */
static lcp_status copy_by_reading(lcp_outfile *of, uint64_t at, int src_fd, uint64_t src_off, uint64_t n,
                                  lcp_error *err) {
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
        st = lcp_outfile_write_at(of, at, buf, (size_t)got, err);
        src_off += (uint64_t)got;
        at += (uint64_t)got;
        n -= (uint64_t)got;
    }
    free(buf);
    return st;
}

lcp_status lcp_outfile_copy_at(lcp_outfile *of, uint64_t at, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err) {
#if defined(__linux__)
    /* The kernel copies without the bytes passing through us. */
    while (n > 0 && src_off <= (uint64_t)INT64_MAX - n && at <= (uint64_t)INT64_MAX - n) {
        off_t in = (off_t)src_off, out = (off_t)at;
        size_t want = n < ((size_t)1 << 30) ? (size_t)n : ((size_t)1 << 30);
        ssize_t c = copy_file_range(src_fd, &in, of->fd, &out, want, 0);
        if (c < 0 && errno == EINTR)
            continue;
        if (c <= 0)
            break; /* unsupported here (EXDEV, ENOSYS, EINVAL...) or short: finish by reading */
        src_off += (uint64_t)c;
        at += (uint64_t)c;
        n -= (uint64_t)c;
    }
#endif
    return n ? copy_by_reading(of, at, src_fd, src_off, n, err) : LCP_OK;
}

#if defined(__linux__)
/* Errors that mean "this file system (or this pair of files) cannot clone
 * at all", as opposed to "not this range" (EINVAL: alignment) or a passing
 * failure: after one of them no clone is tried again for this output. */
static bool clone_unsupported(int e) {
    return e == EOPNOTSUPP || e == ENOTTY || e == ENOSYS || e == EXDEV || e == EBADF || e == EPERM || e == ETXTBSY ||
           e == ENOTSUP;
}
#endif

bool lcp_outfile_clone_at(lcp_outfile *of, uint64_t at, int src_fd, uint64_t src_off, uint64_t n) {
#if defined(__linux__) && defined(FICLONERANGE)
    if (of->no_clone || n == 0 || src_off > INT64_MAX || at > INT64_MAX || n > INT64_MAX)
        return false;
    struct file_clone_range r = {src_fd, src_off, n, at};
    int rc;
    while ((rc = ioctl(of->fd, FICLONERANGE, &r)) != 0 && errno == EINTR)
        ;
    if (rc != 0 && clone_unsupported(errno))
        of->no_clone = true;
    return rc == 0;
#else
    (void)of, (void)at, (void)src_fd, (void)src_off, (void)n;
    return false;
#endif
}

#if defined(__APPLE__)
/* A whole-file copy into the still empty temporary file: let APFS clone it
 * (no data written). The clone is made under a second temporary name and
 * renamed over ours, so that on any failure nothing has changed and the
 * caller copies as usual. True when the clone replaced the temporary file.
 * (A clone also carries the source's extended attributes.) Compile-checked
 * with zig cc for macOS; not yet run on a Mac. */
static bool clone_whole_file(lcp_outfile *of, int src_fd, uint64_t n) {
    struct stat sb;
    if (fstat(src_fd, &sb) != 0 || (uint64_t)sb.st_size != n)
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
    } else {
        of->no_clone = true;
    }
    free(alt);
    return ok;
}
#endif

bool lcp_outfile_clone_whole(lcp_outfile *of, int src_fd, uint64_t size) {
    struct stat in;
    if (of->no_clone || size == 0 || of->pos != 0 || fstat(src_fd, &in) != 0 || (uint64_t)in.st_size != size)
        return false;
#if defined(__APPLE__)
    return clone_whole_file(of, src_fd, size);
#elif defined(__linux__) && defined(FICLONE)
    int rc;
    while ((rc = ioctl(of->fd, FICLONE, src_fd)) != 0 && errno == EINTR)
        ;
    if (rc == 0) {
        struct stat sb;
        if (fstat(of->fd, &sb) == 0 && (uint64_t)sb.st_size == size)
            return true;
        /* the input changed size under us: start again from nothing */
        while ((rc = ftruncate(of->fd, 0)) != 0 && errno == EINTR)
            ;
        if (rc != 0)
            of->no_clone = true; /* the caller's copy rewrites every byte and sets the size anyway */
        return false;
    }
    if (clone_unsupported(errno))
        of->no_clone = true;
    return false;
#else
    (void)src_fd;
    return false;
#endif
}

lcp_status lcp_outfile_set_size(lcp_outfile *of, uint64_t size, lcp_error *err) {
    if (size > INT64_MAX)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "truncate %s: output too large", of->final_path);
    /* Not when the size is already right (written piece by piece): ext4
     * runs its truncate even to the same size (dropping preallocated
     * blocks; with auto_da_alloc, a truncated file is flushed on close). */
    struct stat sb;
    if (fstat(of->fd, &sb) == 0 && (uint64_t)sb.st_size == size)
        return LCP_OK;
    int rc;
    while ((rc = ftruncate(of->fd, (off_t)size)) != 0 && errno == EINTR)
        ;
    if (rc != 0)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "truncate %s: %s", of->final_path, strerror(errno));
    return LCP_OK;
}

uint64_t lcp_outfile_block_size(const lcp_outfile *of) {
    struct stat sb;
    if (fstat(of->fd, &sb) != 0 || sb.st_blksize < 512 || sb.st_blksize > (1 << 20) ||
        (sb.st_blksize & (sb.st_blksize - 1)) != 0)
        return 4096;
    return (uint64_t)sb.st_blksize;
}

void lcp_clone_split(uint64_t src_off, uint64_t out_off, uint64_t n, uint64_t blk, uint64_t parts[3]) {
    parts[0] = n;
    parts[1] = parts[2] = 0;
    if (blk == 0 || src_off % blk != out_off % blk)
        return;
    uint64_t head = (blk - out_off % blk) % blk;
    if (head >= n || (n - head) / blk == 0)
        return;
    parts[0] = head;
    parts[1] = (n - head) / blk * blk;
    parts[2] = n - head - parts[1];
}

lcp_status lcp_outfile_copy(lcp_outfile *of, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err) {
    uint64_t at = of->pos, parts[3];
    if (at == 0 && src_off == 0 && lcp_outfile_clone_whole(of, src_fd, n)) {
        of->pos = n; /* a whole file copied into the empty output (lipo -create of one file...) */
        return LCP_OK;
    }
    lcp_clone_split(src_off, at, n, of->no_clone ? 0 : lcp_outfile_block_size(of), parts);
    lcp_status st = lcp_outfile_copy_at(of, at, src_fd, src_off, parts[0], err);
    if (st == LCP_OK && parts[1] && !lcp_outfile_clone_at(of, at + parts[0], src_fd, src_off + parts[0], parts[1]))
        st = lcp_outfile_copy_at(of, at + parts[0], src_fd, src_off + parts[0], parts[1], err);
    if (st == LCP_OK)
        st = lcp_outfile_copy_at(of, at + parts[0] + parts[1], src_fd, src_off + parts[0] + parts[1], parts[2], err);
    if (st == LCP_OK)
        of->pos += n;
    return st;
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
