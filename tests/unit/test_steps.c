/* Unit tests: the range planner (src/layout/steps.c, lcp_clone_split in
 * src/util/outfile.c): which ranges are cloned, copied, kept or written;
 * alignment edge cases (unaligned slice offsets, sizes that are not a block
 * multiple, a range that moves by a non-multiple of the block); and, over
 * random plans, that executing the steps (whole clone or not, any block
 * size) gives the bytes of lcp_plan_write_memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "layout/steps.h"
#include "lcpatch/lcpatch.h"
#include "util/outfile.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { B = 4096 };

static void split(uint64_t src, uint64_t out, uint64_t n, uint64_t blk, uint64_t a, uint64_t b, uint64_t c) {
    uint64_t parts[3];
    lcp_clone_split(src, out, n, blk, parts);
    assert_int_equal(parts[0], a);
    assert_int_equal(parts[1], b);
    assert_int_equal(parts[2], c);
}

static void clone_split_rules(void **state) {
    (void)state;
    split(0, 0, 8 * B, B, 0, 8 * B, 0);                      /* aligned, whole blocks: all cloned */
    split(16384, 0, 8 * B, B, 0, 8 * B, 0);                  /* moves by a block multiple: cloned */
    split(904, 904, 10 * B, B, B - 904, 9 * B, 904);         /* after a 904-byte header: head and tail copied */
    split(16384, 4096, 3 * B + 100, B, 0, 3 * B, 100);       /* size not a block multiple: the tail copied */
    split(16384 + 100, 4096 + 200, 10 * B, B, 10 * B, 0, 0); /* moves by a non-multiple: all copied */
    split(100, 100, B, B, B, 0, 0);                          /* no whole block fits */
    split(0, 0, B - 1, B, B - 1, 0, 0);                      /* less than a block */
    split(0, 0, 8 * B, 0, 8 * B, 0, 0);                      /* block 0: never cloned */
    split(B - 1, B - 1, 1, B, 1, 0, 0);                      /* the head takes everything */
    split(B - 1, B - 1, B + 1, B, 1, B, 0);                  /* one byte, then one block */
    split(0, 0, 0, B, 0, 0, 0);
    split(16384, 0, 4 * 16384, 16384, 0, 4 * 16384, 0); /* other block sizes */
    split(4096, 0, 4 * 16384, 16384, 4 * 16384, 0, 0);
}

/* A set-sdk-like plan: a rewritten header, then the input in place. */
static void header_edit(lcp_plan *p, uint64_t src_size, uint64_t out_size) {
    static const uint8_t hdr[904] = {1, 2, 3};
    lcp_plan_init(p);
    assert_int_equal(lcp_plan_add_bytes(p, hdr, sizeof hdr, NULL), LCP_OK);
    assert_int_equal(lcp_plan_add_copy(p, sizeof hdr, (out_size < src_size ? out_size : src_size) - sizeof hdr, NULL),
                     LCP_OK);
    assert_int_equal(lcp_plan_pad_to(p, out_size, NULL), LCP_OK);
}

static void whole_clone_for_edits_in_place(void **state) {
    (void)state;
    lcp_plan p;
    lcp_steps s;
    header_edit(&p, 10 * B + 7, 10 * B + 7); /* set-sdk */
    assert_true(lcp_steps_want_whole(&p, 10 * B + 7));
    assert_int_equal(lcp_steps_build(&p, 10 * B + 7, B, true, &s, NULL), LCP_OK);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.v[0].kind, LCP_STEP_CLONE_ALL);
    assert_int_equal(s.v[0].len, 10 * B + 7);
    assert_int_equal(s.v[1].kind, LCP_STEP_BYTES); /* only the header is written */
    assert_int_equal(s.v[1].out_off, 0);
    assert_int_equal(s.v[1].len, 904);
    assert_int_equal(s.v[2].kind, LCP_STEP_KEEP);
    assert_int_equal(s.v[2].out_off, 904);
    assert_int_equal(s.v[3].kind, LCP_STEP_SIZE);
    assert_int_equal(s.v[3].len, 10 * B + 7);
    lcp_steps_release(&s);
    lcp_plan_release(&p);

    header_edit(&p, 10 * B, 6 * B + 16); /* unsign: the signature cut off */
    assert_true(lcp_steps_want_whole(&p, 10 * B));
    assert_int_equal(lcp_steps_build(&p, 10 * B, B, true, &s, NULL), LCP_OK);
    assert_int_equal(s.v[s.n - 1].kind, LCP_STEP_SIZE);
    assert_int_equal(s.v[s.n - 1].len, 6 * B + 16); /* truncated */
    lcp_steps_release(&s);
    lcp_plan_release(&p);

    header_edit(&p, 10 * B, 12 * B); /* grown: the new bytes are written */
    assert_int_equal(lcp_steps_build(&p, 10 * B, B, true, &s, NULL), LCP_OK);
    assert_int_equal(s.v[3].kind, LCP_STEP_ZEROS);
    assert_int_equal(s.v[3].out_off, 10 * B);
    assert_int_equal(s.v[3].len, 2 * B);
    lcp_steps_release(&s);
    lcp_plan_release(&p);

    lcp_steps_release(NULL);
}

/* thin / strip-arch: a fat header, padding, slices at new offsets. */
static void moved_slices_clone_aligned_ranges(void **state) {
    (void)state;
    lcp_plan p;
    lcp_plan_init(&p);
    static const uint8_t fat[48];
    assert_int_equal(lcp_plan_add_bytes(&p, fat, sizeof fat, NULL), LCP_OK);
    assert_int_equal(lcp_plan_pad_to(&p, 16384, NULL), LCP_OK);
    /* slice 1: was at 32768, size not a block multiple */
    assert_int_equal(lcp_plan_add_copy(&p, 32768, 5 * B + 300, NULL), LCP_OK);
    assert_int_equal(lcp_plan_pad_to(&p, 16384 + 6 * B, NULL), LCP_OK);
    /* slice 2: moves by a non-multiple of the block (a hostile fat file) */
    assert_int_equal(lcp_plan_add_copy(&p, 90000, 3 * B, NULL), LCP_OK);
    assert_false(lcp_steps_want_whole(&p, 200000));
    lcp_steps s;
    assert_int_equal(lcp_steps_build(&p, 200000, B, false, &s, NULL), LCP_OK);
    const struct {
        lcp_step_kind k;
        uint64_t out, src, len;
    } want[] = {
        {LCP_STEP_BYTES, 0, 0, 48},
        {LCP_STEP_ZEROS, 48, 0, 16384 - 48},
        {LCP_STEP_CLONE, 16384, 32768, 5 * B},
        {LCP_STEP_COPY, 16384 + 5 * B, 32768 + 5 * B, 300},
        {LCP_STEP_ZEROS, 16384 + 5 * B + 300, 0, B - 300},
        {LCP_STEP_COPY, 16384 + 6 * B, 90000, 3 * B},
        {LCP_STEP_SIZE, 0, 0, 16384 + 9 * B},
    };
    assert_int_equal(s.n, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(s.v[i].kind, want[i].k);
        assert_int_equal(s.v[i].out_off, want[i].out);
        if (want[i].k == LCP_STEP_COPY || want[i].k == LCP_STEP_CLONE)
            assert_int_equal(s.v[i].src_off, want[i].src);
        assert_int_equal(s.v[i].len, want[i].len);
    }
    lcp_steps_release(&s);
    /* without a block size (a memory source, no clone): copies only */
    assert_int_equal(lcp_steps_build(&p, 200000, 0, false, &s, NULL), LCP_OK);
    for (size_t i = 0; i < s.n; i++)
        assert_int_not_equal(s.v[i].kind, LCP_STEP_CLONE);
    lcp_steps_release(&s);
    lcp_plan_release(&p);
}

static void want_whole_needs_half_in_place(void **state) {
    (void)state;
    lcp_plan p;
    lcp_plan_init(&p);
    assert_false(lcp_steps_want_whole(&p, 100)); /* empty */
    assert_int_equal(lcp_plan_add_copy(&p, 0, 100, NULL), LCP_OK);
    assert_true(lcp_steps_want_whole(&p, 100));
    assert_false(lcp_steps_want_whole(&p, 0));
    assert_int_equal(lcp_plan_add_copy(&p, 500, 100, NULL), LCP_OK); /* moved: half kept, still worth it */
    assert_true(lcp_steps_want_whole(&p, 1000));
    assert_int_equal(lcp_plan_add_zeros(&p, 1, NULL), LCP_OK); /* less than half */
    assert_false(lcp_steps_want_whole(&p, 1000));
    lcp_plan_release(&p);
}

/* Executes steps on a buffer as the writer does on a file: a clone is a
 * copy here (the file system's clone has the same bytes). */
static uint8_t *run_steps(const lcp_steps *s, const lcp_plan *p, const uint8_t *src, uint64_t src_size, size_t cap,
                          size_t *len) {
    uint8_t *out = calloc(cap, 1);
    size_t size = 0;
    assert_non_null(out);
    for (size_t i = 0; i < s->n; i++) {
        const lcp_step *st = &s->v[i];
        size_t end = (size_t)(st->out_off + st->len);
        switch (st->kind) {
        case LCP_STEP_CLONE_ALL:
            assert_int_equal(i, 0);
            memcpy(out, src, (size_t)src_size);
            size = (size_t)src_size;
            continue;
        case LCP_STEP_KEEP: assert_int_equal(st->out_off, st->src_off); break;
        case LCP_STEP_BYTES: memcpy(out + st->out_off, p->store + st->data, (size_t)st->len); break;
        case LCP_STEP_ZEROS: memset(out + st->out_off, 0, (size_t)st->len); break;
        case LCP_STEP_CLONE:
            assert_int_equal(st->out_off % B, 0);
            assert_int_equal(st->src_off % B, 0);
            assert_int_equal(st->len % B, 0);
            memcpy(out + st->out_off, src + st->src_off, (size_t)st->len);
            break;
        case LCP_STEP_COPY: memcpy(out + st->out_off, src + st->src_off, (size_t)st->len); break;
        case LCP_STEP_SIZE:
            assert_int_equal(i, s->n - 1);
            if (st->len > size)
                memset(out + size, 0, (size_t)st->len - size);
            size = (size_t)st->len;
            continue;
        }
        if (end > size)
            size = end;
    }
    *len = size;
    return out;
}

static void random_plans_give_the_same_bytes(void **state) {
    (void)state;
    enum { SRC = 64 * 1024 };
    uint8_t *src = malloc(SRC);
    assert_non_null(src);
    srand(16);
    for (size_t i = 0; i < SRC; i++)
        src[i] = (uint8_t)rand();
    lcp_source msrc = {-1, src, SRC};
    for (int round = 0; round < 400; round++) {
        lcp_plan p;
        lcp_plan_init(&p);
        int n = 1 + rand() % 6;
        for (int k = 0; k < n; k++) {
            uint64_t len = (uint64_t)(rand() % 3 ? rand() % (3 * B) : B * (rand() % 4));
            int r = rand() % 4;
            if (r == 0) {
                uint8_t b[300];
                memset(b, rand(), sizeof b);
                assert_int_equal(lcp_plan_add_bytes(&p, b, 1 + (size_t)rand() % sizeof b, NULL), LCP_OK);
            } else if (r == 1) {
                assert_int_equal(
                    lcp_plan_pad_to(&p, p.size + (rand() % 2 ? B - p.size % B : (uint64_t)(rand() % 50)), NULL),
                    LCP_OK);
            } else {
                /* in place, moved by a block multiple, or anywhere */
                uint64_t from =
                    r == 2 ? p.size : (rand() % 2 ? p.size % B + B * (uint64_t)(rand() % 8) : (uint64_t)rand() % SRC);
                if (from >= SRC)
                    from = SRC - 1;
                if (len > SRC - from)
                    len = SRC - from;
                assert_int_equal(lcp_plan_add_copy(&p, from, len, NULL), LCP_OK);
            }
        }
        uint8_t *want;
        size_t want_len;
        assert_int_equal(lcp_plan_write_memory(&p, &msrc, &want, &want_len, NULL), LCP_OK);
        for (int whole = 0; whole < 2; whole++) {
            for (uint64_t blk = 0; blk <= B; blk += B) { /* no range clone, and clones of B-byte blocks */
                lcp_steps s;
                assert_int_equal(lcp_steps_build(&p, SRC, blk, whole != 0, &s, NULL), LCP_OK);
                size_t got_len;
                uint8_t *got = run_steps(&s, &p, src, SRC, SRC + (size_t)p.size + 1, &got_len);
                assert_int_equal(got_len, want_len);
                if (want_len)
                    assert_memory_equal(got, want, want_len);
                free(got);
                lcp_steps_release(&s);
            }
        }
        free(want);
        lcp_plan_release(&p);
    }
    free(src);
}

/* The writer's own calls on the temporary folder's file system (whatever
 * it is: ext4 and tmpfs refuse clones, XFS and btrfs make them): a whole
 * clone either makes the file the input or leaves it empty; sequential
 * copies at unaligned and aligned offsets, and positional writes over a
 * clone, give exact bytes. */
static void outfile_ways_give_exact_bytes(void **state) {
    (void)state;
    enum { N = 5 * B + 123 };
    /* TMPDIR: tests/reflink/run.sh runs this on XFS and btrfs too */
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/lcp-steps-XXXXXX", tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    char in[300], out[300];
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    uint8_t *data = malloc(N), *want = malloc(2 * N), *got = malloc(2 * N);
    assert_true(data && want && got);
    for (size_t i = 0; i < N; i++)
        data[i] = (uint8_t)(i * 7 + i / 4096);
    FILE *f = fopen(in, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, N, f), N);
    fclose(f);
    int fd = open(in, O_RDONLY);
    assert_true(fd >= 0);

    /* sequential: a 904-byte header, the rest of the input, then the input
     * again from 16 (moves by a non-multiple), then from 0 at a block
     * boundary (clonable) */
    lcp_outfile of;
    assert_int_equal(lcp_outfile_open(&of, out, NULL, NULL), LCP_OK);
    of.sync = false;
    memset(want, 0xab, 904);
    assert_int_equal(lcp_outfile_write(&of, want, 904, NULL), LCP_OK);
    assert_int_equal(lcp_outfile_copy(&of, fd, 904, N - 904, NULL), LCP_OK);
    memcpy(want + 904, data + 904, N - 904);
    assert_int_equal(lcp_outfile_copy(&of, fd, 16, 3 * B, NULL), LCP_OK);
    memcpy(want + N, data + 16, 3 * B);
    size_t at = N + 3 * B, pad = (B - at % B) % B;
    static const uint8_t zeros[B];
    assert_int_equal(lcp_outfile_write(&of, zeros, pad, NULL), LCP_OK);
    memset(want + at, 0, pad);
    at += pad;
    size_t tail = 2 * N - at;
    assert_int_equal(lcp_outfile_copy(&of, fd, 0, tail, NULL), LCP_OK);
    memcpy(want + at, data, tail);
    assert_int_equal(lcp_outfile_commit(&of, NULL), LCP_OK);
    f = fopen(out, "rb");
    assert_non_null(f);
    assert_int_equal(fread(got, 1, 2 * N, f), 2 * N);
    assert_int_equal(fgetc(f), EOF);
    fclose(f);
    assert_memory_equal(got, want, 2 * N);

    /* a whole clone (or not), then writes over it and a shorter size */
    assert_int_equal(lcp_outfile_open(&of, out, NULL, NULL), LCP_OK);
    of.sync = false;
    struct stat sb;
    if (lcp_outfile_clone_whole(&of, fd, N)) {
        assert_int_equal(fstat(of.fd, &sb), 0);
        assert_int_equal(sb.st_size, N);
    } else {
        assert_int_equal(fstat(of.fd, &sb), 0);
        assert_int_equal(sb.st_size, 0); /* nothing to undo */
        assert_int_equal(lcp_outfile_copy_at(&of, 0, fd, 0, N, NULL), LCP_OK);
    }
    assert_false(lcp_outfile_clone_whole(&of, fd, N + 1)); /* not the input's size */
    assert_int_equal(lcp_outfile_write_at(&of, 10, "edit", 4, NULL), LCP_OK);
    assert_int_equal(lcp_outfile_set_size(&of, N - 100, NULL), LCP_OK);
    assert_int_equal(lcp_outfile_commit(&of, NULL), LCP_OK);
    memcpy(want, data, N);
    memcpy(want + 10, "edit", 4);
    f = fopen(out, "rb");
    assert_non_null(f);
    assert_int_equal(fread(got, 1, N, f), N - 100);
    fclose(f);
    assert_memory_equal(got, want, N - 100);
    close(fd);
    unlink(in);
    unlink(out);
    rmdir(dir);
    free(data);
    free(want);
    free(got);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clone_split_rules),
        cmocka_unit_test(whole_clone_for_edits_in_place),
        cmocka_unit_test(moved_slices_clone_aligned_ranges),
        cmocka_unit_test(want_whole_needs_half_in_place),
        cmocka_unit_test(random_plans_give_the_same_bytes),
        cmocka_unit_test(outfile_ways_give_exact_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
