/* A test-only fault injector, loaded with LD_PRELOAD (built by the
 * Makefile as build/faults/libfault.so; used by tests/faults/run.sh).
 *
 *   LCP_FAULT_CALL   which call to break (several: a comma-separated list,
 *                    each counted on its own): write (write, pwrite; regular
 *                    files other than fds 0-2), copy_file_range, fsync
 *                    (fsync, fdatasync), fchmod, rename (rename, renameat),
 *                    open (open, open64, openat, openat64), mkstemp
 *                    (mkstemp, mkstemp64, mkostemp, mkostemp64), ioctl
 *                    (FICLONE and FICLONERANGE only: the clones),
 *                    ftruncate
 *   LCP_FAULT_N      break the Nth such call (1-based); "N+": the Nth and
 *                    every later one; 0 only counts
 *   LCP_FAULT_ERR    ENOSPC, EIO, EACCES, EXDEV: the call fails with that errno;
 *                    EINTR: it fails with EINTR once (a retry succeeds);
 *                    SHORT: write and copy_file_range do half the work
 *   LCP_FAULT_COUNT  a file to which "<call> <count>" lines are appended at
 *                    exit: how many calls of each kind the process made
 *
 * It never touches the bytes: a broken call fails before doing anything
 * (or, for SHORT, does less). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/fs.h> /* FICLONE, FICLONERANGE */
#include <sys/ioctl.h>
#endif

enum { C_WRITE, C_COPY, C_FSYNC, C_FCHMOD, C_RENAME, C_OPEN, C_MKSTEMP, C_IOCTL, C_TRUNCATE, C_COUNT };
static const char *const names[C_COUNT] = {"write", "copy_file_range", "fsync", "fchmod",   "rename",
                                           "open",  "mkstemp",         "ioctl", "ftruncate"};
static unsigned long counts[C_COUNT];
static unsigned target; /* bit k: calls of kind k break */
static unsigned long target_n;
static int target_onward; /* LCP_FAULT_N "N+" */
static int fault_errno;
static int fault_short;
static int configured;

static void configure(void) {
    if (configured)
        return;
    configured = 1;
    const char *call = getenv("LCP_FAULT_CALL"), *n = getenv("LCP_FAULT_N"), *e = getenv("LCP_FAULT_ERR");
    for (const char *c = call; c && *c;) {
        size_t len = strcspn(c, ",");
        for (int i = 0; i < C_COUNT; i++)
            if (strlen(names[i]) == len && strncmp(c, names[i], len) == 0)
                target |= 1u << i;
        c += len + (c[len] == ',');
    }
    char *end = NULL;
    target_n = n ? strtoul(n, &end, 10) : 0;
    target_onward = end && *end == '+';
    if (e == NULL || strcmp(e, "EIO") == 0)
        fault_errno = EIO;
    else if (strcmp(e, "ENOSPC") == 0)
        fault_errno = ENOSPC;
    else if (strcmp(e, "EINTR") == 0)
        fault_errno = EINTR;
    else if (strcmp(e, "EACCES") == 0)
        fault_errno = EACCES;
    else if (strcmp(e, "EXDEV") == 0)
        fault_errno = EXDEV;
    else if (strcmp(e, "SHORT") == 0)
        fault_short = 1;
}

/* Counts a call of kind k; true when this one must break. */
static int hit(int k) {
    configure();
    counts[k]++;
    return (target >> k & 1) && target_n != 0 && (counts[k] == target_n || (target_onward && counts[k] > target_n));
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("LCP_FAULT_COUNT");
    if (path == NULL)
        return;
    FILE *f = fopen(path, "a");
    if (f == NULL)
        return;
    for (int i = 0; i < C_COUNT; i++)
        fprintf(f, "%s %lu\n", names[i], counts[i]);
    fclose(f);
}

#define REAL(name)                                                                                                     \
    static __typeof__(&name) real_##name;                                                                              \
    if (real_##name == NULL)                                                                                           \
    real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

static int is_output_fd(int fd) {
    struct stat sb;
    return fd > 2 && fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
}

ssize_t write(int fd, const void *buf, size_t n) {
    REAL(write);
    if (n > 0 && is_output_fd(fd) && hit(C_WRITE)) {
        if (fault_short)
            return real_write(fd, buf, n > 1 ? n / 2 : n);
        errno = fault_errno;
        return -1;
    }
    return real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off) {
    REAL(pwrite);
    if (n > 0 && is_output_fd(fd) && hit(C_WRITE)) {
        if (fault_short)
            return real_pwrite(fd, buf, n > 1 ? n / 2 : n, off);
        errno = fault_errno;
        return -1;
    }
    return real_pwrite(fd, buf, n, off);
}

ssize_t copy_file_range(int in, off_t *in_off, int out, off_t *out_off, size_t n, unsigned flags) {
    REAL(copy_file_range);
    if (hit(C_COPY)) {
        if (fault_short)
            return real_copy_file_range(in, in_off, out, out_off, n > 1 ? n / 2 : n, flags);
        errno = fault_errno;
        return -1;
    }
    return real_copy_file_range(in, in_off, out, out_off, n, flags);
}

#define FAIL_IF_HIT(k)                                                                                                 \
    if (hit(k) && !fault_short) {                                                                                      \
        errno = fault_errno;                                                                                           \
        return -1;                                                                                                     \
    }

int fsync(int fd) {
    REAL(fsync);
    FAIL_IF_HIT(C_FSYNC);
    return real_fsync(fd);
}

int fdatasync(int fd) {
    REAL(fdatasync);
    FAIL_IF_HIT(C_FSYNC);
    return real_fdatasync(fd);
}

int fchmod(int fd, mode_t mode) {
    REAL(fchmod);
    FAIL_IF_HIT(C_FCHMOD);
    return real_fchmod(fd, mode);
}

int rename(const char *from, const char *to) {
    REAL(rename);
    FAIL_IF_HIT(C_RENAME);
    return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to) {
    REAL(renameat);
    FAIL_IF_HIT(C_RENAME);
    return real_renameat(fd1, from, fd2, to);
}

#ifndef O_TMPFILE
#define O_TMPFILE 0 /* Linux only: macOS has no O_TMPFILE */
#endif

/* open's mode argument exists only with O_CREAT / O_TMPFILE. */
#define OPEN_MODE(flags, mode)                                                                                         \
    do {                                                                                                               \
        if ((flags) & (O_CREAT | O_TMPFILE)) {                                                                         \
            va_list ap;                                                                                                \
            va_start(ap, flags);                                                                                       \
            mode = (mode_t)va_arg(ap, int);                                                                            \
            va_end(ap);                                                                                                \
        }                                                                                                              \
    } while (0)

int open(const char *path, int flags, ...) {
    REAL(open);
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    FAIL_IF_HIT(C_OPEN);
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    REAL(open64);
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    FAIL_IF_HIT(C_OPEN);
    return real_open64(path, flags, mode);
}

int openat(int dfd, const char *path, int flags, ...) {
    REAL(openat);
    mode_t mode = 0;
    OPEN_MODE(flags, mode);
    FAIL_IF_HIT(C_OPEN);
    return real_openat(dfd, path, flags, mode);
}

int mkstemp(char *tmpl) {
    REAL(mkstemp);
    FAIL_IF_HIT(C_MKSTEMP);
    return real_mkstemp(tmpl);
}

int mkstemp64(char *tmpl) {
    REAL(mkstemp64);
    FAIL_IF_HIT(C_MKSTEMP);
    return real_mkstemp64(tmpl);
}

int mkostemp(char *tmpl, int flags) {
    REAL(mkostemp);
    FAIL_IF_HIT(C_MKSTEMP);
    return real_mkostemp(tmpl, flags);
}

#if defined(__linux__) && defined(FICLONE)
/* Only the clone requests are counted and broken: the C library's own
 * ioctls (terminal queries) pass untouched. */
int ioctl(int fd, unsigned long req, ...) {
    REAL(ioctl);
    va_list ap;
    va_start(ap, req);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (req == (unsigned long)FICLONE || req == (unsigned long)FICLONERANGE) {
        FAIL_IF_HIT(C_IOCTL);
    }
    return real_ioctl(fd, req, arg);
}
#endif

int ftruncate(int fd, off_t len) {
    REAL(ftruncate);
    FAIL_IF_HIT(C_TRUNCATE);
    return real_ftruncate(fd, len);
}
