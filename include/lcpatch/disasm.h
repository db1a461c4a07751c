/* lcpatch: disassembly of an image's code with Capstone, symbolised from
 * its symbol table and stubs (like `otool -tV`).
 *
 * Architectures: x86_64, i386 (AT&T syntax, as otool prints), arm64 and
 * arm64e (Capstone 4 decodes the ARMv8.0 set; pointer-authentication
 * instructions it does not know come out as `.long`), armv6/armv7 (ARM or
 * Thumb per symbol, from N_ARM_THUMB_DEF), ppc and ppc64 (big-endian).
 *
 * The walker reads only the bytes of the range asked for, in bounded
 * windows through lcp_source_read, and hands every instruction to a
 * callback. Beyond the text it computes what callers need to follow code:
 * direct branch targets, and addresses formed PC-relatively (x86_64
 * `lea X(%rip)`, arm64 `adr`, `adrp`+`add`, `adrp`+`ldr`, `ldr` literal,
 * i386 PIC base `call 1f; 1: pop %reg` + `lea X(%reg)`), each named from
 * the symbols when one starts there (a stub reads as its import, `_dlopen`).
 *
 * Only src/disasm/ includes capstone.h: this header exposes none of it.
 *
 * Ownership: lcp_disasm_new returns a heap lcp_disasm (free with
 * lcp_disasm_free) that borrows the image and the symbol table: both must
 * outlive it. An lcp_insn passed to the callback, and every string it points
 * to, is valid only during the call. */
#ifndef LCPATCH_DISASM_H
#define LCPATCH_DISASM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"
#include "lcpatch/symbols.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_insn_kind {
    LCP_INSN_OTHER = 0,
    LCP_INSN_CALL, /* call, bl, blx, bl (ppc) */
    LCP_INSN_JUMP, /* unconditional or conditional branch */
    LCP_INSN_RETURN,
    LCP_INSN_DATA /* bytes Capstone could not decode, shown as .byte/.short/.long */
} lcp_insn_kind;

typedef struct lcp_insn {
    uint64_t addr;
    uint8_t size;
    uint8_t bytes[16];
    lcp_insn_kind kind;
    const char *label; /* a symbol that starts at addr, or NULL */
    char mnemonic[32];
    char operands[224]; /* symbolised: `_dlopen` instead of the stub's address */
    char comment[288];  /* otool-style: `literal pool for: "..."`, `symbol stub for: _x`, or "" */
    bool has_target;    /* a direct branch or call: target */
    uint64_t target;
    const char *target_name; /* the import (stub) or symbol at target, or NULL */
    bool has_ref;            /* an address formed PC-relatively: ref, put into register `reg` */
    uint64_t ref;
    const char *ref_name; /* the import or symbol at ref, or NULL */
    char reg[8];          /* the register written with ref ("rdi", "x0", "eax"), or "" */
} lcp_insn;

/* Returns non-zero to stop the walk (that value is then returned). */
typedef int (*lcp_insn_fn)(void *ctx, const lcp_insn *insn);

typedef struct lcp_disasm lcp_disasm;

/* A disassembler for img's architecture. syms may be NULL (no names).
 * Errors: LCP_E_UNSUPPORTED for an architecture listed nowhere above,
 * LCP_E_NOMEM. */
lcp_status lcp_disasm_new(const lcp_image *img, const lcp_symtab *syms, lcp_disasm **out, lcp_error *err);
void lcp_disasm_free(lcp_disasm *d);

/* Disassembles [addr, addr+len) of the image (whose bytes lie at
 * img->offset in src), at most max_count instructions (0: no limit). The
 * range must be backed by file bytes (LCP_E_NOTFOUND otherwise). Undecodable
 * bytes are passed as LCP_INSN_DATA entries and the walk goes on.
 * *stopped (may be NULL) gets the callback's non-zero value, or 0. */
lcp_status lcp_disasm_range(lcp_disasm *d, const lcp_source *src, uint64_t addr, uint64_t len, size_t max_count,
                            lcp_insn_fn fn, void *ctx, int *stopped, lcp_error *err);

/* 32-bit ARM: the next lcp_disasm_range decodes its start as Thumb (an
 * entry point or address whose low bit is set, as dyld reads it) up to the
 * next symbol, whatever the symbol before says. The caller clears the bit
 * from the address. No effect on other architectures. */
void lcp_disasm_start_thumb(lcp_disasm *d);

/* What to disassemble in an image (lcpatch disasm's --section, --symbol,
 * --entry, --address). */
typedef enum lcp_disasm_from {
    LCP_DISASM_SECTION,
    LCP_DISASM_SYMBOL,
    LCP_DISASM_ENTRY,
    LCP_DISASM_ADDRESS
} lcp_disasm_from;

typedef struct lcp_disasm_target {
    lcp_disasm_from from;
    const char *segname, *sectname; /* LCP_DISASM_SECTION */
    const char *symbol;             /* LCP_DISASM_SYMBOL: a defined symbol */
    uint64_t address;               /* LCP_DISASM_ADDRESS */
} lcp_disasm_target;

/* The range of img that t names, [*start, *start + *len): a whole section
 * (none for a zero-fill one), a symbol, or from the entry point or an
 * address to the end of its symbol, else of its section, and then *count
 * (0: none) becomes 64 instructions. A 32-bit ARM start with its low bit
 * set is Thumb code at the even address: d is told so
 * (lcp_disasm_start_thumb). LCP_E_NOTFOUND when t names nothing there
 * (the message says what). */
lcp_status lcp_disasm_find(lcp_disasm *d, const lcp_symtab *syms, const lcp_image *img, const lcp_disasm_target *t,
                           uint64_t *start, uint64_t *len, size_t *count, lcp_error *err);

/* The Capstone version linked in, e.g. "4.0". */
const char *lcp_disasm_engine_version(void);

#ifdef __cplusplus
}
#endif
#endif
