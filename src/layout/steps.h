/* The steps that write a plan to a file: which ranges are cloned, which
 * are copied, which are written (src/layout/steps.c; executed by
 * lcp_plan_stage_file in plan.c). Pure: no system call, so that the choice
 * is tested on its own (tests/unit/test_steps.c).
 *
 * Two shapes. "Whole": the output is mostly the input at the same offsets
 * (set-sdk, install names within the padding, vtool, unsign's truncation):
 * clone the whole input first, then write only the pieces that differ, and
 * set the size. Otherwise every piece is written in order, and each copied
 * range clones its block-aligned middle (strip-arch, thin, lipo -remove,
 * rescue: slices land at new offsets, page-aligned in input and output).
 * A clone that fails is redone as a copy of the same range: the bytes are
 * the same whichever way was taken. */
#ifndef LCP_LAYOUT_STEPS_H
#define LCP_LAYOUT_STEPS_H

#include "lcpatch/write.h"

typedef enum lcp_step_kind {
    LCP_STEP_CLONE_ALL, /* the whole input at offset 0 (first step of a "whole" schedule) */
    LCP_STEP_KEEP,      /* input bytes already in place after CLONE_ALL: nothing to do */
    LCP_STEP_BYTES,     /* plan bytes (store offset data) at out_off */
    LCP_STEP_ZEROS,     /* len zeros at out_off */
    LCP_STEP_COPY,      /* input [src_off, +len) to out_off, copied */
    LCP_STEP_CLONE,     /* the same, block-aligned: cloned, else copied */
    LCP_STEP_SIZE       /* the output's final size: len (last step) */
} lcp_step_kind;

typedef struct lcp_step {
    lcp_step_kind kind;
    uint64_t out_off, src_off, len;
    size_t data;
} lcp_step;

/* Caller-owned (lcp_steps_release frees v). */
typedef struct lcp_steps {
    lcp_step *v;
    size_t n, cap;
} lcp_steps;

/* True when cloning the whole input first pays: the copies that keep their
 * offset hold at least half of the output. */
bool lcp_steps_want_whole(const lcp_plan *p, uint64_t src_size);
/* The steps of p (whose copies lie inside an input of src_size bytes) for
 * clones of block size blk (0: no range clone, all copies), as a "whole"
 * schedule or not. */
lcp_status lcp_steps_build(const lcp_plan *p, uint64_t src_size, uint64_t blk, bool whole, lcp_steps *out,
                           lcp_error *err);
void lcp_steps_release(lcp_steps *s);

#endif
