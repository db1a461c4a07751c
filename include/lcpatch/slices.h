/* lcpatch: slices and signatures. Removing a code signature from an image
 * (codesign_allocate -r), choosing which slices of a fat file to keep
 * (lipo -remove/-extract/-thin, strip-arch --legacy), the alignment Apple's
 * lipo gives a slice, and laying out an output file (thin, fat or fat64)
 * from a list of slices as an lcp_plan.
 *
 * Typical composition (what `lcpatch unsign` and `rescue` do):
 *
 *     lcp_file_open(path, &f, &err);
 *     for each slice s of f:
 *         out[k] = LCP_OUT_SLICE_COPY(s)          // an input range as is, or
 *         lcp_unsign_image(s->image, &size, &changed, &err);
 *         out[k] = LCP_OUT_SLICE_IMAGE(s, size)   // the edited image
 *     lcp_layout_rule rule = lcp_layout_rule_for(f);  // keep the container
 *     lcp_layout_file(out, k, &rule, &plan, &err);
 *     lcp_plan_write_file(&plan, &f->src, out_path, path, &err);
 *
 * Ownership: nothing here allocates except the plan's pieces (owned by the
 * caller's lcp_plan). lcp_out_slice only points at images owned by the
 * caller's lcp_file. */
#ifndef LCPATCH_SLICES_H
#define LCPATCH_SLICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"
#include "lcpatch/write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- signature removal ---- */

/* Removes LC_CODE_SIGNATURE from img exactly as Apple's `codesign_allocate
 * -r` does: the command is taken out and later commands move up (the bytes
 * it held become zeros when the image is emitted with lcp_plan_add_image),
 * ncmds and sizeofcmds shrink, and *new_size is where the image now ends:
 * the end of the last linkedit table before the signature (Apple drops the
 * alignment padding in front of the signature too). __LINKEDIT's filesize
 * is cut to end there as well; its vmsize stays.
 *
 * Unsigned images: *changed = false, *new_size = img->size, img untouched.
 * Validates before it changes anything; on failure img is as it was.
 * Errors: LCP_E_MALFORMED (signature outside the image, more than one,
 * __LINKEDIT starting after the data), LCP_E_UNSUPPORTED (a table lies
 * after the signature: Apple would rewrite the whole linkedit; lcpatch
 * refuses). Bytes after the signature's data are dropped, as Apple does. */
lcp_status lcp_unsign_image(lcp_image *img, uint64_t *new_size, bool *changed, lcp_error *err);

/* ---- making room for a signature (codesign_allocate -a) ---- */

/* What codesign_allocate -a ARCH SIZE [-p] asks of one image. */
typedef struct lcp_sigspace {
    uint32_t datasize; /* bytes of signature data to reserve (a multiple of 16) */
    bool page_align;   /* -p: the data starts at a page boundary
                        * (lcp_image_seg_align), the string table grown to
                        * reach it (when there is one) */
    bool any_size;     /* accept a datasize that is not a multiple of 16
                        * (ld64's own signatures; Apple's tool refuses) */
} lcp_sigspace;

/* Makes room for a signature of req->datasize bytes in img exactly as
 * Apple's `codesign_allocate -a` does (cctools misc/codesign_allocate.c
 * setup_code_signature, add_code_sig_load_command):
 *   - unsigned: LC_CODE_SIGNATURE is appended after the last command, when
 *     the header, the commands and 16 more bytes end at or before the first
 *     section with file bytes (Apple's bitwise zerofill test kept: section
 *     types with bit 0 set count as zerofill), or the first section-less
 *     segment at a non-zero offset; the data starts at the end of
 *     __LINKEDIT (or of the file, for an MH_OBJECT without one) rounded up
 *     to 16 bytes, or to the page with page_align (the string table's
 *     strsize grows by the padding);
 *   - signed: the old data is dropped and the new room starts where the
 *     other linkedit data ends, rounded the same way;
 *   - __LINKEDIT's filesize grows by the padding and the data, vmsize is
 *     rounded up to the page (lcp_image_seg_align) when filesize passes it.
 * *copy_end is where the input's bytes stop (from the image's start) and
 * *new_size the image's new size: the bytes in between are zeros (emit with
 * lcp_plan_add_image_upto, or lcp_out_slice.zeros_from). The data lies at
 * the end of the image.
 * Errors (img untouched): LCP_E_NOSPACE (the command does not fit),
 * LCP_E_UNSUPPORTED (no __LINKEDIT and not MH_OBJECT; a table after the
 * old signature), LCP_E_MALFORMED. */
lcp_status lcp_sigspace_image(lcp_image *img, const lcp_sigspace *req, uint64_t *copy_end, uint64_t *new_size,
                              lcp_error *err);

/* What Apple's codesign_allocate -a does to a signed image it was not asked
 * about: the same size and commands, but zeros from the end of the other
 * linkedit data to the image's end (it never reads the old signature's
 * bytes, so it writes none). *zeros_from is that offset; *changed is false
 * for an unsigned image. Errors as lcp_sigspace_image's. */
lcp_status lcp_sigspace_blank(const lcp_image *img, uint64_t *zeros_from, bool *changed, lcp_error *err);

/* ---- alignment (Apple's lipo and libstuff) ---- */

/* The page size Apple's tools assume for a CPU type, as log2: 14 (16 KiB)
 * for arm, arm64 and arm64_32; 12 (4 KiB) for ppc, ppc64, i386, x86_64,
 * veo; 13 (8 KiB) for the others. */
uint32_t lcp_default_segalign(uint32_t cputype);

/* The alignment (log2) Apple's lipo gives a new slice made of img: the
 * default page alignment when Apple knows the architecture; otherwise, for
 * MH_OBJECT the largest section alignment (at least 2, or 3 for 64-bit),
 * for other types the smallest alignment guessed from each segment's
 * vmaddr (its lowest set bit), bounded by 2 and 15. */
uint32_t lcp_image_lipo_align(const lcp_image *img);
/* libstuff's get_seg_align, the page size (log2) codesign_allocate
 * assumes for img: for MH_OBJECT the largest section alignment of any
 * segment (at least 2, or 3 for 64-bit), else the smallest alignment
 * guessed from each segment's vmaddr (lowest set bit, in [2 or 3, 15]; 15
 * for 0); 15 without segments. */
uint32_t lcp_image_seg_align(const lcp_image *img);
/* libstuff's guess_align: the lowest set bit of vmaddr, in [2, 15]; 15 for 0. */
uint32_t lcp_guess_align(uint64_t vmaddr);

/* ---- slice selection ---- */

/* True for the architectures a notarised product has no use for: ppc, ppc64
 * and every ppc subtype, i386 and its subtypes, 32-bit ARM (armv4t...armv7k),
 * m68k, m88k, hppa, sparc, i860, veo. */
bool lcp_arch_is_legacy(uint32_t cputype, uint32_t cpusubtype);
/* True when (cputype, cpusubtype) names the same architecture as the given
 * name's, comparing subtypes without their capability bits (lipo's rule). */
bool lcp_arch_matches(uint32_t cputype, uint32_t cpusubtype, uint32_t want_type, uint32_t want_subtype);

typedef enum lcp_select_mode {
    LCP_SELECT_LEGACY, /* drop lcp_arch_is_legacy slices */
    LCP_SELECT_REMOVE, /* drop the named architectures */
    LCP_SELECT_KEEP    /* keep only the named architectures */
} lcp_select_mode;

/* Marks keep[i] for every slice of f. A name picks the slices of exactly
 * that architecture (subtypes compared without capability bits) when f has
 * one, else every slice of its CPU type: "ppc" picks a ppc7400 slice, while
 * "arm64" in an arm64 + arm64e file picks arm64 only. With LCP_SELECT_KEEP, a named
 * architecture that f does not hold is an error (LCP_E_NOTFOUND naming the
 * first; LCP_SELECT_REMOVE ignores absent names); so is a result with
 * no slice left (LCP_E_UNSUPPORTED "no 64-bit slice to keep" for --legacy,
 * "no slice left" otherwise). keep must have f->nslices entries. */
lcp_status lcp_select_slices(const lcp_file *f, lcp_select_mode mode, const uint32_t (*archs)[2], size_t narchs,
                             bool *keep, lcp_error *err);

/* ---- file layout ---- */

/* One slice of an output file: either an (edited) image emitted with
 * lcp_plan_add_image (image != NULL, size = its new size), or a range of
 * the input copied as is (image == NULL: src_offset, size). */
typedef struct lcp_out_slice {
    uint32_t cputype, cpusubtype;
    uint32_t align;         /* log2; a fat slice keeps the one it had */
    uint32_t reserved;      /* fat_arch_64.reserved */
    const lcp_image *image; /* not owned */
    uint64_t src_offset;    /* input range when image == NULL */
    uint64_t size;          /* bytes of the output slice */
    uint64_t out_offset;    /* filled by lcp_layout_place */
    uint64_t zeros_from;    /* image != NULL and non-zero: the image's bytes
                             * from here to size are zeros, not the input's */
} lcp_out_slice;

typedef struct lcp_layout_rule {
    bool fat64;      /* FAT_MAGIC_64 header */
    bool thin;       /* one slice: write it alone, no fat header */
    bool lipo_order; /* sort as lipo does: same cputype by subtype, arm64
                      * family last, the rest by alignment (stable) */
} lcp_layout_rule;

/* The rule that keeps f's container: fat64 for FAT_MAGIC_64, thin for thin
 * files and thin archives, file order. */
lcp_layout_rule lcp_layout_rule_for(const lcp_file *f);

/* Orders the slices (when rule->lipo_order) and gives each its out_offset:
 * after the fat header, rounded up to 2^align. Fails (LCP_E_UNSUPPORTED)
 * when a FAT_MAGIC offset or size exceeds 32 bits, LCP_E_USAGE when n is
 * 0, or when rule->thin and n != 1. */
lcp_status lcp_layout_place(lcp_out_slice *slices, size_t n, const lcp_layout_rule *rule, lcp_error *err);
/* lcp_layout_place, then the whole output as a plan (empty on entry):
 * fat header, zero padding, each slice. slices is reordered in place. */
lcp_status lcp_layout_file(lcp_out_slice *slices, size_t n, const lcp_layout_rule *rule, lcp_plan *out, lcp_error *err);

/* The slices f keeps (keep[i], from lcp_select_slices) as input ranges in
 * out (room for f->nslices), *n of them, and the rule lipo -remove and
 * -thin follow for the result: one slice left from a fat file is written
 * thin (byte-identical to `lipo -thin`) unless keep_fat; otherwise each
 * slice keeps its alignment, FAT_MAGIC_64 stays, lipo's order. Callers may
 * swap an entry's range for an edited image before lcp_layout_file. */
void lcp_kept_slices(const lcp_file *f, const bool *keep, bool keep_fat, lcp_out_slice *out, size_t *n,
                     lcp_layout_rule *rule);

/* The plan that removes every signature of f (thin, fat, fat64; archives
 * and archive slices are copied as they are). *changed tells whether
 * anything was signed; when not, the plan is the identity. */
lcp_status lcp_unsign_file(const lcp_file *f, lcp_plan *out, bool *changed, lcp_error *err);

/* ---- codesign_allocate -a over a whole file ---- */

/* One -a ARCH SIZE or -A CPUTYPE CPUSUBTYPE SIZE request. */
typedef struct lcp_sigspace_arch {
    uint32_t cputype, cpusubtype; /* matched with an image's subtype without capability bits */
    uint32_t datasize;            /* bytes to reserve; 0 removes the signature (lcp_unsign_image) */
    bool found;                   /* set when f holds an image of it */
} lcp_sigspace_arch;

/* Where lcp_sigspace_file stopped, for the caller's message: the image
 * (of f) whose edit failed, its archive member, the request it answered
 * (NULL: none did, its signature was being blanked); all NULL when no
 * image failed. With LCP_E_NOTFOUND only arch is set: the first request
 * no image answered. */
typedef struct lcp_sigspace_stop {
    const lcp_image *image;
    const lcp_member *member;
    const lcp_sigspace_arch *arch;
} lcp_sigspace_stop;

/* Apple's `codesign_allocate -a/-A ... [-p]` over f: every image, archive
 * members too, in file order; each named by a request gets its room
 * (lcp_sigspace_image, req.page_align = page_align) or loses its signature
 * (datasize 0), each other image's signature is blanked
 * (lcp_sigspace_blank). Then the plan of the whole file in out (f's
 * container kept, lcp_layout_file). The first failure ends the run (with
 * *stop); so does an archive member that would change (LCP_E_UNSUPPORTED,
 * LCP_R_SIGSPACE_MEMBER: lcpatch does not rewrite members), and then a
 * request no image answered (LCP_E_NOTFOUND). f is not changed. */
lcp_status lcp_sigspace_file(lcp_file *f, lcp_sigspace_arch *archs, size_t narchs, bool page_align, lcp_plan *out,
                             lcp_sigspace_stop *stop, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
