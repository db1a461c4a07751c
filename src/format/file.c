/* Opening a file and recognising its container: thin Mach-O, fat, fat64,
 * static archive, fat of archives (see include/lcpatch/file.h): the
 * sources (a file descriptor or memory), reading an image or an archive
 * from a slice's range, and visiting the images. Only the headers and load
 * commands are read; the fat header and its checks are in fat_read.c. */
#include "lcpatch/file.h"

#include "format/archive.h"
#include "format/file_internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool lcp_fat_is_java_class(uint32_t nfat) {
    uint32_t minor = nfat >> 16, major = nfat & 0xffffu;
    return nfat > LCP_FAT_MAX_ARCHS && (minor == 0 || minor == 0xffffu) && major >= 45 && major <= 255;
}

static bool is_macho_magic(uint32_t m) {
    return m == LCP_MH_MAGIC || m == LCP_MH_CIGAM || m == LCP_MH_MAGIC_64 || m == LCP_MH_CIGAM_64;
}

lcp_sniff lcp_magic_sniff(const uint8_t *head, size_t n) {
    if (n >= 8 && memcmp(head, LCP_AR_MAGIC, 8) == 0)
        return LCP_SNIFF_ARCHIVE;
    if (n < 4)
        return LCP_SNIFF_OTHER;
    uint32_t magic = lcp_be32(head);
    if (is_macho_magic(magic))
        return LCP_SNIFF_MACHO;
    if (magic != LCP_FAT_MAGIC && magic != LCP_FAT_MAGIC_64)
        return LCP_SNIFF_OTHER;
    if (n < 8)
        return LCP_SNIFF_FAT_BAD_COUNT;
    uint32_t nfat = lcp_be32(head + 4);
    if (magic == LCP_FAT_MAGIC && lcp_fat_is_java_class(nfat))
        return LCP_SNIFF_JAVA_CLASS;
    return nfat > 0 && nfat <= LCP_FAT_MAX_ARCHS ? LCP_SNIFF_FAT : LCP_SNIFF_FAT_BAD_COUNT;
}

lcp_status lcp_source_read(const lcp_source *src, uint64_t off, void *buf, size_t n, lcp_error *err) {
    if (!lcp_range_ok(off, n, src->size))
        return lcp_error_set(err, LCP_E_MALFORMED, off,
                             "%zu bytes at offset 0x%llx run past the end of the file (%llu bytes)", n,
                             (unsigned long long)off, (unsigned long long)src->size);
    if (src->fd < 0) {
        if (n)
            memcpy(buf, src->mem + off, n);
        return LCP_OK;
    }
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = pread(src->fd, p, n, (off_t)off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            return lcp_error_set(err, LCP_E_IO, off, "read at offset 0x%llx: %s", (unsigned long long)off,
                                 strerror(errno));
        if (got == 0)
            return lcp_error_set(err, LCP_E_MALFORMED, off, "file ends at offset 0x%llx", (unsigned long long)off);
        p += got;
        n -= (size_t)got;
        off += (uint64_t)got;
    }
    return LCP_OK;
}

/* Reads the image at [offset, offset+size): its header, then its load commands. */
static lcp_status image_read(const lcp_source *src, uint64_t offset, uint64_t size, unsigned flags, lcp_image **out,
                             lcp_error *err);

lcp_status lcp_image_read(const lcp_source *src, uint64_t offset, uint64_t size, lcp_image **out, lcp_error *err) {
    return image_read(src, offset, size, 0, out, err);
}

lcp_status lcp_image_read_flags(const lcp_source *src, uint64_t offset, uint64_t size, unsigned flags, lcp_image **out,
                                lcp_error *err) {
    return image_read(src, offset, size, flags, out, err);
}

static lcp_status image_read(const lcp_source *src, uint64_t offset, uint64_t size, unsigned flags, lcp_image **out,
                             lcp_error *err) {
    uint8_t hdr[LCP_MH_HEADER_SIZE_64];
    /* vtool's walk is bounded by the file, not the slice */
    uint64_t bound = size;
    if ((flags & LCP_PARSE_LENIENT_COMMANDS) && offset <= src->size)
        bound = src->size - offset;
    size_t want = bound < sizeof hdr ? (size_t)bound : sizeof hdr;
    lcp_status st = lcp_source_read(src, offset, hdr, want, err);
    if (st)
        return st;
    if (want < 4) {
        st = lcp_error_set(err, LCP_E_MALFORMED, offset, "truncated mach header at offset 0x%llx",
                           (unsigned long long)offset);
        lcp_error_reason(err, LCP_R_TRUNCATED_HEADER, 0, 0, 0, 0);
        return st;
    }
    uint32_t magic = lcp_be32(hdr);
    bool is64 = magic == LCP_MH_MAGIC_64 || magic == LCP_MH_CIGAM_64;
    bool big = magic == LCP_MH_MAGIC || magic == LCP_MH_MAGIC_64;
    uint32_t header_size = is64 ? LCP_MH_HEADER_SIZE_64 : LCP_MH_HEADER_SIZE;
    uint32_t sizeofcmds = 0;
    if (want >= header_size)
        lcp_get_u32(hdr, want, 20, big, &sizeofcmds);
    /* Only as many bytes as the image really has: the parser reports the rest. */
    uint64_t total = (uint64_t)header_size + sizeofcmds;
    if (total > bound)
        total = bound;
    uint8_t *bytes = malloc(total ? (size_t)total : 1);
    if (bytes == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    st = lcp_source_read(src, offset, bytes, (size_t)total, err);
    if (st == LCP_OK)
        st = lcp_image_parse_flags(bytes, (size_t)total, offset, size, flags, out, err);
    free(bytes);
    return st;
}

/* Fills a slice from the bytes at its range: an image or an archive. */
lcp_status lcp_file_read_slice(const lcp_source *src, lcp_slice *s, unsigned flags, lcp_error *err) {
    uint8_t head[8] = {0};
    size_t n = s->size < sizeof head ? (size_t)s->size : sizeof head;
    lcp_status st = lcp_source_read(src, s->offset, head, n, err);
    if (st)
        return st;
    if (n == 8 && memcmp(head, LCP_AR_MAGIC, 8) == 0 && !(flags & LCP_PARSE_NO_ARCHIVES))
        return lcp_archive_read(src, s->offset, s->size, &s->archive, err);
    if (n >= 4 && is_macho_magic(lcp_be32(head)))
        return image_read(src, s->offset, s->size, flags, &s->image, err);
    return lcp_error_set(err, LCP_E_NOT_MACHO, s->offset, "slice at offset 0x%llx is neither Mach-O nor an archive",
                         (unsigned long long)s->offset);
}

/* LCP_PARSE_KEEP_BAD_SLICES: the slice keeps err (the open goes on);
 * otherwise st is returned. */
lcp_status lcp_file_keep_slice_error(unsigned flags, lcp_slice *s, lcp_status st, const lcp_error *err,
                                     lcp_error *out) {
    if (!(flags & LCP_PARSE_KEEP_BAD_SLICES) || st == LCP_E_NOMEM)
        return st;
    if ((s->error = malloc(sizeof *s->error)) == NULL)
        return lcp_error_set(out, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    *s->error = *err;
    return LCP_OK;
}

static lcp_status read_file(lcp_file *f, lcp_error *err) {
    uint8_t head[8] = {0};
    size_t n = f->src.size < 8 ? (size_t)f->src.size : 8;
    lcp_status st = lcp_source_read(&f->src, 0, head, n, err);
    if (st)
        return st;
    uint32_t magic = n >= 4 ? lcp_be32(head) : 0;
    if (magic == LCP_FAT_MAGIC_64 && (f->parse_flags & LCP_PARSE_NO_FAT64))
        return lcp_error_set(err, LCP_E_NOT_MACHO, 0, "not a Mach-O file (fat64 header, magic 0x%08x)", magic);
    if (n >= 8 && (magic == LCP_FAT_MAGIC || magic == LCP_FAT_MAGIC_64)) {
        f->kind = magic == LCP_FAT_MAGIC ? LCP_FAT : LCP_FAT64;
        return lcp_fat_read(f, magic == LCP_FAT_MAGIC_64, err);
    }
    f->slices = calloc(1, sizeof *f->slices);
    if (f->slices == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    f->nslices = 1;
    lcp_slice *s = &f->slices[0];
    s->offset = 0;
    s->size = f->src.size;
    if (n == 8 && memcmp(head, LCP_AR_MAGIC, 8) == 0 && !(f->parse_flags & LCP_PARSE_NO_ARCHIVES)) {
        f->kind = LCP_ARCHIVE;
        st = lcp_archive_read(&f->src, 0, f->src.size, &s->archive, err);
        if (st == LCP_OK)
            lcp_archive_arch(s->archive, &s->cputype, &s->cpusubtype);
        return st;
    }
    if (n < 4 || !is_macho_magic(magic))
        return lcp_error_set(err, LCP_E_NOT_MACHO, 0, "not a Mach-O file (magic 0x%08x)", magic);
    f->kind = LCP_THIN;
    lcp_error e;
    st = image_read(&f->src, 0, f->src.size, f->parse_flags, &s->image, &e);
    if (st == LCP_OK) {
        s->cputype = s->image->cputype;
        s->cpusubtype = s->image->cpusubtype;
        return LCP_OK;
    }
    if (err)
        *err = e;
    /* a thin file whose header is not all there is not Mach-O at all */
    if (e.reason == LCP_R_TRUNCATED_HEADER)
        return st;
    s->cputype = e.cputype; /* the header's, when the reason names them */
    s->cpusubtype = e.cpusubtype;
    return lcp_file_keep_slice_error(f->parse_flags, s, st, &e, err);
}

static lcp_status finish_open(lcp_file *f, lcp_file **out, lcp_error *err) {
    lcp_status st = read_file(f, err);
    if (st) {
        lcp_error_prefix(err, "%s", f->path);
        lcp_file_free(f);
        return st;
    }
    *out = f;
    return LCP_OK;
}

lcp_status lcp_file_open(const char *path, lcp_file **out, lcp_error *err) {
    return lcp_file_open_flags(path, 0, out, err);
}

lcp_status lcp_file_open_flags(const char *path, unsigned flags, lcp_file **out, lcp_error *err) {
    *out = NULL;
    lcp_file *f = calloc(1, sizeof *f);
    if (f == NULL || (f->path = strdup(path)) == NULL) {
        free(f);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    errno = 0;
    do /* a signal may interrupt the open of a slow (network) file: try again */
        f->src.fd = open(path, O_RDONLY | O_CLOEXEC);
    while (f->src.fd < 0 && errno == EINTR);
    if (f->src.fd < 0) {
        lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path, strerror(errno));
        lcp_file_free(f);
        return LCP_E_IO;
    }
    struct stat sb;
    const char *why = NULL;
    if (fstat(f->src.fd, &sb) != 0)
        why = strerror(errno);
    else if (S_ISDIR(sb.st_mode))
        why = "is a directory";
    else if (!S_ISREG(sb.st_mode))
        why = "not a regular file";
    if (why) {
        lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path, why);
        lcp_file_free(f);
        return LCP_E_IO;
    }
    f->src.size = (uint64_t)sb.st_size;
    f->parse_flags = flags;
    return finish_open(f, out, err);
}

lcp_status lcp_file_open_memory(const uint8_t *data, size_t len, const char *name, lcp_file **out, lcp_error *err) {
    return lcp_file_open_memory_flags(data, len, name, 0, out, err);
}

lcp_status lcp_file_open_memory_flags(const uint8_t *data, size_t len, const char *name, unsigned flags, lcp_file **out,
                                      lcp_error *err) {
    *out = NULL;
    lcp_file *f = calloc(1, sizeof *f);
    if (f == NULL || (f->path = strdup(name)) == NULL) {
        free(f);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    f->src.fd = -1;
    f->src.mem = data;
    f->src.size = len;
    f->parse_flags = flags;
    return finish_open(f, out, err);
}

void lcp_file_free(lcp_file *f) {
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->nslices; i++) {
        lcp_image_free(f->slices[i].image);
        lcp_archive_free(f->slices[i].archive);
        free(f->slices[i].error);
    }
    free(f->slices);
    if (f->src.fd >= 0)
        close(f->src.fd);
    free(f->path);
    free(f);
}

int lcp_file_visit_images(lcp_file *f, lcp_image_visitor fn, void *ctx) {
    for (size_t i = 0; i < f->nslices; i++) {
        lcp_slice *s = &f->slices[i];
        if (s->image) {
            int r = fn(ctx, f, i, NULL, s->image);
            if (r)
                return r;
        }
        for (size_t k = 0; s->archive && k < s->archive->nmembers; k++) {
            lcp_member *m = &s->archive->members[k];
            if (m->image) {
                int r = fn(ctx, f, i, m, m->image);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}
