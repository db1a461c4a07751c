/* Code-signature hashing, shared by the reader, the verifier and the
 * signer: one digest of a byte range (lcp_cs_hash) and the code-page
 * digests of a slice (lcp_cs_hash_pages), exactly as a CodeDirectory's
 * slots hold them. Digests come from libcrypto's EVP: no hand-written
 * crypto. */
#include "lcpatch/codesign.h"
#include "util/checked.h"
#include "util/dynlib.h"
#include "util/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

size_t lcp_cs_hash_len(uint8_t hash_type) {
    switch (hash_type) {
    case LCP_CS_HASHTYPE_SHA1: return LCP_CS_SHA1_LEN;
    case LCP_CS_HASHTYPE_SHA256: return LCP_CS_SHA256_LEN;
    case LCP_CS_HASHTYPE_SHA256_TRUNCATED: return LCP_CS_SHA256_TRUNCATED_LEN;
    case LCP_CS_HASHTYPE_SHA384: return LCP_CS_SHA384_LEN;
    default: return 0;
    }
}

const char *lcp_cs_hash_name(uint8_t hash_type) {
    switch (hash_type) {
    case LCP_CS_HASHTYPE_SHA1: return "sha1";
    case LCP_CS_HASHTYPE_SHA256: return "sha256";
    case LCP_CS_HASHTYPE_SHA256_TRUNCATED: return "sha256-truncated";
    case LCP_CS_HASHTYPE_SHA384: return "sha384";
    default: return NULL;
    }
}

/* The digests, fetched from the default provider once per process. Passing
 * EVP_sha256() instead makes every EVP_DigestInit fetch it again, under a
 * lock every worker thread takes: a tenth of `lcpatch check`'s time went
 * there, page after page. Fetched digests live until the process ends. */
static EVP_MD *fetched_sha1, *fetched_sha256, *fetched_sha384;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void) {
    fetched_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    fetched_sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
}

/* The fetched digest, or the built-in one when the fetch failed (the
 * result is the same, only slower). */
static const EVP_MD *hash_md(uint8_t hash_type) {
    pthread_once(&fetch_once, fetch_digests);
    switch (hash_type) {
    case LCP_CS_HASHTYPE_SHA1: return fetched_sha1 ? fetched_sha1 : EVP_sha1();
    case LCP_CS_HASHTYPE_SHA256:
    case LCP_CS_HASHTYPE_SHA256_TRUNCATED: return fetched_sha256 ? fetched_sha256 : EVP_sha256();
    case LCP_CS_HASHTYPE_SHA384: return fetched_sha384 ? fetched_sha384 : EVP_sha384();
    default: return NULL;
    }
}

lcp_status lcp_cs_hash(uint8_t hash_type, const uint8_t *bytes, size_t len, uint8_t *out, size_t *out_len,
                       lcp_error *err) {
    lcp_status loaded = lcp_need_crypto(err);
    if (loaded != LCP_OK)
        return loaded;
    const EVP_MD *md = hash_md(hash_type);
    if (!md)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "code signature hash type %u is not supported",
                             hash_type);
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(bytes, len, full, &n, md, NULL) != 1)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto could not compute a %s digest",
                             lcp_cs_hash_name(hash_type));
    size_t want = lcp_cs_hash_len(hash_type);
    if (want > n || want > LCP_CS_MAX_DIGEST)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "digest of %u bytes is shorter than %zu", n, want);
    memcpy(out, full, want);
    *out_len = want;
    return LCP_OK;
}

/* One page's digest through a reused context, truncated to hlen (the
 * CodeDirectory's hash size, at most the digest's). */
static lcp_status hash_with(EVP_MD_CTX *ctx, const EVP_MD *md, const uint8_t *bytes, size_t len, uint8_t *out,
                            size_t hlen, lcp_error *err) {
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, bytes, len) != 1 ||
        EVP_DigestFinal_ex(ctx, full, &n) != 1)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto digest failed");
    if (hlen > n)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "digest of %u bytes is shorter than %zu", n, hlen);
    memcpy(out, full, hlen);
    return LCP_OK;
}

/* Pages are read a chunk at a time (many pages per read) so that a large
 * image costs few system calls and memory stays bounded. */
#define CHUNK_PAGES 64u

lcp_status lcp_cs_hash_pages(const lcp_source *src, uint64_t slice_offset, uint64_t code_limit, uint8_t page_shift,
                             uint8_t hash_type, uint8_t *out, size_t out_cap, uint64_t *npages, lcp_error *err) {
    lcp_status loaded = lcp_need_crypto(err);
    if (loaded != LCP_OK)
        return loaded;
    size_t hlen = lcp_cs_hash_len(hash_type);
    if (hlen == 0)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "code signature hash type %u is not supported",
                             hash_type);
    if (page_shift >= 32)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "code signature page size 2^%u is too large",
                             page_shift);
    uint64_t end;
    if (!lcp_add_u64(slice_offset, code_limit, &end) || end > src->size)
        return lcp_error_set(
            err, LCP_E_MALFORMED, slice_offset, "code limit %llu at offset %llu lies outside the file (%llu bytes)",
            (unsigned long long)code_limit, (unsigned long long)slice_offset, (unsigned long long)src->size);
    /* page_shift 0: the whole code limit is one page. */
    uint64_t page = page_shift ? (uint64_t)1 << page_shift : (code_limit ? code_limit : 1);
    uint64_t n = code_limit / page + (code_limit % page != 0);
    *npages = n;
    uint64_t need;
    if (!lcp_mul_u64(n, hlen, &need) || need > out_cap)
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET, "%llu page hashes do not fit in %zu bytes",
                             (unsigned long long)n, out_cap);
    /* One page at a time when pages are large (page_shift 0 on a big
     * image); else CHUNK_PAGES pages per read. */
    uint64_t chunk = page <= (1u << 16) ? page * CHUNK_PAGES : page;
    if (chunk > (64u << 20))
        chunk = 64u << 20;
    uint8_t *buf = malloc((size_t)(chunk < code_limit ? chunk : (code_limit ? code_limit : 1)));
    if (!buf)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory hashing code pages");
    lcp_status st = LCP_OK;
    if (page > chunk) {
        /* Pages larger than a chunk (page_shift 0 over a big image, or a
         * huge page size): each page streamed through a digest. */
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        const EVP_MD *md = hash_md(hash_type);
        if (!ctx)
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto could not start a digest");
        for (uint64_t k = 0; k < n && st == LCP_OK; k++) {
            uint64_t start = k * page, stop = code_limit - start < page ? code_limit : start + page;
            if (EVP_DigestInit_ex(ctx, md, NULL) != 1)
                st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto could not start a digest");
            for (uint64_t off = start; off < stop && st == LCP_OK;) {
                size_t got = (size_t)(stop - off < chunk ? stop - off : chunk);
                st = lcp_source_read(src, slice_offset + off, buf, got, err);
                if (st == LCP_OK && EVP_DigestUpdate(ctx, buf, got) != 1)
                    st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto digest failed");
                off += got;
            }
            unsigned char full[EVP_MAX_MD_SIZE];
            unsigned int fl = 0;
            if (st == LCP_OK && EVP_DigestFinal_ex(ctx, full, &fl) != 1)
                st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto digest failed");
            if (st == LCP_OK)
                memcpy(out + k * hlen, full, hlen);
        }
        EVP_MD_CTX_free(ctx);
        free(buf);
        return st;
    }
    /* one context for every page: a context per page costs an allocation
     * and a provider context each time */
    const EVP_MD *md = hash_md(hash_type);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (!ctx)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto could not start a digest");
    uint64_t k = 0;
    for (uint64_t off = 0; off < code_limit && st == LCP_OK;) {
        size_t got = (size_t)(code_limit - off < chunk ? code_limit - off : chunk);
        st = lcp_source_read(src, slice_offset + off, buf, got, err);
        for (size_t p = 0; st == LCP_OK && p < got; p += (size_t)page, k++) {
            size_t plen = got - p < page ? got - p : (size_t)page;
            const uint8_t *view = NULL;
            if (!lcp_get_view(buf, got, p, plen, &view))
                st = lcp_error_set(err, LCP_E_MALFORMED, slice_offset + off + p, "page outside the bytes read");
            else
                st = hash_with(ctx, md, view, plen, out + k * hlen, hlen, err);
        }
        off += got;
    }
    EVP_MD_CTX_free(ctx);
    free(buf);
    return st;
}

lcp_status lcp_cs_hash_file(uint8_t hash_type, const char *path, uint8_t *out, size_t *out_len, lcp_error *err) {
    lcp_status loaded = lcp_need_crypto(err);
    if (loaded != LCP_OK)
        return loaded;
    const EVP_MD *md = hash_md(hash_type);
    if (!md)
        return lcp_error_set(err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "code signature hash type %u is not supported",
                             hash_type);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        lcp_status st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path, strerror(errno));
        if (err)
            err->sys_errno = errno;
        return st;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    lcp_status st = LCP_OK;
    if (!ctx || EVP_DigestInit_ex(ctx, md, NULL) != 1)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto could not start a digest");
    uint8_t buf[65536];
    while (st == LCP_OK) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (EVP_DigestUpdate(ctx, buf, (size_t)n) != 1)
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto digest failed");
    }
    unsigned char full[EVP_MAX_MD_SIZE];
    unsigned int fl = 0;
    if (st == LCP_OK && EVP_DigestFinal_ex(ctx, full, &fl) != 1)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "libcrypto digest failed");
    if (st == LCP_OK) {
        *out_len = lcp_cs_hash_len(hash_type);
        memcpy(out, full, *out_len);
    }
    EVP_MD_CTX_free(ctx);
    close(fd);
    return st;
}
