/* The linker's ad-hoc signature, byte for byte as ld64.lld writes it
 * (lld/MachO/SyntheticSections.cpp CodeSignatureSection): see
 * include/lcpatch/sign.h. */
#include "lcpatch/sign.h"

#include "edit/internal.h"
#include "edit/sign_adhoc.h"
#include "lcpatch/codesign.h"
#include "lcpatch/codesign_format.h"
#include "lcpatch/macho.h"
#include "lcpatch/slices.h"
#include "util/checked.h"
#include "util/dynlib.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* The two linkers lay the same blob out a little differently. ld64.lld:
 * the SuperBlob header and its one index entry padded to 24 bytes (where
 * the CodeDirectory starts), the identifier NUL-padded so that the hashes
 * start 16-byte aligned, the whole rounded up to 16. ld64: no padding in
 * the blob (CodeDirectory at 20, hashes right after the identifier's NUL);
 * the room LC_CODE_SIGNATURE gives it is rounded to 8 but for executables. */
static uint64_t blob_headers(lcp_sign_flavor fl) { return fl == LCP_SIGN_LD64 ? 20u : 24u; }
static uint64_t all_headers_size(lcp_sign_flavor fl, size_t idlen) {
    uint64_t n = blob_headers(fl) + LCP_CD_SIZE_20400 + idlen + 1;
    return fl == LCP_SIGN_LD64 ? n : (n + 15) & ~(uint64_t)15;
}
static uint64_t blob_size(lcp_sign_flavor fl, size_t idlen, uint64_t nblocks) {
    uint64_t n = all_headers_size(fl, idlen) + nblocks * LCP_CS_SHA256_LEN;
    return fl == LCP_SIGN_LD64 ? n : (n + 15) & ~(uint64_t)15;
}

const char *lcp_sign_default_identifier(const char *path) {
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* One image's signature: its bytes up to the signature are the output of
 * plan (dataoff of them, read a page at a time from src); the blob is
 * written into sig (size bytes, zeroed by the caller). */
/* The exec segment of an old CodeDirectory (version >= 0x20400). */
typedef struct exec_seg {
    bool valid;
    uint64_t base, limit, flags;
} exec_seg;

static lcp_status write_blob(const lcp_image *img, const lcp_plan *plan, const lcp_source *src, uint64_t dataoff,
                             const char *ident, lcp_sign_flavor fl, const exec_seg *keep, uint8_t *sig, uint64_t size,
                             lcp_error *err) {
    size_t idlen = strlen(ident);
    uint64_t all_headers = all_headers_size(fl, idlen), bh = blob_headers(fl);
    uint64_t nblocks = (dataoff + LCP_CS_PAGE_SIZE - 1) / LCP_CS_PAGE_SIZE;
    uint64_t text_off = 0, text_size = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && strcmp(seg.segname, "__TEXT") == 0) {
            text_off = seg.fileoff;
            text_size = seg.filesize;
            break;
        }
    }
    uint64_t exec_flags = img->filetype == LCP_MH_EXECUTE ? LCP_CS_EXECSEG_MAIN_BINARY : 0;
    if (keep != NULL && keep->valid) {
        /* the old signature's exec segment: the edits leave __TEXT as it
         * was, and ld64 versions record it differently */
        text_off = keep->base;
        text_size = keep->limit;
        exec_flags = keep->flags;
    }
    size_t n = (size_t)size;
    uint64_t blen = blob_size(fl, idlen, nblocks); /* ld64's room may be larger */
    uint8_t *cd = sig + bh;
    size_t cdn = n - (size_t)bh;
    lcp_put_u32(sig, n, 0, true, LCP_CSMAGIC_EMBEDDED_SIGNATURE);
    lcp_put_u32(sig, n, 4, true, (uint32_t)blen);
    lcp_put_u32(sig, n, 8, true, 1);
    lcp_put_u32(sig, n, 12, true, LCP_CSSLOT_CODEDIRECTORY);
    lcp_put_u32(sig, n, 16, true, (uint32_t)bh);
    lcp_put_u32(cd, cdn, LCP_CD_MAGIC, true, LCP_CSMAGIC_CODEDIRECTORY);
    lcp_put_u32(cd, cdn, LCP_CD_LENGTH, true, (uint32_t)(blen - bh));
    lcp_put_u32(cd, cdn, LCP_CD_VERSION, true, LCP_CS_SUPPORTSEXECSEG);
    lcp_put_u32(cd, cdn, LCP_CD_FLAGS, true, LCP_CS_ADHOC | LCP_CS_LINKER_SIGNED);
    lcp_put_u32(cd, cdn, LCP_CD_HASHOFFSET, true, (uint32_t)(all_headers - bh));
    lcp_put_u32(cd, cdn, LCP_CD_IDENTOFFSET, true, LCP_CD_SIZE_20400);
    lcp_put_u32(cd, cdn, LCP_CD_NCODESLOTS, true, (uint32_t)nblocks);
    lcp_put_u32(cd, cdn, LCP_CD_CODELIMIT, true, (uint32_t)dataoff);
    cd[LCP_CD_HASHSIZE] = LCP_CS_SHA256_LEN;
    cd[LCP_CD_HASHTYPE] = LCP_CS_HASHTYPE_SHA256;
    cd[LCP_CD_PAGESIZE] = LCP_CS_PAGE_SHIFT;
    lcp_put_u64(cd, cdn, LCP_CD_EXECSEGBASE, true, text_off);
    lcp_put_u64(cd, cdn, LCP_CD_EXECSEGLIMIT, true, text_size);
    lcp_put_u64(cd, cdn, LCP_CD_EXECSEGFLAGS, true, exec_flags);
    memcpy(cd + LCP_CD_SIZE_20400, ident, idlen);
    uint8_t page[LCP_CS_PAGE_SIZE];
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t off = b * LCP_CS_PAGE_SIZE;
        size_t len = dataoff - off < LCP_CS_PAGE_SIZE ? (size_t)(dataoff - off) : LCP_CS_PAGE_SIZE;
        uint8_t digest[LCP_CS_MAX_DIGEST];
        size_t dlen;
        lcp_status st = lcp_plan_read(plan, src, off, page, len, err);
        if (st == LCP_OK)
            st = lcp_cs_hash(LCP_CS_HASHTYPE_SHA256, page, len, digest, &dlen, err);
        if (st == LCP_OK)
            memcpy(sig + all_headers + b * LCP_CS_SHA256_LEN, digest, LCP_CS_SHA256_LEN);
        if (st)
            return st;
    }
    return LCP_OK;
}

typedef lcp_signed_slice signed_slice;

/* ld64.lld's identifier: the install name's last component when the image
 * has one (as ld64 does), else the output file's. */
static const char *linker_identifier(const lcp_image *img, const char *out_name) {
    long id = lcp_image_find(img, LCP_LC_ID_DYLIB, 0);
    const char *name;
    if (id >= 0 && lcp_image_cmd_string(img, (size_t)id, &name) && name[0] != '\0')
        return lcp_sign_default_identifier(name);
    return lcp_sign_default_identifier(out_name);
}

/* Puts img's LC_CODE_SIGNATURE (added last by lcp_sigspace_image) back at
 * the index it has in `in`, so that every other command keeps its bytes and
 * place (Xcode's vtool signs again where the signature is). */
static lcp_status restore_signature_place(lcp_image *img, const lcp_image *in, lcp_error *err) {
    long was = lcp_image_find(in, LCP_LC_CODE_SIGNATURE, 0), now = lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0);
    if (was < 0 || now < 0 || was >= now)
        return LCP_OK;
    const lcp_load_command *sig = &img->lc[now], *at = &img->lc[was];
    uint8_t *b = malloc(img->sizeofcmds ? img->sizeofcmds : 1);
    if (b == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t head = at->offset, moved = sig->offset - at->offset;
    memcpy(b, img->cmds, head);
    memcpy(b + head, img->cmds + sig->offset, sig->cmdsize);
    memcpy(b + head + sig->cmdsize, img->cmds + head, moved);
    memcpy(b + head + sig->cmdsize + moved, img->cmds + sig->offset + sig->cmdsize,
           img->sizeofcmds - sig->offset - sig->cmdsize);
    lcp_status st = lcp_image_set_commands(img, b, img->sizeofcmds, img->ncmds, err);
    free(b);
    return st;
}

static lcp_status sign_image(const lcp_file *f, const lcp_image *in, const char *ident, lcp_sign_flavor fl,
                             const exec_seg *keep, bool keep_place, signed_slice *out, uint64_t *size, lcp_error *err) {
    /* ld64 and codesign sign little-endian images only: a PowerPC slice
     * cannot carry a signature macOS reads (found by fuzz_roundtrip: the
     * commands were written in the wrong byte order) */
    if (in->big_endian)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, in->offset,
                             "a big-endian (PowerPC) image cannot be signed: remove the slice (strip-arch --legacy)");
    lcp_image *img = NULL;
    lcp_status st = lcp_image_clone(in, &img, err);
    uint64_t unsigned_size = 0, copy_end = 0, new_size = 0;
    bool changed;
    if (st == LCP_OK)
        st = lcp_unsign_image(img, &unsigned_size, &changed, err);
    /* The room the signature needs depends on where it starts: the end of
     * __LINKEDIT (once unsigned) rounded to 16, as lcp_sigspace_image puts it. */
    uint64_t end = unsigned_size;
    for (size_t i = 0; st == LCP_OK && i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && strcmp(seg.segname, "__LINKEDIT") == 0 &&
            !lcp_add_u64(seg.fileoff, seg.filesize, &end))
            st = lcp_error_set(err, LCP_E_MALFORMED, img->offset, "__LINKEDIT's end overflows");
    }
    uint64_t dataoff = (end + 15) & ~(uint64_t)15;
    uint64_t nblocks = (dataoff + LCP_CS_PAGE_SIZE - 1) / LCP_CS_PAGE_SIZE;
    uint64_t datasize = blob_size(fl, strlen(ident), nblocks);
    /* ld64 gives a dylib's or a bundle's blob a room rounded to 8 bytes,
     * an executable's the blob's own size (as its outputs show). */
    if (fl == LCP_SIGN_LD64 && img->filetype != LCP_MH_EXECUTE)
        datasize = (datasize + 7) & ~(uint64_t)7;
    if (st == LCP_OK && datasize > UINT32_MAX)
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "the image is too large to sign");
    if (st == LCP_OK) {
        lcp_sigspace req = {(uint32_t)datasize, false, true};
        st = lcp_sigspace_image(img, &req, &copy_end, &new_size, err);
    }
    if (st == LCP_OK && keep_place)
        st = restore_signature_place(img, in, err);
    if (st == LCP_OK && new_size != dataoff + datasize)
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset, "the signature's place (0x%llx) is not where expected",
                           (unsigned long long)(new_size - datasize));
    /* The bytes to hash: the image as it will be written, up to dataoff,
     * as a plan read a page at a time (memory stays a page). */
    lcp_plan tmp;
    lcp_plan_init(&tmp);
    uint8_t *sig = NULL;
    if (st == LCP_OK)
        st = lcp_plan_add_image_upto(&tmp, img, copy_end, dataoff, err);
    if (st == LCP_OK && (sig = calloc(1, (size_t)datasize)) == NULL)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (st == LCP_OK)
        st = write_blob(img, &tmp, &f->src, dataoff, ident, fl, keep, sig, datasize, err);
    lcp_plan_release(&tmp);
    if (st) {
        free(sig);
        lcp_image_free(img);
        return st;
    }
    out->img = img;
    out->copy_end = copy_end;
    out->dataoff = dataoff;
    out->sig = sig;
    *size = new_size;
    return LCP_OK;
}

static lcp_status emit(lcp_plan *p, const lcp_out_slice *o, const signed_slice *s, lcp_error *err) {
    if (s->img == NULL)
        return lcp_plan_add_copy(p, o->src_offset, o->size, err);
    lcp_status st = lcp_plan_add_image_upto(p, s->img, s->copy_end, s->dataoff, err);
    return st ? st : lcp_plan_add_bytes(p, s->sig, (size_t)(o->size - s->dataoff), err);
}

/* The first CodeDirectory of img's signature in src (the input's bytes),
 * read by src/format's reader (lcp_cs_read): its flags and identifier
 * (copied into ident, cut to len - 1 bytes), the linker whose layout it
 * has (ld64 puts the CodeDirectory right after a one-entry index, at 20),
 * and its exec segment. False when img is unsigned or the signature is not
 * one lcpatch can read. */
static bool read_cd(const lcp_source *src, const lcp_image *img, uint32_t *flags, char *ident, size_t len,
                    lcp_sign_flavor *fl, exec_seg *es) {
    es->valid = false;
    if (lcp_cs_command(img) < 0)
        return false;
    lcp_cs_signature sig;
    lcp_error err;
    memset(&sig, 0, sizeof sig);
    bool ok = lcp_cs_read(src, img, &sig, &err) == LCP_OK && sig.ncds > 0 && sig.cds[0].identifier != NULL;
    if (ok) {
        const lcp_cs_codedir *cd = &sig.cds[0];
        *flags = cd->flags;
        *fl = cd->offset == 20 ? LCP_SIGN_LD64 : LCP_SIGN_LLD;
        es->valid = cd->has_exec_seg;
        es->base = cd->exec_seg_base;
        es->limit = cd->exec_seg_limit;
        es->flags = cd->exec_seg_flags;
        strncpy(ident, cd->identifier, len - 1);
        ident[len - 1] = '\0';
    }
    lcp_cs_signature_release(&sig);
    return ok;
}

bool lcp_image_linker_signed(const lcp_source *src, const lcp_image *img) {
    uint32_t flags = 0;
    char ident[8];
    lcp_sign_flavor fl;
    exec_seg es;
    return read_cd(src, img, &flags, ident, sizeof ident, &fl, &es) && (flags & LCP_CS_LINKER_SIGNED) != 0;
}

/* What becomes of each slice: copied, emitted as edited, or signed. */
enum slice_mode { SLICE_COPY, SLICE_EDITED, SLICE_SIGN, SLICE_SIGN_IN_PLACE };

/* The linker's signer for slice i, for sign_slices. */
typedef struct linker_ctx {
    char *const *idents;
    const lcp_sign_flavor *fls;
    const exec_seg *keep;
    const enum slice_mode *mode; /* SLICE_SIGN_IN_PLACE: LC_CODE_SIGNATURE keeps its index */
    const bool *adhoc;           /* NULL, or true: signed again as codesign signed it */
} linker_ctx;

static lcp_status linker_sign_slice(void *ctx, const lcp_file *f, size_t i, lcp_signed_slice *out, uint64_t *size,
                                    lcp_error *err) {
    const linker_ctx *c = ctx;
    if (c->adhoc && c->adhoc[i])
        return lcp_adhoc_resign_slice(f, i, out, size, err);
    return sign_image(f, f->slices[i].image, c->idents[i], c->fls[i], &c->keep[i], c->mode[i] == SLICE_SIGN_IN_PLACE,
                      out, size, err);
}

static lcp_status sign_slices(const lcp_file *f, const enum slice_mode *mode, lcp_slice_sign_fn fn, void *ctx,
                              lcp_plan *out, lcp_error *err) {
    size_t n = f->nslices ? f->nslices : 1;
    signed_slice *ss = calloc(n, sizeof *ss);
    lcp_out_slice *os = calloc(n, sizeof *os);
    lcp_status st = ss && os ? LCP_OK : lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < f->nslices && st == LCP_OK; i++) {
        const lcp_slice *s = &f->slices[i];
        lcp_out_slice x = {s->cputype, s->cpusubtype, s->align, s->reserved, NULL, s->offset, s->size, 0, 0};
        os[i] = x;
        if (mode[i] == SLICE_EDITED)
            os[i].image = s->image;
        if (mode[i] != SLICE_SIGN && mode[i] != SLICE_SIGN_IN_PLACE)
            continue;
        st = fn(ctx, f, i, &ss[i], &os[i].size, err);
        if (st) {
            char buf[48];
            lcp_error_prefix(err, "%s (%s)", f->path, lcp_arch_label(s->cputype, s->cpusubtype, buf, sizeof buf));
        }
    }
    /* Lay the slices out (offsets only: the signature bytes are not an
     * lcp_out_slice's), then emit each. */
    lcp_layout_rule rule = lcp_layout_rule_for(f);
    if (st == LCP_OK)
        st = lcp_layout_place(os, f->nslices, &rule, err);
    if (st == LCP_OK && !rule.thin) {
        lcp_fat_entry *e = calloc(n, sizeof *e);
        if (e == NULL)
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        for (size_t i = 0; e && i < f->nslices; i++) {
            lcp_fat_entry x = {os[i].cputype, os[i].cpusubtype, os[i].out_offset,
                               os[i].size,    os[i].align,      os[i].reserved};
            e[i] = x;
        }
        if (st == LCP_OK)
            st = lcp_plan_add_fat_header(out, rule.fat64, e, f->nslices, err);
        free(e);
    }
    for (size_t i = 0; i < f->nslices && st == LCP_OK; i++) {
        st = lcp_plan_pad_to(out, os[i].out_offset, err);
        if (st == LCP_OK && mode[i] == SLICE_EDITED)
            st = lcp_plan_add_image(out, os[i].image, os[i].size, err);
        else if (st == LCP_OK)
            st = emit(out, &os[i], &ss[i], err);
    }
    for (size_t i = 0; ss && i < f->nslices; i++) {
        lcp_image_free(ss[i].img);
        free(ss[i].sig);
    }
    free(ss);
    free(os);
    return st;
}

lcp_status lcp_sign_each_slice(const lcp_file *f, lcp_slice_sign_fn fn, void *ctx, lcp_plan *out, lcp_error *err) {
    size_t n = f->nslices ? f->nslices : 1;
    enum slice_mode *mode = calloc(n, sizeof *mode);
    if (mode == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < f->nslices; i++)
        mode[i] = f->slices[i].image ? SLICE_SIGN : SLICE_COPY;
    lcp_status st = sign_slices(f, mode, fn, ctx, out, err);
    free(mode);
    return st;
}

lcp_status lcp_sign_linker_file(const lcp_file *f, const lcp_sign_opts *o, lcp_plan *out, lcp_error *err) {
    size_t n = f->nslices ? f->nslices : 1;
    enum slice_mode *mode = calloc(n, sizeof *mode);
    char **idents = calloc(n, sizeof *idents);
    lcp_sign_flavor *fls = calloc(n, sizeof *fls);
    exec_seg *keep = calloc(n, sizeof *keep);
    lcp_status st = LCP_OK;
    if (mode == NULL || idents == NULL || fls == NULL || keep == NULL)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; st == LCP_OK && i < f->nslices; i++) {
        const lcp_image *img = f->slices[i].image;
        mode[i] = img ? SLICE_SIGN : SLICE_COPY;
        fls[i] = o->flavor;
        if (img)
            idents[i] = (char *)(o->identifier ? o->identifier : linker_identifier(img, o->out_name));
        /* a linker signature there already: keep its exec segment */
        uint32_t flags = 0;
        char old[8];
        lcp_sign_flavor ofl;
        if (img && !(read_cd(&f->src, img, &flags, old, sizeof old, &ofl, &keep[i]) && (flags & LCP_CS_LINKER_SIGNED)))
            keep[i].valid = false;
    }
    linker_ctx c = {idents, fls, keep, mode, NULL};
    if (st == LCP_OK)
        st = sign_slices(f, mode, linker_sign_slice, &c, out, err);
    free(mode);
    free(idents);
    free(fls);
    free(keep);
    return st;
}

/* keep_place: Apple's tools' re-signing (lcp_sign_edited_in_place): the
 * linker's signatures only, LC_CODE_SIGNATURE kept at its index. Else the
 * native writers': codesign's ad-hoc signatures are made again too. */
static lcp_status sign_edited(const lcp_file *f, lcp_image **edited, size_t n, bool keep_place, lcp_plan *out,
                              bool *resigned, lcp_error *err) {
    *resigned = false;
    size_t ns = f->nslices ? f->nslices : 1;
    enum slice_mode *mode = calloc(ns, sizeof *mode);
    char **idents = calloc(ns, sizeof *idents);
    lcp_sign_flavor *fls = calloc(ns, sizeof *fls);
    exec_seg *keep = calloc(ns, sizeof *keep);
    bool *adhoc = calloc(ns, sizeof *adhoc);
    lcp_status st = mode && idents && fls && keep && adhoc
                        ? LCP_OK
                        : lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t found = 0;
    for (size_t i = 0; i < f->nslices && st == LCP_OK; i++) {
        const lcp_image *img = f->slices[i].image;
        bool is_edited = false;
        for (size_t k = 0; img && k < n; k++)
            is_edited = is_edited || edited[k] == img;
        if (!is_edited)
            continue;
        found++;
        mode[i] = SLICE_EDITED;
        /* whether to sign again is read from the signature, which needs
         * libcrypto: without it, fail rather than leave it stale unsaid */
        if (lcp_cs_command(img) >= 0 && (st = lcp_need_crypto(err)) != LCP_OK)
            break;
        uint32_t flags = 0;
        char old[256];
        if (read_cd(&f->src, img, &flags, old, sizeof old, &fls[i], &keep[i]) && (flags & LCP_CS_LINKER_SIGNED)) {
            long id = lcp_image_find(img, LCP_LC_ID_DYLIB, 0);
            const char *name = NULL;
            bool has_id = id >= 0 && lcp_image_cmd_string(img, (size_t)id, &name) && name[0] != '\0';
            const char *ident = has_id ? lcp_sign_default_identifier(name) : old;
            if ((idents[i] = strdup(ident)) == NULL)
                st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            mode[i] = keep_place ? SLICE_SIGN_IN_PLACE : SLICE_SIGN;
            *resigned = true;
        } else if (!keep_place && lcp_image_adhoc_signed(&f->src, img)) {
            /* codesign's ad-hoc signature: made again as it was made */
            mode[i] = SLICE_SIGN;
            adhoc[i] = true;
            *resigned = true;
        }
    }
    /* edited archive members, or nothing to re-sign: the plain plan */
    if (st == LCP_OK && (found != n || !*resigned)) {
        *resigned = false;
        st = lcp_plan_edited_images(f, edited, n, out, err);
    } else if (st == LCP_OK) {
        linker_ctx c = {idents, fls, keep, mode, adhoc};
        st = sign_slices(f, mode, linker_sign_slice, &c, out, err);
    }
    for (size_t i = 0; idents && i < f->nslices; i++)
        free(idents[i]);
    free(idents);
    free(fls);
    free(keep);
    free(mode);
    free(adhoc);
    return st;
}

lcp_status lcp_sign_edited(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *out, bool *resigned,
                           lcp_error *err) {
    return sign_edited(f, edited, n, false, out, resigned, err);
}

lcp_status lcp_sign_edited_in_place(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *out, bool *resigned,
                                    lcp_error *err) {
    return sign_edited(f, edited, n, true, out, resigned, err);
}
