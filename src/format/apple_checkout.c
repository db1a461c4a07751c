/* The checks cctools' libstuff (ofile.c, checkout.c) makes of an image
 * before install_name_tool or codesign_allocate touch it, as parse options
 * (LCP_PARSE_KNOWN_COMMANDS, LCP_PARSE_LINKEDIT_STRICT in
 * include/lcpatch/image.h). lcp_image_parse_flags runs them after its own
 * validation, on the commands it has already bounded: everything here reads
 * through the typed decoders. Each refusal carries a reason and the index
 * of the command, which the Apple dialects turn into Apple's words. */
#include "format/apple_checkout.h"

#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/checked.h"

#include <string.h>

static lcp_status refuse(const lcp_image *img, size_t i, lcp_reason reason, const char *what, lcp_error *err) {
    uint64_t where = img->offset + img->header_size + img->lc[i].offset;
    lcp_status st = lcp_error_set(err, LCP_E_MALFORMED, where, "load command %zu at offset 0x%llx: %s", i,
                                  (unsigned long long)where, what);
    lcp_error_reason(err, reason, (uint32_t)i, 0, 0, 0);
    return st;
}

/* Apple's checkout stops at a load command it does not know. */
static lcp_status known_commands(const lcp_image *img, lcp_error *err) {
    for (size_t i = 0; i < img->ncmds; i++)
        if (lcp_lc_name(img->lc[i].cmd) == NULL)
            return refuse(img, i, LCP_R_UNKNOWN_COMMAND, "unknown load command", err);
    return LCP_OK;
}

/* off + count * each inside the image (count 0: nothing to place). */
static bool table_inside(const lcp_image *img, uint32_t off, uint32_t count, uint32_t each) {
    uint64_t n;
    return count == 0 || (lcp_mul_u64(count, each, &n) && lcp_range_ok(off, n, img->size));
}

/* The string table is the last thing in a linked image's __LINKEDIT but
 * for the code signature (ld64 pads it to 8, or to 16 before a signature):
 * Apple's writers rebuild __LINKEDIT and cannot place anything after it. */
static bool strtab_last(const lcp_image *img, uint32_t stroff, uint32_t strsize) {
    uint64_t end = 0;
    bool have_linkedit = false, have_sig = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        lcp_linkedit_data sig;
        if (lcp_image_segment(img, i, &seg) && strcmp(seg.segname, "__LINKEDIT") == 0 && !have_sig) {
            end = seg.fileoff + seg.filesize;
            have_linkedit = true;
        } else if (img->lc[i].cmd == LCP_LC_CODE_SIGNATURE && lcp_image_linkedit_data(img, i, &sig)) {
            end = sig.dataoff;
            have_sig = true;
        }
    }
    if (!have_linkedit || strsize == 0)
        return true;
    uint64_t strend = (uint64_t)stroff + strsize;
    return strend == end || ((strend + 7) & ~(uint64_t)7) == end || ((strend + 15) & ~(uint64_t)15) == end;
}

static lcp_status linkedit_strict(const lcp_image *img, lcp_error *err) {
    uint32_t nlist = img->is64 ? 16 : 12;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t a, b, c, d;
        if (img->lc[i].cmd == LCP_LC_SYMTAB && lcp_image_cmd_u32(img, i, 8, &a) && lcp_image_cmd_u32(img, i, 12, &b) &&
            lcp_image_cmd_u32(img, i, 16, &c) && lcp_image_cmd_u32(img, i, 20, &d)) {
            if (!table_inside(img, a, b, nlist)) {
                lcp_status st =
                    refuse(img, i, LCP_R_SYMTAB_PAST_END,
                           "LC_SYMTAB symoff + nsyms * sizeof(nlist) extends past the end of the image", err);
                if (err)
                    err->value = nlist; /* nlist or nlist_64, for Apple's message */
                return st;
            }
            if (!table_inside(img, c, d, 1))
                return refuse(img, i, LCP_R_STRTAB_PAST_END,
                              "LC_SYMTAB stroff + strsize extends past the end of the image", err);
            if (img->filetype != LCP_MH_OBJECT && !strtab_last(img, c, d))
                return refuse(img, i, LCP_R_STRTAB_NOT_LAST, "the string table is not last in __LINKEDIT", err);
        } else if (img->lc[i].cmd == LCP_LC_DYSYMTAB && lcp_image_cmd_u32(img, i, 56, &a) &&
                   lcp_image_cmd_u32(img, i, 60, &b) && !table_inside(img, a, b, 4)) {
            return refuse(img, i, LCP_R_INDIRECT_PAST_END,
                          "LC_DYSYMTAB indirectsymoff + nindirectsyms * 4 extends past the end of the image", err);
        }
    }
    return LCP_OK;
}

lcp_status lcp_apple_checkout(const lcp_image *img, unsigned flags, lcp_error *err) {
    lcp_status st = LCP_OK;
    if (flags & LCP_PARSE_KNOWN_COMMANDS)
        st = known_commands(img, err);
    if (st == LCP_OK && (flags & LCP_PARSE_LINKEDIT_STRICT))
        st = linkedit_strict(img, err);
    return st;
}
