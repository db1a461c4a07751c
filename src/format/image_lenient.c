/* vtool's load-command walk, the image parser's lenient mode (see
 * format/image_lenient.h). */
#include "format/image_lenient.h"

#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>

/* vtool's load-command walk (LCP_PARSE_LENIENT_COMMANDS; cctools
 * misc/vtool.c lcmds_alloc): only where each command lies and the sizes of
 * the commands vtool reads are checked. A zero cmdsize makes vtool read the
 * same command again for every remaining index: it is indexed once and the
 * walk ends there (*ncmds says how many were indexed). The table grows as
 * commands are found, so a huge ncmds allocates nothing up front. */
lcp_status lcp_index_commands_lenient(const lcp_image *img, const uint8_t *cmds, size_t len, uint32_t *ncmds,
                                      lcp_load_command **out, lcp_error *err) {
    *out = NULL;
    lcp_load_command *lc = NULL;
    size_t cap = 0, n = 0, pos = 0;
    bool be = img->big_endian;
    uint64_t base = img->offset + img->header_size;
    lcp_status st = LCP_OK;
    for (uint32_t i = 0; i < *ncmds; i++) {
        uint32_t cmd = 0, cmdsize = 0;
        if (!lcp_range_ok(pos, 8, len)) {
            st = lcp_error_set(err, LCP_E_MALFORMED, base + pos, "load command %u at offset 0x%zx runs past sizeofcmds",
                               i, pos);
            lcp_error_reason(err, LCP_R_VTOOL_LC_HEADER_PAST_CMDS, i, 0, (int32_t)img->cputype,
                             (int32_t)img->cpusubtype);
            break;
        }
        lcp_get_u32(cmds, len, pos, be, &cmd);
        lcp_get_u32(cmds, len, pos + 4, be, &cmdsize);
        if (!lcp_range_ok(pos, cmdsize, len)) {
            st = lcp_error_set(err, LCP_E_MALFORMED, base + pos + 4,
                               "load command %u (0x%x): cmdsize 0x%x extends past sizeofcmds", i, cmd, cmdsize);
            lcp_error_reason(err, LCP_R_VTOOL_LC_PAST_CMDS, i, 0, (int32_t)img->cputype, (int32_t)img->cpusubtype);
            if (err)
                err->value = cmd;
            break;
        }
        /* the counts vtool multiplies out, read inside the command */
        uint32_t count = 0;
        bool bad = false;
        switch (cmd) {
        case LCP_LC_SEGMENT:
            lcp_get_u32(cmds, len, pos + 48, be, &count);
            bad = cmdsize < 56 || cmdsize != 56 + 68 * (uint64_t)count;
            break;
        case LCP_LC_SEGMENT_64:
            lcp_get_u32(cmds, len, pos + 64, be, &count);
            bad = cmdsize < 72 || cmdsize != 72 + 80 * (uint64_t)count;
            break;
        case LCP_LC_VERSION_MIN_MACOSX:
        case LCP_LC_VERSION_MIN_IPHONEOS:
        case LCP_LC_VERSION_MIN_TVOS:
        case LCP_LC_VERSION_MIN_WATCHOS:
        case LCP_LC_SOURCE_VERSION: bad = cmdsize != 16; break;
        case LCP_LC_BUILD_VERSION:
            lcp_get_u32(cmds, len, pos + 20, be, &count);
            bad = cmdsize < 24 || cmdsize < 24 + 8 * (uint64_t)count;
            break;
        default: break;
        }
        if (bad) {
            st = lcp_error_set(err, LCP_E_MALFORMED, base + pos + 4, "load command %u (0x%x): incorrect cmdsize %u", i,
                               cmd, cmdsize);
            lcp_error_reason(err, LCP_R_VTOOL_LC_BAD_SIZE, i, 0, (int32_t)img->cputype, (int32_t)img->cpusubtype);
            if (err)
                err->value = (uint64_t)cmd << 32 | cmdsize;
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            lcp_load_command *grown = realloc(lc, ncap * sizeof *lc);
            if (grown == NULL) {
                st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
                break;
            }
            lc = grown;
            cap = ncap;
        }
        lc[n].cmd = cmd;
        lc[n].cmdsize = cmdsize;
        lc[n].offset = (uint32_t)pos;
        n++;
        if (cmdsize == 0)
            break;
        pos += cmdsize;
    }
    if (st) {
        free(lc);
        return st;
    }
    if (lc == NULL && (lc = malloc(sizeof *lc)) == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    *ncmds = (uint32_t)n;
    *out = lc;
    return LCP_OK;
}
