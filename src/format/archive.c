/* Static archive reader: walks the 60-byte member headers with bounded reads,
 * never past the archive's range (see archive.h). */
#include "format/archive.h"

#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* The largest SYSV "//" long-name table read (16 MiB: a name table of
 * 100000 members with 160-byte names). */
#define LCP_AR_MAX_NAME_TABLE (16u << 20)

/* Parses a right-padded decimal field of n bytes; false when it holds
 * anything but digits followed by spaces. */
static bool decimal_field(const uint8_t *p, size_t n, uint64_t *out) {
    uint64_t v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ')
        i++;
    size_t digits = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, digits++) {
        if (!lcp_mul_u64(v, 10, &v) || !lcp_add_u64(v, (uint64_t)(p[i] - '0'), &v))
            return false;
    }
    for (; i < n; i++)
        if (p[i] != ' ')
            return false;
    if (digits == 0)
        return false;
    *out = v;
    return true;
}

static char *dup_trimmed(const uint8_t *p, size_t n) {
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\0'))
        n--;
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static bool append_member(lcp_archive *a, size_t *cap, lcp_member m) {
    if (a->nmembers == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        lcp_member *p = realloc(a->members, ncap * sizeof *p);
        if (p == NULL)
            return false;
        a->members = p;
        *cap = ncap;
    }
    a->members[a->nmembers++] = m;
    return true;
}

lcp_status lcp_archive_read(const lcp_source *src, uint64_t offset, uint64_t size, lcp_archive **out, lcp_error *err) {
    *out = NULL;
    lcp_archive *a = calloc(1, sizeof *a);
    if (a == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    a->offset = offset;
    a->size = size;
    size_t cap = 0;
    uint64_t end = offset + size; /* the caller checked the range */
    uint64_t pos = offset + 8;
    uint8_t *longnames = NULL; /* SYSV "//" table */
    uint64_t longnames_len = 0;
    lcp_status st = LCP_OK;
    while (pos < end) {
        uint8_t h[LCP_AR_HEADER_SIZE];
        if (end - pos < LCP_AR_HEADER_SIZE) {
            st = lcp_error_set(err, LCP_E_MALFORMED, pos, "archive member header at offset 0x%llx is truncated",
                               (unsigned long long)pos);
            /* index: the members before it (lipo words the first one apart) */
            lcp_error_reason(err, LCP_R_AR_MEMBER_BAD, (uint32_t)a->nmembers, 0, 0, 0);
            break;
        }
        if ((st = lcp_source_read(src, pos, h, sizeof h, err)) != LCP_OK)
            break;
        uint64_t msize;
        if (h[58] != '`' || h[59] != '\n' || !decimal_field(h + 48, 10, &msize)) {
            st = lcp_error_set(err, LCP_E_MALFORMED, pos, "bad archive member header at offset 0x%llx",
                               (unsigned long long)pos);
            break;
        }
        uint64_t data = pos + LCP_AR_HEADER_SIZE;
        if (!lcp_range_ok(data - offset, msize, size)) {
            st = lcp_error_set(err, LCP_E_MALFORMED, pos + 48,
                               "archive member at offset 0x%llx: size %llu runs past the end of the archive",
                               (unsigned long long)pos, (unsigned long long)msize);
            break;
        }
        lcp_member m = {0};
        m.header_offset = pos;
        m.data_offset = data;
        m.size = msize;
        uint64_t namelen;
        if (memcmp(h, "#1/", 3) == 0 && decimal_field(h + 3, 13, &namelen)) {
            /* BSD: the name is the first namelen bytes of the data. */
            if (namelen > msize || namelen > 4096) {
                st = lcp_error_set(err, LCP_E_MALFORMED, pos,
                                   "archive member at offset 0x%llx: long name length %llu too large",
                                   (unsigned long long)pos, (unsigned long long)namelen);
                break;
            }
            uint8_t nb[4096];
            if ((st = lcp_source_read(src, data, nb, (size_t)namelen, err)) != LCP_OK)
                break;
            m.name = dup_trimmed(nb, (size_t)namelen);
            m.data_offset = data + namelen;
            m.size = msize - namelen;
        } else if (h[0] == '/' && h[1] == '/' && h[2] == ' ') {
            /* SYSV long-name table: keep it for later members. Only headers
             * and load commands are held in memory, so a table that claims
             * more than any real archive's names is refused rather than read. */
            if (msize > LCP_AR_MAX_NAME_TABLE) {
                st = lcp_error_set(err, LCP_E_UNSUPPORTED, pos,
                                   "archive member at offset 0x%llx: long-name table of %llu bytes (more than %u)",
                                   (unsigned long long)pos, (unsigned long long)msize, LCP_AR_MAX_NAME_TABLE);
                break;
            }
            free(longnames);
            longnames = malloc(msize ? (size_t)msize : 1);
            if (longnames == NULL) {
                st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
                break;
            }
            longnames_len = msize;
            if ((st = lcp_source_read(src, data, longnames, (size_t)msize, err)) != LCP_OK)
                break;
            m.name = dup_trimmed(h, 16);
        } else if (h[0] == '/' && h[1] >= '0' && h[1] <= '9' && decimal_field(h + 1, 15, &namelen)) {
            /* SYSV: "/N" names offset N of the long-name table, ended by "/\n". */
            if (longnames == NULL || namelen >= longnames_len) {
                st = lcp_error_set(err, LCP_E_MALFORMED, pos,
                                   "archive member at offset 0x%llx: long name /%llu not in the name table",
                                   (unsigned long long)pos, (unsigned long long)namelen);
                break;
            }
            size_t k = (size_t)namelen, e = k;
            while (e < longnames_len && longnames[e] != '/' && longnames[e] != '\n')
                e++;
            m.name = dup_trimmed(longnames + k, e - k);
        } else {
            size_t n = 16;
            /* SYSV short names end with '/', except the symbol tables "/" and "/SYM64/". */
            const uint8_t *slash = memchr(h, '/', 16);
            if (slash && slash != h)
                n = (size_t)(slash - h);
            m.name = dup_trimmed(h, n);
        }
        if (m.name == NULL) {
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            break;
        }
        uint8_t magic[4] = {0};
        if (m.size >= 4 && (st = lcp_source_read(src, m.data_offset, magic, 4, err)) != LCP_OK) {
            free(m.name);
            break;
        }
        uint32_t mg = lcp_be32(magic);
        if (m.size >= 4 &&
            (mg == LCP_MH_MAGIC || mg == LCP_MH_CIGAM || mg == LCP_MH_MAGIC_64 || mg == LCP_MH_CIGAM_64)) {
            st = lcp_image_read(src, m.data_offset, m.size, &m.image, err);
            if (st) {
                lcp_error_prefix(err, "archive member '%s'", m.name);
                free(m.name);
                break;
            }
        }
        if (!append_member(a, &cap, m)) {
            lcp_image_free(m.image);
            free(m.name);
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            break;
        }
        /* Members start at even offsets: an odd size is followed by one pad byte. */
        pos = data + msize + (msize & 1);
    }
    free(longnames);
    if (st) {
        lcp_archive_free(a);
        return st;
    }
    *out = a;
    return LCP_OK;
}

void lcp_archive_free(lcp_archive *a) {
    if (a == NULL)
        return;
    for (size_t i = 0; i < a->nmembers; i++) {
        free(a->members[i].name);
        lcp_image_free(a->members[i].image);
    }
    free(a->members);
    free(a);
}

void lcp_archive_arch(const lcp_archive *a, uint32_t *cputype, uint32_t *cpusubtype) {
    *cputype = 0;
    *cpusubtype = 0;
    for (size_t i = 0; i < a->nmembers; i++)
        if (a->members[i].image) {
            *cputype = a->members[i].image->cputype;
            *cpusubtype = a->members[i].image->cpusubtype;
            return;
        }
}
