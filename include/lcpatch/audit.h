/* lcpatch: audit the load paths of files, bundles and trees the way dyld
 * resolves them (docs/audit.md has the rules and the JSON schema).
 *
 * Ownership: an lcp_audit_report is caller-owned (lcp_audit_report_init /
 * lcp_audit_report_release); every string in its findings and failures is
 * owned by the report. lcp_audit_path appends to a report, so several roots
 * can be audited into one. The library never prints: progress goes through
 * the optional callback, failures on single files are collected in the
 * report, and only a failure on the root itself is returned. */
#ifndef LCPATCH_AUDIT_H
#define LCPATCH_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_audit_severity { LCP_AUDIT_WARNING, LCP_AUDIT_ERROR } lcp_audit_severity;

typedef enum lcp_audit_kind {
    LCP_AUDIT_DANGLING,             /* error: resolves nowhere */
    LCP_AUDIT_MISSING_WEAK,         /* warning: a weak load that resolves nowhere */
    LCP_AUDIT_OUTSIDE_BUNDLE,       /* error: resolves only outside the bundle, not a system location */
    LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, /* warning: an LC_RPATH outside the bundle and the system */
    LCP_AUDIT_DUPLICATE_RPATH,      /* warning: the same LC_RPATH twice in one image */
    LCP_AUDIT_UNUSED_RPATH,         /* warning: no @rpath lookup resolved through it */
    LCP_AUDIT_RELATIVE_PATH,        /* warning: a bare relative install name or rpath */
    LCP_AUDIT_ABSOLUTE_ID,          /* warning: LC_ID_DYLIB absolute for a library inside a bundle */
    LCP_AUDIT_DLOPEN,               /* warning: a constant dlopen()-style path that does not resolve */
    LCP_AUDIT_LOADER_RPATH          /* warning: an @rpath/ load that only the unknown loader's LC_RPATHs can resolve */
} lcp_audit_kind;

/* "dangling", "missing-weak", ... (stable: used in JSON and SARIF). */
const char *lcp_audit_kind_name(lcp_audit_kind kind);
/* A one-line description of the rule (SARIF rule text). */
const char *lcp_audit_kind_description(lcp_audit_kind kind);
/* The severity every finding of this kind has. */
lcp_audit_severity lcp_audit_kind_severity(lcp_audit_kind kind);

typedef struct lcp_audit_finding {
    lcp_audit_severity severity;
    lcp_audit_kind kind;
    char *root;          /* the audited PATH, as given */
    char *file;          /* relative to root; root itself when root is a file */
    char *member;        /* archive member name, or NULL */
    char *arch;          /* "x86_64", "arm64", ... */
    const char *command; /* "LC_LOAD_DYLIB"..., or the function for dlopen findings (static) */
    long index;          /* load command index; -1 for dlopen findings */
    uint64_t address;    /* dlopen findings: the call's address; 0 otherwise */
    char *path;          /* exactly as stored in the command (or the recovered string) */
    char *resolved;      /* where it resolves (relative to root inside it), or NULL */
    char *via;           /* the load chain for @rpath lookups ("A -> B"), or NULL */
    char *hint;          /* how to fix it */
    uint64_t order[3];   /* private: root, file and image order of the walk */
} lcp_audit_finding;

/* A file that could not be read or parsed (the audit went on without it). */
typedef struct lcp_audit_failure {
    char *root;
    char *file; /* relative to root */
    lcp_error error;
} lcp_audit_failure;

typedef struct lcp_audit_report {
    lcp_audit_finding *findings; /* sorted: root, file, member, arch, index, kind, via */
    size_t nfindings;
    lcp_audit_failure *failures;
    size_t nfailures;
    size_t files;       /* regular files looked at */
    size_t macho_files; /* of which Mach-O (thin, fat or archive) */
    size_t errors, warnings;
    size_t cap_findings, cap_failures, roots; /* private */
} lcp_audit_report;

void lcp_audit_report_init(lcp_audit_report *r);
void lcp_audit_report_release(lcp_audit_report *r);
/* Appends a failure (strings copied). LCP_E_NOMEM leaves r as it was. */
lcp_status lcp_audit_report_add_failure(lcp_audit_report *r, const char *root, const char *file, const lcp_error *e);

/* Called from worker threads, serialised by the library: files looked at so
 * far, of how many, and how many of them are Mach-O. */
typedef void (*lcp_audit_progress_fn)(void *ctx, size_t done, size_t total, size_t macho);

typedef struct lcp_audit_options {
    const char *executable; /* the main executable (@executable_path), or NULL: found from Info.plist */
    const char *sysroot;    /* absolute load paths present under it resolve; NULL: none */
    unsigned jobs;          /* worker threads; 0 = the number of online CPUs */
    bool dlopen;            /* also recover constant dlopen() paths (Capstone) */
    lcp_audit_progress_fn progress;
    void *progress_ctx;
} lcp_audit_options;

/* Audits one PATH (a Mach-O file, a bundle or any folder) into r. Returns
 * non-OK only when PATH itself cannot be audited (missing, unreadable, not
 * a file or folder, or a file argument that is not Mach-O or cannot be
 * parsed); that failure is not in r: a caller that reports it as the
 * failures inside folders are reported adds it (lcp_audit_report_add_failure,
 * file = root = PATH). Output order does not depend on opt->jobs. */
lcp_status lcp_audit_path(const char *path, const lcp_audit_options *opt, lcp_audit_report *r, lcp_error *err);
/* lcp_audit_path for a report of several PATHs (lcpatch audit): a PATH
 * that cannot be audited is recorded in r as a failure inside a folder is
 * (root = file = PATH; a regular file counts among r->files), so that every
 * format reports it. Non-OK, with PATH's own error in err, only when that
 * record cannot be made (out of memory). */
lcp_status lcp_audit_path_recorded(const char *path, const lcp_audit_options *opt, lcp_audit_report *r, lcp_error *err);

/* The value of the string `key` at the top level of an Info.plist (XML or
 * binary "bplist00"), as a heap string in *out (caller frees), or
 * LCP_E_NOTFOUND. Malformed input gives LCP_E_MALFORMED. */
lcp_status lcp_plist_string(const uint8_t *data, size_t len, const char *key, char **out, lcp_error *err);

/* True for paths the dyld shared cache of macOS 11+ serves: never dangling
 * even when no file is on disk (/usr/lib/, /System/Library/, /System/iOSSupport/,
 * /System/DriverKit/). */
bool lcp_audit_is_system_path(const char *path);

/* ---- dlopen paths (src/disasm/dlopen_*.c, Capstone) ---- */

typedef struct lcp_dlopen_call {
    uint64_t address;     /* the call instruction */
    const char *function; /* "dlopen", "NSAddImage", "CFBundleCreate", ... (static) */
    char *path;           /* the constant path the call loads (owned) */
    bool bundle;          /* a bundle folder given as a CFURL (CFBundleCreate, CFPlugInCreate):
                             CoreFoundation takes the path literally, no @-variables */
    char *via;            /* the program's own function the path was passed to, which hands it on
                             to `function` (a wrapper), or NULL for a direct call (owned) */
} lcp_dlopen_call;

/* The constant paths that code in __TEXT,__text of img loads (x86_64, arm64
 * and i386; other architectures give an empty list):
 *   - the C string passed to dlopen, dlopen_preflight, NSAddImage,
 *     NSAddLibrary, NSAddLibraryWithSearching or NSCreateObjectFileImageFromFile;
 *   - the path of the CFURL passed to CFBundleCreate or CFPlugInCreate, when
 *     that URL comes straight from CFURLCreateWithFileSystemPath with a
 *     constant CFString (CFSTR: its __cfstring record names the C string) or
 *     from CFURLCreateFromFileSystemRepresentation with a constant C string.
 *   - the same paths passed through the program's own functions (x86_64 and
 *     arm64 with a symbol table, two levels deep): `via` names the function
 *     called with the constant.
 * Calls go through symbol stubs or pointers (the indirect symbol table), in
 * address order. *out is a heap array (lcp_dlopen_calls_free). */
lcp_status lcp_dlopen_paths(const lcp_source *src, const lcp_image *img, lcp_dlopen_call **out, size_t *n,
                            lcp_error *err);
void lcp_dlopen_calls_free(lcp_dlopen_call *calls, size_t n);

#ifdef __cplusplus
}
#endif
#endif
