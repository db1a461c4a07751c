/* Builders for hostile inputs in memory, shared by the hostile-input unit
 * tests (test_image.c, test_file.c, test_archive.c, test_plan.c,
 * test_symbols.c, test_disasm.c). Every builder writes into a
 * caller-supplied buffer and returns the bytes used. */
#ifndef LCP_TESTS_HOSTILE_H
#define LCP_TESTS_HOSTILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lcpatch/lcpatch.h"

static inline void h_put32(uint8_t *p, bool be, uint32_t v) {
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(be ? v >> (24 - 8 * k) : v >> (8 * k));
}
static inline void h_put64(uint8_t *p, bool be, uint64_t v) {
    h_put32(p + (be ? 4 : 0), be, (uint32_t)v);
    h_put32(p + (be ? 0 : 4), be, (uint32_t)(v >> 32));
}

/* Offsets inside the small image built by h_image64 (64-bit, little-endian,
 * MH_DYLIB, 4096 bytes): header 32, then
 *   LC_SEGMENT_64 __TEXT (72 + one 80-byte section __text at file 0x800)
 *   LC_RPATH "@loader_path/x" (cmdsize 32)
 *   LC_BUILD_VERSION (24 + one tool = 32)
 * sizeofcmds 216; the rest is zeros. */
enum { H_SIZE = 4096, H_SEG = 32, H_RPATH = 32 + 152, H_BV = 32 + 152 + 32, H_CMDS_END = 32 + 216, H_SECT_OFF = 0x800 };

static inline size_t h_image64(uint8_t *b, bool be) {
    memset(b, 0, H_SIZE);
    h_put32(b, be, 0xfeedfacf);
    h_put32(b + 4, be, 0x01000007);
    h_put32(b + 8, be, 3);
    h_put32(b + 12, be, 6);
    h_put32(b + 16, be, 3);
    h_put32(b + 20, be, 216);
    h_put32(b + 24, be, 0x85);
    uint8_t *s = b + H_SEG;
    h_put32(s, be, 0x19);
    h_put32(s + 4, be, 152);
    memcpy(s + 8, "__TEXT", 6);
    h_put64(s + 24, be, 0);      /* vmaddr */
    h_put64(s + 32, be, 0x1000); /* vmsize */
    h_put64(s + 40, be, 0);      /* fileoff */
    h_put64(s + 48, be, 0x1000); /* filesize */
    h_put32(s + 56, be, 5);
    h_put32(s + 60, be, 5);
    h_put32(s + 64, be, 1); /* nsects */
    uint8_t *sc = s + 72;
    memcpy(sc, "__text", 6);
    memcpy(sc + 16, "__TEXT", 6);
    h_put64(sc + 32, be, H_SECT_OFF); /* addr */
    h_put64(sc + 40, be, 0x10);       /* size */
    h_put32(sc + 48, be, H_SECT_OFF); /* offset */
    uint8_t *r = b + H_RPATH;
    h_put32(r, be, 0x8000001c);
    h_put32(r + 4, be, 32);
    h_put32(r + 8, be, 12);
    memcpy(r + 12, "@loader_path/x", 15);
    uint8_t *v = b + H_BV;
    h_put32(v, be, 0x32);
    h_put32(v + 4, be, 32);
    h_put32(v + 8, be, 1);         /* macos */
    h_put32(v + 12, be, 0x0a0e00); /* 10.14 */
    h_put32(v + 16, be, 0x0b0000); /* 11.0 */
    h_put32(v + 20, be, 1);        /* ntools */
    h_put32(v + 24, be, 3);
    h_put32(v + 28, be, 0x1000000);
    return H_SIZE;
}

/* A fat file (FAT_MAGIC, big-endian) holding n copies of h_image64 (each
 * with its own x86_64 cpusubtype, so no architecture is listed twice) at
 * 0x1000, 0x2000, ... with align 2^12. Needs (n + 1) * 4096 bytes. */
static inline size_t h_fat(uint8_t *b, uint32_t n) {
    memset(b, 0, 4096);
    h_put32(b, true, 0xcafebabe);
    h_put32(b + 4, true, n);
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *e = b + 8 + 20 * i;
        /* x86_64, then x86_64h, then unnamed subtypes: a fat file lists
         * each architecture once, and its label matches its image */
        uint32_t sub = i == 0 ? 3 : 7 + i;
        h_put32(e, true, 0x01000007);
        h_put32(e + 4, true, sub);
        h_put32(e + 8, true, 0x1000 * (i + 1));
        h_put32(e + 12, true, H_SIZE);
        h_put32(e + 16, true, 12);
        h_image64(b + 0x1000 * (i + 1), false);
        h_put32(b + 0x1000 * (i + 1) + 8, false, sub);
    }
    return (size_t)(n + 1) * 4096;
}

/* A fixture read whole into a heap buffer (*len bytes), to be patched into
 * a hostile variant; the caller frees it. */
static inline uint8_t *h_slurp(const char *path, size_t *len) {
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    *len = (size_t)n;
    return b;
}

/* Opens b[0..len) as a file named `name`: returns the status and fills
 * err; a file comes with success and only then (cmocka.h comes first). */
static inline lcp_status h_parse(const uint8_t *b, size_t len, const char *name, lcp_error *err) {
    lcp_file *f = NULL;
    memset(err, 0, sizeof *err);
    lcp_status st = lcp_file_open_memory(b, len, name, &f, err);
    if (st == LCP_OK)
        assert_non_null(f);
    else
        assert_null(f);
    lcp_file_free(f);
    return st;
}

#endif
