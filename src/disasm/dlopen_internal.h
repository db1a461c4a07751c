/* The private model of the dlopen path scan (src/disasm/dlopen_*.c): the
 * functions it looks for, the scan state, the values the tracker follows
 * and the stretches of __text it decodes, with the functions the files
 * share. dlopen_paths.c tells how the scan works. */
#ifndef LCP_DISASM_DLOPEN_INTERNAL_H
#define LCP_DISASM_DLOPEN_INTERNAL_H

#include "lcpatch/audit.h"
#include "lcpatch/macho.h"
#include "lcpatch/symbols.h"

/* Capstone 4's header uses an enum value pedantic C11 rejects (1U << 31). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpedantic"
#include <capstone/capstone.h>
#pragma GCC diagnostic pop
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* What a called function does with its arguments. */
typedef enum role {
    LOADS_PATH,         /* loads the C string in argument 1 */
    MAKES_URL_CFSTRING, /* returns a URL of the CFString in argument 2 */
    MAKES_URL_CSTRING,  /* returns a URL of the C string in argument 2 */
    LOADS_URL           /* loads the bundle at the URL in argument 2 */
} role;

/* A function the scan looks for (the table is in dlopen_targets.c). */
struct function {
    const char *name;
    role role;
};

typedef struct target {
    uint64_t addr; /* stub or pointer address; a wrapper's entry */
    const struct function *function;
    bool pointer;    /* reached through `call *addr` */
    unsigned gen;    /* 0: the function itself; n: a wrapper found in pass n - 1 */
    unsigned arg;    /* the argument that holds the path (LOADS_PATH) */
    const char *via; /* a wrapper's name (owned by the scan's function list) */
} target;

/* A function of the image (a defined symbol in __text), where the
 * tracker knows the arguments as the caller's. */
typedef struct func {
    uint64_t addr;
    const char *name; /* without C's leading underscore: borrowed from the
                       * symbol table, or `owned`; NULL until needed for a
                       * function only LC_FUNCTION_STARTS knows */
    char *owned;      /* the sub_<address> name made for such a function */
} func;

/* Passes over the code: the functions, then wrappers of them, then
 * wrappers of those (a path handed down through two functions of the
 * program's own). */
#define MAX_GEN 3

typedef struct scan {
    const lcp_source *src;
    const lcp_image *img;
    target *targets;
    size_t ntargets;
    unsigned gen; /* the pass: only targets of this generation are calls to follow */
    func *funcs;  /* sorted by address (x86_64 and arm64: register arguments) */
    size_t nfuncs;
    size_t cur; /* the function being decoded, or nfuncs when unknown */
    lcp_dlopen_call *calls;
    size_t ncalls, cap_calls;
    lcp_status st;
    lcp_error *err;
    /* Read caches: the call sites (pass 2) and the strings and records
     * their arguments point to come in increasing order and close
     * together, and a read per site cost more than everything else on
     * images with many calls (a pread per 4 KiB stretch and per string). */
    struct read_cache {
        uint8_t *buf;
        size_t cap, len;
        uint64_t off; /* image offset of buf[0] */
    } cache[2];
} scan;

enum { CACHE_TEXT, CACHE_DATA };

/* What a register or argument slot is known to hold. */
typedef struct val {
    bool known;
    bool url;      /* a CFURL made from the path at v (the return of a URL maker) */
    bool pic;      /* i386: the PIC base, which a function keeps in one register throughout */
    uint8_t param; /* not known, but 1 + the index of the argument the function was called with */
    uint64_t v;    /* an address */
} val;

static const val unknown = {false, false, false, 0, 0};
static inline val address(uint64_t v) { return (val){true, false, false, 0, v}; }

#define NREGS 32
typedef struct regs {
    val reg[NREGS];
    /* i386 */
    val slot[4];       /* [esp], [esp + 4], ... */
    val push[4];       /* the values pushed last, latest first */
    uint64_t pic_next; /* address after `call next` (then `pop reg` takes it) */
} regs;

static inline void forget_all(regs *r) { memset(r, 0, sizeof *r); }

/* Arguments a call passes in registers or stack slots, as dlp_call_to reads them. */
#define NARGS 6

/* x86 register families (dlopen_x86.c numbers them this way). */
enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11 };

enum {
    WINDOW = 64 * 1024,   /* __text is read in windows of this size */
    LOOKBACK = 4096,      /* bytes decoded before a call site: its arguments are set up there */
    FUNC_LOOKBACK = 16384 /* or from its function's start, when that is this close */
};

/* A stretch of __text to decode: offsets from the section's start. */
typedef struct range {
    uint64_t from, to;
} range;

typedef struct ranges {
    range *v;
    size_t n, cap;
} ranges;

/* dlopen_reads.c: the image's bytes, through the scan's read caches. */
bool dlp_img_read(scan *s, uint64_t off, void *buf, size_t n);
const uint8_t *dlp_img_peek_cached(scan *s, int c, uint64_t off, size_t n);
char *dlp_string_at(scan *s, uint64_t addr);
bool dlp_cfstring_chars(scan *s, uint64_t addr, uint64_t *chars);

/* dlopen_targets.c: the calls to follow and the functions of __text. */
bool dlp_add_target(scan *s, target t);
const target *dlp_find_target(const scan *s, uint64_t addr, bool pointer);
bool dlp_collect_targets(scan *s, const lcp_symtab *syms);
bool dlp_collect_funcs(scan *s, const lcp_symtab *syms, const lcp_section *text);

/* dlopen_calls.c: what a call to a target records and returns. */
val dlp_call_to(scan *s, uint64_t at, const target *t, const val *args);

/* dlopen_x86.c and dlopen_arm64.c: one instruction through the tracker. */
void dlp_x86_step(scan *s, csh h, const cs_insn *in, regs *r, bool is64);
void dlp_a64_step(scan *s, csh h, const cs_insn *in, regs *r);

/* dlopen_call_sites.c: pass 1, the stretches of __text worth decoding. */
size_t dlp_func_at(const scan *s, uint64_t addr);
bool dlp_find_call_sites(scan *s, const lcp_section *text, uint8_t *buf, ranges *rs);

#endif
