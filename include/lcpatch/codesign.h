/* lcpatch: the embedded code signature (the SuperBlob LC_CODE_SIGNATURE
 * points at), read and verified.
 *
 * Reading (src/format/cs_read.c, cs_requirement.c, cs_entitlements.c,
 * cs_cms.c) decodes every blob through the bounded reader; the CMS and its
 * certificates through OpenSSL's libcrypto. Hashing (src/format/cs_hash.c)
 * is shared with the signer: lcp_cs_hash and lcp_cs_hash_pages compute
 * exactly what a CodeDirectory's slots hold. Verification
 * (src/format/cs_verify.c) checks what `codesign --verify --strict` checks
 * without a keychain: certificate trust is reported, never evaluated.
 *
 * Ownership: lcp_cs_read/lcp_cs_parse fill a caller-owned lcp_cs_signature
 * that owns a copy of the signature bytes and every string in it; release
 * it with lcp_cs_signature_release (safe on a zeroed struct). */
#ifndef LCPATCH_CODESIGN_H
#define LCPATCH_CODESIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/codesign_format.h"
#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LCP_CS_MAX_DIGEST 64u /* large enough for every digest we compute */
#define LCP_CS_MAX_CODEDIRS (1u + LCP_CSSLOT_ALTERNATE_CODEDIRECTORY_MAX)
#define LCP_CS_MAX_SIGNATURE_SIZE (64u << 20) /* above xnu's 40 MiB limit */

/* ---- hashing (shared with the signer) ---- */

/* The digest length of a CodeDirectory hash type (20, 32, 20, 48), or 0
 * for a type lcpatch does not know. */
size_t lcp_cs_hash_len(uint8_t hash_type);
/* "sha1", "sha256", "sha256-truncated", "sha384", or NULL. */
const char *lcp_cs_hash_name(uint8_t hash_type);
/* Hashes len bytes with hash_type (libcrypto EVP) into out, which holds
 * LCP_CS_MAX_DIGEST bytes; *out_len gets lcp_cs_hash_len(hash_type) (the
 * truncated type keeps the first 20 bytes of SHA-256). LCP_E_UNSUPPORTED
 * for an unknown type. */
lcp_status lcp_cs_hash(uint8_t hash_type, const uint8_t *bytes, size_t len, uint8_t *out, size_t *out_len,
                       lcp_error *err);
/* The code-page hashes of the image at [slice_offset, slice_offset +
 * code_limit) of src, as a CodeDirectory's code slots hold them: page k
 * covers [k << page_shift, min((k+1) << page_shift, code_limit)); page_shift
 * 0 means a single page. Writes ceil(code_limit / page) digests of
 * lcp_cs_hash_len(hash_type) bytes each to out (out_cap bytes), and their
 * count to *npages. LCP_E_USAGE when out is too small (npages is then set),
 * LCP_E_IO/LCP_E_MALFORMED when the bytes cannot be read. */
lcp_status lcp_cs_hash_pages(const lcp_source *src, uint64_t slice_offset, uint64_t code_limit, uint8_t page_shift,
                             uint8_t hash_type, uint8_t *out, size_t out_cap, uint64_t *npages, lcp_error *err);

/* The digest of a whole file's bytes (a bundle's sealed resources),
 * streamed. */
lcp_status lcp_cs_hash_file(uint8_t hash_type, const char *path, uint8_t *out, size_t *out_len, lcp_error *err);

/* ---- reading ---- */

typedef struct lcp_cs_blob {
    uint32_t type;   /* SuperBlob index type (LCP_CSSLOT_*) */
    uint32_t offset; /* from the SuperBlob's start */
    uint32_t magic;  /* the blob's own magic */
    uint32_t length; /* the blob's own length field */
} lcp_cs_blob;

typedef struct lcp_cs_codedir {
    uint32_t slot;   /* 0 (primary) or LCP_CSSLOT_ALTERNATE_CODEDIRECTORIES + k */
    uint32_t offset; /* from the SuperBlob's start */
    uint32_t length;
    uint32_t version;
    uint32_t flags; /* LCP_CS_* */
    uint32_t hash_offset;
    uint32_t ident_offset;
    uint32_t nspecial;
    uint32_t ncode;
    uint8_t hash_size, hash_type, platform, page_shift;
    uint64_t code_limit; /* codeLimit64 when set, else codeLimit */
    uint32_t scatter_offset;
    uint32_t team_offset;
    bool has_exec_seg;
    uint64_t exec_seg_base, exec_seg_limit, exec_seg_flags;
    bool has_runtime;
    uint32_t runtime; /* the runtime version (packed X.Y.Z), >= 0x20500 */
    char *identifier; /* owned */
    char *team_id;    /* owned, NULL when absent */
    /* The CodeDirectory's digest with its own hash type (cdhash: the first
     * 20 bytes). */
    uint8_t cdhash[LCP_CS_MAX_DIGEST];
    size_t cdhash_len;
} lcp_cs_codedir;

typedef struct lcp_cs_cert {
    char *subject_cn; /* owned; NULL when absent */
    char *subject_ou; /* the team id in Apple's certificates */
    char *subject_o;
    char *issuer_cn;
} lcp_cs_cert;

typedef struct lcp_cs_cms {
    size_t size;        /* bytes of the CMS (0: an empty wrapper, as ad hoc signing writes) */
    bool parsed;        /* libcrypto decoded it */
    char error[160];    /* why not, when !parsed */
    lcp_cs_cert *certs; /* owned, in the CMS's order */
    size_t ncerts;
    long signer;           /* index in certs of the signer's certificate, or -1 */
    char digest[16];       /* the signer's digest algorithm ("sha256") */
    bool has_signed_attrs; /* else the signature covers the CodeDirectory itself (before 2012) */
    bool has_signing_time;
    char signing_time[32];   /* ISO 8601 UTC, "2021-03-04T05:06:07Z" */
    bool has_timestamp;      /* an RFC 3161 token (id-smime-aa-timeStampToken) */
    char timestamp_time[32]; /* its genTime, "" when the token does not decode */
    uint8_t message_digest[LCP_CS_MAX_DIGEST];
    size_t message_digest_len; /* 0: no messageDigest attribute */
    uint8_t *cdhashes;         /* owned: the cdhashes plist attribute's entries */
    size_t ncdhashes;          /* each LCP_CS_MAX_DIGEST bytes wide in cdhashes */
    size_t *cdhash_lens;       /* owned, ncdhashes entries */
} lcp_cs_cms;

/* The chain from the signer up by issuer name, within the CMS's own
 * certificates (a self-issued one is the root): indices into c->certs, at
 * most max of them; 0 without a signer. The chain is named, not
 * evaluated. */
size_t lcp_cs_cms_chain(const lcp_cs_cms *c, size_t *idx, size_t max);

typedef struct lcp_cs_signature {
    uint8_t *data; /* owned copy of the signature bytes (datasize) */
    size_t len;
    uint64_t file_offset; /* of data[0] in the file */
    uint32_t magic, length, count;
    lcp_cs_blob *blobs; /* owned, count entries */
    lcp_cs_codedir cds[LCP_CS_MAX_CODEDIRS];
    size_t ncds; /* the primary first, then the alternates in slot order */
    /* Requirements (slot 2). */
    bool has_requirements;
    uint32_t requirements_size;
    uint32_t nrequirements;
    char *designated; /* owned: the designated requirement as text, or NULL */
    uint32_t designated_size;
    /* Entitlements, XML (slot 5) and DER (slot 7): top-level keys. */
    bool has_entitlements;
    uint32_t entitlements_size;
    char **entitlement_keys; /* owned */
    size_t nentitlement_keys;
    char *entitlements_xml; /* owned NUL-terminated copy of the plist */
    bool has_der_entitlements;
    uint32_t der_entitlements_size;
    char **der_entitlement_keys; /* owned */
    size_t nder_entitlement_keys;
    /* The CMS blob wrapper (slot 0x10000). */
    bool has_cms;
    lcp_cs_cms cms;
} lcp_cs_signature;

/* The LC_CODE_SIGNATURE of img, or -1 (unsigned). */
long lcp_cs_command(const lcp_image *img);
/* Reads and decodes img's signature from src (img lies at img->offset).
 * LCP_E_NOTFOUND when img has no LC_CODE_SIGNATURE; LCP_E_MALFORMED (with
 * the file offset) when the SuperBlob or a blob breaks the format; a CMS
 * libcrypto cannot decode is not an error (cms.parsed is false). */
lcp_status lcp_cs_read(const lcp_source *src, const lcp_image *img, lcp_cs_signature *out, lcp_error *err);
/* Decodes a signature held in memory (copied); file_offset is used in
 * messages. On failure (here and in lcp_cs_read) *out is left empty. */
lcp_status lcp_cs_parse(const uint8_t *data, size_t len, uint64_t file_offset, lcp_cs_signature *out, lcp_error *err);
void lcp_cs_signature_release(lcp_cs_signature *sig);

/* The blob of this index type, or NULL. */
const lcp_cs_blob *lcp_cs_find_blob(const lcp_cs_signature *sig, uint32_t type);
/* Stored hash of special slot k (1..nspecial) or code slot k (0..ncode-1)
 * of cd: a view into sig->data, cd->hash_size bytes; NULL when outside. */
const uint8_t *lcp_cs_special_slot(const lcp_cs_signature *sig, const lcp_cs_codedir *cd, uint32_t k);
const uint8_t *lcp_cs_code_slot(const lcp_cs_signature *sig, const lcp_cs_codedir *cd, uint32_t k);
/* A name for a CodeDirectory flag bit ("adhoc", "runtime"...), or NULL. */
const char *lcp_cs_flag_name(uint32_t bit);
/* A name for an exec segment flag bit ("main-binary"...), or NULL. */
const char *lcp_cs_execseg_flag_name(uint64_t bit);
/* A name for a special slot ("Info.plist", "requirements"...), or NULL. */
const char *lcp_cs_slot_name(uint32_t k);
/* The kind of signature: "linker-signed", "adhoc", "certificate" (a CMS
 * with a signer) or "unknown". */
const char *lcp_cs_kind(const lcp_cs_signature *sig);

/* Decodes a requirement expression blob (magic LCP_CSMAGIC_REQUIREMENT) to
 * codesign's text; NULL when it uses something lcpatch does not print
 * (the caller then shows its size). Owned by the caller (free). */
char *lcp_cs_requirement_text(const uint8_t *blob, size_t len);

/* ---- verifying ---- */

typedef enum lcp_cs_verdict { LCP_CSV_VALID = 0, LCP_CSV_INVALID, LCP_CSV_UNSIGNED } lcp_cs_verdict;

typedef enum lcp_cs_problem {
    LCP_CSP_OK = 0,
    LCP_CSP_BAD_PAGE,    /* a code page's hash differs (page, file_offset) */
    LCP_CSP_BAD_SLOT,    /* a special slot's hash differs or its data is missing (slot) */
    LCP_CSP_BAD_CODEDIR, /* a CodeDirectory is inconsistent (slot counts, code limit, hash type) */
    LCP_CSP_BAD_CMS,     /* the CMS does not sign this CodeDirectory, or its signature fails */
    LCP_CSP_BAD_FORMAT   /* the SuperBlob or a blob breaks the format */
} lcp_cs_problem;

/* What lies outside the image and is sealed by special slots: the bundle's
 * Info.plist (slot 1) and _CodeSignature/CodeResources (slot 3). NULL
 * when there is none; an image outside a bundle hashes its
 * __TEXT,__info_plist section for slot 1. */
typedef struct lcp_cs_external {
    const uint8_t *info_plist;
    size_t info_plist_len;
    const uint8_t *resources;
    size_t resources_len;
} lcp_cs_external;

typedef struct lcp_cs_result {
    lcp_cs_verdict verdict;
    lcp_cs_problem problem;
    size_t cd_index;      /* the CodeDirectory concerned (index in sig->cds) */
    uint32_t cd_slot;     /* its SuperBlob slot */
    uint64_t page;        /* LCP_CSP_BAD_PAGE: the page index */
    uint64_t file_offset; /* the page's file offset, the slot's or blob's, or LCP_NO_OFFSET */
    uint32_t slot;        /* LCP_CSP_BAD_SLOT: the special slot number (1..) */
    char message[320];    /* one line saying what failed */
    uint64_t pages_checked;
    uint32_t slots_checked;
    bool cms_checked; /* a CMS signature over the CodeDirectory was checked */
    /* Bit k set: special slot k (Info.plist, resource seal) is sealed but
     * its data lies outside the image and was not given: not checked. */
    uint32_t unsealed_external;
} lcp_cs_result;

/* Verifies img (from src) against its signature sig (from lcp_cs_read):
 * every CodeDirectory's code pages and special slots, and the CMS's
 * messageDigest / cdhashes against the CodeDirectories, and the CMS
 * signature itself. The first failure is reported in out. Fails only for
 * I/O or memory. ext may be NULL. */
lcp_status lcp_cs_verify(const lcp_source *src, const lcp_image *img, const lcp_cs_signature *sig,
                         const lcp_cs_external *ext, lcp_cs_result *out, lcp_error *err);
/* Reads and verifies: an unsigned image is LCP_CSV_UNSIGNED, a malformed
 * signature LCP_CSV_INVALID (LCP_CSP_BAD_FORMAT, message and offset from
 * the reader). sig (may be NULL) receives what was read; release it. */
lcp_status lcp_cs_check(const lcp_source *src, const lcp_image *img, const lcp_cs_external *ext, lcp_cs_signature *sig,
                        lcp_cs_result *out, lcp_error *err);

/* ---- bundles (src/format/cs_bundle.c) ---- */

/* A bundle's signed parts: the folder that holds _CodeSignature (Contents
 * for a macOS app, Versions/<current> for a framework, the root for a
 * shallow iOS-style bundle), its Info.plist, its main executable and the
 * resource seal. Owned by the struct; lcp_cs_bundle_release frees it. */
typedef struct lcp_cs_bundle {
    char *root;       /* as given */
    char *base;       /* paths in the seal are relative to it */
    char *executable; /* the main executable's path, or NULL */
    char *info_path;  /* Info.plist's path, or NULL */
    uint8_t *info_plist;
    size_t info_plist_len;
    uint8_t *resources; /* _CodeSignature/CodeResources, or NULL */
    size_t resources_len;
    lcp_cs_external ext; /* views of the two above, for lcp_cs_verify */
} lcp_cs_bundle;

/* Finds the bundle's parts. LCP_E_NOTFOUND when path is a folder but no
 * bundle (no Info.plist naming an executable, no _CodeSignature). */
lcp_status lcp_cs_bundle_open(const char *path, lcp_cs_bundle *b, lcp_error *err);
void lcp_cs_bundle_release(lcp_cs_bundle *b);

typedef enum lcp_cs_change_kind {
    LCP_CS_FILE_ADDED,    /* on disk, sealable by the rules, not in the seal */
    LCP_CS_FILE_MODIFIED, /* its hash (or symlink target, or nested cdhash) differs */
    LCP_CS_FILE_MISSING   /* in the seal, not optional, not on disk */
} lcp_cs_change_kind;

typedef struct lcp_cs_change {
    lcp_cs_change_kind kind;
    char *path; /* owned, relative to base */
} lcp_cs_change;

typedef struct lcp_cs_seal_report {
    bool sealed;            /* a CodeResources was found and read */
    lcp_cs_change *changes; /* owned, in path order */
    size_t nchanges;
    char **nested; /* owned: nested code the seal names (relative to base) */
    size_t nnested;
    size_t files_checked;
} lcp_cs_seal_report;

/* Compares _CodeSignature/CodeResources (files2 with hash2, else files
 * with hash; optional, omit and nested rules) with the files under
 * b->base. Nested code is listed in r->nested and its cdhash compared with
 * the seal's (a mismatch is LCP_CS_FILE_MODIFIED); verifying the nested
 * code itself is the caller's next step. LCP_E_MALFORMED when the seal is
 * not an XML plist. */
lcp_status lcp_cs_bundle_check_seal(const lcp_cs_bundle *b, lcp_cs_seal_report *r, lcp_error *err);
void lcp_cs_seal_report_release(lcp_cs_seal_report *r);
/* "file added", "file modified", "file missing" (codesign's words). */
const char *lcp_cs_change_name(lcp_cs_change_kind k);

/* ---- a bundle and its nested code (src/job/verify_bundle.c) ---- */

/* How deep nested bundles are followed: deeper is an error. */
#define LCP_CS_BUNDLE_MAX_NESTING 16

/* What verifying a bundle (`codesign --verify --deep`) reads beyond its
 * Mach-O files: the bundle's parts, its resource seal compared with the
 * files, and each nested code the seal names, a folder read the same way
 * (recursively) and a file left to the caller. The Mach-O files (the main
 * executable, checked with bundle.ext, and every nested file, checked
 * alone) are the caller's to check with lcp_cs_check, one at a time, as it
 * reports them. Every failure is recorded where it happened, so that the
 * caller reports it in its place. Owned by the struct. */
typedef struct lcp_cs_bundle_tree lcp_cs_bundle_tree;

typedef struct lcp_cs_nested_code {
    char *path;                 /* owned: the bundle's base, "/", the seal's path */
    lcp_cs_bundle_tree *bundle; /* owned: a folder (a nested bundle), else NULL (a file) */
} lcp_cs_nested_code;

struct lcp_cs_bundle_tree {
    /* LCP_OK, or why the bundle was not read (err): not a bundle
     * (lcp_cs_bundle_open's errors), nested deeper than
     * LCP_CS_BUNDLE_MAX_NESTING (LCP_E_UNSUPPORTED), out of memory; then
     * nothing below is set. */
    lcp_status status;
    lcp_error err;
    lcp_cs_bundle bundle; /* its parts; bundle.executable NULL: none found */
    /* LCP_OK, or why the seal could not be compared (seal_err); then seal
     * holds what was compared before the failure. */
    lcp_status seal_status;
    lcp_error seal_err;
    lcp_cs_seal_report seal;
    lcp_cs_nested_code *nested; /* owned: one per seal.nested, in its order */
    size_t nnested;
};

/* Reads the bundle at path into *t (release it whatever the status) and
 * returns t->status. */
lcp_status lcp_cs_bundle_tree_read(const char *path, lcp_cs_bundle_tree *t);
void lcp_cs_bundle_tree_release(lcp_cs_bundle_tree *t);

#ifdef __cplusplus
}
#endif
#endif
