/* lcpatch check: the archives the notary service opens, read with
 * libarchive: .zip and .jar (a JNI library inside a jar is a classic "The
 * binary is not signed."), flat installer packages (.pkg: xar, whose
 * component Payloads are gzip'd cpio archives) and archives nested in
 * them. Members are named as the notary names them: archive.zip/App.app/... */
#include "check/internal.h"
#include "util/dynlib.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A member larger than this is not read (the check reports it). */
#define MAX_MEMBER (1024ull * 1024 * 1024)
/* Archives inside archives inside archives... */
#define MAX_DEPTH 4

static bool has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

bool ck_is_archive_name(const char *name) {
    return has_suffix(name, ".zip") || has_suffix(name, ".jar") || has_suffix(name, ".pkg");
}

/* A component package's Payload (or Scripts) is an archive, whatever its name. */
static bool is_payload(const char *name) {
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return strcmp(base, "Payload") == 0 || strcmp(base, "Scripts") == 0;
}

static void fail(lcp_check_report *r, const char *path, struct archive *a) {
    lcp_error e;
    lcp_error_set(&e, LCP_E_MALFORMED, LCP_NO_OFFSET, "%s: %s", path,
                  archive_error_string(a) ? archive_error_string(a) : "unreadable archive");
    ck_failure(r, path, &e);
}

/* The whole member, or NULL (too large, or unreadable: reported). */
static uint8_t *read_member(lcp_check_report *r, const char *path, struct archive *a, int64_t size, size_t *len) {
    if (size < 0 || (uint64_t)size > MAX_MEMBER) {
        lcp_error e;
        lcp_error_set(&e, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: %lld bytes: larger than lcpatch reads from an archive",
                      path, (long long)size);
        ck_failure(r, path, &e);
        return NULL;
    }
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (buf == NULL)
        return NULL;
    la_ssize_t got = archive_read_data(a, buf, (size_t)size);
    if (got != (la_ssize_t)size) {
        fail(r, path, a);
        free(buf);
        return NULL;
    }
    *len = (size_t)size;
    return buf;
}

/* A Mach-O member: its first 8 bytes are in head; read the rest, open it
 * from memory and apply the image rules. */
static void check_macho_member(lcp_check_report *r, const char *p, struct archive *a, const uint8_t head[8],
                               int64_t size) {
    size_t blen = 0;
    uint8_t *rest = read_member(r, p, a, size - 8, &blen);
    uint8_t *buf = rest ? malloc(blen + 8) : NULL;
    if (buf) {
        memcpy(buf, head, 8);
        memcpy(buf + 8, rest, blen);
        lcp_file *f;
        lcp_error e;
        if (lcp_file_open_memory(buf, blen + 8, p, &f, &e) == LCP_OK) {
            r->macho_files++;
            ck_macho(r, p, f, NULL);
            lcp_file_free(f);
        } else if (e.status != LCP_E_NOT_MACHO) {
            ck_failure(r, p, &e);
        }
    }
    free(buf);
    free(rest);
}

/* One member, named p: its name, and its contents when it is Mach-O or an
 * archive of its own. */
static void check_member(lcp_check_report *r, const char *path, const char *p, struct archive *a,
                         struct archive_entry *ent, int depth) {
    const char *base = strrchr(p, '/') + 1;
    ck_name(r, p, base);
    if (archive_entry_filetype(ent) != AE_IFREG)
        return;
    r->files++;
    int64_t size = archive_entry_size(ent);
    if (depth < MAX_DEPTH && (ck_is_archive_name(p) || (has_suffix(path, ".pkg") && is_payload(p)))) {
        size_t blen = 0;
        uint8_t *buf = read_member(r, p, a, size, &blen);
        if (buf)
            ck_archive(r, p, NULL, buf, blen, depth + 1);
        free(buf);
        return;
    }
    /* Read the member only when it starts like a Mach-O file. */
    uint8_t head[8];
    if (size >= 8 && archive_read_data(a, head, sizeof head) == (la_ssize_t)sizeof head &&
        ck_is_macho_magic(head, sizeof head))
        check_macho_member(r, p, a, head, size);
}

void ck_archive(lcp_check_report *r, const char *path, const char *fs_path, const uint8_t *data, size_t len,
                int depth) {
    lcp_error need;
    if (lcp_need_archive(&need) != LCP_OK) {
        lcp_error_prefix(&need, "%s", path);
        ck_failure(r, path, &need);
        return;
    }
    struct archive *a = archive_read_new();
    if (a == NULL)
        return;
    archive_read_support_filter_all(a);
    archive_read_support_format_zip(a);
    archive_read_support_format_xar(a);
    archive_read_support_format_cpio(a);
    archive_read_support_format_tar(a);
    int rc = data ? archive_read_open_memory(a, data, len) : archive_read_open_filename(a, fs_path, 64 * 1024);
    if (rc != ARCHIVE_OK) {
        fail(r, path, a);
        archive_read_free(a);
        return;
    }
    struct archive_entry *ent;
    while ((rc = archive_read_next_header(a, &ent)) == ARCHIVE_OK) {
        const char *name = archive_entry_pathname(ent);
        if (name == NULL)
            continue;
        while (name[0] == '.' && name[1] == '/')
            name += 2;
        char *p = ck_join(path, name);
        if (p == NULL)
            break;
        size_t n = strlen(p);
        while (n > 0 && p[n - 1] == '/')
            p[--n] = '\0';
        check_member(r, path, p, a, ent, depth);
        free(p);
    }
    if (rc != ARCHIVE_EOF)
        fail(r, path, a);
    archive_read_free(a);
}
