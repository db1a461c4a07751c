/* What image.c (the header and the parses) and image_walk.c (the load
 * command walks) share. Internal to the format module. */
#ifndef LCP_FORMAT_IMAGE_INTERNAL_H
#define LCP_FORMAT_IMAGE_INTERNAL_H

#include "lcpatch/image.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "LC_RPATH" or "0x1234" for messages: buf holds the number when the
 * command has no name. */
const char *lcp_cmd_label(uint32_t cmd, char *buf, size_t len);

/* Builds the command table for `ncmds` commands in cmds[0..len), checking
 * each command's size and structure by `flags`. `base` is the file offset
 * of cmds[0], for messages. On success *out is a new array. */
lcp_status lcp_index_commands(const uint8_t *cmds, size_t len, uint32_t ncmds, bool is64, bool big_endian,
                              unsigned flags, uint64_t base, lcp_load_command **out, lcp_error *err);

/* LCP_PARSE_CMDS_SIZES_ONLY: sets img's command table from lipo's walk
 * over the sizeofcmds bytes at `bytes`, the commands kept (a fault that
 * ends the walk is recorded in img->walk_fault). */
lcp_status lcp_set_commands_sizes_only(lcp_image *img, const uint8_t *bytes, lcp_error *err);
/* Gives img a copy of the len command bytes and the table lc (owned now,
 * freed on failure) of its ncmds commands, in place of the old ones. */
lcp_status lcp_image_take_commands(lcp_image *img, const uint8_t *bytes, size_t len, lcp_load_command *lc,
                                   uint32_t ncmds, lcp_error *err);

#endif
