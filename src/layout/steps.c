/* Choosing how each range of an output is made (see steps.h). */
#include "layout/steps.h"

#include "util/outfile.h"

#include <stdlib.h>
#include <string.h>

bool lcp_steps_want_whole(const lcp_plan *p, uint64_t src_size) {
    uint64_t at = 0, kept = 0;
    for (size_t i = 0; i < p->npieces; i++) {
        const lcp_piece *pc = &p->pieces[i];
        if (pc->kind == LCP_PIECE_COPY && pc->src_offset == at)
            kept += pc->len;
        at += pc->len;
    }
    return src_size > 0 && kept > 0 && kept >= p->size - kept;
}

static lcp_status push(lcp_steps *s, lcp_step st, lcp_error *err) {
    if (st.len == 0 && st.kind != LCP_STEP_SIZE)
        return LCP_OK;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        lcp_step *nv = realloc(s->v, cap * sizeof *nv);
        if (nv == NULL)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        s->v = nv;
        s->cap = cap;
    }
    s->v[s->n++] = st;
    return LCP_OK;
}

lcp_status lcp_steps_build(const lcp_plan *p, uint64_t src_size, uint64_t blk, bool whole, lcp_steps *out,
                           lcp_error *err) {
    memset(out, 0, sizeof *out);
    lcp_status st = LCP_OK;
    if (whole)
        st = push(out, (lcp_step){LCP_STEP_CLONE_ALL, 0, 0, src_size, 0}, err);
    uint64_t at = 0;
    for (size_t i = 0; i < p->npieces && st == LCP_OK; i++) {
        const lcp_piece *pc = &p->pieces[i];
        switch (pc->kind) {
        case LCP_PIECE_BYTES: st = push(out, (lcp_step){LCP_STEP_BYTES, at, 0, pc->len, pc->data}, err); break;
        case LCP_PIECE_ZEROS: st = push(out, (lcp_step){LCP_STEP_ZEROS, at, 0, pc->len, 0}, err); break;
        case LCP_PIECE_COPY:
            if (whole && pc->src_offset == at) {
                st = push(out, (lcp_step){LCP_STEP_KEEP, at, pc->src_offset, pc->len, 0}, err);
                break;
            }
            uint64_t parts[3], src = pc->src_offset, o = at;
            lcp_clone_split(src, o, pc->len, blk, parts);
            const lcp_step_kind kinds[3] = {LCP_STEP_COPY, LCP_STEP_CLONE, LCP_STEP_COPY};
            for (int k = 0; k < 3 && st == LCP_OK; k++) {
                st = push(out, (lcp_step){kinds[k], o, src, parts[k], 0}, err);
                o += parts[k];
                src += parts[k];
            }
            break;
        }
        at += pc->len;
    }
    if (st == LCP_OK)
        st = push(out, (lcp_step){LCP_STEP_SIZE, 0, 0, p->size, 0}, err);
    if (st)
        lcp_steps_release(out);
    return st;
}

void lcp_steps_release(lcp_steps *s) {
    if (s == NULL)
        return;
    free(s->v);
    memset(s, 0, sizeof *s);
}
