/* lcpatch: writing a file as a plan of pieces, atomically.
 *
 * An edit never rewrites a file in memory. It describes the output as a list
 * of pieces: bytes it computed (headers, load commands), ranges of the input
 * to copy unchanged, and runs of zeros. The writer makes a temporary file in
 * the destination's folder the cheapest exact way (docs/writing.md): where
 * most of the input stays in place, a clone of the whole input (FICLONE,
 * clonefile) with only the changed pieces written over it; otherwise piece
 * by piece, block-aligned ranges cloned (FICLONERANGE) and the rest copied
 * by the kernel (copy_file_range) or read and written. It fsyncs the file,
 * gives it the mode of the file it replaces, and renames it into place. The
 * bytes are the same whichever way was taken. On any failure
 * the destination and the input are untouched and no temporary file remains.
 * (LCP_WRITE_NO_FSYNC skips the two fsyncs; see there what that costs.)
 *
 * Ownership: an lcp_plan owns the bytes added with lcp_plan_add_bytes; it is
 * caller-owned (lcp_plan_init / lcp_plan_release). */
#ifndef LCPATCH_WRITE_H
#define LCPATCH_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_piece_kind { LCP_PIECE_BYTES, LCP_PIECE_COPY, LCP_PIECE_ZEROS } lcp_piece_kind;

typedef struct lcp_piece {
    lcp_piece_kind kind;
    uint64_t len;
    uint64_t src_offset; /* LCP_PIECE_COPY: where in the input */
    size_t data;         /* LCP_PIECE_BYTES: offset in the plan's byte store */
} lcp_piece;

typedef struct lcp_plan {
    lcp_piece *pieces;
    size_t npieces, cap;
    uint8_t *store; /* bytes of every LCP_PIECE_BYTES piece */
    size_t store_len, store_cap;
    uint64_t size; /* total output size so far */
} lcp_plan;

void lcp_plan_init(lcp_plan *p);
void lcp_plan_release(lcp_plan *p);
/* Appends a copy of n bytes. */
lcp_status lcp_plan_add_bytes(lcp_plan *p, const void *data, size_t n, lcp_error *err);
/* Appends the input's bytes [src_offset, src_offset+n). */
lcp_status lcp_plan_add_copy(lcp_plan *p, uint64_t src_offset, uint64_t n, lcp_error *err);
lcp_status lcp_plan_add_zeros(lcp_plan *p, uint64_t n, lcp_error *err);
/* Pads with zeros up to output offset `to` (no-op when already there). */
lcp_status lcp_plan_pad_to(lcp_plan *p, uint64_t to, lcp_error *err);
/* True when the plan reproduces src byte for byte as one whole copy. */
bool lcp_plan_is_identity(const lcp_plan *p, const lcp_source *src);

/* Flags of lcp_plan_write_file_flags and lcp_plan_stage_file; 0 is the
 * durable default.
 *
 * LCP_WRITE_NO_FSYNC: do not fsync the temporary file before the rename,
 * nor the folder after it (what cp and rsync do by default), for batch jobs
 * whose outputs can be made again (build folders). Everything else stays:
 * the temporary file beside the destination, the mode and owner, the rename
 * over the destination, the clean-up on every failure that is reported.
 *   Still guaranteed: while the system keeps running, other processes see
 *   the old file or the whole new one, never a partial one (the rename is
 *   atomic); a failed write leaves the destination and the input as they
 *   were and no temporary file behind; with -o the input is only read, so
 *   nothing can happen to it.
 *   No longer guaranteed: that the output survives a crash or power loss.
 *   Until the kernel has written the data back (seconds, usually) the
 *   destination may come back after a reboot as the old file, or as an
 *   empty or partly written new one, depending on the file system. When
 *   the destination is the input (--in-place), that means a crash after
 *   the rename but before the writeback can lose the old file's content
 *   as well on some file systems (those that do not order the data before
 *   the rename: ext4 with data=writeback or auto_da_alloc off, XFS, and
 *   others). An I/O error that only shows at writeback (a failing disk,
 *   a full thin-provisioned volume) goes unreported: the durable default
 *   reports it from fsync and leaves the destination untouched. */
#define LCP_WRITE_NO_FSYNC 1u

/* Writes the plan atomically and durably to out_path, copying ranges from
 * src. The new file takes mode_from's permission bits (a path, usually the
 * input; NULL means 0644 less the umask). */
lcp_status lcp_plan_write_file(const lcp_plan *p, const lcp_source *src, const char *out_path, const char *mode_from,
                               lcp_error *err);
/* The same with flags (LCP_WRITE_*; 0 is lcp_plan_write_file). Unknown
 * flags are refused (LCP_E_USAGE) before anything is written. */
lcp_status lcp_plan_write_file_flags(const lcp_plan *p, const lcp_source *src, const char *out_path,
                                     const char *mode_from, unsigned flags, lcp_error *err);
/* A staged output: every byte written (and, unless LCP_WRITE_NO_FSYNC,
 * synced) to a temporary file beside the destination, which is not replaced
 * yet. A command that writes several files stages them all and commits only
 * when every one was written, so an I/O failure (a full disk) leaves every
 * destination as it was. The caller owns it until lcp_staged_file_commit or
 * lcp_staged_file_abort releases it; the commit fsyncs the folder unless
 * staged with LCP_WRITE_NO_FSYNC. Unknown flags are refused (LCP_E_USAGE).
 * (Renames are atomic one by one, not as a group: a rename that fails after
 * others succeeded leaves those replaced; renames in one folder on one
 * file system do not fail for lack of space.) */
typedef struct lcp_staged_file lcp_staged_file;
lcp_status lcp_plan_stage_file(const lcp_plan *p, const lcp_source *src, const char *out_path, const char *mode_from,
                               unsigned flags, lcp_staged_file **out, lcp_error *err);
/* Renames the staged file over its destination; releases sf. */
lcp_status lcp_staged_file_commit(lcp_staged_file *sf, lcp_error *err);
/* Removes the staged file; releases sf. NULL is accepted. */
void lcp_staged_file_abort(lcp_staged_file *sf);

/* Reads the plan's output bytes [off, off+n) into buf without
 * materialising the rest (to hash an output page by page). */
lcp_status lcp_plan_read(const lcp_plan *p, const lcp_source *src, uint64_t off, void *buf, size_t n, lcp_error *err);
/* Materialises the plan in memory (tests, fuzzing). *out is malloc'd. */
lcp_status lcp_plan_write_memory(const lcp_plan *p, const lcp_source *src, uint8_t **out, size_t *len, lcp_error *err);

/* Emits an image into the plan: its header and (possibly edited) load
 * commands, zeros over whatever the old commands occupied beyond the new
 * ones, then the input's bytes from the end of the old commands to
 * new_size (the image's bytes in the input start at img->offset). */
lcp_status lcp_plan_add_image(lcp_plan *p, const lcp_image *img, uint64_t new_size, lcp_error *err);
/* The same, but only the input's bytes up to copy_end (from the image's
 * start) are copied; from there to new_size the image is zeros (room made
 * for new data, such as a code signature's). */
lcp_status lcp_plan_add_image_upto(lcp_plan *p, const lcp_image *img, uint64_t copy_end, uint64_t new_size,
                                   lcp_error *err);
/* The plan of f with some of its images edited in place: each of the n
 * images of `edited` (images of f, in any order; the array is sorted by
 * offset) keeps its place and size and gets its new header and load
 * commands (lcp_plan_add_image); every other byte of f is copied. */
lcp_status lcp_plan_edited_images(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *p, lcp_error *err);
/* The 28- or 32-byte mach header of img, in its byte order, into out. */
void lcp_image_encode_header(const lcp_image *img, uint8_t out[32]);

/* One entry of a fat header to write. */
typedef struct lcp_fat_entry {
    uint32_t cputype, cpusubtype;
    uint64_t offset, size;
    uint32_t align;    /* log2 */
    uint32_t reserved; /* FAT_MAGIC_64 only */
} lcp_fat_entry;

/* Appends a fat header (FAT_MAGIC, or FAT_MAGIC_64 when fat64) and its n
 * entries, big-endian. Fails when an offset or size does not fit 32 bits in
 * a FAT_MAGIC header. The plan must be empty (the header starts the file). */
lcp_status lcp_plan_add_fat_header(lcp_plan *p, bool fat64, const lcp_fat_entry *e, size_t n, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
