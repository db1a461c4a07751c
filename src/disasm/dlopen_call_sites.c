/* Pass 1 of the dlopen scan: the call sites of __text that may reach a
 * target, found from the instruction bytes without decoding, and the
 * stretches before them that pass 2 decodes. */
#include "disasm/dlopen_internal.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>

/* The function that holds the address text->addr + off: its index, or
 * s->nfuncs. */
size_t dlp_func_at(const scan *s, uint64_t addr) {
    size_t lo = 0, hi = s->nfuncs; /* first function above addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->funcs[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo == 0 ? s->nfuncs : lo - 1;
}

/* The call site at offset `site` (len bytes) of text needs the code before
 * it decoded: from the start of its function when that is at most
 * FUNC_LOOKBACK bytes before (the arguments are known there), else the
 * LOOKBACK bytes before. Sites come in increasing order, so overlapping
 * stretches merge as they come. */
static bool add_site(const scan *s, const lcp_section *text, ranges *rs, uint64_t site, uint64_t len) {
    uint64_t from = site > LOOKBACK ? site - LOOKBACK : 0, to = site + len;
    size_t f = dlp_func_at(s, text->addr + site);
    if (f < s->nfuncs && s->funcs[f].addr >= text->addr && text->addr + site - s->funcs[f].addr <= FUNC_LOOKBACK)
        from = s->funcs[f].addr - text->addr;
    if (rs->n > 0 && from <= rs->v[rs->n - 1].to) {
        if (to > rs->v[rs->n - 1].to)
            rs->v[rs->n - 1].to = to;
        return true;
    }
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        range *v = realloc(rs->v, cap * sizeof *v);
        if (v == NULL)
            return false;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = (range){from, to};
    return true;
}

static int64_t sign_extend(uint64_t v, unsigned bits) {
    uint64_t m = 1ull << (bits - 1);
    return (int64_t)((v ^ m) - m);
}

/* i386 `call/jmp *disp(reg)` (FF /2 or FF /4, disp8 or disp32, no SIB):
 * its target depends on a register (the PIC base), so it is a call site
 * whenever the image has loader pointers at all; returns its length, or 0. */
static size_t i386_call_through_register(const uint8_t *b, size_t left) {
    if (left < 2 || b[0] != 0xff)
        return 0;
    unsigned mod = b[1] >> 6, op = (b[1] >> 3) & 7, rm = b[1] & 7;
    if ((op != 2 && op != 4) || rm == 4 || (mod != 1 && mod != 2))
        return 0;
    size_t len = mod == 1 ? 3 : 6;
    return len <= left ? len : 0;
}

/* Pass 1, without decoding: the call sites of __text whose target is one of
 * the functions, from the instruction bytes alone. arm64: BL and B imm26
 * (every instruction is 4 bytes and aligned). x86: E8/E9 rel32 (call or jmp
 * to a stub) and FF 15/FF 25 disp32 (call or jmp through a pointer:
 * rip-relative on x86_64, absolute on i386), and on i386 calls through a
 * register-relative pointer. A byte pattern inside another instruction
 * only costs a stretch decoded for nothing, since pass 2 matches decoded
 * calls. Most images call a loader a few times in megabytes of code, so
 * this is what makes --dlopen affordable. */
bool dlp_find_call_sites(scan *s, const lcp_section *text, uint8_t *buf, ranges *rs) {
    const lcp_image *img = s->img;
    bool a64 = img->cputype == LCP_CPU_TYPE_ARM64, i386 = img->cputype == LCP_CPU_TYPE_I386;
    bool pointers = false; /* i386: loader pointers, which PIC code reaches through a register */
    for (size_t k = 0; k < s->ntargets; k++)
        pointers = pointers || s->targets[k].pointer;
    uint64_t done = 0, size = text->size;
    while (done < size) {
        size_t n = size - done < WINDOW ? (size_t)(size - done) : WINDOW;
        if (!dlp_img_read(s, (uint64_t)text->offset + done, buf, n))
            break;
        bool last = done + n >= size;
        size_t limit = last ? n : n - 8; /* an x86 pattern is at most 6 bytes: the rest goes to the next window */
        uint64_t base = text->addr + done;
        if (a64) {
            for (size_t i = 0; i + 4 <= limit; i += 4) {
                uint32_t w = lcp_le32(buf + i);
                if ((w & 0x7c000000u) != 0x14000000u) /* B (bit 31 clear) or BL */
                    continue;
                uint64_t to = base + i + (uint64_t)sign_extend((w & 0x03ffffffu) * 4ull, 28);
                if (dlp_find_target(s, to, false) && !add_site(s, text, rs, done + i, 4))
                    return false;
            }
            done += limit;
            continue;
        }
        for (size_t i = 0; i < limit; i++) {
            uint64_t to;
            bool pointer = false, site;
            size_t len;
            if ((buf[i] == 0xe8 || buf[i] == 0xe9) && i + 5 <= n) {
                len = 5;
                to = base + i + len + (uint64_t)sign_extend(lcp_le32(buf + i + 1), 32);
                site = dlp_find_target(s, to, false) != NULL;
            } else if (buf[i] == 0xff && i + 6 <= n && (buf[i + 1] == 0x15 || buf[i + 1] == 0x25)) {
                len = 6;
                to = i386 ? lcp_le32(buf + i + 2) : base + i + len + (uint64_t)sign_extend(lcp_le32(buf + i + 2), 32);
                pointer = true;
                site = dlp_find_target(s, to, pointer) != NULL;
            } else if (i386 && pointers && (len = i386_call_through_register(buf + i, n - i)) != 0)
                site = true;
            else
                continue;
            if (site && !add_site(s, text, rs, done + i, len))
                return false;
        }
        done += limit;
    }
    return true;
}
