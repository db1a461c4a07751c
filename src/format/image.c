/* Parsing and validating one Mach-O image's header and load commands, and
 * the typed decoders over them (see include/lcpatch/image.h). */
#include "lcpatch/image.h"

#include "format/image_lenient.h"
#include "format/apple_checkout.h"
#include "format/lc_table.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "LC_RPATH" or "0x1234" for messages. */
static const char *cmd_label(uint32_t cmd, char *buf, size_t len) {
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
    const char *label = cmd_label(cmd, buf, sizeof buf);
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
static lcp_status index_commands(const uint8_t *cmds, size_t len, uint32_t ncmds, bool is64, bool big_endian,
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
        const char *label = cmd_label(cmd, buf, sizeof buf);
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

/* Segments and linkedit data must lie inside the image: an edit copies
 * these ranges, and a file that claims bytes it does not have is truncated
 * or malformed (cctools: "fileoff field plus filesize field ... extends past
 * the end of the file"). */
static lcp_status check_file_ranges(const lcp_image *img, lcp_error *err) {
    for (size_t i = 0; i < img->ncmds; i++) {
        uint64_t off = 0, len = 0;
        const char *f1, *f2;
        lcp_segment seg;
        lcp_linkedit_data led;
        if (lcp_image_segment(img, i, &seg)) {
            off = seg.fileoff;
            len = seg.filesize;
            f1 = "fileoff";
            f2 = "filesize";
        } else if (lcp_image_linkedit_data(img, i, &led)) {
            off = led.dataoff;
            len = led.datasize;
            f1 = "dataoff";
            f2 = "datasize";
        } else {
            continue;
        }
        if (lcp_range_ok(off, len, img->size))
            continue;
        char buf[16];
        uint64_t where = img->offset + img->header_size + img->lc[i].offset;
        return lcp_error_set(err, LCP_E_MALFORMED, where,
                             "load command %zu '%s' at offset 0x%llx: %s 0x%llx + %s 0x%llx extends past the end of "
                             "the image (0x%llx bytes)",
                             i, cmd_label(img->lc[i].cmd, buf, sizeof buf), (unsigned long long)where, f1,
                             (unsigned long long)off, f2, (unsigned long long)len, (unsigned long long)img->size);
    }
    return LCP_OK;
}

/* Apple's checkout walks the commands one by one: a __LINKEDIT fault in
 * command 6 is what it reports, not a broken cmdsize in command 7. When
 * the Apple checks are asked for and command k > 0 is malformed, the
 * commands before it are checked first and their fault, if any, replaces
 * err. img is being discarded: its command table is reused. */
static void apple_checkout_before(lcp_image *img, const uint8_t *cmds, unsigned flags, lcp_error *err) {
    if (err == NULL || !(flags & (LCP_PARSE_KNOWN_COMMANDS | LCP_PARSE_LINKEDIT_STRICT)) || err->index == 0)
        return;
    switch (err->reason) {
    case LCP_R_CMDSIZE_ZERO:
    case LCP_R_CMDSIZE_ALIGN:
    case LCP_R_CMD_PAST_CMDS:
    case LCP_R_CMD_TOO_SMALL:
    case LCP_R_LC_STR_BAD: break;
    default: return;
    }
    lcp_error first;
    if (lcp_image_set_commands(img, cmds, img->sizeofcmds, err->index, &first) == LCP_OK &&
        lcp_apple_checkout(img, flags, &first) != LCP_OK)
        *err = first;
}

/* LCP_PARSE_CMDS_SIZES_ONLY: the table from lipo's walk, the commands kept. */
static lcp_status set_commands_sizes_only(lcp_image *img, const uint8_t *bytes, lcp_error *err) {
    size_t len = img->sizeofcmds;
    lcp_load_command *lc = NULL;
    uint32_t walked = 0;
    lcp_status st = walk_sizes_only(img, bytes, len, img->offset + img->header_size, img->size - img->header_size, &lc,
                                    &walked, err);
    if (st)
        return st;
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        free(lc);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    if (len)
        memcpy(copy, bytes, len);
    img->cmds = copy;
    img->lc = lc;
    img->ncmds = walked;
    return LCP_OK;
}

lcp_status lcp_image_parse(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t size, lcp_image **out,
                           lcp_error *err) {
    return lcp_image_parse_flags(bytes, len, offset, size, 0, out, err);
}

/* The header of an image into a new lcp_image (no commands yet). The
 * header and sizeofcmds must lie in the `len` bytes given and, unless
 * `file_bound` (vtool's rule: the file, not the slice, bounds them), in
 * the image's `size`. */
static lcp_status new_image(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t size, unsigned flags,
                            bool file_bound, lcp_image **out, lcp_error *err) {
    *out = NULL;
    if (len < 4) {
        lcp_status st = lcp_error_set(err, LCP_E_MALFORMED, offset, "truncated mach header at offset 0x%llx",
                                      (unsigned long long)offset);
        lcp_error_reason(err, LCP_R_TRUNCATED_HEADER, 0, 0, 0, 0);
        return st;
    }
    uint32_t magic = lcp_be32(bytes);
    bool is64, big_endian;
    switch (magic) {
    case LCP_MH_MAGIC:
        is64 = false;
        big_endian = true;
        break;
    case LCP_MH_CIGAM:
        is64 = false;
        big_endian = false;
        break;
    case LCP_MH_MAGIC_64:
        is64 = true;
        big_endian = true;
        break;
    case LCP_MH_CIGAM_64:
        is64 = true;
        big_endian = false;
        break;
    default:
        return lcp_error_set(err, LCP_E_NOT_MACHO, offset, "bad magic 0x%08x at offset 0x%llx", magic,
                             (unsigned long long)offset);
    }
    uint32_t header_size = is64 ? LCP_MH_HEADER_SIZE_64 : LCP_MH_HEADER_SIZE;
    if (len < header_size || (!file_bound && size < header_size)) {
        lcp_status st =
            lcp_error_set(err, LCP_E_MALFORMED, offset, "truncated mach header at offset 0x%llx (%llu bytes)",
                          (unsigned long long)offset, (unsigned long long)(size < len ? size : len));
        lcp_error_reason(err, LCP_R_TRUNCATED_HEADER, 0, 0, 0, 0);
        return st;
    }
    lcp_image *img = calloc(1, sizeof *img);
    if (img == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_reader r;
    lcp_reader_init(&r, bytes, len, big_endian);
    uint32_t m;
    lcp_read_u32(&r, &m);
    lcp_read_u32(&r, &img->cputype);
    lcp_read_u32(&r, &img->cpusubtype);
    lcp_read_u32(&r, &img->filetype);
    lcp_read_u32(&r, &img->ncmds);
    lcp_read_u32(&r, &img->sizeofcmds);
    lcp_read_u32(&r, &img->flags);
    if (is64)
        lcp_read_u32(&r, &img->reserved);
    img->magic = is64 ? LCP_MH_MAGIC_64 : LCP_MH_MAGIC;
    img->is64 = is64;
    img->big_endian = big_endian;
    img->offset = offset;
    img->size = size;
    img->header_size = header_size;
    img->orig_sizeofcmds = img->sizeofcmds;
    img->parse_flags = flags;
    if ((!file_bound && !lcp_range_ok(header_size, img->sizeofcmds, size)) ||
        !lcp_range_ok(header_size, img->sizeofcmds, len)) {
        uint32_t sizeofcmds = img->sizeofcmds;
        lcp_status st = lcp_error_set(err, LCP_E_MALFORMED, offset + 20,
                                      "sizeofcmds %u extends past the end of the image (%llu bytes)", sizeofcmds,
                                      (unsigned long long)(file_bound ? len : size));
        lcp_error_reason(err, LCP_R_CMDS_PAST_END, 0, 0, (int32_t)img->cputype, (int32_t)img->cpusubtype);
        lcp_image_free(img);
        return st;
    }
    *out = img;
    return LCP_OK;
}

/* LCP_PARSE_LENIENT_COMMANDS: the default parse first; when it fails, its
 * error is kept and vtool's walk builds the image (see image.h). */
static lcp_status parse_lenient(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t size, unsigned flags,
                                lcp_image **out, lcp_error *err) {
    lcp_error strict;
    lcp_status st = lcp_image_parse_flags(bytes, len, offset, size, flags & ~LCP_PARSE_LENIENT_COMMANDS, out, &strict);
    if (st == LCP_OK || st == LCP_E_NOMEM) {
        if (st && err)
            *err = strict;
        return st;
    }
    lcp_image *img;
    st = new_image(bytes, len, offset, size, flags, true, &img, err);
    if (st == LCP_OK)
        st = lcp_image_set_commands(img, bytes + img->header_size, img->sizeofcmds, img->ncmds, err);
    if (st == LCP_OK && (img->strict_error = malloc(sizeof strict)) == NULL)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (st) {
        lcp_image_free(img);
        return st;
    }
    *img->strict_error = strict;
    img->orig_sizeofcmds = img->sizeofcmds;
    *out = img;
    return LCP_OK;
}

lcp_status lcp_image_parse_flags(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t size, unsigned flags,
                                 lcp_image **out, lcp_error *err) {
    *out = NULL;
    if (flags & LCP_PARSE_LENIENT_COMMANDS)
        return parse_lenient(bytes, len, offset, size, flags, out, err);
    lcp_image *img;
    lcp_status st = new_image(bytes, len, offset, size, flags, false, &img, err);
    if (st)
        return st;
    if (flags & LCP_PARSE_CMDS_SIZES_ONLY)
        st = set_commands_sizes_only(img, bytes + img->header_size, err);
    else if ((st = lcp_image_set_commands(img, bytes + img->header_size, img->sizeofcmds, img->ncmds, err)) == LCP_OK)
        st = check_file_ranges(img, err);
    if (st == LCP_OK)
        st = lcp_apple_checkout(img, flags, err);
    else
        apple_checkout_before(img, bytes + img->header_size, flags, err);
    if (st) {
        lcp_image_free(img);
        return st;
    }
    img->orig_sizeofcmds = img->sizeofcmds;
    *out = img;
    return LCP_OK;
}

lcp_status lcp_image_set_commands(lcp_image *img, const uint8_t *bytes, size_t len, uint32_t ncmds, lcp_error *err) {
    if (len > UINT32_MAX)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "load commands too large");
    lcp_load_command *lc;
    lcp_status st = (img->parse_flags & LCP_PARSE_LENIENT_COMMANDS)
                        ? lcp_index_commands_lenient(img, bytes, len, &ncmds, &lc, err)
                        : index_commands(bytes, len, ncmds, img->is64, img->big_endian, img->parse_flags,
                                         img->offset + img->header_size, &lc, err);
    if (st)
        return st;
    uint8_t *copy = malloc(len ? len : 1);
    if (copy == NULL) {
        free(lc);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    if (len)
        memcpy(copy, bytes, len);
    free(img->cmds);
    free(img->lc);
    img->cmds = copy;
    img->lc = lc;
    img->ncmds = ncmds;
    img->sizeofcmds = (uint32_t)len;
    return LCP_OK;
}

lcp_status lcp_image_clone(const lcp_image *img, lcp_image **out, lcp_error *err) {
    *out = NULL;
    lcp_image *c = malloc(sizeof *c);
    if (c == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    *c = *img;
    c->strict_error = NULL;
    if (img->strict_error && (c->strict_error = malloc(sizeof *c->strict_error)) != NULL)
        *c->strict_error = *img->strict_error;
    c->cmds = malloc(img->sizeofcmds ? img->sizeofcmds : 1);
    c->lc = malloc(img->ncmds ? img->ncmds * sizeof *c->lc : 1);
    if (c->cmds == NULL || c->lc == NULL || (img->strict_error && c->strict_error == NULL)) {
        lcp_image_free(c);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    if (img->sizeofcmds)
        memcpy(c->cmds, img->cmds, img->sizeofcmds);
    if (img->ncmds)
        memcpy(c->lc, img->lc, img->ncmds * sizeof *c->lc);
    *out = c;
    return LCP_OK;
}

void lcp_image_free(lcp_image *img) {
    if (img == NULL)
        return;
    free(img->cmds);
    free(img->lc);
    free(img->strict_error);
    free(img);
}

const uint8_t *lcp_image_command_bytes(const lcp_image *img, size_t i) {
    if (i >= img->ncmds)
        return NULL;
    const uint8_t *v;
    return lcp_get_view(img->cmds, img->sizeofcmds, img->lc[i].offset, img->lc[i].cmdsize, &v) ? v : NULL;
}

long lcp_image_find(const lcp_image *img, uint32_t cmd, size_t from) {
    for (size_t i = from; i < img->ncmds; i++)
        if (img->lc[i].cmd == cmd)
            return (long)i;
    return -1;
}

bool lcp_image_cmd_u32(const lcp_image *img, size_t i, size_t field, uint32_t *out) {
    if (i >= img->ncmds)
        return false;
    return lcp_get_u32(lcp_image_command_bytes(img, i), img->lc[i].cmdsize, field, img->big_endian, out);
}

bool lcp_image_cmd_u64(const lcp_image *img, size_t i, size_t field, uint64_t *out) {
    if (i >= img->ncmds)
        return false;
    return lcp_get_u64(lcp_image_command_bytes(img, i), img->lc[i].cmdsize, field, img->big_endian, out);
}

/* A reader over command i, positioned after cmd and cmdsize. */
static bool command_reader(const lcp_image *img, size_t i, lcp_reader *r) {
    if (i >= img->ncmds)
        return false;
    lcp_reader_init(r, lcp_image_command_bytes(img, i), img->lc[i].cmdsize, img->big_endian);
    return lcp_reader_skip(r, 8);
}

bool lcp_image_segment(const lcp_image *img, size_t i, lcp_segment *out) {
    lcp_reader r;
    if (!command_reader(img, i, &r))
        return false;
    uint32_t cmd = img->lc[i].cmd;
    if (cmd == LCP_LC_SEGMENT_64) {
        return lcp_read_fixed_string(&r, out->segname, 16) && lcp_read_u64(&r, &out->vmaddr) &&
               lcp_read_u64(&r, &out->vmsize) && lcp_read_u64(&r, &out->fileoff) && lcp_read_u64(&r, &out->filesize) &&
               lcp_read_u32(&r, &out->maxprot) && lcp_read_u32(&r, &out->initprot) && lcp_read_u32(&r, &out->nsects) &&
               lcp_read_u32(&r, &out->flags);
    }
    if (cmd == LCP_LC_SEGMENT) {
        uint32_t a, b, c, d;
        if (!(lcp_read_fixed_string(&r, out->segname, 16) && lcp_read_u32(&r, &a) && lcp_read_u32(&r, &b) &&
              lcp_read_u32(&r, &c) && lcp_read_u32(&r, &d) && lcp_read_u32(&r, &out->maxprot) &&
              lcp_read_u32(&r, &out->initprot) && lcp_read_u32(&r, &out->nsects) && lcp_read_u32(&r, &out->flags)))
            return false;
        out->vmaddr = a;
        out->vmsize = b;
        out->fileoff = c;
        out->filesize = d;
        return true;
    }
    return false;
}

bool lcp_image_load_address(const lcp_image *img, uint64_t *base) {
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && seg.fileoff == 0 && seg.filesize != 0) {
            *base = seg.vmaddr;
            return true;
        }
    }
    return false;
}

bool lcp_image_section(const lcp_image *img, size_t i, uint32_t k, lcp_section *out) {
    lcp_segment seg;
    if (!lcp_image_segment(img, i, &seg) || k >= seg.nsects)
        return false;
    bool is64 = img->lc[i].cmd == LCP_LC_SEGMENT_64;
    size_t fixed = is64 ? LCP_SEGMENT_COMMAND_64_SIZE : LCP_SEGMENT_COMMAND_SIZE;
    size_t sect = is64 ? LCP_SECTION_64_SIZE : LCP_SECTION_SIZE;
    lcp_reader r;
    lcp_reader_init(&r, lcp_image_command_bytes(img, i), img->lc[i].cmdsize, img->big_endian);
    if (!lcp_reader_seek(&r, fixed + k * sect))
        return false;
    if (!(lcp_read_fixed_string(&r, out->sectname, 16) && lcp_read_fixed_string(&r, out->segname, 16)))
        return false;
    if (is64) {
        if (!(lcp_read_u64(&r, &out->addr) && lcp_read_u64(&r, &out->size)))
            return false;
    } else {
        uint32_t a, s;
        if (!(lcp_read_u32(&r, &a) && lcp_read_u32(&r, &s)))
            return false;
        out->addr = a;
        out->size = s;
    }
    out->reserved3 = 0;
    return lcp_read_u32(&r, &out->offset) && lcp_read_u32(&r, &out->align) && lcp_read_u32(&r, &out->reloff) &&
           lcp_read_u32(&r, &out->nreloc) && lcp_read_u32(&r, &out->flags) && lcp_read_u32(&r, &out->reserved1) &&
           lcp_read_u32(&r, &out->reserved2) && (!is64 || lcp_read_u32(&r, &out->reserved3));
}

bool lcp_section_is_zerofill(const lcp_section *s) {
    uint32_t type = s->flags & LCP_SECTION_TYPE;
    return type == LCP_S_ZEROFILL || type == LCP_S_GB_ZEROFILL || type == LCP_S_THREAD_LOCAL_ZEROFILL;
}

bool lcp_cmd_is_dylib(uint32_t cmd) {
    return cmd == LCP_LC_LOAD_DYLIB || cmd == LCP_LC_LOAD_WEAK_DYLIB || cmd == LCP_LC_REEXPORT_DYLIB ||
           cmd == LCP_LC_LOAD_UPWARD_DYLIB || cmd == LCP_LC_LAZY_LOAD_DYLIB || cmd == LCP_LC_ID_DYLIB;
}

bool lcp_image_cmd_string(const lcp_image *img, size_t i, const char **out) {
    if (i >= img->ncmds)
        return false;
    const lcp_lc_info *info = lcp_lc_lookup(img->lc[i].cmd);
    if (info == NULL || info->str_field == 0)
        return false;
    uint32_t off;
    const uint8_t *c = lcp_image_command_bytes(img, i);
    return lcp_get_u32(c, img->lc[i].cmdsize, info->str_field, img->big_endian, &off) &&
           lcp_get_cstring(c, img->lc[i].cmdsize, off, out);
}

bool lcp_image_dylib(const lcp_image *img, size_t i, lcp_dylib *out) {
    if (i >= img->ncmds || !lcp_cmd_is_dylib(img->lc[i].cmd))
        return false;
    return lcp_image_cmd_string(img, i, &out->name) && lcp_image_cmd_u32(img, i, 12, &out->timestamp) &&
           lcp_image_cmd_u32(img, i, 16, &out->current_version) &&
           lcp_image_cmd_u32(img, i, 20, &out->compatibility_version);
}

bool lcp_image_build_version(const lcp_image *img, size_t i, lcp_build_version *out) {
    if (i >= img->ncmds || img->lc[i].cmd != LCP_LC_BUILD_VERSION)
        return false;
    return lcp_image_cmd_u32(img, i, 8, &out->platform) && lcp_image_cmd_u32(img, i, 12, &out->minos) &&
           lcp_image_cmd_u32(img, i, 16, &out->sdk) && lcp_image_cmd_u32(img, i, 20, &out->ntools);
}

bool lcp_image_build_tool(const lcp_image *img, size_t i, uint32_t k, uint32_t *tool, uint32_t *version) {
    lcp_build_version bv;
    if (!lcp_image_build_version(img, i, &bv) || k >= bv.ntools)
        return false;
    return lcp_image_cmd_u32(img, i, 24 + 8 * (size_t)k, tool) &&
           lcp_image_cmd_u32(img, i, 28 + 8 * (size_t)k, version);
}

bool lcp_cmd_is_version_min(uint32_t cmd) {
    return cmd == LCP_LC_VERSION_MIN_MACOSX || cmd == LCP_LC_VERSION_MIN_IPHONEOS || cmd == LCP_LC_VERSION_MIN_TVOS ||
           cmd == LCP_LC_VERSION_MIN_WATCHOS;
}

uint32_t lcp_version_min_platform(uint32_t cmd) {
    switch (cmd) {
    case LCP_LC_VERSION_MIN_MACOSX: return LCP_PLATFORM_MACOS;
    case LCP_LC_VERSION_MIN_IPHONEOS: return LCP_PLATFORM_IOS;
    case LCP_LC_VERSION_MIN_TVOS: return LCP_PLATFORM_TVOS;
    case LCP_LC_VERSION_MIN_WATCHOS: return LCP_PLATFORM_WATCHOS;
    default: return 0;
    }
}

bool lcp_image_version_min(const lcp_image *img, size_t i, lcp_version_min *out) {
    if (i >= img->ncmds || !lcp_cmd_is_version_min(img->lc[i].cmd))
        return false;
    return lcp_image_cmd_u32(img, i, 8, &out->version) && lcp_image_cmd_u32(img, i, 12, &out->sdk);
}

bool lcp_image_source_version(const lcp_image *img, size_t i, uint64_t *out) {
    if (i >= img->ncmds || img->lc[i].cmd != LCP_LC_SOURCE_VERSION)
        return false;
    return lcp_image_cmd_u64(img, i, 8, out);
}

bool lcp_image_linkedit_data(const lcp_image *img, size_t i, lcp_linkedit_data *out) {
    if (i >= img->ncmds)
        return false;
    switch (img->lc[i].cmd) {
    case LCP_LC_CODE_SIGNATURE:
    case LCP_LC_SEGMENT_SPLIT_INFO:
    case LCP_LC_FUNCTION_STARTS:
    case LCP_LC_DATA_IN_CODE:
    case LCP_LC_DYLIB_CODE_SIGN_DRS:
    case LCP_LC_LINKER_OPTIMIZATION_HINT:
    case LCP_LC_DYLD_EXPORTS_TRIE:
    case LCP_LC_DYLD_CHAINED_FIXUPS:
    case LCP_LC_ATOM_INFO:
    case LCP_LC_FUNCTION_VARIANTS:
    case LCP_LC_FUNCTION_VARIANT_FIXUPS:
        return lcp_image_cmd_u32(img, i, 8, &out->dataoff) && lcp_image_cmd_u32(img, i, 12, &out->datasize);
    default: return false;
    }
}

void lcp_image_space(const lcp_image *img, lcp_space *out) {
    memset(out, 0, sizeof *out);
    out->header_size = img->header_size;
    out->sizeofcmds = img->sizeofcmds;
    uint64_t vlow = img->size, ilow = img->size, slow = img->size;
    bool int_found = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        if (img->lc[i].cmd == LCP_LC_CODE_SIGNATURE)
            out->signed_image = true;
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        if (seg.nsects == 0 && seg.filesize != 0 && seg.fileoff < ilow) {
            ilow = seg.fileoff;
            int_found = true;
        }
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                continue;
            /* vtool tests bits, not the section type (misc/vtool.c). */
            if ((s.flags & LCP_S_ZEROFILL) == 0 && (s.flags & LCP_S_THREAD_LOCAL_ZEROFILL) == 0 && s.offset < vlow)
                vlow = s.offset;
            /* install_name_tool tests bits too, its own way
             * (misc/install_name_tool.c): (flags & S_ZEROFILL) !=
             * S_ZEROFILL skips every odd section type, (flags &
             * S_THREAD_LOCAL_ZEROFILL) != S_THREAD_LOCAL_ZEROFILL skips
             * types 0x12, 0x13, 0x16 and 0x17. */
            if (s.size != 0 && (s.flags & LCP_S_ZEROFILL) != LCP_S_ZEROFILL &&
                (s.flags & LCP_S_THREAD_LOCAL_ZEROFILL) != LCP_S_THREAD_LOCAL_ZEROFILL && s.offset < ilow) {
                ilow = s.offset;
                int_found = true;
            }
            if (lcp_section_is_zerofill(&s))
                continue;
            if (s.size != 0 && s.offset < slow)
                slow = s.offset;
        }
    }
    int64_t used = (int64_t)img->header_size + (int64_t)img->sizeofcmds;
    out->vtool_limit = vlow;
    out->int_limit = ilow;
    out->int_unbounded = !int_found;
    out->safe_limit = slow;
    out->vtool_free = (int64_t)vlow - used;
    out->int_free = (int64_t)ilow - used;
    out->safe_free = (int64_t)slow - used;
    out->signature_fits = out->vtool_free >= 16 && out->safe_free >= 16;
}
