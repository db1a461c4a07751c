/* libFuzzer harness: parse -> edit -> write to memory -> parse again.
 *
 * For every input the parser accepts, each edit below is applied to every
 * image of a thin or fat file, the whole file is re-emitted through an
 * output plan (fat header included), and the result must parse again and
 * show the edit:
 *   - "add-rpath": append an LC_RPATH when lcp_image_space says it fits;
 *   - "drop-last": remove the last load command;
 *   - "identity":  re-emit unchanged: the output equals the input;
 *   - "raise-sdk": lcp_version_raise_sdk to macOS 10.9 (src/edit/version.c);
 *   - "unsign":    lcp_unsign_file (src/edit, the whole file): the result
 *                  parses and no slice keeps an LC_CODE_SIGNATURE;
 *   - "sign":      lcp_sign_linker_file (when it accepts the file): the
 *                  result parses and every image is linker-signed.
 * Any failure of these properties aborts (a finding), as does a sanitizer
 * report. Edits of src/edit/ are added here as they land on main. */
#include "fuzz_common.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum edit { EDIT_IDENTITY, EDIT_ADD_RPATH, EDIT_DROP_LAST, EDIT_RAISE_SDK, EDIT_COUNT };

static const char rpath[] = "@loader_path/fuzz";

/* Builds the edited commands of img into *out (a clone); false when the
 * edit does not apply (no room, no command to drop). */
static bool apply_edit(const lcp_image *img, enum edit e, lcp_image **out) {
    if (lcp_image_clone(img, out, NULL) != LCP_OK)
        abort();
    lcp_image *c = *out;
    if (e == EDIT_IDENTITY)
        return true;
    if (e == EDIT_DROP_LAST) {
        if (c->ncmds == 0)
            return false;
        uint32_t keep = c->lc[c->ncmds - 1].offset;
        if (lcp_image_set_commands(c, img->cmds, keep, c->ncmds - 1, NULL) != LCP_OK)
            abort(); /* a prefix of valid commands is valid */
        return true;
    }
    if (e == EDIT_RAISE_SDK) {
        lcp_sdk_request req = {LCP_VERSION(10, 9, 0), 0, LCP_PLATFORM_MACOS};
        lcp_sdk_change ch;
        if (lcp_version_raise_sdk(c, &req, &ch, NULL) != LCP_OK) {
            /* a failed edit leaves the image as it was */
            if (c->ncmds != img->ncmds || c->sizeofcmds != img->sizeofcmds ||
                memcmp(c->cmds, img->cmds, img->sizeofcmds) != 0)
                abort();
            return false;
        }
        return ch.action != LCP_SDK_UNCHANGED && ch.action != LCP_SDK_OTHER_PLATFORM;
    }
    /* EDIT_ADD_RPATH */
    uint32_t align = img->is64 ? 8 : 4;
    uint32_t cmdsize = (uint32_t)((12 + sizeof rpath + align - 1) / align * align);
    lcp_space sp;
    lcp_image_space(img, &sp);
    /* sizeofcmds may hold slack after the last command: the new command
     * goes right after the last one (the slack is given to it). */
    size_t used = img->ncmds ? (size_t)img->lc[img->ncmds - 1].offset + img->lc[img->ncmds - 1].cmdsize : 0;
    int64_t room = sp.edit_free + (int64_t)(img->sizeofcmds - used);
    if (room < (int64_t)cmdsize)
        return false;
    size_t len = used + cmdsize;
    uint8_t *b = calloc(1, len);
    if (b == NULL)
        abort();
    memcpy(b, img->cmds, used);
    uint8_t *r = b + used;
    uint32_t fields[3] = {LCP_LC_RPATH, cmdsize, 12};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++)
            r[4 * i + k] = (uint8_t)(img->big_endian ? fields[i] >> (24 - 8 * k) : fields[i] >> (8 * k));
    memcpy(r + 12, rpath, sizeof rpath);
    lcp_status st = lcp_image_set_commands(c, b, len, img->ncmds + 1, NULL);
    free(b);
    if (st != LCP_OK)
        abort();
    return true;
}

/* The edit holds in the re-parsed image `got` (edited from `orig`). */
static void check_edit(const lcp_image *orig, const lcp_image *edited, const lcp_image *got, enum edit e) {
    if (got->ncmds != edited->ncmds || got->sizeofcmds != edited->sizeofcmds ||
        memcmp(got->cmds, edited->cmds, edited->sizeofcmds) != 0)
        abort();
    if (got->cputype != orig->cputype || got->cpusubtype != orig->cpusubtype || got->filetype != orig->filetype ||
        got->flags != orig->flags || got->is64 != orig->is64 || got->big_endian != orig->big_endian)
        abort();
    if (e == EDIT_ADD_RPATH) {
        const char *s;
        if (!lcp_image_cmd_string(got, got->ncmds - 1, &s) || strcmp(s, rpath) != 0)
            abort();
    }
    if (e == EDIT_DROP_LAST && got->ncmds != orig->ncmds - 1)
        abort();
}

struct slice_order {
    size_t index;
    uint64_t offset;
};

static int by_offset(const void *a, const void *b) {
    const struct slice_order *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static void roundtrip(const uint8_t *data, size_t size, lcp_file *f, enum edit e) {
    size_t n = f->nslices;
    lcp_image **edited = calloc(n, sizeof *edited);
    enum edit *applied = calloc(n, sizeof *applied);
    struct slice_order *order = calloc(n, sizeof *order);
    if (edited == NULL || order == NULL || applied == NULL)
        abort();
    bool applies = false;
    for (size_t i = 0; i < n; i++) {
        order[i].index = i;
        order[i].offset = f->slices[i].offset;
        if (f->slices[i].image) {
            applied[i] = e;
            if (apply_edit(f->slices[i].image, e, &edited[i]))
                applies = true;
            else { /* leave this slice as it was */
                applied[i] = EDIT_IDENTITY;
                lcp_image_free(edited[i]);
                if (lcp_image_clone(f->slices[i].image, &edited[i], NULL) != LCP_OK)
                    abort();
            }
        }
    }
    if (!applies && e != EDIT_IDENTITY)
        goto out;
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    lcp_status st = LCP_OK;
    if (f->kind == LCP_FAT || f->kind == LCP_FAT64) {
        lcp_fat_entry *fe = calloc(n, sizeof *fe);
        if (fe == NULL)
            abort();
        for (size_t i = 0; i < n; i++) {
            const lcp_slice *s = &f->slices[i];
            fe[i] = (lcp_fat_entry){s->cputype, s->cpusubtype, s->offset, s->size, s->align, s->reserved};
        }
        st = lcp_plan_add_fat_header(&p, f->kind == LCP_FAT64, fe, n, &err);
        free(fe);
        qsort(order, n, sizeof *order, by_offset);
    }
    for (size_t k = 0; k < n && st == LCP_OK; k++) {
        const lcp_slice *s = &f->slices[order[k].index];
        st = lcp_plan_pad_to(&p, s->offset, &err);
        if (st == LCP_OK && edited[order[k].index])
            st = lcp_plan_add_image(&p, edited[order[k].index], s->size, &err);
        else if (st == LCP_OK)
            st = lcp_plan_add_copy(&p, s->offset, s->size, &err);
    }
    if (st == LCP_OK)
        st = lcp_plan_pad_to(&p, size, &err);
    if (st != LCP_OK)
        abort(); /* every edit was checked to fit */
    uint8_t *out;
    size_t len;
    if (lcp_plan_write_memory(&p, &f->src, &out, &len, &err) != LCP_OK)
        abort();
    if (len != size)
        abort(); /* the edits work inside the header padding */
    if (e == EDIT_IDENTITY) {
        /* The fat header and every slice come back byte for byte (the gaps
         * between slices are written as zeros, as lipo does). */
        size_t head = 0;
        if (f->kind == LCP_FAT || f->kind == LCP_FAT64)
            head = 8 + n * (f->kind == LCP_FAT64 ? 32 : 20);
        if (memcmp(out, data, head) != 0)
            abort();
        for (size_t i = 0; i < n; i++)
            if (memcmp(out + f->slices[i].offset, data + f->slices[i].offset, (size_t)f->slices[i].size) != 0)
                abort();
    }
    lcp_file *g;
    if (lcp_file_open_memory(out, len, "fuzz-out", &g, &err) != LCP_OK) {
        fprintf(stderr, "edit %d: the output does not parse: %s\n", (int)e, err.message);
        abort(); /* we wrote something we cannot read back */
    }
    if (g->nslices != n || g->kind != f->kind)
        abort();
    for (size_t i = 0; i < n; i++) {
        if ((g->slices[i].image == NULL) != (edited[i] == NULL))
            abort();
        if (edited[i])
            check_edit(f->slices[i].image, edited[i], g->slices[i].image, applied[i]);
    }
    lcp_file_free(g);
    free(out);
    lcp_plan_release(&p);
out:
    for (size_t i = 0; i < n; i++)
        lcp_image_free(edited[i]);
    free(edited);
    free(applied);
    free(order);
}

/* unsign through the library's whole-file plan. */
static void unsign(lcp_file *f) {
    lcp_plan p;
    lcp_plan_init(&p);
    bool changed = false;
    lcp_error err;
    if (lcp_unsign_file(f, &p, &changed, &err) == LCP_OK && changed) {
        uint8_t *out;
        size_t len;
        if (lcp_plan_write_memory(&p, &f->src, &out, &len, &err) != LCP_OK)
            abort();
        lcp_file *g;
        if (lcp_file_open_memory(out, len, "fuzz-unsigned", &g, &err) != LCP_OK)
            abort(); /* unsign wrote something we cannot read back */
        for (size_t i = 0; i < g->nslices; i++)
            if (g->slices[i].image && lcp_image_find(g->slices[i].image, LCP_LC_CODE_SIGNATURE, 0) >= 0)
                abort();
        lcp_file_free(g);
        free(out);
    }
    lcp_plan_release(&p);
}

/* The linker's signature: what it writes reads back as one. */
static void sign(lcp_file *f) {
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    lcp_sign_opts o = {NULL, "fuzz.out", LCP_SIGN_LLD};
    if (lcp_sign_linker_file(f, &o, &p, &err) == LCP_OK) {
        uint8_t *out;
        size_t len;
        if (lcp_plan_write_memory(&p, &f->src, &out, &len, &err) != LCP_OK)
            abort();
        lcp_file *g;
        if (lcp_file_open_memory(out, len, "fuzz-signed", &g, &err) != LCP_OK)
            abort(); /* sign wrote something we cannot read back */
        for (size_t i = 0; i < g->nslices; i++)
            if (g->slices[i].image && !lcp_image_linker_signed(&g->src, g->slices[i].image))
                abort();
        lcp_file_free(g);
        free(out);
    }
    lcp_plan_release(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    lcp_file *f = NULL;
    if (lcp_file_open_memory(data, size, "fuzz", &f, NULL) != LCP_OK)
        return 0;
    if (f->kind != LCP_ARCHIVE)
        for (int e = 0; e < EDIT_COUNT; e++)
            roundtrip(data, size, f, (enum edit)e);
    unsign(f);
    if (f->kind != LCP_ARCHIVE)
        sign(f);
    lcp_file_free(f);
    return 0;
}
