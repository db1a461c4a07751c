/* Apple's install_name_tool on a big-endian slice (swap_check).
 *
 * Apple's write_on_input_safely() swaps the headers of a slice whose byte
 * order is not the host's back before writing, but hands
 * swap_object_headers() a pointer 64 bytes past the mach header (it adds
 * sizeof(mh), a pointer, to a struct load_command pointer) instead of the
 * load commands. On a little-endian Mac every big-endian (PowerPC) slice
 * thus has its "load commands" read from the middle of the first real one,
 * and the tool stops with "malformed load command 0". The checks below
 * replay that walk over the edited commands as they lie in the host's
 * memory (fields little-endian, strings and names as bytes), through the
 * library's parsed command table: nothing here reads the file. */
#include "compat/itool.h"

#include "util/reader.h"

/* Kind of the 4 bytes at byte f of command i: 0 a 32-bit field, 1 the low
 * and 2 the high half of a 64-bit field, 3 raw bytes. */
static int field_kind(const lcp_image *img, size_t i, uint32_t f) {
    uint32_t cmd = img->lc[i].cmd;
    if (f < 8)
        return 0;
    if (cmd == LCP_LC_SEGMENT) {
        if (f < 24)
            return 3;
        if (f < 56)
            return 0;
        uint32_t r = (f - 56) % 68;
        return r < 32 ? 3 : 0;
    }
    if (cmd == LCP_LC_SEGMENT_64) {
        if (f < 24)
            return 3;
        if (f < 56)
            return (f - 24) % 8 == 0 ? 1 : 2;
        if (f < 72)
            return 0;
        uint32_t r = (f - 72) % 80;
        if (r < 32)
            return 3;
        if (r < 48)
            return (r - 32) % 8 == 0 ? 1 : 2;
        return 0;
    }
    if (cmd == LCP_LC_UUID)
        return 3;
    const char *s;
    if (lcp_image_cmd_string(img, i, &s)) {
        uint32_t soff = (uint32_t)((const uint8_t *)s - lcp_image_command_bytes(img, i));
        if (f >= soff)
            return 3;
    }
    return 0;
}

/* The little-endian host word at byte `at` of the edited command area;
 * false past the commands (Apple's walk would read file data there). */
static bool host_word(const lcp_image *img, uint64_t at, uint32_t *out) {
    if (at + 4 > img->sizeofcmds)
        return false;
    /* commands are in offset order: binary search (the walk may be long) */
    size_t lo = 0, hi = img->ncmds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)img->lc[mid].offset + img->lc[mid].cmdsize <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < img->ncmds) {
        size_t i = lo;
        const lcp_load_command *lc = &img->lc[i];
        if (at >= lc->offset) {
            uint32_t f = (uint32_t)(at - lc->offset);
            const uint8_t *c = lcp_image_command_bytes(img, i);
            int k = field_kind(img, i, f);
            if (k == 3)
                return lcp_get_u32(c, lc->cmdsize, f, false, out);
            if (k == 0)
                return lcp_get_u32(c, lc->cmdsize, f, img->big_endian, out);
            uint64_t v;
            if (!lcp_get_u64(c, lc->cmdsize, k == 1 ? f : f - 4, img->big_endian, &v))
                return false;
            *out = k == 1 ? (uint32_t)v : (uint32_t)(v >> 32);
            return true;
        }
    }
    return false;
}

/* Returns false (after printing Apple's two messages) when Apple's walk
 * fails; true when it would pass or cannot be predicted (lcpatch then
 * writes the correct file). */
bool lcp_itool_swap_check(const char *prog, const lcp_image *img) {
    uint32_t mult = img->is64 ? 8 : 4;
    uint64_t start = 64 - img->header_size, p = start;
    const char *what = NULL;
    uint32_t i;
    for (i = 0; i < img->ncmds && !what; i++) {
        uint32_t cmd, cmdsize;
        if (!host_word(img, p, &cmd) || !host_word(img, p + 4, &cmdsize))
            return true;
        if (cmdsize % mult != 0)
            what = mult == 4 ? "malformed load command %u (cmdsize not a multiple of 4)"
                             : "malformed load command %u (cmdsize not a multiple of 8)";
        else if (p - start + cmdsize > img->sizeofcmds)
            what = "truncated or malformed load command %u (extends past the end of the all load commands)";
        else if (cmdsize == 0)
            what = "malformed load command %u (cmdsize is zero)";
        else if (cmd != LCP_LC_SYMTAB && cmd != LCP_LC_DYSYMTAB && lcp_lc_name(cmd) != NULL)
            return true; /* its per-command checks are not replayed */
        else if (cmd == LCP_LC_SYMTAB && cmdsize != 24)
            what = "malformed load commands (LC_SYMTAB command %u has incorrect cmdsize";
        else if (cmd == LCP_LC_DYSYMTAB && cmdsize != 80)
            what = "malformed load commands (LC_DYSYMTAB command %u has incorrect cmdsize";
        else if (lcp_lc_name(cmd) == NULL)
            return true;
        if (!what)
            p += cmdsize;
    }
    if (!what)
        return true;
    fprintf(stderr, "error: %s: in swap_object_headers(): ", prog);
    fprintf(stderr, what, i - 1);
    fprintf(stderr, "\nfatal error: %s: internal error: swap_object_headers() failed\n", prog);
    return false;
}
