/* The hashing floor of `lcpatch check` in bench/audit.sh: what verifying
 * the signatures of a tree cannot avoid. For every regular file under a
 * folder that starts with a Mach-O magic, every code image (an executable,
 * dylib, bundle, kext or dylinker: the images check judges) that has an
 * LC_CODE_SIGNATURE: every CodeDirectory's code pages hashed with its hash
 * type, with libcrypto (digests fetched once, one context per thread),
 * each page compared with its stored hash; like check, a CodeDirectory
 * stops at its first page that does not match, and the image's later
 * CodeDirectories are then not hashed. Each Mach-O file is mapped, not
 * copied (the cheapest way to hand its bytes to the digest; check reads
 * them with pread). No special slots, no CMS, no report: only the page
 * hashes, N threads (as many as lcpatch uses). Prints what it hashed: on
 * bench/out/audit-tree exactly the pages and bytes check hashes.
 * Built by bench/audit.sh with cc -O2 -pthread ... -lcrypto. */
#include "floor_tree.h"
#include <fcntl.h>
#include <ftw.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static atomic_ullong images, cds, pages, bytes;
static EVP_MD *sha1, *sha256, *sha384;

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t be64(const uint8_t *p) { return (uint64_t)be32(p) << 32 | be32(p + 4); }
static uint32_t u32(const uint8_t *p, int big) {
    return big ? be32(p) : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* One CodeDirectory at cd (len bytes) over the image img (size bytes):
 * its pages hashed and compared; 0 when one does not match. */
static int hash_cd(EVP_MD_CTX *ctx, const uint8_t *img, uint64_t size, const uint8_t *cd, uint32_t len) {
    if (len < 44)
        return 0;
    uint32_t version = be32(cd + 8), hash_off = be32(cd + 16), ncode = be32(cd + 28);
    uint64_t limit = be32(cd + 32);
    uint8_t hsize = cd[36], htype = cd[37], shift = cd[39];
    if (version >= 0x20300 && len >= 64 && be64(cd + 56))
        limit = be64(cd + 56);
    const EVP_MD *md = htype == 1 ? sha1 : htype == 2 || htype == 3 ? sha256 : htype == 4 ? sha384 : NULL;
    size_t want = htype == 1 || htype == 3 ? 20 : htype == 2 ? 32 : 48;
    if (!md || hsize != want || limit > size || shift >= 32)
        return 0;
    uint64_t page = shift ? (uint64_t)1 << shift : (limit ? limit : 1);
    if (limit / page + (limit % page != 0) != ncode || hash_off > len || (uint64_t)ncode * hsize > len - hash_off)
        return 0;
    atomic_fetch_add(&cds, 1);
    for (uint32_t k = 0; k < ncode; k++) {
        uint64_t at = (uint64_t)k * page, n = limit - at < page ? limit - at : page;
        unsigned char d[EVP_MAX_MD_SIZE];
        unsigned int dl = 0;
        if (EVP_DigestInit_ex(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, img + at, n) != 1 ||
            EVP_DigestFinal_ex(ctx, d, &dl) != 1)
            return 0;
        atomic_fetch_add(&pages, 1);
        atomic_fetch_add(&bytes, n);
        if (memcmp(d, cd + hash_off + (size_t)k * hsize, hsize) != 0)
            return 0;
    }
    return 1;
}

/* One image: its code signature's CodeDirectories, in index order. */
static void hash_image(EVP_MD_CTX *ctx, const uint8_t *img, uint64_t size) {
    if (size < 28)
        return;
    uint32_t m = be32(img);
    int big = m == 0xfeedface || m == 0xfeedfacf, is64 = m == 0xfeedfacf || m == 0xcffaedfe;
    if (!big && m != 0xcefaedfe && m != 0xcffaedfe)
        return;
    uint32_t filetype = u32(img + 12, big), ncmds = u32(img + 16, big), sizeofcmds = u32(img + 20, big);
    if (filetype != 2 && filetype != 6 && filetype != 7 && filetype != 8 && filetype != 11)
        return;
    uint64_t p = is64 ? 32 : 28, end = p + sizeofcmds;
    if (end > size)
        return;
    for (uint32_t i = 0; i < ncmds && p + 8 <= end; i++) {
        uint32_t cmd = u32(img + p, big), cmdsize = u32(img + p + 4, big);
        if (cmdsize < 8 || cmdsize > end - p)
            return;
        if (cmd == 0x1d && cmdsize >= 16) {
            uint64_t off = u32(img + p + 8, big), len = u32(img + p + 12, big);
            if (off + len > size || len < 12 || be32(img + off) != 0xfade0cc0)
                return;
            const uint8_t *sb = img + off;
            uint32_t count = be32(sb + 8);
            if (count > (len - 12) / 8)
                return;
            atomic_fetch_add(&images, 1);
            for (uint32_t j = 0; j < count; j++) {
                uint32_t type = be32(sb + 12 + 8 * j), at = be32(sb + 16 + 8 * j);
                if (type != 0 && (type < 0x1000 || type > 0x1004))
                    continue;
                if (at > len - 8 || be32(sb + at) != 0xfade0c02 || be32(sb + at + 4) > len - at)
                    return;
                if (!hash_cd(ctx, img, size, sb + at, be32(sb + at + 4)))
                    return; /* check stops at the first bad page */
            }
            return;
        }
        p += cmdsize;
    }
}

static void *worker(void *arg) {
    (void)arg;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t *buf;
    for (;;) {
        const char *path = next_file();
        if (path == NULL)
            break;
        int fd = open(path, O_RDONLY);
        if (fd < 0)
            continue;
        struct stat st;
        uint8_t magic[4];
        if (fstat(fd, &st) != 0 || pread(fd, magic, 4, 0) != 4) {
            close(fd);
            continue;
        }
        uint32_t m = be32(magic);
        int fat = m == 0xcafebabe || m == 0xcafebabf;
        if (!fat && m != 0xfeedface && m != 0xfeedfacf && m != 0xcefaedfe && m != 0xcffaedfe) {
            close(fd);
            continue;
        }
        size_t size = (size_t)st.st_size;
        uint8_t *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : MAP_FAILED;
        close(fd);
        if (map == MAP_FAILED)
            continue;
        buf = map;
        if (!fat) {
            hash_image(ctx, buf, size);
            munmap(map, size);
            continue;
        }
        uint32_t n = be32(buf + 4);
        int w = m == 0xcafebabf ? 32 : 20;
        for (uint32_t k = 0; k < n && k < 64 && 8 + (size_t)(k + 1) * w <= size; k++) {
            const uint8_t *a = buf + 8 + (size_t)k * w;
            uint64_t off = w == 32 ? be64(a + 8) : be32(a + 8), len = w == 32 ? be64(a + 16) : be32(a + 12);
            if (off <= size && len <= size - off)
                hash_image(ctx, buf + off, len);
        }
        munmap(map, size);
    }
    EVP_MD_CTX_free(ctx);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc != 3)
        return 2;
    int jobs = atoi(argv[2]);
    if (jobs < 1 || jobs > 64 || nftw(argv[1], collect, 64, FTW_PHYS) != 0)
        return 2;
    sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    sha384 = EVP_MD_fetch(NULL, "SHA384", NULL);
    if (!sha1 || !sha256 || !sha384)
        return 2;
    pthread_t t[64];
    for (int i = 1; i < jobs; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    worker(NULL);
    for (int i = 1; i < jobs; i++)
        pthread_join(t[i], NULL);
    printf("%zu files, %llu signed images, %llu CodeDirectories, %llu pages, %llu bytes hashed\n", npaths,
           (unsigned long long)images, (unsigned long long)cds, (unsigned long long)pages, (unsigned long long)bytes);
    return 0;
}
