/* Unit tests: the code-signature reader (hostile SuperBlobs and
 * CodeDirectories fail closed with the offset), the shared hashing
 * (known digests, page hashing of a memory image), the requirement
 * decompiler and verification of a signature built here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lcpatch/codesign.h"

#include <stdlib.h>
#include <string.h>

static void put32(uint8_t *b, size_t off, uint32_t v) {
    b[off] = (uint8_t)(v >> 24);
    b[off + 1] = (uint8_t)(v >> 16);
    b[off + 2] = (uint8_t)(v >> 8);
    b[off + 3] = (uint8_t)v;
}

/* A SuperBlob with one CodeDirectory (version 0x20400, SHA-256, 4 KiB
 * pages) over `code` (code_len bytes), identifier "t", no special slot. */
static size_t build(uint8_t *sig, size_t cap, const uint8_t *code, size_t code_len) {
    uint32_t npages = (uint32_t)((code_len + 4095) / 4096);
    uint32_t ident = LCP_CD_SIZE_20400, hash_off = ident + 2;
    uint32_t cd_len = hash_off + npages * 32;
    size_t total = 20 + cd_len;
    assert_true(total <= cap);
    memset(sig, 0, total);
    put32(sig, 0, LCP_CSMAGIC_EMBEDDED_SIGNATURE);
    put32(sig, 4, (uint32_t)total);
    put32(sig, 8, 1);
    put32(sig, 12, LCP_CSSLOT_CODEDIRECTORY);
    put32(sig, 16, 20);
    uint8_t *cd = &sig[20];
    put32(cd, LCP_CD_MAGIC, LCP_CSMAGIC_CODEDIRECTORY);
    put32(cd, LCP_CD_LENGTH, cd_len);
    put32(cd, LCP_CD_VERSION, LCP_CS_SUPPORTSEXECSEG);
    put32(cd, LCP_CD_FLAGS, LCP_CS_ADHOC | LCP_CS_LINKER_SIGNED);
    put32(cd, LCP_CD_HASHOFFSET, hash_off);
    put32(cd, LCP_CD_IDENTOFFSET, ident);
    put32(cd, LCP_CD_NCODESLOTS, npages);
    put32(cd, LCP_CD_CODELIMIT, (uint32_t)code_len);
    cd[LCP_CD_HASHSIZE] = 32;
    cd[LCP_CD_HASHTYPE] = LCP_CS_HASHTYPE_SHA256;
    cd[LCP_CD_PAGESIZE] = 12;
    cd[ident] = 't';
    lcp_source src = {-1, code, code_len};
    uint64_t n;
    assert_int_equal(
        lcp_cs_hash_pages(&src, 0, code_len, 12, LCP_CS_HASHTYPE_SHA256, &cd[hash_off], npages * 32, &n, NULL), LCP_OK);
    assert_int_equal(n, npages);
    return total;
}

static void hashes_known_vectors(void **state) {
    (void)state;
    uint8_t d[LCP_CS_MAX_DIGEST];
    size_t n;
    assert_int_equal(lcp_cs_hash(LCP_CS_HASHTYPE_SHA256, (const uint8_t *)"abc", 3, d, &n, NULL), LCP_OK);
    assert_int_equal(n, 32);
    const uint8_t sha256_abc[4] = {0xba, 0x78, 0x16, 0xbf};
    assert_memory_equal(d, sha256_abc, 4);
    assert_int_equal(lcp_cs_hash(LCP_CS_HASHTYPE_SHA1, (const uint8_t *)"abc", 3, d, &n, NULL), LCP_OK);
    const uint8_t sha1_abc[4] = {0xa9, 0x99, 0x3e, 0x36};
    assert_int_equal(n, 20);
    assert_memory_equal(d, sha1_abc, 4);
    assert_int_equal(lcp_cs_hash(LCP_CS_HASHTYPE_SHA256_TRUNCATED, (const uint8_t *)"abc", 3, d, &n, NULL), LCP_OK);
    assert_int_equal(n, 20);
    assert_memory_equal(d, sha256_abc, 4);
    assert_int_equal(lcp_cs_hash(LCP_CS_HASHTYPE_SHA384, (const uint8_t *)"abc", 3, d, &n, NULL), LCP_OK);
    assert_int_equal(n, 48);
    lcp_error err;
    assert_int_equal(lcp_cs_hash(9, (const uint8_t *)"abc", 3, d, &n, &err), LCP_E_UNSUPPORTED);
}

static void hashes_pages_with_a_short_last_page(void **state) {
    (void)state;
    uint8_t code[4096 + 100];
    for (size_t i = 0; i < sizeof code; i++)
        code[i] = (uint8_t)i;
    lcp_source src = {-1, code, sizeof code};
    uint8_t out[64];
    uint64_t n;
    assert_int_equal(lcp_cs_hash_pages(&src, 0, sizeof code, 12, LCP_CS_HASHTYPE_SHA256, out, sizeof out, &n, NULL),
                     LCP_OK);
    assert_int_equal(n, 2);
    uint8_t d[LCP_CS_MAX_DIGEST];
    size_t dl;
    lcp_cs_hash(LCP_CS_HASHTYPE_SHA256, &code[4096], 100, d, &dl, NULL);
    assert_memory_equal(&out[32], d, 32);
    /* page_shift 0: one page, the whole code limit. */
    assert_int_equal(lcp_cs_hash_pages(&src, 0, sizeof code, 0, LCP_CS_HASHTYPE_SHA256, out, sizeof out, &n, NULL),
                     LCP_OK);
    assert_int_equal(n, 1);
    lcp_cs_hash(LCP_CS_HASHTYPE_SHA256, code, sizeof code, d, &dl, NULL);
    assert_memory_equal(out, d, 32);
    /* Too small an output: usage error, the count still given. */
    lcp_error err;
    assert_int_equal(lcp_cs_hash_pages(&src, 0, sizeof code, 12, LCP_CS_HASHTYPE_SHA256, out, 32, &n, &err),
                     LCP_E_USAGE);
    assert_int_equal(n, 2);
    /* A code limit past the source: malformed, not a read past the end. */
    assert_int_equal(lcp_cs_hash_pages(&src, 8, sizeof code, 12, LCP_CS_HASHTYPE_SHA256, out, sizeof out, &n, &err),
                     LCP_E_MALFORMED);
}

static void reads_and_verifies_a_built_signature(void **state) {
    (void)state;
    uint8_t code[9000], sig[1024];
    for (size_t i = 0; i < sizeof code; i++)
        code[i] = (uint8_t)(i * 7);
    size_t n = build(sig, sizeof sig, code, sizeof code);
    lcp_cs_signature s;
    assert_int_equal(lcp_cs_parse(sig, n, 0x1000, &s, NULL), LCP_OK);
    assert_int_equal(s.ncds, 1);
    assert_string_equal(s.cds[0].identifier, "t");
    assert_int_equal(s.cds[0].ncode, 3);
    assert_string_equal(lcp_cs_kind(&s), "linker-signed");
    lcp_source src = {-1, code, sizeof code};
    lcp_image img;
    memset(&img, 0, sizeof img);
    img.size = sizeof code;
    lcp_cs_result res;
    assert_int_equal(lcp_cs_verify(&src, &img, &s, NULL, &res, NULL), LCP_OK);
    assert_int_equal(res.verdict, LCP_CSV_VALID);
    assert_int_equal(res.pages_checked, 3);
    /* One byte of page 2. */
    code[8500] ^= 1;
    assert_int_equal(lcp_cs_verify(&src, &img, &s, NULL, &res, NULL), LCP_OK);
    assert_int_equal(res.verdict, LCP_CSV_INVALID);
    assert_int_equal(res.problem, LCP_CSP_BAD_PAGE);
    assert_int_equal(res.page, 2);
    assert_int_equal(res.file_offset, 8192);
    lcp_cs_signature_release(&s);
}

static void refuses_hostile_superblobs(void **state) {
    (void)state;
    uint8_t code[100] = {0}, sig[512];
    size_t n = build(sig, sizeof sig, code, sizeof code);
    lcp_cs_signature s;
    lcp_error err;
    /* A count of index entries that cannot fit. */
    uint8_t bad[512];
    memcpy(bad, sig, n);
    put32(bad, 8, 0x20000000u);
    assert_int_equal(lcp_cs_parse(bad, n, 0x4000, &s, &err), LCP_E_MALFORMED);
    assert_int_equal(err.offset, 0x4000);
    lcp_cs_signature_release(&s);
    /* A blob offset past the SuperBlob. */
    memcpy(bad, sig, n);
    put32(bad, 16, 0xfffffff0u);
    assert_int_equal(lcp_cs_parse(bad, n, 0x4000, &s, &err), LCP_E_MALFORMED);
    assert_int_equal(err.offset, 0x4000 + 12);
    lcp_cs_signature_release(&s);
    /* A SuperBlob length past the data. */
    memcpy(bad, sig, n);
    put32(bad, 4, (uint32_t)n + 1);
    assert_int_equal(lcp_cs_parse(bad, n, 0, &s, &err), LCP_E_MALFORMED);
    lcp_cs_signature_release(&s);
    /* Code slots that run past the CodeDirectory. */
    memcpy(bad, sig, n);
    put32(bad, 20 + LCP_CD_NCODESLOTS, 0x10000000u);
    assert_int_equal(lcp_cs_parse(bad, n, 0, &s, &err), LCP_E_MALFORMED);
    assert_non_null(strstr(err.message, "do not fit"));
    lcp_cs_signature_release(&s);
    /* An identifier without its NUL. */
    memcpy(bad, sig, n);
    put32(bad, 20 + LCP_CD_IDENTOFFSET, (uint32_t)(n - 20 - 1));
    bad[n - 1] = 'x';
    assert_int_equal(lcp_cs_parse(bad, n, 0, &s, &err), LCP_E_MALFORMED);
    lcp_cs_signature_release(&s);
    /* A version whose fields do not fit the length. */
    memcpy(bad, sig, n);
    put32(bad, 20 + LCP_CD_VERSION, 0x20600);
    put32(bad, 20 + LCP_CD_LENGTH, LCP_CD_SIZE_20400);
    put32(bad, 4, 20 + LCP_CD_SIZE_20400);
    assert_int_equal(lcp_cs_parse(bad, 20 + LCP_CD_SIZE_20400, 0, &s, &err), LCP_E_MALFORMED);
    lcp_cs_signature_release(&s);
    /* Truncated everywhere: never a read past the bytes given. */
    for (size_t k = 0; k < n; k++) {
        uint8_t *t = malloc(k ? k : 1);
        memcpy(t, sig, k);
        lcp_status st = lcp_cs_parse(t, k, 0, &s, &err);
        assert_true(st == LCP_OK || st == LCP_E_MALFORMED);
        lcp_cs_signature_release(&s);
        free(t);
    }
}

/* identifier "com.x" and anchor apple generic and certificate
 * leaf[subject.OU] = "AB12" */
static void decompiles_a_designated_requirement(void **state) {
    (void)state;
    uint8_t r[256] = {0};
    size_t o = 12;
#define OP(v) (put32(r, o, (v)), o += 4)
#define DATA(s)                                                                                                        \
    do {                                                                                                               \
        size_t l_ = strlen(s);                                                                                         \
        OP((uint32_t)l_);                                                                                              \
        memcpy(&r[o], s, l_);                                                                                          \
        o += (l_ + 3) & ~(size_t)3;                                                                                    \
    } while (0)
    OP(6); /* and */
    OP(6); /* and */
    OP(2); /* ident */
    DATA("com.x");
    OP(15); /* anchor apple generic */
    OP(11); /* cert field */
    OP(0);  /* leaf */
    DATA("subject.OU");
    OP(1); /* equal */
    DATA("AB12");
    put32(r, 0, LCP_CSMAGIC_REQUIREMENT);
    put32(r, 4, (uint32_t)o);
    put32(r, 8, 1);
    char *t = lcp_cs_requirement_text(r, o);
    assert_non_null(t);
    assert_string_equal(t, "identifier \"com.x\" and anchor apple generic and certificate leaf[subject.OU] = AB12");
    free(t);
    /* or inside and: parenthesised. */
    o = 12;
    OP(6);
    OP(7);
    OP(1);
    OP(0);
    OP(3);
    put32(r, 4, (uint32_t)o);
    t = lcp_cs_requirement_text(r, o);
    assert_non_null(t);
    assert_string_equal(t, "(always or never) and anchor apple");
    free(t);
    /* Truncated: NULL, never a read past the end. */
    assert_null(lcp_cs_requirement_text(r, o - 2));
    /* A length field shorter than the header (a fuzz finding). */
    put32(r, 4, 8);
    assert_null(lcp_cs_requirement_text(r, o));
}

/* The signer's chain is followed by issuer name up to a self-issued root,
 * or to an issuer the CMS does not carry, within max entries. */
static void names_the_signer_chain(void **state) {
    (void)state;
    lcp_cs_cert certs[] = {
        {(char *)"Root", NULL, NULL, (char *)"Root"},
        {(char *)"Leaf", NULL, NULL, (char *)"Middle"},
        {(char *)"Middle", NULL, NULL, (char *)"Root"},
        {(char *)"Orphan", NULL, NULL, (char *)"Nobody here"},
    };
    lcp_cs_cms c;
    memset(&c, 0, sizeof c);
    c.certs = certs;
    c.ncerts = 4;
    size_t idx[8];
    c.signer = -1;
    assert_int_equal(lcp_cs_cms_chain(&c, idx, 8), 0);
    c.signer = 1;
    assert_int_equal(lcp_cs_cms_chain(&c, idx, 8), 3);
    assert_int_equal(idx[0], 1);
    assert_int_equal(idx[1], 2);
    assert_int_equal(idx[2], 0);
    assert_int_equal(lcp_cs_cms_chain(&c, idx, 2), 2);
    c.signer = 3;
    assert_int_equal(lcp_cs_cms_chain(&c, idx, 8), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hashes_known_vectors),
        cmocka_unit_test(hashes_pages_with_a_short_last_page),
        cmocka_unit_test(reads_and_verifies_a_built_signature),
        cmocka_unit_test(refuses_hostile_superblobs),
        cmocka_unit_test(decompiles_a_designated_requirement),
        cmocka_unit_test(names_the_signer_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
