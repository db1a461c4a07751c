/* lcpatch: writing a code signature. The linker's ad-hoc signature
 * ("linker-signed", what ld64 and ld64.lld write into every arm64 image):
 * one SHA-256 CodeDirectory, version 0x20400, flags adhoc | linker-signed,
 * 4 KiB pages covering the image up to the signature, the exec segment
 * (__TEXT), no special slots, no requirements, no CMS.
 *
 * Ownership: nothing here allocates beyond the caller's plan. */
#ifndef LCPATCH_SIGN_H
#define LCPATCH_SIGN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/write.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which linker's layout of the same blob (see src/edit/sign.c): ld64.lld
 * pads the headers and the size to 16 bytes, ld64 pads nothing. */
typedef enum lcp_sign_flavor { LCP_SIGN_LLD, LCP_SIGN_LD64 } lcp_sign_flavor;

typedef struct lcp_sign_opts {
    /* The CodeDirectory's identifier; NULL for the linker's: the last
     * component of the install name (LC_ID_DYLIB) when the image has one,
     * else of out_name (ld64.lld names the signature after its -o). */
    const char *identifier;
    const char *out_name;   /* the output file's path */
    lcp_sign_flavor flavor; /* LCP_SIGN_LLD (0) unless ld64's is asked for */
} lcp_sign_opts;

/* The plan of f with every Mach-O slice (thin or fat) signed as ld64.lld
 * signs its output: an old signature is removed first (lcp_unsign_image),
 * then LC_CODE_SIGNATURE is added (lcp_sigspace_image, data 16-byte
 * aligned at the end of __LINKEDIT) and filled. Archives and archive
 * slices are copied as they are. Each slice's bytes up to its signature
 * are read once, a page at a time, to be hashed.
 * Errors: those of lcp_unsign_image and lcp_sigspace_image (no room for the
 * command: LCP_E_NOSPACE), LCP_E_IO, LCP_E_NOMEM. */
lcp_status lcp_sign_linker_file(const lcp_file *f, const lcp_sign_opts *o, lcp_plan *out, lcp_error *err);

/* True when img (an image of a file read from src, edited or not: its
 * LC_CODE_SIGNATURE still names the input's bytes) carries a linker
 * signature: its CodeDirectory's flags hold CS_LINKER_SIGNED. */
bool lcp_image_linker_signed(const lcp_source *src, const lcp_image *img);

/* True when img (as for lcp_image_linker_signed) carries an ad-hoc
 * signature codesign made (`codesign -s -`: flag adhoc without
 * linker-signed, no signer in the CMS), read by lcp_cs_read, of one or two
 * CodeDirectories: one that lcp_sign_edited makes again after an edit. */
bool lcp_image_adhoc_signed(const lcp_source *src, const lcp_image *img);

/* The plan of f whose images `edited` (n of them, images of f) were edited
 * in place, as lcp_plan_edited_images makes it, except that every edited
 * slice image that carried an ad-hoc signature is signed again with one
 * of the same kind (what the native writers do after an edit):
 *  - a linker signature as the linker would sign the edited result (what
 *    Xcode's tools do): the identifier is the install name's last
 *    component when there is one, else the old signature's;
 *  - codesign's ad-hoc signature (lcp_image_adhoc_signed) as `sign
 *    --adhoc` signs it, with the old signature's identifier, flags,
 *    runtime version, hash types, requirements and entitlements, and its
 *    Info.plist and resource-seal slot hashes copied as they were.
 * A certificate's signature cannot be made without its key: it is left
 * (stale). *resigned tells whether any was signed again; when an edited
 * image is an archive member, or none was ad-hoc signed, the plan is
 * lcp_plan_edited_images's. */
lcp_status lcp_sign_edited(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *out, bool *resigned,
                           lcp_error *err);

/* The same for linker signatures only (codesign's ad-hoc ones are left
 * stale, as Apple's tools leave them), and each re-signed slice's
 * LC_CODE_SIGNATURE keeps its index
 * among the load commands (every other command keeps its bytes and place;
 * commands an edit appended stay after it), as Xcode's vtool and
 * install_name_tool sign again where the signature is: only the signature,
 * its datasize and __LINKEDIT's sizes change. lcp_sign_edited puts it
 * last, as a linker does. */
lcp_status lcp_sign_edited_in_place(const lcp_file *f, lcp_image **edited, size_t n, lcp_plan *out, bool *resigned,
                                    lcp_error *err);

/* codesign's ad-hoc signature (`codesign -s - [--identifier ID] [-o
 * runtime] [--entitlements FILE]`), as Apple's Security framework writes
 * it: a SuperBlob of the CodeDirectory (SHA-256, 4 KiB pages; a SHA-1 one
 * first and the SHA-256 one as the alternate when the deployment target
 * predates SHA-256: macOS < 10.11.4, iOS/tvOS < 11, watchOS < 4, or no
 * version command), an empty requirement set, the entitlements (XML, and
 * DER for executables), an empty CMS wrapper; flags adhoc (+ runtime),
 * the exec segment (__TEXT; main-binary for executables, with the flags
 * entitlements imply), special slots: Info.plist (1: the bundle's, else
 * __TEXT,__info_plist), requirements (2), resources (3), entitlements
 * (5, 7). The room is codesign's estimate (the blob with an 18000-byte
 * CMS allowance and the CodeDirectory at version 0x20500, rounded to 16),
 * made as codesign_allocate makes it; the rest of it is zeros. */
typedef struct lcp_adhoc_opts {
    /* NULL: codesign's default: __info_plist's CFBundleIdentifier, else
     * the canonical name of `name` (libfoo.1.2.dylib -> libfoo.1), with
     * "-" and the hex of "UUID"+LC_UUID (or the SHA-1 of the header and
     * commands) appended when it has no dot. */
    const char *identifier;
    const char *name;            /* the path the identifier derives from */
    bool runtime;                /* --options runtime: flag 0x10000, runtime = sdk */
    const uint8_t *entitlements; /* XML plist, or NULL */
    size_t entitlements_len;
    const uint8_t *info_plist; /* a bundle's Info.plist (slot 1), or NULL */
    size_t info_plist_len;
    const uint8_t *resources; /* _CodeSignature/CodeResources (slot 3), or NULL */
    size_t resources_len;
} lcp_adhoc_opts;

/* The plan of f with every Mach-O slice signed ad hoc as codesign signs
 * it (an old signature replaced in its place, as codesign_allocate does).
 * Errors: as lcp_sign_linker_file's; LCP_E_USAGE for entitlements that are
 * not an XML dict or hold values DER cannot carry. */
lcp_status lcp_sign_adhoc_file(const lcp_file *f, const lcp_adhoc_opts *o, lcp_plan *out, lcp_error *err);

/* Signs the bundle folder at path (App.app, Foo.framework, a plug-in) in
 * place as `codesign -s - --deep` does (src/job/sign_bundle.c): nested
 * code inside out, _CodeSignature/CodeResources with codesign's default
 * resource rules, then the main executable with o's identifier (NULL: the
 * Info.plist's CFBundleIdentifier), entitlements and runtime; o's name,
 * info_plist and resources are ignored (the bundle gives them). Every file
 * is staged first (write_flags: LCP_WRITE_*) and replaced only when all
 * were written: on failure the bundle is as it was.
 * Errors: those of lcp_cs_bundle_open (LCP_E_NOTFOUND: a folder but no
 * bundle) and lcp_sign_adhoc_file; LCP_E_UNSUPPORTED for a bundle with no
 * Mach-O main executable or nested code deeper than 16 levels; LCP_E_IO. */
lcp_status lcp_sign_bundle_adhoc(const char *path, const lcp_adhoc_opts *o, unsigned write_flags, lcp_error *err);

/* Entitlements (an XML plist whose root is a dict) as the DER codesign
 * writes into the 0xfade7172 blob, through libcrypto's ASN.1 encoder;
 * *der owned by the caller. *execseg_flags (may be NULL) gets the exec
 * segment flags its true entitlements imply (get-task-allow,
 * dynamic-codesigning ...). */
lcp_status lcp_entitlements_der(const uint8_t *xml, size_t len, uint8_t **der, size_t *der_len, uint64_t *execseg_flags,
                                lcp_error *err);

/* The last component of path (the identifier ld64.lld derives from a name). */
const char *lcp_sign_default_identifier(const char *path);

/* The write of Apple's install_name_tool (Xcode's build, which signs
 * again: CODEDIRECTORY_SUPPORT, codedir_is_linker_signed) of f whose
 * images `edited` (n of them, slice images of f) were edited in place.
 * When one carried the linker's signature (lcp_image_linker_signed), the
 * plan is lcp_sign_edited_in_place's and resigned[s] (f->nslices entries)
 * marks its slices. Else, or when the signer cannot sign there (a layout
 * it does not know: then resigned[] is all false, and the caller warns
 * that the signatures are stale, as Apple's tool does), Apple's plain
 * write: each edited image's new header and commands in place, every other
 * byte as it was; an image whose commands now run past its end (nothing
 * bounded its header) makes a thin file grow to hold them, and a fat one
 * fails (LCP_E_NOSPACE). */
lcp_status lcp_plan_apple_edit(const lcp_file *f, lcp_image **edited, size_t n, bool *resigned, lcp_plan *out,
                               lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
