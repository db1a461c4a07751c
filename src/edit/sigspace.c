/* Making room for a code signature the way Apple's `codesign_allocate -a`
 * does (cctools misc/codesign_allocate.c setup_code_signature and
 * add_code_sig_load_command): see include/lcpatch/slices.h. */
#include "lcpatch/slices.h"

#include "edit/internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* linkedit_data_command: cmd, cmdsize, dataoff, datasize. */
#define CS_CMDSIZE 16u

/* Apple's add_code_sig_load_command bound: the lowest file offset of a
 * section with bytes, or of a section-less segment that does not start the
 * file. Its zerofill tests are bitwise ((flags & S_ZEROFILL) == S_ZEROFILL),
 * so any section type with bit 0 set is skipped: kept, for identical
 * verdicts. */
static uint64_t low_fileoff(const lcp_image *img) {
    uint64_t low = UINT32_MAX;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        if (seg.nsects == 0) {
            if (seg.fileoff != 0 && seg.filesize != 0 && seg.fileoff < low)
                low = seg.fileoff;
            continue;
        }
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                break; /* nsects is the file's: the first section past the command ends it */
            if (s.size != 0 && (s.flags & LCP_S_ZEROFILL) != LCP_S_ZEROFILL &&
                (s.flags & LCP_S_THREAD_LOCAL_ZEROFILL) != LCP_S_THREAD_LOCAL_ZEROFILL && s.offset < low)
                low = s.offset;
        }
    }
    return low;
}

/* Offsets, in the command bytes, of __LINKEDIT's (the last one's, as
 * Apple's ofile keeps it) filesize and vmsize fields; false without one. */
static bool find_linkedit(const lcp_image *img, size_t *cmd_index) {
    bool found = false;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && strcmp(seg.segname, "__LINKEDIT") == 0) {
            *cmd_index = i;
            found = true;
        }
    }
    return found;
}

lcp_status lcp_sigspace_image(lcp_image *img, const lcp_sigspace *req, uint64_t *copy_end, uint64_t *new_size,
                              lcp_error *err) {
    *copy_end = *new_size = img->size;
    if (req->datasize % 16 != 0 && !req->any_size)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "signature size %u is not a multiple of 16",
                             req->datasize);
    uint64_t page = (uint64_t)1 << lcp_image_seg_align(img);
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    if (sig >= 0 && lcp_image_find(img, LCP_LC_CODE_SIGNATURE, (size_t)sig + 1) >= 0)
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "more than one LC_CODE_SIGNATURE");
    long symtab = lcp_image_find(img, LCP_LC_SYMTAB, 0);
    size_t le = 0;
    bool has_le = find_linkedit(img, &le);
    lcp_segment leseg = {0};
    if (has_le)
        lcp_image_segment(img, le, &leseg);

    /* Where the old content ends (the new room starts after it, rounded),
     * and how much of the old linkedit span goes away. */
    uint64_t end, old_span = 0;
    if (sig < 0) {
        uint64_t need = (uint64_t)img->header_size + img->sizeofcmds + CS_CMDSIZE;
        if (need > low_fileoff(img))
            return lcp_error_set(err, LCP_E_NOSPACE, img->offset,
                                 "larger updated load commands do not fit (the program must be relinked using a "
                                 "larger -headerpad value)");
        if (has_le) {
            if (!lcp_add_u64(leseg.fileoff, leseg.filesize, &end))
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "__LINKEDIT's end overflows");
            /* The signature goes at __LINKEDIT's end, and the file ends
             * there: a segment or table past it would be cut off (a
             * __LINKEDIT that is not last, tables outside it). */
            uint64_t content;
            if (!lcp_linkedit_content_end(img, SIZE_MAX, &content))
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "a linkedit table's range overflows");
            if (content > end)
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset + end,
                                     "__LINKEDIT ends at 0x%llx but segments or linkedit tables reach 0x%llx: the "
                                     "signature would cut them off",
                                     (unsigned long long)end, (unsigned long long)content);
            /* ... and what unsign takes for the data's end must reach
             * __LINKEDIT, or the signed file could not be unsigned (nor
             * signed again): found by fuzz_sign_adhoc */
            if (content < leseg.fileoff)
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset + content,
                                     "the linkedit tables end at 0x%llx, before __LINKEDIT starts (0x%llx): a "
                                     "signature there could not be removed again",
                                     (unsigned long long)content, (unsigned long long)leseg.fileoff);
        } else if (img->filetype == LCP_MH_OBJECT) {
            end = img->size;
        } else {
            lcp_status st =
                lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "file does not have a __LINKEDIT segment");
            lcp_error_reason(err, LCP_R_NO_LINKEDIT, 0, 0, 0, 0);
            return st;
        }
    } else {
        lcp_linkedit_data cs;
        if (!lcp_image_linkedit_data(img, (size_t)sig, &cs))
            return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "load command %ld 'LC_CODE_SIGNATURE' is truncated",
                                 sig);
        if (!lcp_linkedit_content_end(img, (size_t)sig, &end))
            return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "a linkedit table's range overflows");
        if (end > cs.dataoff)
            return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset + cs.dataoff,
                                 "the code signature (at 0x%x) is not the last data of the image (data up to "
                                 "0x%llx)",
                                 cs.dataoff, (unsigned long long)end);
        old_span = (uint64_t)cs.dataoff - end + cs.datasize;
    }
    /* The old bytes kept must lie in the image (the next slice's are not its). */
    if (end > img->size)
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset,
                             "__LINKEDIT ends at 0x%llx, past the image's end (0x%llx)", (unsigned long long)end,
                             (unsigned long long)img->size);
    /* Apple pads to the page only through a string table it can grow. */
    uint64_t dataoff;
    bool grow_strings = req->page_align && symtab >= 0;
    if (!lcp_round_up_u64(end, grow_strings ? page : 16, &dataoff) || dataoff > UINT32_MAX ||
        dataoff + req->datasize > UINT32_MAX)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "the signature would lie past 4 GiB");
    if (sig >= 0 && symtab < 0) {
        /* No string table: Apple keeps the old offset and alignment. */
        lcp_linkedit_data cs;
        lcp_image_linkedit_data(img, (size_t)sig, &cs);
        dataoff = cs.dataoff;
    }
    uint64_t pad = dataoff - end;

    /* The new commands. A new LC_CODE_SIGNATURE goes right after the last
     * command: slack bytes between it and sizeofcmds are not a command
     * (found by fuzz_roundtrip: appended after the slack, the command was
     * lost and the slack read as commands). */
    size_t used = img->ncmds ? (size_t)img->lc[img->ncmds - 1].offset + img->lc[img->ncmds - 1].cmdsize : 0;
    size_t len = sig < 0 ? used + CS_CMDSIZE : img->sizeofcmds;
    uint8_t *b = calloc(1, len ? len : 1);
    if (b == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    memcpy(b, img->cmds, sig < 0 ? used : img->sizeofcmds);
    bool be = img->big_endian;
    size_t csat = sig < 0 ? used : img->lc[sig].offset;
    lcp_put_u32(b, len, csat, be, LCP_LC_CODE_SIGNATURE);
    lcp_put_u32(b, len, csat + 4, be, CS_CMDSIZE);
    lcp_put_u32(b, len, csat + 8, be, (uint32_t)dataoff);
    lcp_put_u32(b, len, csat + 12, be, req->datasize);
    if (grow_strings) {
        uint32_t strsize = 0;
        size_t at = img->lc[symtab].offset + 20;
        lcp_get_u32(b, len, at, be, &strsize);
        lcp_put_u32(b, len, at, be, strsize + (uint32_t)pad);
    }
    if (has_le) {
        /* filesize += padding + data - what the old signature spanned */
        bool is64 = img->lc[le].cmd == LCP_LC_SEGMENT_64;
        size_t at = img->lc[le].offset;
        uint64_t filesize = leseg.filesize + pad + req->datasize - old_span;
        uint64_t vmsize = leseg.vmsize;
        if (!is64)
            filesize &= UINT32_MAX; /* Apple's 32-bit arithmetic */
        if (filesize > vmsize)
            lcp_round_up_u64(filesize, page, &vmsize);
        if (is64) {
            lcp_put_u64(b, len, at + 48, be, filesize);
            lcp_put_u64(b, len, at + 32, be, vmsize);
        } else {
            lcp_put_u32(b, len, at + 36, be, (uint32_t)filesize);
            lcp_put_u32(b, len, at + 28, be, (uint32_t)vmsize);
        }
    }
    lcp_status st = lcp_image_set_commands(img, b, len, img->ncmds + (sig < 0 ? 1 : 0), err);
    free(b);
    if (st)
        return st;
    *copy_end = end;
    *new_size = dataoff + req->datasize;
    return LCP_OK;
}

lcp_status lcp_sigspace_blank(const lcp_image *img, uint64_t *zeros_from, bool *changed, lcp_error *err) {
    *changed = false;
    *zeros_from = img->size;
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    if (sig < 0)
        return LCP_OK;
    lcp_linkedit_data cs;
    uint64_t end;
    if (!lcp_image_linkedit_data(img, (size_t)sig, &cs))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "load command %ld 'LC_CODE_SIGNATURE' is truncated",
                             sig);
    if (!lcp_linkedit_content_end(img, (size_t)sig, &end))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "a linkedit table's range overflows");
    if (end > cs.dataoff || end > img->size)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset + cs.dataoff,
                             "the code signature (at 0x%x) is not the last data of the image (data up to 0x%llx)",
                             cs.dataoff, (unsigned long long)end);
    *zeros_from = end;
    *changed = true;
    return LCP_OK;
}
