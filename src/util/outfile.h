/* An output file that appears atomically: created as a temporary file in
 * the destination's folder, renamed over the destination on commit, removed
 * on abort. The struct is caller-owned; commit or abort releases it. */
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
    uid_t uid;
    gid_t gid;
} lcp_outfile;

/* Creates the temporary file. mode_from names a file whose permission bits
 * (and owner and group, where the process may set them) the output takes
 * (NULL: 0666 less the umask, owned by the process). */
lcp_status lcp_outfile_open(lcp_outfile *of, const char *path, const char *mode_from, lcp_error *err);
/* Writes all n bytes at the current position, retrying EINTR and short writes. */
lcp_status lcp_outfile_write(lcp_outfile *of, const void *data, size_t n, lcp_error *err);
/* Copies n bytes from src_fd at src_off to the current position: the kernel
 * copies where it can (copy_file_range), else read/write. */
lcp_status lcp_outfile_copy(lcp_outfile *of, int src_fd, uint64_t src_off, uint64_t n, lcp_error *err);
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
