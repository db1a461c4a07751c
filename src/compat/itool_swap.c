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
 * memory (lcp_image_host_word: fields little-endian, strings and names as
 * bytes), through the library's parsed command table: nothing here reads
 * the file. */
#include "compat/itool.h"

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
        if (!lcp_image_host_word(img, p, &cmd) || !lcp_image_host_word(img, p + 4, &cmdsize))
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
