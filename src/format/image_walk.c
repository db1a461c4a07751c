/* Walking an image's load commands into its command table (see
 * format/image_internal.h): the default walk, which checks each command's
 * size and internal structure (lc_str offsets, nsects, ntools), and lipo's
 * sizes-only walk (LCP_PARSE_CMDS_SIZES_ONLY). vtool's lenient walk is in
 * image_lenient.c. */
#include "format/image_internal.h"
#include "format/lc_table.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "LC_RPATH" or "0x1234" for messages. */
const char *lcp_cmd_label(uint32_t cmd, char *buf, size_t len) {
    const char *name = lcp_lc_name(cmd);
    if (name)
        return name;
    snprintf(buf, len, "0x%x", cmd);
    return buf;
}

/* Checks an lc_str at byte `field` of a command whose fixed part is `fixed`
 * bytes: its offset must lie inside the command after the fixed part (a
 * string over the fixed fields would alias them: dyld and llvm refuse it)
 * and, when must_terminate, a NUL must follow before cmdsize. With
 * LCP_PARSE_APPLE_LC_STR any offset inside the command is accepted, as
 * cctools' checkout accepts it (offset < cmdsize is its only test). */
static lcp_status check_lc_str(const uint8_t *c, uint32_t cmdsize, uint32_t field, uint32_t fixed, bool big_endian,
                               bool must_terminate, unsigned flags, uint64_t where, uint32_t index, const char *label,
                               lcp_error *err) {
    uint32_t off;
    if (!lcp_get_u32(c, cmdsize, field, big_endian, &off)) {
        lcp_status st =
            lcp_error_set(err, LCP_E_MALFORMED, where,
                          "load command %u '%s': cmdsize 0x%x too small for its string offset", index, label, cmdsize);
        lcp_error_reason(err, LCP_R_CMD_TOO_SMALL, index, 0, 0, 0);
        return st;
    }
    bool apple = (flags & LCP_PARSE_APPLE_LC_STR) != 0;
    if (!apple && off >= field + 4 && off < fixed && off < cmdsize)
        return lcp_error_set(
            err, LCP_E_MALFORMED, where + field,
            "load command %u '%s': string offset 0x%x overlaps the command's fixed fields (0x%x bytes)", index, label,
            off, fixed);
    if ((!apple && off < field + 4) || off >= cmdsize)
        return lcp_error_set(err, LCP_E_MALFORMED, where + field,
                             "load command %u '%s': string offset 0x%x outside cmdsize 0x%x", index, label, off,
                             cmdsize);
    const char *s;
    if (must_terminate && !lcp_get_cstring(c, cmdsize, off, &s))
        return lcp_error_set(err, LCP_E_MALFORMED, where + off,
                             "load command %u '%s': string at offset 0x%x not NUL-terminated within cmdsize 0x%x",
                             index, label, off, cmdsize);
    return LCP_OK;
}

/* Validates one command's internal structure. */
static lcp_status check_command(const uint8_t *c, uint32_t cmd, uint32_t cmdsize, bool is64, bool big_endian,
                                unsigned flags, uint64_t where, uint32_t index, lcp_error *err) {
    char buf[16];
    const char *label = lcp_cmd_label(cmd, buf, sizeof buf);
    const lcp_lc_info *info = lcp_lc_lookup(cmd);
    if (info == NULL)
        return LCP_OK; /* unknown: carried byte for byte */
    if (cmdsize < info->min_size) {
        lcp_status st =
            lcp_error_set(err, LCP_E_MALFORMED, where, "load command %u '%s': cmdsize 0x%x smaller than 0x%x", index,
                          label, cmdsize, info->min_size);
        lcp_error_reason(err, LCP_R_CMD_TOO_SMALL, index, 0, 0, 0);
        return st;
    }
    if (info->str_field) {
        lcp_status st = check_lc_str(c, cmdsize, info->str_field, info->min_size, big_endian, true, flags, where, index,
                                     label, err);
        if (st && err && err->reason == LCP_R_NONE)
            lcp_error_reason(err, LCP_R_LC_STR_BAD, index, 0, 0, 0);
        if (st)
            return st;
    }
    if (info->raw_str_field) {
        lcp_status st = check_lc_str(c, cmdsize, info->raw_str_field, info->min_size, big_endian, false, flags, where,
                                     index, label, err);
        if (st && err && err->reason == LCP_R_NONE)
            lcp_error_reason(err, LCP_R_LC_STR_BAD, index, 0, 0, 0);
        if (st)
            return st;
    }
    if (cmd == LCP_LC_SEGMENT || cmd == LCP_LC_SEGMENT_64) {
        uint32_t fixed = cmd == LCP_LC_SEGMENT_64 ? LCP_SEGMENT_COMMAND_64_SIZE : LCP_SEGMENT_COMMAND_SIZE;
        uint32_t sect = cmd == LCP_LC_SEGMENT_64 ? LCP_SECTION_64_SIZE : LCP_SECTION_SIZE;
        uint32_t nsects;
        lcp_get_u32(c, cmdsize, fixed - 8, big_endian, &nsects);
        if (nsects > (cmdsize - fixed) / sect)
            return lcp_error_set(err, LCP_E_MALFORMED, where + fixed - 8,
                                 "load command %u '%s': nsects %u do not fit in cmdsize 0x%x", index, label, nsects,
                                 cmdsize);
    } else if (cmd == LCP_LC_BUILD_VERSION) {
        uint32_t ntools;
        lcp_get_u32(c, cmdsize, 20, big_endian, &ntools);
        if (ntools > (cmdsize - 24) / 8)
            return lcp_error_set(err, LCP_E_MALFORMED, where + 20,
                                 "load command %u '%s': ntools %u do not fit in cmdsize 0x%x", index, label, ntools,
                                 cmdsize);
    }
    (void)is64;
    return LCP_OK;
}

/* Adds a reason naming command i and its cmdsize to an error just set. */
static lcp_status cmd_reason(lcp_error *err, lcp_status st, lcp_reason reason, uint32_t i, uint32_t cmdsize) {
    lcp_error_reason(err, reason, i, 0, 0, 0);
    if (err)
        err->value = cmdsize;
    return st;
}

/* LCP_PARSE_CMDS_SIZES_ONLY: lipo's get_align walk over img's `ncmds`
 * commands in cmds[0..len), where `room` is what the image holds after its
 * header (the bound Apple checks a command against). The table keeps the
 * commands that lie wholly in sizeofcmds; *walked says how many. A cmdsize
 * of 0 or a command past the image ends the walk and is recorded in
 * img->walk_fault. */
static lcp_status walk_sizes_only(lcp_image *img, const uint8_t *cmds, size_t len, uint64_t base, uint64_t room,
                                  lcp_load_command **out, uint32_t *walked, lcp_error *err) {
    uint32_t ncmds = img->ncmds;
    /* a command takes at least one byte of sizeofcmds: the table needs no more entries */
    size_t cap = ncmds < len ? ncmds : len;
    lcp_load_command *lc = calloc(cap ? cap : 1, sizeof *lc);
    if (lc == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t pos = 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < ncmds && pos < len; i++) {
        uint32_t cmd, cmdsize;
        if (!lcp_get_u32(cmds, len, pos, img->big_endian, &cmd) ||
            !lcp_get_u32(cmds, len, pos + 4, img->big_endian, &cmdsize))
            break;
        if (cmdsize % 4 != 0 && !(img->parse_flags & LCP_PARSE_CMDSIZE_ANY_ALIGN)) {
            free(lc);
            return cmd_reason(err,
                              lcp_error_set(err, LCP_E_MALFORMED, base + pos + 4,
                                            "load command %u: cmdsize %u is not a multiple of 4", i, cmdsize),
                              LCP_R_CMDSIZE_ALIGN, i, cmdsize);
        }
        if (cmdsize == 0 || pos + cmdsize > room) {
            img->walk_fault = cmdsize == 0 ? LCP_R_CMDSIZE_ZERO : LCP_R_CMD_PAST_CMDS;
            img->walk_fault_index = i;
            img->walk_fault_cmdsize = cmdsize;
            break;
        }
        if (cmdsize > len - pos)
            break; /* starts in sizeofcmds, ends past it: Apple stops here */
        lc[n].cmd = cmd;
        lc[n].cmdsize = cmdsize;
        lc[n].offset = (uint32_t)pos;
        n++;
        pos += cmdsize;
    }
    *out = lc;
    *walked = n;
    return LCP_OK;
}

/* Builds the command table for `ncmds` commands in cmds[0..len). `base` is
 * the file offset of cmds[0], for messages. On success *out is a new array. */
lcp_status lcp_index_commands(const uint8_t *cmds, size_t len, uint32_t ncmds, bool is64, bool big_endian,
                              unsigned flags, uint64_t base, lcp_load_command **out, lcp_error *err) {
    *out = NULL;
    /* Every command takes at least 8 bytes: refuse impossible counts before allocating. */
    if (ncmds > len / 8) {
        lcp_status bad = lcp_error_set(err, LCP_E_MALFORMED, base, "ncmds %u cannot fit in sizeofcmds %zu", ncmds, len);
        /* the first command a walk would find past sizeofcmds, when all before take 8 bytes */
        lcp_error_reason(err, LCP_R_CMD_PAST_CMDS, (uint32_t)(len / 8), 0, 0, 0);
        return bad;
    }
    lcp_load_command *lc = calloc(ncmds ? ncmds : 1, sizeof *lc);
    if (lc == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t pos = 0;
    for (uint32_t i = 0; i < ncmds; i++) {
        uint32_t cmd, cmdsize;
        if (!lcp_get_u32(cmds, len, pos, big_endian, &cmd) || !lcp_get_u32(cmds, len, pos + 4, big_endian, &cmdsize)) {
            free(lc);
            lcp_status bad = lcp_error_set(err, LCP_E_MALFORMED, base + pos,
                                           "load command %u at offset 0x%zx runs past sizeofcmds 0x%zx", i, pos, len);
            lcp_error_reason(err, LCP_R_CMD_PAST_CMDS, i, 0, 0, 0);
            return bad;
        }
        char buf[16];
        const char *label = lcp_cmd_label(cmd, buf, sizeof buf);
        lcp_status st = LCP_OK;
        if (cmdsize < 8)
            st = cmd_reason(err,
                            lcp_error_set(err, LCP_E_MALFORMED, base + pos + 4,
                                          "load command %u '%s': cmdsize %u is less than 8", i, label, cmdsize),
                            cmdsize == 0 ? LCP_R_CMDSIZE_ZERO : LCP_R_CMD_TOO_SMALL, i, cmdsize);
        else if (cmdsize % 4 != 0 && !(flags & LCP_PARSE_CMDSIZE_ANY_ALIGN))
            st = cmd_reason(err,
                            lcp_error_set(err, LCP_E_MALFORMED, base + pos + 4,
                                          "load command %u '%s': cmdsize %u is not a multiple of 4", i, label, cmdsize),
                            LCP_R_CMDSIZE_ALIGN, i, cmdsize);
        else if (cmdsize > len - pos)
            st = cmd_reason(err,
                            lcp_error_set(err, LCP_E_MALFORMED, base + pos + 4,
                                          "load command %u '%s': cmdsize 0x%x extends past sizeofcmds 0x%zx", i, label,
                                          cmdsize, len),
                            LCP_R_CMD_PAST_CMDS, i, cmdsize);
        else
            st = check_command(cmds + pos, cmd, cmdsize, is64, big_endian, flags, base + pos, i, err);
        if (st) {
            free(lc);
            return st;
        }
        lc[i].cmd = cmd;
        lc[i].cmdsize = cmdsize;
        lc[i].offset = (uint32_t)pos;
        pos += cmdsize;
    }
    *out = lc;
    return LCP_OK;
}

/* LCP_PARSE_CMDS_SIZES_ONLY: the table from lipo's walk, the commands kept. */
lcp_status lcp_set_commands_sizes_only(lcp_image *img, const uint8_t *bytes, lcp_error *err) {
    size_t len = img->sizeofcmds;
    lcp_load_command *lc = NULL;
    uint32_t walked = 0;
    lcp_status st = walk_sizes_only(img, bytes, len, img->offset + img->header_size, img->size - img->header_size, &lc,
                                    &walked, err);
    if (st)
        return st;
    return lcp_image_take_commands(img, bytes, len, lc, walked, err);
}
