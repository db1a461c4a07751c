/* lcpatch: rescue, the one step from a legacy library to a file that
 * `codesign --force --options runtime --timestamp --sign ID` signs and the
 * notary service accepts.
 *
 * Per file, everything is planned before anything is written:
 *   0. a file built for another platform (iOS, tvOS, watchOS...) is left
 *      alone (LCP_RESCUE_OTHER_PLATFORM);
 *   1. drop the legacy slices (ppc, ppc64, i386, 32-bit ARM, m68k...; see
 *      lcp_arch_is_legacy) or keep only the --keep architectures; a file
 *      with no x86_64 or arm64 slice left is planned as nothing
 *      (LCP_RESCUE_NO_64BIT: the CLI refuses it, or skips it);
 *   2. remove the signature of every kept slice (codesign_allocate -r,
 *      lcp_unsign_image);
 *   3. raise the sdk of every macOS slice to at least opt->sdk
 *      (lcp_version_raise_sdk: in place whenever the slice has a version
 *      command);
 *   4. preflight every kept slice that codesign will sign (not MH_OBJECT,
 *      not MH_DSYM: debug symbols are neither signed nor notarised):
 *      at least 16 bytes of header space for the LC_CODE_SIGNATURE codesign
 *      adds, every cmdsize a multiple of 8 (64-bit) or 4 (32-bit), and
 *      __LINKEDIT ending at the end of the slice. A failure is a blocker
 *      (with its reason): the file is not written.
 * Static archives (thin or fat) are rescued member by member: legacy
 * slices dropped, the sdk of every object member raised in place (a member
 * with no version command and no header space is left as it is and noted).
 * The audit of load paths (step 5) is the caller's: see lcp_audit_path.
 *
 * Ownership: lcp_rescue_plan_file returns a heap lcp_rescue_file (release
 * with lcp_rescue_file_free) that owns the opened input (`file`), the edited
 * images, the output plan (`plan`, whose copy pieces read from file->src)
 * and every string of its report. */
#ifndef LCPATCH_RESCUE_H
#define LCPATCH_RESCUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/audit.h"
#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"
#include "lcpatch/output.h"
#include "lcpatch/version.h"
#include "lcpatch/write.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lcp_rescue_options {
    uint32_t sdk;              /* the lowest sdk to leave (default LCP_VERSION(10, 9, 0)) */
    const uint32_t (*keep)[2]; /* --keep: {cputype, cpusubtype} to keep; NULL: drop the legacy ones */
    size_t nkeep;
} lcp_rescue_options;

void lcp_rescue_options_init(lcp_rescue_options *o);

typedef enum lcp_rescue_state {
    LCP_RESCUE_CHANGED, /* the plan changes the file */
    LCP_RESCUE_ALREADY, /* already rescued: the plan is the identity */
    LCP_RESCUE_BLOCKED, /* a kept slice fails the preflight: do not write */
    /* Nothing is planned for the next two (the plan is empty: never write
     * it); `reason` says why. */
    LCP_RESCUE_NO_64BIT,      /* no x86_64 or arm64 slice (member) to keep: nothing can be notarised */
    LCP_RESCUE_OTHER_PLATFORM /* built for iOS, tvOS, watchOS...: not a macOS file, left alone */
} lcp_rescue_state;

/* One slice (or archive member) of the input and what rescue does to it. */
typedef struct lcp_rescue_slice {
    char arch[48];
    char *member;           /* archive member name (owned), or NULL */
    bool removed;           /* dropped (legacy, or not in --keep) */
    bool signature_removed; /* its LC_CODE_SIGNATURE and data go */
    bool sdk_checked;       /* sdk holds the version edit's report */
    lcp_sdk_change sdk;
    uint64_t size_before, size_after;
    int64_t space_before, space_after; /* vtool-rule header space (bytes) */
    bool preflight;                    /* the preflight ran (not for objects, dSYMs or removed slices) */
    bool not_macho;                    /* an archive member that is not Mach-O (the symbol table) */
    char blocker[700];                 /* why codesign would fail, or "" */
    char note[160];                    /* something left alone on purpose, or "" */
} lcp_rescue_slice;

typedef struct lcp_rescue_file {
    char *path; /* owned copy */
    lcp_rescue_state state;
    char reason[200];         /* NO_64BIT, OTHER_PLATFORM: why nothing is planned */
    uint32_t platform;        /* OTHER_PLATFORM: the first platform found (PLATFORM_IOS...) */
    lcp_rescue_slice *slices; /* owned: every input slice, or every member of a thin archive */
    size_t nslices;
    size_t removed, unsigned_slices, sdk_raised, blockers;
    uint64_t size_before, size_after;
    bool thin_output;   /* the output is a thin file (one slice left) */
    lcp_file *file;     /* owned: the opened input */
    lcp_plan plan;      /* owned: the output */
    lcp_image **edited; /* private: owned clones */
    size_t nedited;
} lcp_rescue_file;

/* Plans the rescue of one Mach-O file (thin, fat, fat64, archive). Returns
 * LCP_OK with a report whose state says what writing `plan` would do
 * (LCP_RESCUE_NO_64BIT and LCP_RESCUE_OTHER_PLATFORM: nothing, the file is
 * left alone); fails (nothing allocated) when the file cannot be read, is
 * not Mach-O, is malformed, or when a --keep architecture is not in it
 * (LCP_E_NOTFOUND).
 * A file is for another platform when some image (slice or archive member)
 * has a version command and none is for macOS, Mac Catalyst or DriverKit
 * (the platforms that run on a Mac): dropping its 32-bit ARM slices and
 * raising a macOS sdk would make nothing a Mac can run. Images with no
 * version command at all count as macOS (the legacy libraries rescue is
 * for). */
lcp_status lcp_rescue_plan_file(const char *path, const lcp_rescue_options *opt, lcp_rescue_file **out, lcp_error *err);
/* The same, for a file already read (f, which the report takes over, and
 * is freed on failure); path names it in the report. */
lcp_status lcp_rescue_plan(const char *path, lcp_file *f, const lcp_rescue_options *opt, lcp_rescue_file **out,
                           lcp_error *err);
void lcp_rescue_file_free(lcp_rescue_file *rf);

/* Step 4 for one image that ends at `size` bytes: true when codesign can
 * sign it; else false with the reason in `reason`. */
bool lcp_rescue_preflight(const lcp_image *img, uint64_t size, char *reason, size_t len);

/* Every Mach-O file (thin, fat, archive: recognised by magic, not by name)
 * under path, or path itself when it is a file. Folders are walked
 * recursively in name order; symbolic links are not followed (a bundle's
 * Versions/Current would give every file twice). *paths is a heap array of
 * heap strings (lcp_rescue_paths_free). A path that is a file is returned
 * as is even when it is not Mach-O (opening it reports that). */
lcp_status lcp_rescue_find_files(const char *path, char ***paths, size_t *n, lcp_error *err);
void lcp_rescue_paths_free(char **paths, size_t n);

/* rescue --adhoc (src/job/rescue_adhoc.c): the rescued file signed ad hoc,
 * as `codesign -s -` signs it, so that the result runs on the machine that
 * made it (Apple silicon kills unsigned arm64 code). The rescue's plan is
 * materialised in memory, opened as a file and signed (lcp_sign_adhoc_file,
 * lcpatch/sign.h); the signed plan replaces the rescue's when the output is
 * written. */
typedef struct lcp_rescue_adhoc {
    uint8_t *bytes; /* the rescued file (the signed plan's source) */
    lcp_file *file; /* those bytes, parsed */
    lcp_plan plan;  /* the rescued file signed ad hoc */
} lcp_rescue_adhoc;

/* Signs rf's output ad hoc; dest (the output's path) names the identifier
 * as codesign would name it there. *out owned by the caller; NULL (and
 * LCP_OK) for a static archive or an object file, which is not signed. */
lcp_status lcp_rescue_adhoc_sign(const lcp_rescue_file *rf, const char *dest, lcp_rescue_adhoc **out, lcp_error *err);
void lcp_rescue_adhoc_free(lcp_rescue_adhoc *a);

/* Step 5's findings (lcp_audit_path over the PATHs) against the planned
 * files (src/edit/rescue_findings.c).
 * lcp_rescue_finding_of: true when fd is about the file at path, found
 * under root (root itself for a file argument).
 * lcp_rescue_finding_kept: true when fd is about a slice the rescue of rf
 * keeps (findings in removed legacy slices go away with them, and files
 * left alone are not signed); rf NULL (not planned): true.
 * lcp_rescue_finding_blocks: true when fd stops the goal, a program signed
 * with the hardened runtime that runs: audit's errors, and the relative
 * load paths and rpaths that audit only warns about (dyld refuses them in
 * hardened programs, so rescue's verdict cannot be "ready" with one left).
 * lcp_rescue_signable: true when codesign signs rf's output: rescued (or
 * already), with some kept image neither an object (archives) nor a
 * dSYM. */
bool lcp_rescue_finding_of(const char *root, const char *path, const lcp_audit_finding *fd);
bool lcp_rescue_finding_kept(const lcp_rescue_file *rf, const lcp_audit_finding *fd);
bool lcp_rescue_finding_blocks(const lcp_audit_finding *fd);
bool lcp_rescue_signable(const lcp_rescue_file *rf);

/* The command's record of one file (src/job/rescue_items.c): what was
 * planned, written and found for it; rescue's reports print from it. */
typedef struct lcp_rescue_item {
    const char *root; /* the PATH argument it came from */
    char *path;       /* borrowed from the found-files lists */
    const char *dest; /* output path, or NULL for --dry-run */
    lcp_rescue_file *rf;
    lcp_error err;
    bool failed, written;
    bool skipped;             /* unrescuable, left as it is (--skip-unrescuable) */
    lcp_rescue_adhoc *adhoc;  /* --adhoc: the output signed ad hoc */
    size_t nfindings, errors; /* audit findings that concern the kept slices */
} lcp_rescue_item;

/* rescue's files (src/job/rescue_items.c): every Mach-O file found under
 * each PATH (lcp_rescue_find_files) that no --exclude names (the file, or
 * a folder it lies under), one item each, in order; a PATH that cannot be
 * read is one failed item of its own (its error in err), so that every
 * PATH appears in the report. dest: out's destination (NULL for a dry run
 * without -o or --in-place). Release with lcp_rescue_items_release, which
 * frees each item's plan and signature too. */
typedef struct lcp_rescue_items {
    lcp_rescue_item *v;
    size_t n;
    char ***found;   /* owned: per PATH, the files found (the items' paths) */
    size_t *nfound;  /* per PATH: how many (0: a folder with no Mach-O file) */
    size_t nroots;   /* PATHs */
    bool *excl_used; /* per --exclude: some file found was left out by it */
} lcp_rescue_items;
/* False when out of memory. */
bool lcp_rescue_items_find(lcp_rescue_items *s, char *const *roots, size_t nroots, char *const *excl, size_t nexcl,
                           const lcp_output_opts *out, bool dry_run);
void lcp_rescue_items_release(lcp_rescue_items *s);

/* The item a finding of step 5 counts for: the first whose root/file (root
 * itself for a file argument) it is about, when the finding concerns a
 * slice that item keeps (lcp_rescue_finding_kept); NULL when rescue did not
 * plan that file (a symlink audit followed, say) or the slice goes. */
lcp_rescue_item *lcp_rescue_item_of(lcp_rescue_item *items, size_t n, const lcp_audit_finding *fd);
/* Sets each item's nfindings and errors (lcp_rescue_finding_blocks) from
 * ar; returns the errors of all of them. */
size_t lcp_rescue_items_count_findings(lcp_rescue_item *items, size_t n, const lcp_audit_report *ar);
/* True when some file rescue made or kept is an archive or an object only
 * (what codesign never signs). */
bool lcp_rescue_items_unsigned(const lcp_rescue_item *items, size_t n);
/* The next step: the codesign command that signs every output (a bundle's
 * files inside out, then each bundle PATH), paths quoted for sh. Owned
 * string (free), or NULL when nothing is to be signed. */
char *lcp_rescue_next_step(const lcp_rescue_item *items, size_t n, char *const *roots, size_t nroots);

#ifdef __cplusplus
}
#endif
#endif
