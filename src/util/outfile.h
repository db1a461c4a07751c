/* An output file that appears atomically: created as a temporary file in
 * the destination's folder, renamed over the destination on commit, removed
 * on abort. The struct is caller-owned; commit or abort releases it.
 *
 * Bytes reach it three ways, cheapest first: a clone of the whole input
 * (FICLONE on Linux, clonefile on macOS) or of block-aligned ranges
 * (FICLONERANGE), where the file system shares extents (XFS, btrfs, APFS);
 * a kernel copy (copy_file_range); read and write. A clone that fails falls
 * back to the next way over the same range, so the bytes never depend on
 * the way taken. */
#ifndef LCP_UTIL_OUTFILE_H
#define LCP_UTIL_OUTFILE_H

#include "lcpatch/error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct lcp_outfile {
    char *final_path; /* owned */
    char *tmp_path;   /* owned */
    int fd;
    mode_t mode;
    bool keep_owner; /* give the output mode_from's uid/gid where allowed */
    bool sync;       /* fsync the file on seal and its folder on commit: lcp_outfile_open sets it;
                        a caller clears it to skip both (LCP_WRITE_NO_FSYNC in lcpatch/write.h) */
    bool no_clone;   /* set when the file system said it cannot clone: stop asking */
    uid_t uid;
    gid_t gid;
    uint64_t pos; /* where lcp_outfile_write and lcp_outfile_copy go next */
} lcp_outfile;

/* Creates the temporary file. mode_from names a file whose permission bits
 * (and owner and group, where the process may set them) the output takes
 * (NULL: 0666 less the umask, owned by the process). */
lcp_status lcp_outfile_open(lcp_outfile *of, const char *path, const char *mode_from, lcp_error *err);
/* Writes all n bytes at the current position, retrying EINTR and short writes. */
lcp_status lcp_outfile_write(lcp_outfile *of, const void *data, size_t n, lcp_error *err);
/* Copies n bytes from src_fd at src_off to the current position: the
 * block-aligned middle is cloned where the file system can (lcp_clone_split),
 * the rest is copied by the kernel (copy_file_range), else read/write. */
lcp_status lcp_outfile_copy(lcp_outfile *of, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err);

/* Positional forms (the current position is not used nor moved). */
lcp_status lcp_outfile_write_at(lcp_outfile *of, uint64_t at, const void *data, size_t n, lcp_error *err);
/* Copies without cloning: copy_file_range, else read/write. */
lcp_status lcp_outfile_copy_at(lcp_outfile *of, uint64_t at, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err);
/* Clones n bytes of src_fd at src_off to offset at (Linux FICLONERANGE;
 * offsets and n block-aligned). False, with nothing to undo, when it cannot:
 * the caller copies the same range instead. */
bool lcp_outfile_clone_at(lcp_outfile *of, uint64_t at, int src_fd, uint64_t src_off, uint64_t n);
/* Makes the still empty file a clone of the whole of src_fd (size bytes):
 * FICLONE on Linux, clonefile on macOS. False when it cannot (another file
 * system, no reflink, an error): the file is then still empty. */
bool lcp_outfile_clone_whole(lcp_outfile *of, int src_fd, uint64_t size);
/* Cuts or extends (with zeros) the file to size bytes (no call when it
 * already has that size). */
lcp_status lcp_outfile_set_size(lcp_outfile *of, uint64_t size, lcp_error *err);
/* The block size clones must be aligned to (the file system's, 4096 when it
 * does not say). */
uint64_t lcp_outfile_block_size(const lcp_outfile *of);

/* How a copy of n bytes from src_off to out_off splits for cloning with
 * block size blk: parts[0] bytes copied (up to the first block boundary of
 * the output), parts[1] bytes cloned (whole blocks), parts[2] bytes copied
 * (the last partial block). When the two offsets differ modulo blk (a range
 * that moves by a non-multiple of the block) or no whole block fits, nothing
 * is cloned: parts = {n, 0, 0}. blk 0 means never clone. */
void lcp_clone_split(uint64_t src_off, uint64_t out_off, uint64_t n, uint64_t blk, uint64_t parts[3]);
/* Finishes the temporary file without replacing the destination: chown
 * (best effort), chmod, fsync (when of->sync), close; EINTR is retried. On
 * failure the temporary file is removed. Only commit or abort may follow. */
lcp_status lcp_outfile_seal(lcp_outfile *of, lcp_error *err);
/* Seals (unless already sealed), renames over the destination and fsyncs
 * the folder (when of->sync). On failure the temporary file is removed. */
lcp_status lcp_outfile_commit(lcp_outfile *of, lcp_error *err);
/* Removes the temporary file. Safe after a failed commit. */
void lcp_outfile_abort(lcp_outfile *of);

#endif
