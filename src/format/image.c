/* Parsing and validating one Mach-O image's header and load commands (see
 * include/lcpatch/image.h): the header into a new image, the default,
 * lenient (vtool) and sizes-only (lipo) parses, the file ranges and Apple
 * checkout that follow them, and an image's command table set, cloned and
 * freed. The command walks are in image_walk.c, the typed decoders over
 * the commands in image_commands.c. */
#include "lcpatch/image.h"

#include "format/apple_checkout.h"
#include "format/image_internal.h"
#include "format/image_lenient.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

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
                             i, lcp_cmd_label(img->lc[i].cmd, buf, sizeof buf), (unsigned long long)where, f1,
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
        st = lcp_set_commands_sizes_only(img, bytes + img->header_size, err);
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
                        : lcp_index_commands(bytes, len, ncmds, img->is64, img->big_endian, img->parse_flags,
                                             img->offset + img->header_size, &lc, err);
    if (st)
        return st;
    return lcp_image_take_commands(img, bytes, len, lc, ncmds, err);
}

lcp_status lcp_image_take_commands(lcp_image *img, const uint8_t *bytes, size_t len, lcp_load_command *lc,
                                   uint32_t ncmds, lcp_error *err) {
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
