/* Apple vtool's container rules, read through lcp_source (see vtool_file.h). */
#include "cli/vtool_file.h"

#include "util/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MH_MAGIC 0xfeedfaceu
#define MH_CIGAM 0xcefaedfeu
#define MH_MAGIC_64 0xfeedfacfu
#define MH_CIGAM_64 0xcffaedfeu
#define FAT_MAGIC 0xcafebabeu
#define FAT_CIGAM 0xbebafecau

static bool read_at(const vt_file *f, uint64_t off, void *buf, size_t n) {
    lcp_error err;
    return lcp_source_read(&f->src, off, buf, n, &err) == LCP_OK;
}

void vt_file_release(vt_file *f) {
    if (f == NULL)
        return;
    if (f->src.fd >= 0)
        close(f->src.fd);
    f->src.fd = -1;
    free(f->archs);
    f->archs = NULL;
}

void vt_macho_release(vt_macho *m) {
    if (m == NULL)
        return;
    free(m->bytes);
    free(m->lc);
    m->bytes = NULL;
    m->lc = NULL;
}

static int not_macho(const char *prog, const char *path, vt_file *f) {
    fprintf(stderr, "%s error: %s file is not mach-o\n", prog, path);
    vt_file_release(f);
    return -1;
}

int vt_file_read(const char *prog, const char *path, vt_file *f) {
    memset(f, 0, sizeof *f);
    do /* interrupted by a signal: try again (tests/faults injects EINTR) */
        f->src.fd = open(path, O_RDONLY);
    while (f->src.fd < 0 && errno == EINTR);
    if (f->src.fd < 0) {
        fprintf(stderr, "%s error: %s: can't open file: %s\n", prog, path, strerror(errno));
        return -1;
    }
    struct stat sb;
    if (fstat(f->src.fd, &sb) != 0) {
        fprintf(stderr, "%s error: %s: can't stat file: %s\n", prog, path, strerror(errno));
        vt_file_release(f);
        return -1;
    }
    if (!S_ISREG(sb.st_mode)) {
        /* Apple's tool fails its read() on a directory */
        fprintf(stderr, "%s error: %s: can't read file: %s\n", prog, path, strerror(EISDIR));
        vt_file_release(f);
        return -1;
    }
    f->len = (uint64_t)sb.st_size;
    f->mode = sb.st_mode;
    f->src.size = f->len;
    uint8_t b[8];
    if (f->len < 4 || !read_at(f, 0, b, 4))
        return not_macho(prog, path, f);
    uint32_t magic = lcp_le32(b); /* Apple's tool reads it in host (little-endian) order */
    if (magic == MH_MAGIC || magic == MH_CIGAM || magic == MH_MAGIC_64 || magic == MH_CIGAM_64) {
        uint32_t mh_size = (magic == MH_MAGIC || magic == MH_CIGAM) ? 28 : 32;
        if (f->len < mh_size)
            return not_macho(prog, path, f);
        bool be = magic == MH_CIGAM || magic == MH_CIGAM_64;
        uint8_t h[12];
        if (!read_at(f, 0, h, sizeof h))
            return not_macho(prog, path, f);
        f->archs = calloc(1, sizeof *f->archs);
        if (f->archs == NULL)
            return not_macho(prog, path, f);
        f->nfat_arch = 1;
        f->archs[0].cputype = be ? lcp_be32(h + 4) : lcp_le32(h + 4);
        f->archs[0].cpusubtype = be ? lcp_be32(h + 8) : lcp_le32(h + 8);
        f->archs[0].offset = 0;
        f->archs[0].size = (uint32_t)f->len;
        return 0;
    }
    if (magic != FAT_MAGIC && magic != FAT_CIGAM)
        return not_macho(prog, path, f);
    if (f->len < 8 || !read_at(f, 0, b, 8))
        return not_macho(prog, path, f);
    uint32_t nfat = lcp_be32(b + 4);
    /* Apple's tool reads one fat_arch more than announced (for the hidden
     * arm64 slice of "arm64ageddon" files) and requires it to be there. */
    uint64_t need = 8 + 20 * ((uint64_t)nfat + 1);
    if (f->len < need)
        return not_macho(prog, path, f);
    size_t tlen = (size_t)(20 * ((uint64_t)nfat + 1));
    uint8_t *t = malloc(tlen);
    f->archs = calloc((size_t)nfat + 1, sizeof *f->archs);
    if (t == NULL || f->archs == NULL || !read_at(f, 8, t, tlen)) {
        free(t);
        return not_macho(prog, path, f);
    }
    for (uint32_t i = 0; i <= nfat; i++) {
        const uint8_t *e = t + 20 * (size_t)i;
        f->archs[i].cputype = lcp_be32(e);
        f->archs[i].cpusubtype = lcp_be32(e + 4);
        f->archs[i].offset = lcp_be32(e + 8);
        f->archs[i].size = lcp_be32(e + 12);
        f->archs[i].align = lcp_be32(e + 16);
    }
    free(t);
    f->fat = true;
    f->nfat_arch = nfat;
    bool arm32 = false, arm64 = false;
    for (uint32_t i = 0; i < nfat; i++) {
        if (f->archs[i].cputype == LCP_CPU_TYPE_ARM)
            arm32 = true;
        if (f->archs[i].cputype == LCP_CPU_TYPE_ARM64)
            arm64 = true;
    }
    if (arm32 && !arm64 && f->archs[nfat].cputype == LCP_CPU_TYPE_ARM64)
        f->nfat_arch += 1;
    for (uint32_t i = 0; i < f->nfat_arch; i++) {
        /* 32-bit sum, as Apple's tool computes it */
        uint32_t end = f->archs[i].offset + f->archs[i].size;
        if (f->len < end) {
            fprintf(stderr,
                    "%s error: %s file #%d for cputype (%u, %u) extends beyond file boundaries (%llu < %u + %u)\n",
                    prog, path, (int)i, f->archs[i].cputype, f->archs[i].cpusubtype, (unsigned long long)f->len,
                    f->archs[i].offset, f->archs[i].size);
            vt_file_release(f);
            return -1;
        }
    }
    if (f->nfat_arch == 0)
        return not_macho(prog, path, f);
    return 0;
}

uint32_t vt_u32(const vt_macho *m, uint64_t off) {
    uint32_t v = 0;
    if (off <= m->sizeofcmds)
        lcp_get_u32(m->bytes + m->mh_size, m->sizeofcmds, (size_t)off, m->swap, &v);
    return v;
}

uint64_t vt_u64(const vt_macho *m, uint64_t off) {
    uint64_t v = 0;
    if (off <= m->sizeofcmds)
        lcp_get_u64(m->bytes + m->mh_size, m->sizeofcmds, (size_t)off, m->swap, &v);
    return v;
}

static int bad_size(const char *prog, const char *inpath, const vt_macho *m, uint32_t i, const vt_lc *lc) {
    fprintf(stderr, "%s error: %s file for cputype (%u, %u) load command %d (0x%x) has incorrect size (%d)\n", prog,
            inpath, m->cputype, m->cpusubtype, (int)i, lc->cmd, (int)lc->cmdsize);
    return -1;
}

int vt_select(const char *prog, const char *inpath, vt_file *f, uint32_t idx, vt_macho *m) {
    memset(m, 0, sizeof *m);
    const vt_arch *a = &f->archs[idx];
    m->index = idx;
    m->offset = a->offset;
    m->size = a->size;
    uint8_t h[32];
    uint32_t magic = 0;
    if ((uint64_t)a->offset + 4 <= f->len && read_at(f, a->offset, h, 4))
        magic = lcp_le32(h);
    if (magic != MH_MAGIC && magic != MH_CIGAM && magic != MH_MAGIC_64 && magic != MH_CIGAM_64) {
        fprintf(stderr, "%s error: %s file #%d for cputype (%u, %u) is not mach-o\n", prog, inpath, (int)idx,
                a->cputype, a->cpusubtype);
        return -1;
    }
    m->is64 = magic == MH_MAGIC_64 || magic == MH_CIGAM_64;
    m->mh_size = m->is64 ? 32 : 28;
    m->swap = magic == MH_CIGAM || magic == MH_CIGAM_64;
    if (f->len < (uint64_t)a->offset + m->mh_size || !read_at(f, a->offset, h, m->mh_size)) {
        fprintf(stderr, "%s error: %s file #%d for cputype (%u, %u) is not mach-o\n", prog, inpath, (int)idx,
                a->cputype, a->cpusubtype);
        return -1;
    }
    uint32_t *fields[] = {&m->cputype, &m->cpusubtype, &m->filetype, &m->ncmds, &m->sizeofcmds, &m->flags};
    for (size_t k = 0; k < 6; k++)
        *fields[k] = m->swap ? lcp_be32(h + 4 + 4 * k) : lcp_le32(h + 4 + 4 * k);
    m->reserved = m->is64 ? (m->swap ? lcp_be32(h + 28) : lcp_le32(h + 28)) : 0;
    if (f->len < (uint64_t)a->offset + m->mh_size + m->sizeofcmds) {
        fprintf(stderr, "%s error: %s file #%d for cputype (%u, %u) load command extend beyond length of file\n", prog,
                inpath, (int)idx, a->cputype, a->cpusubtype);
        return -1;
    }
    m->bytes = malloc((size_t)m->mh_size + m->sizeofcmds);
    /* ncmds commands of at least 8 bytes must fit in sizeofcmds, else the
     * walk below fails before reaching them: never allocate more. */
    uint64_t nlc = m->ncmds <= m->sizeofcmds / 8 + 1 ? m->ncmds : m->sizeofcmds / 8 + 1;
    m->lc = calloc((size_t)nlc + 1, sizeof *m->lc);
    if (m->bytes == NULL || m->lc == NULL || !read_at(f, a->offset, m->bytes, (size_t)m->mh_size + m->sizeofcmds)) {
        fprintf(stderr, "%s error: %s: can't read file: %s\n", prog, inpath, strerror(errno ? errno : EIO));
        vt_macho_release(m);
        return -1;
    }
    uint64_t p = 0;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        if (m->sizeofcmds < p + 8) {
            fprintf(stderr, "%s error: load command %d extends beyond range\n", prog, (int)i);
            vt_macho_release(m);
            return -1;
        }
        vt_lc *lc = &m->lc[i];
        lc->off = (uint32_t)p;
        lc->cmd = vt_u32(m, p);
        lc->cmdsize = vt_u32(m, p + 4);
        if (m->sizeofcmds < p + lc->cmdsize) {
            fprintf(stderr, "%s error: load command %d (0x%X) extends beyond range\n", prog, (int)i, lc->cmd);
            vt_macho_release(m);
            return -1;
        }
        int bad = 0;
        switch (lc->cmd) {
        case LCP_LC_SEGMENT:
            if (lc->cmdsize < 56 || lc->cmdsize != 56 + 68 * (uint64_t)vt_u32(m, p + 48))
                bad = 1;
            break;
        case LCP_LC_SEGMENT_64:
            if (lc->cmdsize < 72 || lc->cmdsize != 72 + 80 * (uint64_t)vt_u32(m, p + 64))
                bad = 1;
            break;
        case LCP_LC_VERSION_MIN_MACOSX:
        case LCP_LC_VERSION_MIN_IPHONEOS:
        case LCP_LC_VERSION_MIN_TVOS:
        case LCP_LC_VERSION_MIN_WATCHOS: bad = lc->cmdsize != 16; break;
        case LCP_LC_BUILD_VERSION:
            if (lc->cmdsize < 24 || lc->cmdsize < 24 + 8 * (uint64_t)vt_u32(m, p + 20))
                bad = 1;
            break;
        case LCP_LC_SOURCE_VERSION: bad = lc->cmdsize != 16; break;
        default: break;
        }
        if (bad) {
            bad_size(prog, inpath, m, i, lc);
            vt_macho_release(m);
            return -1;
        }
        p += lc->cmdsize;
        /* a zero cmdsize makes Apple's walk read the same command again:
         * the remaining entries repeat it */
    }
    return 0;
}

uint64_t vt_section_offset(const vt_macho *m, bool bitwise) {
    uint64_t low = m->size;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        const vt_lc *lc = &m->lc[i];
        bool is64 = lc->cmd == LCP_LC_SEGMENT_64;
        if (lc->cmd != LCP_LC_SEGMENT && !is64)
            continue;
        uint32_t nsects = vt_u32(m, (uint64_t)lc->off + (is64 ? 64 : 48));
        uint64_t s = (uint64_t)lc->off + (is64 ? 72 : 56);
        for (uint32_t k = 0; k < nsects; k++, s += is64 ? 80 : 68) {
            uint32_t offset = vt_u32(m, s + (is64 ? 48 : 40));
            uint32_t flags = vt_u32(m, s + (is64 ? 64 : 56));
            if (bitwise) {
                if (flags & LCP_S_ZEROFILL || flags & LCP_S_THREAD_LOCAL_ZEROFILL)
                    continue;
            } else {
                uint32_t type = flags & LCP_SECTION_TYPE;
                if (type == LCP_S_ZEROFILL || type == LCP_S_THREAD_LOCAL_ZEROFILL)
                    continue;
            }
            if (offset < low)
                low = offset;
        }
    }
    return low;
}

const char *vt_arch_name(uint32_t cputype, uint32_t cpusubtype) { return lcp_arch_name(cputype, cpusubtype); }
