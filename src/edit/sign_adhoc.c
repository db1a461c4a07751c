/* codesign's ad-hoc signature (`codesign -s -`), byte for byte as Apple's
 * Security framework writes it (libsecurity_codesigning signer.cpp,
 * signerutils.cpp, cdbuilder.cpp): see include/lcpatch/sign.h for what goes
 * in. The slices are laid out by the linker signer's code (sign.c), the
 * room is made as codesign_allocate makes it (lcp_sigspace_image), and the
 * pages are hashed through the plan, a page at a time. */
#include "edit/internal.h"
#include "edit/sign_adhoc.h"
#include "format/cs_plist.h"
#include "lcpatch/codesign.h"
#include "lcpatch/codesign_format.h"
#include "lcpatch/macho.h"
#include "lcpatch/sign.h"
#include "lcpatch/slices.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What Security reserves for the CMS when it sizes the signature
 * (SecCodeSigner state mCMSSize), ad hoc or not; the room codesign asks
 * codesign_allocate for is the SuperBlob estimate with it, rounded to 16
 * (signerutils.cpp csAlign). */
#define CMS_SIZE_ESTIMATE 18000u
#define CS_ALIGN 16u
/* CodeDirectory::currentVersion, at which Security sizes the estimate. */
#define CD_ESTIMATE_VERSION LCP_CS_SUPPORTSRUNTIME

const uint8_t lcp_adhoc_empty_requirements[12] = {0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0};

static size_t cd_header(uint32_t version) {
    return version >= LCP_CS_SUPPORTSRUNTIME       ? LCP_CD_SIZE_20500
           : version >= LCP_CS_SUPPORTSEXECSEG     ? LCP_CD_SIZE_20400
           : version >= LCP_CS_SUPPORTSCODELIMIT64 ? LCP_CD_SIZE_20300
           : version >= LCP_CS_SUPPORTSSCATTER     ? LCP_CD_SIZE_20100
                                                   : LCP_CD_SIZE_EARLIEST;
}

/* ---- the image's facts ---- */

/* Security's rule (signer.cpp): a deployment target that predates SHA-256
 * CodeDirectories (macOS 10.11.4, iOS and tvOS 11, watchOS 4), or none at
 * all, gets a SHA-1 CodeDirectory first and the SHA-256 one beside it. */
static bool needs_sha1(const lcp_image *img) {
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_build_version bv;
        lcp_version_min vm;
        uint32_t platform, minos;
        if (lcp_image_build_version(img, i, &bv)) {
            platform = bv.platform;
            minos = bv.minos;
        } else if (lcp_cmd_is_version_min(img->lc[i].cmd) && lcp_image_version_min(img, i, &vm)) {
            platform = lcp_version_min_platform(img->lc[i].cmd);
            minos = vm.version;
        } else {
            continue;
        }
        switch (platform) {
        case LCP_PLATFORM_MACOS: return minos < LCP_VERSION(10, 11, 4);
        case LCP_PLATFORM_IOS:
        case LCP_PLATFORM_IOSSIMULATOR:
        case LCP_PLATFORM_TVOS:
        case LCP_PLATFORM_TVOSSIMULATOR: return minos < LCP_VERSION(11, 0, 0);
        case LCP_PLATFORM_WATCHOS:
        case LCP_PLATFORM_WATCHOSSIMULATOR: return minos < LCP_VERSION(4, 0, 0);
        default: return false;
        }
    }
    return true;
}

/* The sdk the hardened runtime records (the CodeDirectory's runtime field). */
static uint32_t sdk_version(const lcp_image *img) {
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_build_version bv;
        lcp_version_min vm;
        if (lcp_image_build_version(img, i, &bv))
            return bv.sdk;
        if (lcp_cmd_is_version_min(img->lc[i].cmd) && lcp_image_version_min(img, i, &vm))
            return vm.sdk;
    }
    return 0;
}

/* __TEXT's file range (the exec segment), and the embedded Info.plist
 * (__TEXT,__info_plist), read from src: *plist owned, NULL without one. */
static lcp_status text_facts(const lcp_source *src, const lcp_image *img, uint64_t *base, uint64_t *limit,
                             uint8_t **plist, size_t *plist_len, lcp_error *err) {
    *base = *limit = 0;
    *plist = NULL;
    *plist_len = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg) || strcmp(seg.segname, "__TEXT") != 0)
            continue;
        *base = seg.fileoff;
        *limit = seg.filesize;
        for (uint32_t k = 0; k < seg.nsects; k++) {
            lcp_section s;
            if (!lcp_image_section(img, i, k, &s))
                break; /* nsects is the file's: the first section past the command ends it */
            if (strcmp(s.sectname, "__info_plist") != 0 || s.size == 0)
                continue;
            if (!lcp_range_ok(s.offset, s.size, img->size) || s.size > (64u << 20))
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset + s.offset,
                                     "__TEXT,__info_plist lies outside the image");
            if ((*plist = malloc((size_t)s.size)) == NULL)
                return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            *plist_len = (size_t)s.size;
            return lcp_source_read(src, img->offset + s.offset, *plist, *plist_len, err);
        }
        break;
    }
    return LCP_OK;
}

/* ---- the default identifier (signer.cpp prepare) ---- */

/* DiskRep::canonicalIdentifier: the last path component without its final
 * non-numeric extension, numeric suffixes after the first eaten
 * (libfrotz7.3.5.dylib -> libfrotz7). */
static void canonical_identifier(const char *path, char *out, size_t cap) {
    const char *slash = strrchr(path, '/');
    snprintf(out, cap, "%s", slash ? slash + 1 : path);
    char *dot = strrchr(out, '.');
    /* Apple's strchr also matches the terminator: "foo." keeps its dot */
    if (dot && dot[1] != '\0' && !strchr("0123456789", dot[1]))
        *dot = '\0';
    if (out[0] == '\0' || strchr("0123456789.", out[0]))
        return;
    size_t p = strlen(out) - 1;
    while (p > 0 && strchr("0123456789.", out[p]))
        p--;
    p++;
    if (out[p] == '.')
        p++;
    while (out[p] != '\0' && strchr("0123456789", out[p]))
        p++;
    out[p] = '\0';
}

/* MachORep::identificationFor, as hex: "UUID" and the LC_UUID bytes, else
 * the SHA-1 of the mach_header (28 bytes) and the load commands. */
static lcp_status identification(const lcp_source *src, const lcp_image *img, char *hex, size_t cap, lcp_error *err) {
    uint8_t id[LCP_CS_MAX_DIGEST];
    size_t n = 0;
    long u = lcp_image_find(img, LCP_LC_UUID, 0);
    if (u >= 0 && img->lc[u].cmdsize == 24) {
        memcpy(id, "UUID", 4);
        memcpy(id + 4, lcp_image_command_bytes(img, (size_t)u) + 8, 16);
        n = 20;
    } else {
        size_t len = 28 + (size_t)img->sizeofcmds;
        uint8_t *b = malloc(len);
        if (!b)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        lcp_status st = lcp_source_read(src, img->offset, b, 28, err);
        if (st == LCP_OK)
            st = lcp_source_read(src, img->offset + img->header_size, b + 28, img->sizeofcmds, err);
        if (st == LCP_OK)
            st = lcp_cs_hash(LCP_CS_HASHTYPE_SHA1, b, len, id, &n, err);
        free(b);
        if (st)
            return st;
    }
    for (size_t k = 0; k < n && 2 * k + 2 < cap; k++)
        snprintf(hex + 2 * k, 3, "%02x", id[k]);
    return LCP_OK;
}

/* The slice codesign names a fat file after (the one an Apple-silicon Mac
 * runs): arm64e, else arm64, else x86_64, else the first Mach-O. */
static const lcp_image *native_image(const lcp_file *f) {
    const lcp_image *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_image *img = f->slices[i].image;
        if (!img)
            continue;
        uint32_t sub = img->cpusubtype & ~LCP_CPU_SUBTYPE_MASK;
        int rank = img->cputype == LCP_CPU_TYPE_ARM64    ? (sub == LCP_CPU_SUBTYPE_ARM64E ? 4 : 3)
                   : img->cputype == LCP_CPU_TYPE_X86_64 ? 2
                                                         : 1;
        if (rank > best_rank) {
            best = img;
            best_rank = rank;
        }
    }
    return best;
}

static lcp_status default_identifier(const lcp_file *f, const lcp_adhoc_opts *o, char *out, size_t cap,
                                     lcp_error *err) {
    const lcp_image *img = native_image(f);
    if (!img)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: no Mach-O image to sign", f->path);
    uint64_t b, l;
    uint8_t *plist = NULL;
    size_t plen = 0;
    lcp_status st = text_facts(&f->src, img, &b, &l, &plist, &plen, err);
    lcp_pl *pl = st == LCP_OK && plist ? lcp_pl_parse(plist, plen) : NULL;
    const lcp_pl *id = pl ? lcp_pl_get(pl, "CFBundleIdentifier") : NULL;
    out[0] = '\0';
    if (id && id->type == LCP_PL_STRING && id->str)
        snprintf(out, cap, "%s", id->str);
    lcp_pl_free(pl);
    free(plist);
    if (st)
        return st;
    if (out[0] == '\0')
        canonical_identifier(o->name ? o->name : f->path, out, cap);
    if (strchr(out, '.') == NULL) {
        char hex[2 * LCP_CS_MAX_DIGEST + 1] = "";
        if ((st = identification(&f->src, img, hex, sizeof hex, err)) != LCP_OK)
            return st;
        size_t n = strlen(out);
        snprintf(out + n, cap - n, "-%s", hex);
    }
    return LCP_OK;
}

/* ---- one slice ---- */

/* True when the last __LINKEDIT ends where the signature ends (new_size):
 * what a signature codesign_allocate made in place must give. */
static bool linkedit_ends_at(const lcp_image *img, uint64_t new_size) {
    bool found = false;
    uint64_t end = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg) && strcmp(seg.segname, "__LINKEDIT") == 0) {
            found = lcp_add_u64(seg.fileoff, seg.filesize, &end);
        }
    }
    return found && end == new_size;
}

/* A clone of in with room for datasize bytes of signature, as
 * codesign_allocate makes it: the old signature replaced where it lies
 * (replace), else (no signature, or one whose __LINKEDIT does not end with
 * it: codesign_allocate's arithmetic would then cut the segment wrong)
 * removed first and the room added at __LINKEDIT's end. */
static lcp_status make_room(const lcp_image *in, uint32_t datasize, bool replace, lcp_image **out, uint64_t *copy_end,
                            uint64_t *new_size, lcp_error *err) {
    lcp_image *img = NULL;
    lcp_status st = lcp_image_clone(in, &img, err);
    if (st == LCP_OK && !replace) {
        uint64_t unsigned_size;
        bool changed;
        st = lcp_unsign_image(img, &unsigned_size, &changed, err);
    }
    if (st == LCP_OK) {
        lcp_sigspace req = {datasize, false, true};
        st = lcp_sigspace_image(img, &req, copy_end, new_size, err);
    }
    if (st) {
        lcp_image_free(img);
        return st;
    }
    *out = img;
    return LCP_OK;
}

/* The CodeDirectory of one hash type, its header filled; the page hashes
 * are filled afterwards at cd + hash offset. */
typedef struct cd_plan {
    uint8_t type;
    size_t hlen, header, len;
    uint32_t nspecial;
    uint8_t special[LCP_CSSLOT_DER_ENTITLEMENTS + 1][LCP_CS_MAX_DIGEST];
    bool has_special[LCP_CSSLOT_DER_ENTITLEMENTS + 1];
    uint8_t *bytes; /* owned */
} cd_plan;

typedef struct slice_facts {
    uint64_t text_base, text_limit, execseg_flags, dataoff;
    uint32_t version, flags, runtime, nslots;
} slice_facts;

static void write_cd(cd_plan *cd, const slice_facts *sf, const char *ident) {
    uint8_t *c = cd->bytes;
    size_t n = cd->len, idlen = strlen(ident);
    lcp_put_u32(c, n, LCP_CD_MAGIC, true, LCP_CSMAGIC_CODEDIRECTORY);
    lcp_put_u32(c, n, LCP_CD_LENGTH, true, (uint32_t)n);
    lcp_put_u32(c, n, LCP_CD_VERSION, true, sf->version);
    lcp_put_u32(c, n, LCP_CD_FLAGS, true, sf->flags);
    lcp_put_u32(c, n, LCP_CD_HASHOFFSET, true, (uint32_t)(cd->header + idlen + 1 + cd->nspecial * cd->hlen));
    lcp_put_u32(c, n, LCP_CD_IDENTOFFSET, true, (uint32_t)cd->header);
    lcp_put_u32(c, n, LCP_CD_NSPECIALSLOTS, true, cd->nspecial);
    lcp_put_u32(c, n, LCP_CD_NCODESLOTS, true, sf->nslots);
    lcp_put_u32(c, n, LCP_CD_CODELIMIT, true, (uint32_t)sf->dataoff);
    c[LCP_CD_HASHSIZE] = (uint8_t)cd->hlen;
    c[LCP_CD_HASHTYPE] = cd->type;
    c[LCP_CD_PAGESIZE] = LCP_CS_PAGE_SHIFT;
    if (sf->version >= LCP_CS_SUPPORTSEXECSEG) {
        lcp_put_u64(c, n, LCP_CD_EXECSEGBASE, true, sf->text_base);
        lcp_put_u64(c, n, LCP_CD_EXECSEGLIMIT, true, sf->text_limit);
        lcp_put_u64(c, n, LCP_CD_EXECSEGFLAGS, true, sf->execseg_flags);
    }
    if (sf->version >= LCP_CS_SUPPORTSRUNTIME)
        lcp_put_u32(c, n, LCP_CD_RUNTIME, true, sf->runtime);
    memcpy(c + cd->header, ident, idlen);
    for (uint32_t k = 1; k <= cd->nspecial; k++)
        if (cd->has_special[k])
            memcpy(c + cd->header + idlen + 1 + (cd->nspecial - k) * cd->hlen, cd->special[k], cd->hlen);
}

static lcp_status hash_special(cd_plan *cd, uint32_t slot, const uint8_t *b, size_t len, lcp_error *err) {
    size_t dl;
    cd->has_special[slot] = true;
    if (slot > cd->nspecial)
        cd->nspecial = slot;
    return lcp_cs_hash(cd->type, b, len, cd->special[slot], &dl, err);
}

/* The SuperBlob: index in slot order, blobs in index order. */
static void write_superblob(uint8_t *sig, size_t n, const adhoc_ctx *c, cd_plan *cds, size_t ncds) {
    uint32_t count = (uint32_t)(ncds + c->ncomps + 1), total = LCP_CS_SUPERBLOB_HEADER_SIZE + count * 8u;
    size_t idx = LCP_CS_SUPERBLOB_HEADER_SIZE;
    uint32_t at = total;
#define ADD(slot, bytes, len)                                                                                          \
    do {                                                                                                               \
        lcp_put_u32(sig, n, idx, true, (slot));                                                                        \
        lcp_put_u32(sig, n, idx + 4, true, at);                                                                        \
        if ((len) > 0)                                                                                                 \
            memcpy(sig + at, (bytes), (len));                                                                          \
        idx += 8;                                                                                                      \
        at += (uint32_t)(len);                                                                                         \
    } while (0)
    ADD(LCP_CSSLOT_CODEDIRECTORY, cds[0].bytes, cds[0].len);
    for (size_t k = 0; k < c->ncomps; k++)
        ADD(c->comps[k].slot, c->comps[k].bytes, c->comps[k].len);
    for (size_t k = 1; k < ncds; k++)
        ADD(LCP_CSSLOT_ALTERNATE_CODEDIRECTORIES + (uint32_t)(k - 1), cds[k].bytes, cds[k].len);
#undef ADD
    lcp_put_u32(sig, n, idx, true, LCP_CSSLOT_SIGNATURESLOT);
    lcp_put_u32(sig, n, idx + 4, true, at);
    /* the empty CMS wrapper ad hoc signing writes */
    lcp_put_u32(sig, n, at, true, LCP_CSMAGIC_BLOBWRAPPER);
    lcp_put_u32(sig, n, at + 4, true, LCP_CS_GENERICBLOB_HEADER_SIZE);
    at += LCP_CS_GENERICBLOB_HEADER_SIZE;
    lcp_put_u32(sig, n, 0, true, LCP_CSMAGIC_EMBEDDED_SIGNATURE);
    lcp_put_u32(sig, n, 4, true, at);
    lcp_put_u32(sig, n, 8, true, count);
}

static uint64_t blob_length(const adhoc_ctx *c, const cd_plan *cds, size_t ncds) {
    uint64_t n = LCP_CS_SUPERBLOB_HEADER_SIZE + 8u * (ncds + c->ncomps + 1) + LCP_CS_GENERICBLOB_HEADER_SIZE;
    for (size_t k = 0; k < ncds; k++)
        n += cds[k].len;
    for (size_t k = 0; k < c->ncomps; k++)
        n += c->comps[k].len;
    return n;
}

/* Pages up to dataoff of the image as the plan writes it, hashed into
 * every CodeDirectory. */
static lcp_status hash_pages(const lcp_plan *plan, const lcp_source *src, const slice_facts *sf, cd_plan *cds,
                             size_t ncds, size_t idlen, lcp_error *err) {
    uint8_t page[LCP_CS_PAGE_SIZE];
    for (uint32_t b = 0; b < sf->nslots; b++) {
        uint64_t off = (uint64_t)b * LCP_CS_PAGE_SIZE;
        size_t len = sf->dataoff - off < LCP_CS_PAGE_SIZE ? (size_t)(sf->dataoff - off) : LCP_CS_PAGE_SIZE;
        lcp_status st = lcp_plan_read(plan, src, off, page, len, err);
        for (size_t k = 0; st == LCP_OK && k < ncds; k++) {
            size_t dl;
            size_t at = cds[k].header + idlen + 1 + (cds[k].nspecial + (size_t)b) * cds[k].hlen;
            st = lcp_cs_hash(cds[k].type, page, len, cds[k].bytes + at, &dl, err);
        }
        if (st)
            return st;
    }
    return LCP_OK;
}

lcp_status lcp_adhoc_sign_slice(void *ctxp, const lcp_file *f, size_t i, lcp_signed_slice *out, uint64_t *size,
                                lcp_error *err) {
    const adhoc_ctx *c = ctxp;
    const lcp_image *in = f->slices[i].image;
    if (in->big_endian)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, in->offset,
                             "a big-endian image (PowerPC, 68k, SPARC...) cannot be signed: remove the slice "
                             "(strip-arch --legacy)");
    if (in->filetype == LCP_MH_OBJECT)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, in->offset,
                             "an object file is linked, not signed (codesign refuses it too)");
    cd_plan cds[2];
    memset(cds, 0, sizeof cds);
    size_t ncds = 0;
    const adhoc_carry *cy = &c->carry;
    if (cy->on) {
        for (; ncds < cy->ntypes; ncds++)
            cds[ncds].type = cy->types[ncds];
    } else {
        if (needs_sha1(in))
            cds[ncds++].type = LCP_CS_HASHTYPE_SHA1;
        cds[ncds++].type = LCP_CS_HASHTYPE_SHA256;
    }
    slice_facts sf = {0};
    uint8_t *plist = NULL, *sig = NULL;
    size_t plen = 0, idlen = strlen(c->ident);
    lcp_image *img = NULL, *probe = NULL;
    lcp_plan tmp;
    lcp_plan_init(&tmp);
    lcp_status st = text_facts(&f->src, in, &sf.text_base, &sf.text_limit, &plist, &plen, err);
    /* the code extent Security sizes the estimate with: the old
     * signature's offset, or the whole image */
    uint64_t extent = in->size, copy_end = 0, new_size = 0;
    long old = lcp_image_find(in, LCP_LC_CODE_SIGNATURE, 0);
    lcp_linkedit_data cs;
    if (old >= 0 && lcp_image_linkedit_data(in, (size_t)old, &cs))
        extent = cs.dataoff;
    /* where the signature starts: codesign_allocate's place for it (an
     * old signature replaced in place when its __LINKEDIT ends with it) */
    bool replace = old >= 0;
    if (st == LCP_OK && replace) {
        st = make_room(in, 0, true, &probe, &copy_end, &new_size, err);
        replace = st == LCP_OK && linkedit_ends_at(probe, new_size);
        lcp_image_free(probe);
        probe = NULL;
    }
    if (st == LCP_OK && !replace) {
        st = make_room(in, 0, false, &probe, &copy_end, &new_size, err);
        lcp_image_free(probe);
    }
    sf.dataoff = new_size;
    sf.flags = cy->on ? cy->flags : LCP_CS_ADHOC | (c->o->runtime ? LCP_CS_RUNTIME : 0);
    bool runtime = (sf.flags & LCP_CS_RUNTIME) != 0;
    sf.runtime = !runtime ? 0 : cy->on && cy->has_runtime ? cy->runtime : sdk_version(in);
    sf.version = runtime                   ? LCP_CS_SUPPORTSRUNTIME
                 : sf.text_limit > 0       ? LCP_CS_SUPPORTSEXECSEG
                 : sf.dataoff > UINT32_MAX ? LCP_CS_SUPPORTSCODELIMIT64
                                           : 0x20001u;
    if (in->filetype == LCP_MH_EXECUTE)
        sf.execseg_flags = LCP_CS_EXECSEG_MAIN_BINARY | c->ent_execseg;
    const uint8_t *info = c->o->info_plist ? c->o->info_plist : plist;
    size_t info_len = c->o->info_plist ? c->o->info_plist_len : plen;
    uint64_t estimate = LCP_CS_SUPERBLOB_HEADER_SIZE + 8u * (c->ncomps + ncds + 1) + CMS_SIZE_ESTIMATE;
    for (size_t k = 0; k < c->ncomps; k++)
        estimate += c->comps[k].len;
    for (size_t k = 0; st == LCP_OK && k < ncds; k++) {
        cd_plan *cd = &cds[k];
        cd->hlen = lcp_cs_hash_len(cd->type);
        /* the old signature's Info.plist and seal slots, as they were */
        for (uint32_t slot = 1; cy->on && slot <= LCP_CSSLOT_RESOURCEDIR; slot++) {
            if (!cy->has_slot[k][slot])
                continue;
            cd->has_special[slot] = true;
            cd->nspecial = slot > cd->nspecial ? slot : cd->nspecial;
            memcpy(cd->special[slot], cy->slot[k][slot], cd->hlen);
        }
        if (info && !cy->on)
            st = hash_special(cd, LCP_CSSLOT_INFOSLOT, info, info_len, err);
        if (st == LCP_OK && c->o->resources && !cy->on)
            st = hash_special(cd, LCP_CSSLOT_RESOURCEDIR, c->o->resources, c->o->resources_len, err);
        for (size_t m = 0; st == LCP_OK && m < c->ncomps; m++)
            st = hash_special(cd, c->comps[m].slot, c->comps[m].bytes, c->comps[m].len, err);
        uint64_t slots_then = (extent + LCP_CS_PAGE_SIZE - 1) / LCP_CS_PAGE_SIZE;
        estimate += cd_header(CD_ESTIMATE_VERSION) + idlen + 1 + (cd->nspecial + slots_then) * cd->hlen;
    }
    uint64_t room = (estimate + CS_ALIGN - 1) & ~(uint64_t)(CS_ALIGN - 1);
    if (st == LCP_OK && room > UINT32_MAX)
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, in->offset, "the image is too large to sign");
    if (st == LCP_OK)
        st = make_room(in, (uint32_t)room, replace, &img, &copy_end, &new_size, err);
    if (st == LCP_OK && (new_size != sf.dataoff + room || !linkedit_ends_at(img, new_size)))
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, in->offset, "the signature's place (0x%llx) is not where expected",
                           (unsigned long long)(new_size - room));
    sf.nslots = (uint32_t)((sf.dataoff + LCP_CS_PAGE_SIZE - 1) / LCP_CS_PAGE_SIZE);
    for (size_t k = 0; st == LCP_OK && k < ncds; k++) {
        cds[k].header = cd_header(sf.version);
        cds[k].len = cds[k].header + idlen + 1 + (cds[k].nspecial + (size_t)sf.nslots) * cds[k].hlen;
        if ((cds[k].bytes = calloc(1, cds[k].len)) == NULL)
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        else
            write_cd(&cds[k], &sf, c->ident);
    }
    if (st == LCP_OK && blob_length(c, cds, ncds) > room)
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, in->offset,
                           "the signature (%llu bytes) outgrew the room codesign's estimate gives it (%llu)",
                           (unsigned long long)blob_length(c, cds, ncds), (unsigned long long)room);
    if (st == LCP_OK)
        st = lcp_plan_add_image_upto(&tmp, img, copy_end, sf.dataoff, err);
    if (st == LCP_OK)
        st = hash_pages(&tmp, &f->src, &sf, cds, ncds, idlen, err);
    if (st == LCP_OK && (sig = calloc(1, (size_t)room)) == NULL)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (st == LCP_OK)
        write_superblob(sig, (size_t)room, c, cds, ncds);
    lcp_plan_release(&tmp);
    for (size_t k = 0; k < ncds; k++)
        free(cds[k].bytes);
    free(plist);
    if (st) {
        free(sig);
        lcp_image_free(img);
        return st;
    }
    out->img = img;
    out->copy_end = copy_end;
    out->dataoff = sf.dataoff;
    out->sig = sig;
    *size = new_size;
    return LCP_OK;
}

lcp_status lcp_adhoc_make_blob(component *c, uint32_t slot, uint32_t magic, const uint8_t *payload, size_t len,
                               lcp_error *err) {
    c->slot = slot;
    c->len = LCP_CS_GENERICBLOB_HEADER_SIZE + len;
    if (c->len > UINT32_MAX / 2 || (c->bytes = malloc(c->len)) == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_put_u32(c->bytes, c->len, 0, true, magic);
    lcp_put_u32(c->bytes, c->len, 4, true, (uint32_t)c->len);
    if (len)
        memcpy(c->bytes + LCP_CS_GENERICBLOB_HEADER_SIZE, payload, len);
    return LCP_OK;
}

lcp_status lcp_sign_adhoc_file(const lcp_file *f, const lcp_adhoc_opts *o, lcp_plan *out, lcp_error *err) {
    adhoc_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    c->o = o;
    lcp_status st = LCP_OK;
    bool any_image = false;
    for (size_t i = 0; i < f->nslices; i++)
        any_image = any_image || f->slices[i].image != NULL;
    if (!any_image)
        st = lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET,
                           "%s: no Mach-O image to sign (static archives are linked, not signed)", f->path);
    if (st == LCP_OK && o->identifier)
        snprintf(c->ident, sizeof c->ident, "%s", o->identifier);
    else if (st == LCP_OK)
        st = default_identifier(f, o, c->ident, sizeof c->ident, err);
    if (st == LCP_OK && c->ident[0] == '\0')
        st = lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "the identifier is empty");
    /* an empty requirement set: ad hoc code has no designated requirement */
    if (st == LCP_OK)
        st = lcp_adhoc_make_blob(&c->comps[c->ncomps++], LCP_CSSLOT_REQUIREMENTS, LCP_CSMAGIC_REQUIREMENTS,
                                 lcp_adhoc_empty_requirements + 8, 4, err);
    if (st == LCP_OK && o->entitlements) {
        uint8_t *der = NULL;
        size_t der_len = 0;
        st = lcp_entitlements_der(o->entitlements, o->entitlements_len, &der, &der_len, &c->ent_execseg, err);
        if (st == LCP_OK)
            st = lcp_adhoc_make_blob(&c->comps[c->ncomps++], LCP_CSSLOT_ENTITLEMENTS, LCP_CSMAGIC_EMBEDDED_ENTITLEMENTS,
                                     o->entitlements, o->entitlements_len, err);
        /* codesign adds the DER form for main executables only */
        bool any_exec = false;
        for (size_t i = 0; i < f->nslices; i++)
            any_exec = any_exec || (f->slices[i].image && f->slices[i].image->filetype == LCP_MH_EXECUTE);
        if (st == LCP_OK && any_exec)
            st = lcp_adhoc_make_blob(&c->comps[c->ncomps++], LCP_CSSLOT_DER_ENTITLEMENTS,
                                     LCP_CSMAGIC_EMBEDDED_DER_ENTITLEMENTS, der, der_len, err);
        free(der);
    }
    if (st == LCP_OK)
        st = lcp_sign_each_slice(f, lcp_adhoc_sign_slice, c, out, err);
    for (size_t k = 0; k < c->ncomps; k++)
        free(c->comps[k].bytes);
    free(c);
    return st;
}
