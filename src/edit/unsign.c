/* Removing a code signature the way Apple's `codesign_allocate -r` does
 * (cctools misc/codesign_allocate.c strip_LC_CODE_SIGNATURE_commands and
 * libstuff writeout): see include/lcpatch/slices.h. */
#include "lcpatch/slices.h"

#include "edit/internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* Raises *end to off + n; false on overflow. An empty range counts too:
 * a table's offset must stay inside the truncated image, even when the
 * table is empty (cctools' checks refuse dataoff past the end). */
static bool extend(uint64_t *end, uint64_t off, uint64_t n) {
    uint64_t e;
    if (!lcp_add_u64(off, n, &e))
        return false;
    if (e > *end)
        *end = e;
    return true;
}

static bool extend_table(uint64_t *end, uint32_t off, uint32_t count, uint32_t entry) {
    return extend(end, off, (uint64_t)count * entry);
}

/* The end of everything in the image except the signature's data: every
 * segment but __LINKEDIT, and every linkedit table (src/edit/internal.h). */
bool lcp_linkedit_content_end(const lcp_image *img, size_t sig, uint64_t *out) {
    uint64_t end = (uint64_t)img->header_size + img->sizeofcmds;
    bool ok = true;
    for (size_t i = 0; i < img->ncmds && ok; i++) {
        uint32_t cmd = img->lc[i].cmd, a = 0, b = 0, c = 0, d = 0;
        lcp_segment seg;
        lcp_linkedit_data led;
        if (i == sig)
            continue;
        if (lcp_image_segment(img, i, &seg)) {
            /* a segment without file bytes (__PAGEZERO, zerofill) takes
             * no bytes, but its fileoff must stay inside the image, as
             * readers check it (ours, llvm's): found by fuzz_roundtrip */
            if (strcmp(seg.segname, "__LINKEDIT") != 0)
                ok = extend(&end, seg.fileoff, seg.filesize);
        } else if (lcp_image_linkedit_data(img, i, &led)) {
            ok = extend(&end, led.dataoff, led.datasize);
        } else if (cmd == LCP_LC_SYMTAB) {
            ok = lcp_image_cmd_u32(img, i, 8, &a) && lcp_image_cmd_u32(img, i, 12, &b) &&
                 lcp_image_cmd_u32(img, i, 16, &c) && lcp_image_cmd_u32(img, i, 20, &d) &&
                 extend_table(&end, a, b, img->is64 ? 16 : 12) && extend(&end, c, d);
        } else if (cmd == LCP_LC_DYSYMTAB) {
            /* (offset field, count field, entry size) of each table */
            static const uint32_t t[6][2] = {{32, 36}, {40, 44}, {48, 52}, {56, 60}, {64, 68}, {72, 76}};
            uint32_t sizes[6] = {8, img->is64 ? 56u : 52u, 4, 4, 8, 8};
            for (int k = 0; k < 6 && ok; k++)
                ok = lcp_image_cmd_u32(img, i, t[k][0], &a) && lcp_image_cmd_u32(img, i, t[k][1], &b) &&
                     extend_table(&end, a, b, sizes[k]);
        } else if (cmd == LCP_LC_DYLD_INFO || cmd == LCP_LC_DYLD_INFO_ONLY) {
            for (size_t f = 8; f < 48 && ok; f += 8)
                ok = lcp_image_cmd_u32(img, i, f, &a) && lcp_image_cmd_u32(img, i, f + 4, &b) && extend(&end, a, b);
        } else if (cmd == LCP_LC_TWOLEVEL_HINTS) {
            ok = lcp_image_cmd_u32(img, i, 8, &a) && lcp_image_cmd_u32(img, i, 12, &b) && extend_table(&end, a, b, 4);
        }
    }
    *out = end;
    return ok;
}

lcp_status lcp_unsign_image(lcp_image *img, uint64_t *new_size, bool *changed, lcp_error *err) {
    *changed = false;
    *new_size = img->size;
    long sig = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    if (sig < 0)
        return LCP_OK;
    if (lcp_image_find(img, LCP_LC_CODE_SIGNATURE, (size_t)sig + 1) >= 0)
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "more than one LC_CODE_SIGNATURE");
    lcp_linkedit_data cs;
    if (!lcp_image_linkedit_data(img, (size_t)sig, &cs))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "load command %ld 'LC_CODE_SIGNATURE' is truncated",
                             sig);
    if (!lcp_range_ok(cs.dataoff, cs.datasize, img->size))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset + img->header_size + img->lc[sig].offset,
                             "load command %ld 'LC_CODE_SIGNATURE': data 0x%x+0x%x lies outside the image (%llu bytes)",
                             sig, cs.dataoff, cs.datasize, (unsigned long long)img->size);
    uint64_t end;
    if (!lcp_linkedit_content_end(img, (size_t)sig, &end))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "a linkedit table's range overflows");
    if (end > cs.dataoff)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset + cs.dataoff,
                             "the code signature (at 0x%x) is not the last data of the image (data up to 0x%llx)",
                             cs.dataoff, (unsigned long long)end);

    /* New commands: all but the signature, __LINKEDIT's filesize reduced. */
    size_t len = img->sizeofcmds - img->lc[sig].cmdsize;
    uint8_t *bytes = malloc(len ? len : 1);
    if (bytes == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t at = 0, linkedit_at = SIZE_MAX;
    uint32_t linkedit_cmd = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        if (i == (size_t)sig)
            continue;
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && strcmp(seg.segname, "__LINKEDIT") == 0) {
            linkedit_at = at; /* the last one, as Apple's ofile keeps it */
            linkedit_cmd = img->lc[i].cmd;
        }
        memcpy(bytes + at, lcp_image_command_bytes(img, i), img->lc[i].cmdsize);
        at += img->lc[i].cmdsize;
    }
    if (linkedit_at != SIZE_MAX) {
        bool is64 = linkedit_cmd == LCP_LC_SEGMENT_64;
        /* Apple's writeout makes __LINKEDIT end where the image now ends. */
        uint64_t fileoff = 0;
        uint32_t fo32 = 0;
        bool ok = is64 ? lcp_get_u64(bytes, len, linkedit_at + 40, img->big_endian, &fileoff)
                       : lcp_get_u32(bytes, len, linkedit_at + 32, img->big_endian, &fo32);
        if (!is64)
            fileoff = fo32;
        if (!ok || fileoff > end) {
            free(bytes);
            return lcp_error_set(err, LCP_E_MALFORMED, img->offset,
                                 "__LINKEDIT starts (0x%llx) after the image's data ends (0x%llx)",
                                 (unsigned long long)fileoff, (unsigned long long)end);
        }
        if (is64)
            lcp_put_u64(bytes, len, linkedit_at + 48, img->big_endian, end - fileoff);
        else
            lcp_put_u32(bytes, len, linkedit_at + 36, img->big_endian, (uint32_t)(end - fileoff));
    }
    lcp_status st = lcp_image_set_commands(img, bytes, len, img->ncmds - 1, err);
    free(bytes);
    if (st)
        return st;
    *new_size = end;
    *changed = true;
    return LCP_OK;
}

lcp_status lcp_unsign_file(const lcp_file *f, lcp_plan *out, bool *changed, lcp_error *err) {
    *changed = false;
    lcp_out_slice *os = calloc(f->nslices ? f->nslices : 1, sizeof *os);
    lcp_image **clones = calloc(f->nslices ? f->nslices : 1, sizeof *clones);
    lcp_status st = LCP_OK;
    if (os == NULL || clones == NULL)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < f->nslices && st == LCP_OK; i++) {
        const lcp_slice *s = &f->slices[i];
        lcp_out_slice o = {s->cputype, s->cpusubtype, s->align, s->reserved, NULL, s->offset, s->size, 0, 0};
        if (s->image) {
            bool ch = false;
            uint64_t size;
            st = lcp_image_clone(s->image, &clones[i], err);
            if (st == LCP_OK)
                st = lcp_unsign_image(clones[i], &size, &ch, err);
            if (st) {
                char buf[48];
                lcp_error_prefix(err, "%s (%s)", f->path, lcp_arch_label(s->cputype, s->cpusubtype, buf, sizeof buf));
                break;
            }
            if (ch) {
                o.image = clones[i];
                o.size = size;
                *changed = true;
            }
        }
        os[i] = o;
    }
    if (st == LCP_OK) {
        if (*changed) {
            lcp_layout_rule rule = lcp_layout_rule_for(f);
            st = lcp_layout_file(os, f->nslices, &rule, out, err);
        } else {
            st = lcp_plan_add_copy(out, 0, f->src.size, err);
        }
    }
    for (size_t i = 0; clones && i < f->nslices; i++)
        lcp_image_free(clones[i]);
    free(clones);
    free(os);
    return st;
}
