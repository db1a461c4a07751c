/* `lcpatch lipo` (and the multi-call name lipo): Apple's lipo syntax,
 * output, messages and exit statuses (cctools misc/lipo.c), over the
 * library's model.
 *
 * Data flows argv -> struct lipo (lipo_args.c) -> inputs read by
 * src/format with lipo's parse options (lipo_input.c) -> thin files, the
 * slices an operation works on (lipo.c) -> an output written through
 * the layout plan (lipo_write.c), or a listing (lipo_info.c). A library
 * error is turned into Apple's words by its reason (lipo_input.c).
 *
 * Every function that can fail prints Apple's message and returns
 * LIPO_FAIL; the caller returns it on. Everything is owned by struct lipo
 * and released by lipo_release. */
#ifndef LCP_COMPAT_LIPO_H
#define LCP_COMPAT_LIPO_H

#include "compat/apple.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Apple's MAXSECTALIGN: -segalign's and a fat_arch's largest alignment (log2). */
#define LIPO_MAX_SECTALIGN 15u

/* Returned by every step that failed (after printing Apple's message): lipo exits 1. */
#define LIPO_FAIL 1

/* What lipo reads of any input: the fat table alone, and for a thin file
 * the command sizes (include/lcpatch/image.h). */
#define LIPO_PARSE_FLAGS                                                                                               \
    (LCP_PARSE_FAT_TABLE_ONLY | LCP_PARSE_FAT_OVERLAP_OK | LCP_PARSE_FAT_ANY_COUNT | LCP_PARSE_FAT_HIDDEN_ARM64 |      \
     LCP_PARSE_FAT_MAX_ALIGN_15 | LCP_PARSE_CMDSIZE_ANY_ALIGN | LCP_PARSE_CMDS_SIZES_ONLY)

/* An architecture named on the command line, with what its flag gives
 * besides: -replace's file, -segalign's alignment. */
struct lipo_arch {
    const char *name; /* as given; NULL when none */
    uint32_t cputype, cpusubtype;
    const char *file; /* -replace ARCH FILE */
    uint32_t align;   /* -segalign ARCH VALUE, as log2 */
};

/* The architectures of one repeatable flag, in order. */
struct lipo_list {
    struct lipo_arch *v;
    size_t n;
};

/* A file named on the command line (or by -replace). */
struct lipo_input {
    const char *name;
    struct lipo_arch arch; /* -arch A FILE */
    lcp_file *file;        /* NULL when lipo could not read it as Mach-O */
    lcp_source *blob;      /* owned: the bytes of a file given with -arch that is not Mach-O, or NULL */
};

/* One slice lipo works on: a fat file's slice, a thin input, a blank. */
struct lipo_thin {
    const char *name;
    const lcp_source *src; /* where its bytes are; NULL for a blank dylib */
    uint8_t *mem;          /* owned: a blank dylib's bytes */
    uint64_t src_off, size;
    uint32_t cputype, cpusubtype, align;
    uint32_t filetype; /* its mach header's, 0 when unknown (read for -hideARM64) */
    bool from_fat, extract, remove;
    uint64_t offset; /* in the output */
};

struct lipo {
    const char *progname;
    struct lipo_input *inputs;
    size_t ninputs;
    struct lipo_thin *thins;
    size_t nthins;
    const char *output;
    bool create, info, detailed, brief, thin_flag, remove, extract, extract_family, replace, verify, fat64, hide_arm64,
        arch_blank;
    struct lipo_arch thin_arch;
    struct lipo_list removes, extracts, verifies, replaces, segaligns;
};

/* Apple's "fatal error: lipo: ...", "error: ..." and "warning: ..." lines
 * (compat/apple.h); each returns LIPO_FAIL. */
#define lipo_fatal(L, ...) lcp_apple_say("fatal error", (L)->progname, __VA_ARGS__)
#define lipo_error(L, ...) lcp_apple_say("error", (L)->progname, __VA_ARGS__)
#define lipo_warning(L, ...) lcp_apple_say("warning", (L)->progname, __VA_ARGS__)

/* lipo_args.c: argv into L; LIPO_FAIL (after the message) on a bad command line. */
int lipo_parse_args(struct lipo *L, int argc, char **argv);
/* Appends a zeroed entry to the array *array of *n and returns it; NULL
 * after Apple's "out of memory". */
void *lipo_push(const struct lipo *L, void **array, size_t *n, size_t size);
/* A new input named `name`; NULL after Apple's "out of memory". */
struct lipo_input *lipo_add_input(struct lipo *L, const char *name);

/* lipo_input.c */
int lipo_read_inputs(struct lipo *L);
/* -replace's file as a thin file in *t. */
int lipo_read_replacement(struct lipo *L, const struct lipo_arch *r, struct lipo_thin *t);
/* -arch_blank's page of zeros with an MH_DYLIB_STUB header, appended to the thin files. */
int lipo_add_blank(struct lipo *L, const struct lipo_arch *a);
void lipo_release(struct lipo *L);

/* lipo_write.c: the thin files into L->output, thin for -thin (and
 * -extract_family of one slice), else fat. */
int lipo_write_output(struct lipo *L);

/* lipo_info.c: -info, -detailed_info, -archs. */
void lipo_print_info(const struct lipo *L);
void lipo_print_detailed(const struct lipo *L);
void lipo_print_archs(const struct lipo *L);

/* The entry point (src/cli/main.c). */
int cmd_lipo(int argc, char **argv);

#endif
