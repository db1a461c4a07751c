/* rescue: legacy slices dropped, signatures removed, sdk raised, preflight
 * for codesign, planned completely before anything is written (see
 * include/lcpatch/rescue.h). This file composes the edits of slices.h and
 * version.h; it implements none of them, and touches no file: the job
 * layer (src/job/rescue.c) reads the file and finds the files. */
#include "lcpatch/rescue.h"

#include "lcpatch/apple_space.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "lcpatch/slices.h"
#include "lcpatch/version.h"
#include "util/checked.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lcp_rescue_options_init(lcp_rescue_options *o) {
    memset(o, 0, sizeof *o);
    o->sdk = LCP_VERSION(10, 9, 0);
}

bool lcp_rescue_preflight(const lcp_image *img, uint64_t size, char *reason, size_t len) {
    lcp_space sp;
    lcp_image_space(img, &sp);
    /* The edit room: never count on bytes a section already uses, nor on
     * room Apple's vtool would not see. */
    if (!sp.signed_image && !sp.signature_fits) {
        snprintf(reason, len,
                 "only %lld bytes of header space: codesign needs 16 for the LC_CODE_SIGNATURE it adds "
                 "(relink with -headerpad or strip load commands)",
                 (long long)sp.edit_free);
        return false;
    }
    uint32_t align = img->is64 ? 8 : 4;
    for (size_t i = 0; i < img->ncmds; i++) {
        if (img->lc[i].cmdsize % align) {
            const char *name = lcp_lc_name(img->lc[i].cmd);
            snprintf(reason, len, "load command %zu '%s': cmdsize %u is not a multiple of %u", i,
                     name ? name : "unknown", img->lc[i].cmdsize, align);
            return false;
        }
    }
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg) || strcmp(seg.segname, "__LINKEDIT") != 0)
            continue;
        uint64_t end;
        if (!lcp_add_u64(seg.fileoff, seg.filesize, &end) || end != size) {
            snprintf(reason, len,
                     "__LINKEDIT ends at offset %llu but the slice at %llu: codesign appends the signature "
                     "to __LINKEDIT and needs it last",
                     (unsigned long long)(seg.fileoff + seg.filesize), (unsigned long long)size);
            return false;
        }
        return true;
    }
    snprintf(reason, len, "no __LINKEDIT segment: codesign has nowhere to put the signature");
    return false;
}

void lcp_rescue_file_free(lcp_rescue_file *rf) {
    if (rf == NULL)
        return;
    for (size_t i = 0; i < rf->nslices; i++)
        free(rf->slices[i].member);
    free(rf->slices);
    for (size_t i = 0; i < rf->nedited; i++)
        lcp_image_free(rf->edited[i]);
    free(rf->edited);
    lcp_plan_release(&rf->plan);
    lcp_file_free(rf->file);
    free(rf->path);
    free(rf);
}

/* Takes ownership of a clone. */
static lcp_status keep_clone(lcp_rescue_file *rf, lcp_image *img, lcp_error *err) {
    lcp_image **n = realloc(rf->edited, (rf->nedited + 1) * sizeof *n);
    if (n == NULL) {
        lcp_image_free(img);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    rf->edited = n;
    rf->edited[rf->nedited++] = img;
    return LCP_OK;
}

/* Raises the sdk of one image (a clone the caller owns) and records it. A
 * no-space refusal is a note for objects (nothing signs them) and a blocker
 * for the rest. */
static lcp_status raise_sdk(lcp_image *img, const lcp_rescue_options *opt, lcp_rescue_slice *rs, bool *changed,
                            lcp_error *err) {
    lcp_sdk_request req = {opt->sdk, 0, LCP_PLATFORM_MACOS};
    lcp_error e2;
    lcp_status st = lcp_version_raise_sdk(img, &req, &rs->sdk, &e2);
    rs->sdk_checked = true;
    if (st == LCP_E_NOSPACE) {
        if (img->filetype == LCP_MH_OBJECT || img->filetype == LCP_MH_DSYM)
            snprintf(rs->note, sizeof rs->note, "no version command and no header space: sdk left unset");
        else
            snprintf(rs->blocker, sizeof rs->blocker, "%s", e2.message);
        return LCP_OK;
    }
    if (st) {
        if (err)
            *err = e2;
        return st;
    }
    if (rs->sdk.action == LCP_SDK_OTHER_PLATFORM)
        snprintf(rs->note, sizeof rs->note, "not a macOS slice: sdk left alone");
    *changed = rs->sdk.action == LCP_SDK_REWRITTEN || rs->sdk.action == LCP_SDK_ADDED_BUILD_VERSION ||
               rs->sdk.action == LCP_SDK_ADDED_VERSION_MIN;
    return LCP_OK;
}

/* Plans one image that stays: unsign, raise, preflight. *edited is the
 * clone to emit (owned by rf) or NULL when the image is unchanged. */
static lcp_status plan_image(lcp_rescue_file *rf, const lcp_image *in, const lcp_rescue_options *opt,
                             lcp_rescue_slice *rs, const lcp_image **edited, uint64_t *new_size, lcp_error *err) {
    *edited = NULL;
    *new_size = in->size;
    lcp_image *img;
    lcp_status st = lcp_image_clone(in, &img, err);
    if (st)
        return st;
    if ((st = keep_clone(rf, img, err)))
        return st;
    /* The space reported is vtool's figure, the one `vtool -show-space`
     * prints for the same file. */
    lcp_apple_space apple;
    lcp_image_apple_space(in, &apple);
    rs->space_before = apple.vtool_free;
    rs->size_before = in->size;
    bool unsigned_now = false, raised = false;
    if ((st = lcp_unsign_image(img, new_size, &unsigned_now, err)))
        return st;
    rs->signature_removed = unsigned_now;
    if ((st = raise_sdk(img, opt, rs, &raised, err)))
        return st;
    rs->size_after = *new_size;
    lcp_image_apple_space(img, &apple);
    rs->space_after = apple.vtool_free;
    if (img->filetype != LCP_MH_OBJECT && img->filetype != LCP_MH_DSYM && rs->blocker[0] == '\0') {
        rs->preflight = true;
        lcp_rescue_preflight(img, *new_size, rs->blocker, sizeof rs->blocker);
    }
    rf->unsigned_slices += unsigned_now;
    rf->sdk_raised += raised;
    if (rs->blocker[0])
        rf->blockers++;
    if (unsigned_now || raised)
        *edited = img;
    return LCP_OK;
}

/* The pieces of an archive at [start, end) of the input, with the edited
 * members' images in place of theirs (same sizes: only in-place edits are
 * made to archive members). */
static lcp_status plan_archive(lcp_rescue_file *rf, const lcp_archive *ar, const lcp_rescue_options *opt,
                               size_t first_slice, lcp_plan *p, bool *changed, lcp_error *err) {
    uint64_t cursor = ar->offset, end = ar->offset + ar->size;
    for (size_t m = 0; m < ar->nmembers; m++) {
        const lcp_member *mem = &ar->members[m];
        lcp_rescue_slice *rs = &rf->slices[first_slice + m];
        if (mem->image == NULL)
            continue;
        const lcp_image *edited;
        uint64_t new_size;
        lcp_status st = plan_image(rf, mem->image, opt, rs, &edited, &new_size, err);
        if (st)
            return st;
        if (edited == NULL)
            continue;
        if (new_size != mem->image->size)
            return lcp_error_set(err, LCP_E_UNSUPPORTED, mem->data_offset,
                                 "%s(%s): an archive member cannot change size", rf->path, mem->name);
        *changed = true;
        if ((st = lcp_plan_add_copy(p, cursor, mem->image->offset - cursor, err)) ||
            (st = lcp_plan_add_image(p, edited, new_size, err)))
            return st;
        cursor = mem->image->offset + new_size;
    }
    return lcp_plan_add_copy(p, cursor, end - cursor, err);
}

static bool is_modern(uint32_t cputype) { return cputype == LCP_CPU_TYPE_X86_64 || cputype == LCP_CPU_TYPE_ARM64; }

/* The platforms whose code runs on a Mac (and is signed for it). */
static bool runs_on_mac(uint32_t platform) {
    return platform == LCP_PLATFORM_MACOS || platform == LCP_PLATFORM_MACCATALYST || platform == LCP_PLATFORM_DRIVERKIT;
}

/* Records in *seen the platforms of img's version commands: bit 0 any
 * version command, bit 1 one that runs on a Mac; *first is the first
 * platform found. */
static void scan_platforms(const lcp_image *img, unsigned *seen, uint32_t *first) {
    for (size_t i = 0; img && i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd, p = 0;
        if (cmd == LCP_LC_BUILD_VERSION) {
            lcp_build_version bv;
            if (!lcp_image_build_version(img, i, &bv))
                continue;
            p = bv.platform;
        } else if (lcp_cmd_is_version_min(cmd))
            p = lcp_version_min_platform(cmd);
        else
            continue;
        if (p == 0)
            continue; /* no platform named: no evidence either way */
        if (*first == 0)
            *first = p;
        *seen |= 1u | (runs_on_mac(p) ? 2u : 0u);
    }
}

/* True when the file is built for another platform (see rescue.h); sets
 * rf->platform. */
static bool other_platform(lcp_rescue_file *rf) {
    const lcp_file *f = rf->file;
    unsigned seen = 0;
    uint32_t first = 0;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        scan_platforms(s->image, &seen, &first);
        for (size_t m = 0; s->archive && m < s->archive->nmembers; m++)
            scan_platforms(s->archive->members[m].image, &seen, &first);
    }
    rf->platform = first;
    return seen == 1u;
}

static lcp_status plan_file(lcp_rescue_file *rf, const lcp_rescue_options *opt, lcp_error *err) {
    lcp_file *f = rf->file;
    lcp_status st;
    if (other_platform(rf)) {
        const char *name = lcp_platform_name(rf->platform);
        char num[16];
        if (name == NULL) {
            snprintf(num, sizeof num, "%u", rf->platform);
            name = num;
        }
        rf->state = LCP_RESCUE_OTHER_PLATFORM;
        snprintf(rf->reason, sizeof rf->reason,
                 "built for %s, not for macOS (nothing here runs on a Mac or can be notarised for it)", name);
        rf->size_before = rf->size_after = f->src.size;
        rf->thin_output = f->kind != LCP_FAT && f->kind != LCP_FAT64;
        return LCP_OK;
    }
    /* One report entry per slice, or per member for a thin archive; a fat
     * archive's members are listed after the slices. */
    size_t nrep = f->nslices;
    for (size_t i = 0; i < f->nslices; i++)
        if (f->slices[i].archive)
            nrep += f->slices[i].archive->nmembers;
    rf->slices = calloc(nrep ? nrep : 1, sizeof *rf->slices);
    bool *keep = calloc(f->nslices ? f->nslices : 1, sizeof *keep);
    lcp_out_slice *out = calloc(f->nslices ? f->nslices : 1, sizeof *out);
    lcp_plan *arplans = calloc(f->nslices ? f->nslices : 1, sizeof *arplans);
    bool *archanged = calloc(f->nslices ? f->nslices : 1, sizeof *archanged);
    if (!rf->slices || !keep || !out || !arplans || !archanged) {
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < f->nslices; i++)
        lcp_plan_init(&arplans[i]);
    rf->nslices = nrep;
    if (f->kind == LCP_THIN || f->kind == LCP_ARCHIVE) {
        keep[0] = true; /* nothing to choose; but a thin legacy file is refused below */
        bool named = opt->keep == NULL || f->kind == LCP_ARCHIVE;
        for (size_t k = 0; opt->keep && k < opt->nkeep; k++)
            named = named ||
                    lcp_arch_matches(f->slices[0].cputype, f->slices[0].cpusubtype, opt->keep[k][0], opt->keep[k][1]);
        if (!named) {
            char buf[48];
            st = lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET,
                               "%s: a thin %s file holds none of the --keep architectures", f->path,
                               lcp_arch_label(f->slices[0].cputype, f->slices[0].cpusubtype, buf, sizeof buf));
            goto done;
        }
    } else if ((st = lcp_select_slices(f, opt->keep ? LCP_SELECT_KEEP : LCP_SELECT_LEGACY, opt->keep, opt->nkeep, keep,
                                       err)))
        goto done;
    /* Something that can be notarised must remain: an x86_64 or arm64
     * slice (or archive member), or what --keep asked for explicitly. */
    bool modern = false;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        if (!keep[i])
            continue;
        if (s->archive) {
            for (size_t m = 0; m < s->archive->nmembers; m++)
                if (s->archive->members[m].image && is_modern(s->archive->members[m].image->cputype))
                    modern = true;
        } else if (is_modern(s->cputype))
            modern = true;
        for (size_t k = 0; opt->keep && k < opt->nkeep; k++)
            if (lcp_arch_matches(s->cputype, s->cpusubtype, opt->keep[k][0], opt->keep[k][1]))
                modern = true;
    }
    if (!modern) {
        char buf[48];
        rf->state = LCP_RESCUE_NO_64BIT;
        snprintf(rf->reason, sizeof rf->reason,
                 "no x86_64 or arm64 slice to keep (%s%s): nothing here can be notarised",
                 f->kind == LCP_THIN ? "a thin " : "",
                 f->kind == LCP_THIN ? lcp_arch_label(f->slices[0].cputype, f->slices[0].cpusubtype, buf, sizeof buf)
                                     : "only legacy slices");
        /* nothing planned: no slice report either */
        for (size_t i = 0; i < rf->nslices; i++)
            free(rf->slices[i].member);
        rf->nslices = 0;
        rf->size_before = rf->size_after = f->src.size;
        rf->thin_output = f->kind != LCP_FAT && f->kind != LCP_FAT64;
        st = LCP_OK;
        goto done;
    }
    size_t nout = 0, rep = f->nslices;
    bool changed = false;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        lcp_rescue_slice *rs = &rf->slices[i];
        char abuf[48];
        snprintf(rs->arch, sizeof rs->arch, "%s", lcp_arch_label(s->cputype, s->cpusubtype, abuf, sizeof abuf));
        rs->size_before = s->size;
        size_t first_member = rep;
        if (s->archive) {
            for (size_t m = 0; m < s->archive->nmembers; m++) {
                lcp_rescue_slice *ms = &rf->slices[rep++];
                const lcp_member *mem = &s->archive->members[m];
                snprintf(ms->arch, sizeof ms->arch, "%s", rs->arch);
                ms->member = strdup(mem->name);
                if (ms->member == NULL) {
                    st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
                    goto done;
                }
                ms->size_before = ms->size_after = mem->size;
                ms->removed = !keep[i];
                ms->not_macho = mem->image == NULL;
            }
        }
        if (!keep[i]) {
            rs->removed = true;
            rf->removed++;
            changed = true;
            continue;
        }
        lcp_out_slice *o = &out[nout++];
        o->cputype = s->cputype;
        o->cpusubtype = s->cpusubtype;
        o->align = s->align;
        o->reserved = s->reserved;
        o->src_offset = s->offset;
        o->size = s->size;
        rs->size_after = s->size;
        if (s->image) {
            const lcp_image *edited;
            uint64_t new_size;
            if ((st = plan_image(rf, s->image, opt, rs, &edited, &new_size, err)))
                goto done;
            if (edited) {
                o->image = edited;
                o->size = new_size;
                changed = true;
            }
        } else if (s->archive) {
            if ((st = plan_archive(rf, s->archive, opt, first_member, &arplans[i], &archanged[i], err)))
                goto done;
            changed = changed || archanged[i];
        }
    }
    rf->state = rf->blockers ? LCP_RESCUE_BLOCKED : changed ? LCP_RESCUE_CHANGED : LCP_RESCUE_ALREADY;
    /* The output: one slice left -> a thin file; else the input's container. */
    lcp_layout_rule rule = lcp_layout_rule_for(f);
    if (nout == 1)
        rule.thin = true;
    rf->thin_output = rule.thin;
    if ((st = lcp_layout_place(out, nout, &rule, err)))
        goto done;
    if (!rule.thin) {
        lcp_fat_entry *e = calloc(nout, sizeof *e);
        if (e == NULL) {
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            goto done;
        }
        for (size_t k = 0; k < nout; k++)
            e[k] = (lcp_fat_entry){out[k].cputype, out[k].cpusubtype, out[k].out_offset,
                                   out[k].size,    out[k].align,      out[k].reserved};
        st = lcp_plan_add_fat_header(&rf->plan, rule.fat64, e, nout, err);
        free(e);
        if (st)
            goto done;
    }
    for (size_t k = 0; k < nout; k++) {
        if ((st = lcp_plan_pad_to(&rf->plan, out[k].out_offset, err)))
            goto done;
        if (out[k].image) {
            st = lcp_plan_add_image(&rf->plan, out[k].image, out[k].size, err);
        } else {
            /* An archive slice with edited members: its own pieces. */
            size_t si = 0;
            while (si < f->nslices && f->slices[si].offset != out[k].src_offset)
                si++;
            if (si < f->nslices && archanged[si]) {
                const lcp_plan *ap = &arplans[si];
                for (size_t pi = 0; pi < ap->npieces && !st; pi++) {
                    const lcp_piece *pc = &ap->pieces[pi];
                    if (pc->kind == LCP_PIECE_COPY)
                        st = lcp_plan_add_copy(&rf->plan, pc->src_offset, pc->len, err);
                    else if (pc->kind == LCP_PIECE_ZEROS)
                        st = lcp_plan_add_zeros(&rf->plan, pc->len, err);
                    else
                        st = lcp_plan_add_bytes(&rf->plan, ap->store + pc->data, (size_t)pc->len, err);
                }
            } else
                st = lcp_plan_add_copy(&rf->plan, out[k].src_offset, out[k].size, err);
        }
        if (st)
            goto done;
    }
    rf->size_before = f->src.size;
    rf->size_after = rf->plan.size;
    st = LCP_OK;
done:
    if (arplans)
        for (size_t i = 0; i < f->nslices; i++)
            lcp_plan_release(&arplans[i]);
    free(arplans);
    free(archanged);
    free(keep);
    free(out);
    return st;
}

lcp_status lcp_rescue_plan(const char *path, lcp_file *f, const lcp_rescue_options *opt, lcp_rescue_file **out,
                           lcp_error *err) {
    *out = NULL;
    lcp_rescue_file *rf = calloc(1, sizeof *rf);
    if (rf == NULL || (rf->path = strdup(path)) == NULL) {
        free(rf);
        lcp_file_free(f);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    lcp_plan_init(&rf->plan);
    rf->file = f;
    lcp_status st = plan_file(rf, opt, err);
    if (st) {
        lcp_rescue_file_free(rf);
        return st;
    }
    *out = rf;
    return LCP_OK;
}
