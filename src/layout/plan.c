/* Output plans: building them, emitting images into them, and writing them
 * to a file or to memory (see include/lcpatch/write.h). */
#include "lcpatch/write.h"

#include "layout/steps.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/outfile.h"
#include "util/reader.h"

#include <stdint.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

void lcp_plan_init(lcp_plan *p) { memset(p, 0, sizeof *p); }

void lcp_plan_release(lcp_plan *p) {
    if (p == NULL)
        return;
    free(p->pieces);
    free(p->store);
    lcp_plan_init(p);
}

static lcp_status add_piece(lcp_plan *p, lcp_piece piece, lcp_error *err) {
    if (piece.len == 0)
        return LCP_OK;
    uint64_t size;
    if (!lcp_add_u64(p->size, piece.len, &size))
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "output size overflows");
    /* Merge with the previous piece when it continues it: fewer system calls. */
    if (p->npieces > 0) {
        lcp_piece *last = &p->pieces[p->npieces - 1];
        if (last->kind == piece.kind &&
            ((piece.kind == LCP_PIECE_COPY && last->src_offset + last->len == piece.src_offset) ||
             piece.kind == LCP_PIECE_ZEROS ||
             (piece.kind == LCP_PIECE_BYTES && last->data + last->len == piece.data))) {
            last->len += piece.len;
            p->size = size;
            return LCP_OK;
        }
    }
    if (p->npieces == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        lcp_piece *np = realloc(p->pieces, cap * sizeof *np);
        if (np == NULL)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        p->pieces = np;
        p->cap = cap;
    }
    p->pieces[p->npieces++] = piece;
    p->size = size;
    return LCP_OK;
}

lcp_status lcp_plan_add_bytes(lcp_plan *p, const void *data, size_t n, lcp_error *err) {
    if (n == 0)
        return LCP_OK;
    if (n > SIZE_MAX - p->store_len)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (p->store_len + n > p->store_cap) {
        size_t cap = p->store_cap ? p->store_cap : 256;
        while (cap < p->store_len + n)
            cap *= 2;
        uint8_t *ns = realloc(p->store, cap);
        if (ns == NULL)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        p->store = ns;
        p->store_cap = cap;
    }
    memcpy(p->store + p->store_len, data, n);
    lcp_piece piece = {LCP_PIECE_BYTES, n, 0, p->store_len};
    p->store_len += n;
    return add_piece(p, piece, err);
}

lcp_status lcp_plan_add_copy(lcp_plan *p, uint64_t src_offset, uint64_t n, lcp_error *err) {
    lcp_piece piece = {LCP_PIECE_COPY, n, src_offset, 0};
    return add_piece(p, piece, err);
}

lcp_status lcp_plan_add_zeros(lcp_plan *p, uint64_t n, lcp_error *err) {
    lcp_piece piece = {LCP_PIECE_ZEROS, n, 0, 0};
    return add_piece(p, piece, err);
}

lcp_status lcp_plan_pad_to(lcp_plan *p, uint64_t to, lcp_error *err) {
    return to > p->size ? lcp_plan_add_zeros(p, to - p->size, err) : LCP_OK;
}

bool lcp_plan_is_identity(const lcp_plan *p, const lcp_source *src) {
    if (src->size == 0)
        return p->npieces == 0;
    return p->npieces == 1 && p->pieces[0].kind == LCP_PIECE_COPY && p->pieces[0].src_offset == 0 &&
           p->pieces[0].len == src->size;
}

static lcp_status check_copies(const lcp_plan *p, const lcp_source *src, lcp_error *err) {
    for (size_t i = 0; i < p->npieces; i++) {
        const lcp_piece *pc = &p->pieces[i];
        if (pc->kind == LCP_PIECE_COPY && !lcp_range_ok(pc->src_offset, pc->len, src->size))
            return lcp_error_set(
                err, LCP_E_MALFORMED, pc->src_offset, "range 0x%llx+0x%llx lies outside the input (%llu bytes)",
                (unsigned long long)pc->src_offset, (unsigned long long)pc->len, (unsigned long long)src->size);
    }
    return LCP_OK;
}

/* Writes the plan into the empty temporary file by the cheapest exact way
 * (layout/steps.h): a clone of the whole input where most of it stays in
 * place, else piece by piece with block-aligned ranges cloned. Every clone
 * that fails is redone as a copy, and the last step sets the size, so the
 * bytes are the same whichever way was taken. */
static lcp_status write_steps(const lcp_plan *p, const lcp_source *src, lcp_outfile *of, lcp_error *err) {
    bool file = src->fd >= 0;
    bool whole = file && lcp_steps_want_whole(p, src->size) && lcp_outfile_clone_whole(of, src->fd, src->size);
    lcp_steps steps;
    lcp_status st =
        lcp_steps_build(p, src->size, file && !of->no_clone ? lcp_outfile_block_size(of) : 0, whole, &steps, err);
    static const uint8_t zeros[4096];
    for (size_t i = 0; i < steps.n && st == LCP_OK; i++) {
        const lcp_step *s = &steps.v[i];
        switch (s->kind) {
        case LCP_STEP_CLONE_ALL: /* done above */
        case LCP_STEP_KEEP: break;
        case LCP_STEP_BYTES: st = lcp_outfile_write_at(of, s->out_off, p->store + s->data, (size_t)s->len, err); break;
        case LCP_STEP_ZEROS:
            for (uint64_t done = 0; done < s->len && st == LCP_OK;) {
                size_t n = s->len - done < sizeof zeros ? (size_t)(s->len - done) : sizeof zeros;
                st = lcp_outfile_write_at(of, s->out_off + done, zeros, n, err);
                done += n;
            }
            break;
        case LCP_STEP_CLONE:
        case LCP_STEP_COPY: {
            /* A copied piece is a run of steps (head, clone, tail). The
             * clone is tried first; where it fails the run is copied in one
             * call, as if no clone had been planned. */
            size_t j = i;
            uint64_t len = 0;
            const lcp_step *clone = NULL;
            while (j < steps.n && (steps.v[j].kind == LCP_STEP_COPY || steps.v[j].kind == LCP_STEP_CLONE) &&
                   steps.v[j].out_off == s->out_off + len && steps.v[j].src_off == s->src_off + len) {
                if (steps.v[j].kind == LCP_STEP_CLONE && clone == NULL)
                    clone = &steps.v[j];
                len += steps.v[j].len;
                j++;
            }
            if (!file) {
                st = lcp_outfile_write_at(of, s->out_off, src->mem + s->src_off, (size_t)len, err);
            } else if (clone && lcp_outfile_clone_at(of, clone->out_off, src->fd, clone->src_off, clone->len)) {
                for (size_t k = i; k < j && st == LCP_OK; k++)
                    if (&steps.v[k] != clone)
                        st = lcp_outfile_copy_at(of, steps.v[k].out_off, src->fd, steps.v[k].src_off, steps.v[k].len,
                                                 err);
            } else {
                st = lcp_outfile_copy_at(of, s->out_off, src->fd, s->src_off, len, err);
            }
            i = j - 1;
            break;
        }
        case LCP_STEP_SIZE: st = lcp_outfile_set_size(of, s->len, err); break;
        }
    }
    lcp_steps_release(&steps);
    return st;
}

struct lcp_staged_file {
    lcp_outfile of;
};

lcp_status lcp_plan_stage_file(const lcp_plan *p, const lcp_source *src, const char *out_path, const char *mode_from,
                               unsigned flags, lcp_staged_file **out, lcp_error *err) {
    *out = NULL;
    if (flags & ~LCP_WRITE_NO_FSYNC)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "%s: unknown write flags 0x%x", out_path,
                             flags & ~LCP_WRITE_NO_FSYNC);
    lcp_status st = check_copies(p, src, err);
    if (st)
        return st;
    lcp_staged_file *sf = malloc(sizeof *sf);
    if (sf == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_outfile *of = &sf->of;
    if ((st = lcp_outfile_open(of, out_path, mode_from, err)) != LCP_OK) {
        free(sf);
        return st;
    }
    of->sync = (flags & LCP_WRITE_NO_FSYNC) == 0;
    st = write_steps(p, src, of, err);
    if (st == LCP_OK)
        st = lcp_outfile_seal(of, err); /* removes the temporary file on failure */
    else
        lcp_outfile_abort(of);
    if (st) {
        free(sf);
        return st;
    }
    *out = sf;
    return LCP_OK;
}

lcp_status lcp_staged_file_commit(lcp_staged_file *sf, lcp_error *err) {
    lcp_status st = lcp_outfile_commit(&sf->of, err);
    free(sf);
    return st;
}

void lcp_staged_file_abort(lcp_staged_file *sf) {
    if (sf == NULL)
        return;
    lcp_outfile_abort(&sf->of);
    free(sf);
}

lcp_status lcp_plan_write_file_flags(const lcp_plan *p, const lcp_source *src, const char *out_path,
                                     const char *mode_from, unsigned flags, lcp_error *err) {
    lcp_staged_file *sf;
    lcp_status st = lcp_plan_stage_file(p, src, out_path, mode_from, flags, &sf, err);
    return st ? st : lcp_staged_file_commit(sf, err);
}

lcp_status lcp_plan_write_file(const lcp_plan *p, const lcp_source *src, const char *out_path, const char *mode_from,
                               lcp_error *err) {
    return lcp_plan_write_file_flags(p, src, out_path, mode_from, 0, err);
}

lcp_status lcp_plan_write_memory(const lcp_plan *p, const lcp_source *src, uint8_t **out, size_t *len, lcp_error *err) {
    *out = NULL;
    *len = 0;
    lcp_status st = check_copies(p, src, err);
    if (st)
        return st;
    /* Larger than any object can be: refuse rather than ask malloc (ASan
     * aborts on such requests; so would a later size_t cast). */
    if (p->size > PTRDIFF_MAX)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "output too large for memory");
    uint8_t *buf = malloc(p->size ? (size_t)p->size : 1);
    if (buf == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    size_t at = 0;
    for (size_t i = 0; i < p->npieces; i++) {
        const lcp_piece *pc = &p->pieces[i];
        size_t n = (size_t)pc->len;
        if (pc->kind == LCP_PIECE_BYTES)
            memcpy(buf + at, p->store + pc->data, n);
        else if (pc->kind == LCP_PIECE_ZEROS)
            memset(buf + at, 0, n);
        else if ((st = lcp_source_read(src, pc->src_offset, buf + at, n, err)) != LCP_OK) {
            free(buf);
            return st;
        }
        at += n;
    }
    *out = buf;
    *len = at;
    return LCP_OK;
}

lcp_status lcp_plan_read(const lcp_plan *p, const lcp_source *src, uint64_t off, void *buf, size_t n, lcp_error *err) {
    if (!lcp_range_ok(off, n, p->size))
        return lcp_error_set(err, LCP_E_USAGE, off, "range 0x%llx+0x%zx lies outside the output (%llu bytes)",
                             (unsigned long long)off, n, (unsigned long long)p->size);
    uint8_t *out = buf;
    uint64_t at = 0; /* output offset of piece i */
    for (size_t i = 0; i < p->npieces && n > 0; i++) {
        const lcp_piece *pc = &p->pieces[i];
        if (off >= at + pc->len) {
            at += pc->len;
            continue;
        }
        uint64_t in = off - at;
        size_t k = pc->len - in < n ? (size_t)(pc->len - in) : n;
        if (pc->kind == LCP_PIECE_BYTES)
            memcpy(out, p->store + pc->data + in, k);
        else if (pc->kind == LCP_PIECE_ZEROS)
            memset(out, 0, k);
        else {
            lcp_status st = lcp_source_read(src, pc->src_offset + in, out, k, err);
            if (st)
                return st;
        }
        out += k;
        off += k;
        n -= k;
        at += pc->len;
    }
    return LCP_OK;
}

void lcp_image_encode_header(const lcp_image *img, uint8_t out[32]) {
    bool be = img->big_endian;
    memset(out, 0, 32);
    lcp_put_u32(out, 32, 0, be, img->magic);
    lcp_put_u32(out, 32, 4, be, img->cputype);
    lcp_put_u32(out, 32, 8, be, img->cpusubtype);
    lcp_put_u32(out, 32, 12, be, img->filetype);
    lcp_put_u32(out, 32, 16, be, img->ncmds);
    lcp_put_u32(out, 32, 20, be, img->sizeofcmds);
    lcp_put_u32(out, 32, 24, be, img->flags);
    if (img->is64)
        lcp_put_u32(out, 32, 28, be, img->reserved);
}

lcp_status lcp_plan_add_image(lcp_plan *p, const lcp_image *img, uint64_t new_size, lcp_error *err) {
    return lcp_plan_add_image_upto(p, img, new_size, new_size, err);
}

lcp_status lcp_plan_add_image_upto(lcp_plan *p, const lcp_image *img, uint64_t copy_end, uint64_t new_size,
                                   lcp_error *err) {
    if (copy_end > new_size)
        copy_end = new_size;
    uint8_t hdr[32];
    lcp_image_encode_header(img, hdr);
    uint64_t old_end = (uint64_t)img->header_size + img->orig_sizeofcmds;
    uint64_t new_end = (uint64_t)img->header_size + img->sizeofcmds;
    if (new_end > new_size || old_end > img->size)
        return lcp_error_set(err, LCP_E_NOSPACE, img->offset, "load commands (%llu bytes) do not fit the image",
                             (unsigned long long)new_end);
    lcp_status st = lcp_plan_add_bytes(p, hdr, img->header_size, err);
    if (st == LCP_OK)
        st = lcp_plan_add_bytes(p, img->cmds, img->sizeofcmds, err);
    /* Bytes the old commands held beyond the new ones become zeros. */
    if (st == LCP_OK && old_end > new_end)
        st = lcp_plan_add_zeros(p, (old_end < new_size ? old_end : new_size) - new_end, err);
    uint64_t from = old_end > new_end ? old_end : new_end;
    if (st == LCP_OK && copy_end > from)
        st = lcp_plan_add_copy(p, img->offset + from, copy_end - from, err);
    /* The rest (new space, such as a signature's) is zeros. */
    if (st == LCP_OK && new_size > (copy_end > from ? copy_end : from))
        st = lcp_plan_add_zeros(p, new_size - (copy_end > from ? copy_end : from), err);
    return st;
}

lcp_status lcp_plan_add_fat_header(lcp_plan *p, bool fat64, const lcp_fat_entry *e, size_t n, lcp_error *err) {
    if (p->size != 0)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "a fat header must start the file");
    if (n > UINT32_MAX)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "too many slices");
    uint8_t b[LCP_FAT_ARCH_SIZE_64];
    lcp_put_u32(b, 8, 0, true, fat64 ? LCP_FAT_MAGIC_64 : LCP_FAT_MAGIC);
    lcp_put_u32(b, 8, 4, true, (uint32_t)n);
    lcp_status st = lcp_plan_add_bytes(p, b, 8, err);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        lcp_put_u32(b, sizeof b, 0, true, e[i].cputype);
        lcp_put_u32(b, sizeof b, 4, true, e[i].cpusubtype);
        if (fat64) {
            lcp_put_u64(b, sizeof b, 8, true, e[i].offset);
            lcp_put_u64(b, sizeof b, 16, true, e[i].size);
            lcp_put_u32(b, sizeof b, 24, true, e[i].align);
            lcp_put_u32(b, sizeof b, 28, true, e[i].reserved);
        } else {
            if (e[i].offset > UINT32_MAX || e[i].size > UINT32_MAX)
                return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET,
                                     "slice %zu (offset 0x%llx, size 0x%llx) needs a FAT_MAGIC_64 header", i,
                                     (unsigned long long)e[i].offset, (unsigned long long)e[i].size);
            lcp_put_u32(b, sizeof b, 8, true, (uint32_t)e[i].offset);
            lcp_put_u32(b, sizeof b, 12, true, (uint32_t)e[i].size);
            lcp_put_u32(b, sizeof b, 16, true, e[i].align);
        }
        st = lcp_plan_add_bytes(p, b, fat64 ? LCP_FAT_ARCH_SIZE_64 : LCP_FAT_ARCH_SIZE, err);
    }
    return st;
}

static int cmp_image_offset(const void *a, const void *b) {
    const lcp_image *x = *(const lcp_image *const *)a, *y = *(const lcp_image *const *)b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

lcp_status lcp_plan_edited_images(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *p, lcp_error *err) {
    if (n > 1)
        qsort(edited, n, sizeof *edited, cmp_image_offset);
    uint64_t pos = 0;
    lcp_status st = LCP_OK;
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        const lcp_image *img = edited[i];
        if (img->offset < pos)
            return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "%s: images overlap at offset %llu", f->path,
                                 (unsigned long long)img->offset);
        st = lcp_plan_add_copy(p, pos, img->offset - pos, err);
        if (st == LCP_OK)
            st = lcp_plan_add_image(p, img, img->size, err);
        pos = img->offset + img->size;
    }
    if (st == LCP_OK && f->src.size > pos)
        st = lcp_plan_add_copy(p, pos, f->src.size - pos, err);
    return st;
}
