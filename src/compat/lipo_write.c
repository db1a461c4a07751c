/* lipo's outputs (cctools lipo.c create_fat and -thin) through the layout
 * plan: lcp_layout_place orders the slices and gives their offsets as
 * lipo does, lcp_plan_add_fat_header encodes the header, and the file is
 * written atomically (temporary file beside it, fsync, rename).
 *
 * A plan copies from one source. When every slice comes from one file (thin,
 * extract, remove, or create from one input) the plan is written whole by
 * lcp_plan_write_file; when slices come from several files (create,
 * replace, blank dylibs), the plan's header is written and each slice is
 * copied from its own file into the same atomic output (src/util/outfile.c). */
#include "compat/lipo.h"

#include "lcpatch/macho.h"
#include "util/outfile.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

int lipo_write_thin(struct lipo *L, const struct lipo_thin *t) {
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    lcp_status st = lcp_plan_add_copy(&p, t->src_off, t->size, &err);
    if (st == LCP_OK)
        st = lcp_plan_write_file(&p, t->src, L->output, L->inputs[0].name, &err);
    lcp_plan_release(&p);
    if (st)
        return lipo_fatal(L, "can't create output file: %s (%s)", L->output, err.message);
    return 0;
}

static int fold_segaligns(struct lipo *L) {
    int rc = lipo_no_repeats(L, &L->segaligns, true, "-segalign", " <value>");
    for (size_t i = 0; rc == 0 && i < L->segaligns.n; i++) {
        size_t j = lipo_find_thin(L, &L->segaligns.v[i]);
        if (j == L->nthins)
            return lipo_fatal(L,
                              "-segalign %s <value> specified but resulting fat file does not contain that "
                              "architecture",
                              L->segaligns.v[i].name);
        L->thins[j].align = L->segaligns.v[i].align;
    }
    return rc;
}

/* Orders the thin files as lipo does and gives each its output offset. */
static int place(struct lipo *L, bool thin_out) {
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
    lcp_status st = lcp_layout_place(os, n, &rule, &err);
    if (st == LCP_OK) {
        for (size_t i = 0; i < n; i++) {
            sorted[i] = L->thins[os[i].src_offset];
            sorted[i].offset = os[i].out_offset;
        }
        memcpy(L->thins, sorted, n * sizeof *sorted);
    }
    free(os);
    free(sorted);
    if (st == LCP_OK)
        return 0;
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

static int fat_header(struct lipo *L, lcp_plan *hdr) {
    size_t n = L->nthins;
    lcp_fat_entry *e = calloc(n ? n : 1, sizeof *e);
    if (e == NULL)
        return lipo_fatal(L, "out of memory");
    for (size_t i = 0; i < n; i++)
        e[i] = (lcp_fat_entry){.cputype = L->thins[i].cputype,
                               .cpusubtype = L->thins[i].cpusubtype,
                               .offset = L->thins[i].offset,
                               .size = L->thins[i].size,
                               .align = L->thins[i].align};
    lcp_error err;
    lcp_status st = lcp_plan_add_fat_header(hdr, L->fat64, e, n, &err);
    free(e);
    if (st)
        return lipo_fatal(L, "%s", err.message);
    return L->hide_arm64 ? hide_arm64(L, hdr) : 0;
}

/* The one source every slice comes from, or NULL. */
static const lcp_source *one_source(const struct lipo *L) {
    const lcp_source *src = L->nthins ? L->thins[0].src : NULL;
    for (size_t i = 0; i < L->nthins; i++)
        if (L->thins[i].src == NULL || L->thins[i].src != src)
            return NULL;
    return src;
}

static int write_one_source(struct lipo *L, lcp_plan *p, const lcp_source *src) {
    lcp_error err;
    lcp_status st = LCP_OK;
    for (size_t i = 0; i < L->nthins && st == LCP_OK; i++) {
        st = lcp_plan_pad_to(p, L->thins[i].offset, &err);
        if (st == LCP_OK)
            st = lcp_plan_add_copy(p, L->thins[i].src_off, L->thins[i].size, &err);
    }
    if (st == LCP_OK)
        st = lcp_plan_write_file(p, src, L->output, L->inputs[0].name, &err);
    if (st)
        return lipo_fatal(L, "can't write output file: %s (%s)", L->output, err.message);
    return 0;
}

static int write_many_sources(struct lipo *L, const lcp_plan *hdr) {
    lcp_outfile of;
    lcp_error err;
    lcp_status st = lcp_outfile_open(&of, L->output, L->ninputs ? L->inputs[0].name : NULL, &err);
    if (st)
        return lipo_fatal(L, "can't create temporary output file: %s (%s)", L->output, err.message);
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
        return lipo_fatal(L, "can't write output file: %s (%s)", L->output, err.message);
    }
    if (lcp_outfile_commit(&of, &err) != LCP_OK)
        return lipo_fatal(L, "can't move temporary file to file: %s (%s)", L->output, err.message);
    return 0;
}

int lipo_create_fat(struct lipo *L) {
    bool thin_out = L->extract_family && L->nthins == 1;
    int rc = fold_segaligns(L);
    if (rc == 0)
        rc = place(L, thin_out);
    if (rc)
        return rc;
    lcp_plan p;
    lcp_plan_init(&p);
    if (!thin_out)
        rc = fat_header(L, &p);
    if (rc == 0) {
        const lcp_source *src = one_source(L);
        rc = src ? write_one_source(L, &p, src) : write_many_sources(L, &p);
    }
    lcp_plan_release(&p);
    return rc;
}
