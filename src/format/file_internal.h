/* What file.c (the open, the sources, the slices) and fat_read.c (the fat
 * header and its checks) share. Internal to the format module. */
#ifndef LCP_FORMAT_FILE_INTERNAL_H
#define LCP_FORMAT_FILE_INTERNAL_H

#include "lcpatch/file.h"

#include <stdbool.h>

/* Reads f's fat (is64: fat64) header, checks it by f->parse_flags and,
 * unless LCP_PARSE_FAT_TABLE_ONLY, reads each slice (fat_read.c). */
lcp_status lcp_fat_read(lcp_file *f, bool is64, lcp_error *err);

/* Fills a slice from the bytes at its range: an image or an archive (file.c). */
lcp_status lcp_file_read_slice(const lcp_source *src, lcp_slice *s, unsigned flags, lcp_error *err);

/* LCP_PARSE_KEEP_BAD_SLICES: the slice keeps err (the open goes on);
 * otherwise st is returned (file.c). */
lcp_status lcp_file_keep_slice_error(unsigned flags, lcp_slice *s, lcp_status st, const lcp_error *err, lcp_error *out);

#endif
