/* lipo's outputs (cctools lipo.c create_fat and -thin), one writer for
 * thin and fat: lcp_layout_file orders the slices and gives their offsets
 * as lipo does and encodes the fat header (none for a thin output), and
 * the file is written atomically (temporary file beside it, fsync, rename:
 * src/util/outfile.c). A plan copies from one source, but lipo's slices
 * come from several files (create, replace) and from memory (blank
 * dylibs), so each slice is copied from its own. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"
#include "util/outfile.h"
#include "util/reader.h"

#include <stdlib.h>

/* Orders the thin files as lipo does and gives each its output offset;
 * hdr gets the fat header (lcp_layout_file's plan, whose byte store is the
 * header: its copy pieces name the thin files by index, and write_output
 * copies each from its own source). */
static int lay_out(struct lipo *L, bool thin_out, lcp_plan *hdr) {
    size_t n = L->nthins;
    lcp_out_slice *os = calloc(n ? n : 1, sizeof *os);
    struct lipo_thin *sorted = calloc(n ? n : 1, sizeof *sorted);
    if (os == NULL || sorted == NULL) {
        free(os);
        free(sorted);
        return lipo_fatal(L, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        os[i] = (lcp_out_slice){.cputype = L->thins[i].cputype,
                                .cpusubtype = L->thins[i].cpusubtype,
                                .align = L->thins[i].align,
                                .size = L->thins[i].size,
                                .src_offset = i}; /* remembers the thin file through the sort */
    lcp_layout_rule rule = {L->fat64, thin_out, true};
    lcp_error err;
    lcp_status st = lcp_layout_file(os, n, &rule, hdr, &err);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        sorted[i] = L->thins[os[i].src_offset];
        sorted[i].offset = os[i].out_offset;
    }
    free(os);
    if (st == LCP_OK) {
        free(L->thins);
        L->thins = sorted;
        return 0;
    }
    free(sorted);
    if (n == 0)
        return lipo_fatal(L, "no architectures for the output file");
    return lipo_fatal(L, "fat file too large to be created (%s)", err.message);
}

/* The mach header's filetype of a slice read from a fat file (0 when it
 * has none), for -hideARM64. */
static uint32_t slice_filetype(const struct lipo_thin *t) {
    if (t->filetype || t->src == NULL)
        return t->filetype;
    lcp_image *img = NULL;
    uint32_t ft = 0;
    if (lcp_image_read_flags(t->src, t->src_off, t->size, LIPO_PARSE_FLAGS, &img, NULL) == LCP_OK)
        ft = img->filetype;
    lcp_image_free(img);
    return ft;
}

/* -hideARM64: every slice an executable, arm64 slices last; the header
 * then counts the others only when there are 32-bit arm slices. */
static int hide_arm64(struct lipo *L, lcp_plan *hdr) {
    bool arm32 = false, arm64 = false;
    uint32_t n64 = 0;
    for (size_t i = 0; i < L->nthins; i++) {
        const struct lipo_thin *t = &L->thins[i];
        if (slice_filetype(t) != LCP_MH_EXECUTE)
            return lipo_fatal(L, "-hideARM64 specified but thin file %s is not of type MH_EXECUTE", t->name);
        if (arm64 && t->cputype != LCP_CPU_TYPE_ARM64)
            return lipo_fatal(L, "-hideARM64 specified but thin files are not in correct order");
        arm32 |= t->cputype == LCP_CPU_TYPE_ARM;
        if (t->cputype == LCP_CPU_TYPE_ARM64) {
            arm64 = true;
            n64++;
        }
    }
    if (arm32 && arm64)
        lcp_put_u32(hdr->store, hdr->store_len, 4, true, (uint32_t)(L->nthins - n64));
    return 0;
}

/* lipo's words for a failure to create (0), write (1) or rename (2) the
 * output: -thin's are all "can't create", and an output whose slices all
 * come from one file's are all "can't write". */
static int write_failed(const struct lipo *L, int step, const lcp_error *err) {
    static const char *const what[] = {"can't create temporary output file", "can't write output file",
                                       "can't move temporary file to file"};
    bool one_file = true;
    for (size_t i = 0; i < L->nthins; i++)
        one_file &= L->thins[i].src != NULL && L->thins[i].src == L->thins[0].src;
    return lipo_fatal(L, "%s: %s (%s)", L->thin_flag ? "can't create output file" : what[one_file ? 1 : step],
                      L->output, err->message);
}

/* The header, then each slice from its own file (or a blank dylib's
 * bytes), zeros between, into one atomic output. */
static int write_output(struct lipo *L, const lcp_plan *hdr) {
    lcp_outfile of;
    lcp_error err;
    lcp_status st = lcp_outfile_open(&of, L->output, L->ninputs ? L->inputs[0].name : NULL, &err);
    if (st)
        return write_failed(L, 0, &err);
    if (hdr->store_len)
        st = lcp_outfile_write(&of, hdr->store, hdr->store_len, &err);
    uint64_t at = hdr->store_len;
    static const uint8_t zeros[4096];
    /* in order, so that lcp_outfile_copy can clone block-aligned slices */
    for (size_t i = 0; i < L->nthins && st == LCP_OK; i++) {
        const struct lipo_thin *t = &L->thins[i];
        for (; at < t->offset && st == LCP_OK; at += sizeof zeros < t->offset - at ? sizeof zeros : t->offset - at)
            st = lcp_outfile_write(&of, zeros, sizeof zeros < t->offset - at ? sizeof zeros : (size_t)(t->offset - at),
                                   &err);
        if (st == LCP_OK && t->mem)
            st = lcp_outfile_write(&of, t->mem, (size_t)t->size, &err);
        else if (st == LCP_OK)
            st = lcp_outfile_copy(&of, t->src->fd, t->src_off, t->size, &err);
        at += t->size;
    }
    if (st) {
        lcp_outfile_abort(&of);
        return write_failed(L, 1, &err);
    }
    if (lcp_outfile_commit(&of, &err) != LCP_OK)
        return write_failed(L, 2, &err);
    return 0;
}

int lipo_write_output(struct lipo *L) {
    /* -thin, and -extract_family that leaves one slice, write it alone */
    bool thin_out = L->thin_flag || (L->extract_family && L->nthins == 1);
    lcp_plan p;
    lcp_plan_init(&p);
    int rc = lay_out(L, thin_out, &p);
    if (rc == 0 && L->hide_arm64)
        rc = hide_arm64(L, &p);
    if (rc == 0)
        rc = write_output(L, &p);
    lcp_plan_release(&p);
    return rc;
}
