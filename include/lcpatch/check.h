/* lcpatch: what the notary service and Gatekeeper will say about files,
 * bundles, trees and the archives the notary opens (.zip, .jar, flat .pkg),
 * before upload (docs/check.md lists every rule).
 *
 * One pass per PATH: every Mach-O image is checked for what the notary
 * service refuses (SDK, signature, certificate, timestamp, hardened runtime,
 * get-task-allow, legacy slices), every bundle for what Gatekeeper refuses
 * (resource seal, main executable mode, symlinks leaving it, file names),
 * and the load paths are audited with dyld's rules (lcp_audit_path).
 *
 * Ownership: an lcp_check_report is caller-owned (lcp_check_report_init /
 * lcp_check_report_release) and owns every string in its issues and
 * failures. The library never prints. */
#ifndef LCPATCH_CHECK_H
#define LCPATCH_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lcpatch/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_check_severity { LCP_CHECK_WARNING, LCP_CHECK_ERROR } lcp_check_severity;

/* Who refuses: the notary service at upload, or Gatekeeper at first launch. */
typedef enum lcp_check_source { LCP_CHECK_NOTARY, LCP_CHECK_GATEKEEPER } lcp_check_source;

typedef enum lcp_check_rule {
    /* notary service */
    LCP_CK_SDK_TOO_OLD,      /* sdk older than 10.9, or no version command */
    LCP_CK_UNSIGNED,         /* a Mach-O image without a signature */
    LCP_CK_SIG_INVALID,      /* a page, slot or the CMS does not match */
    LCP_CK_NOT_DEVELOPER_ID, /* ad hoc, Apple Development, Apple's own... */
    LCP_CK_NO_TIMESTAMP,     /* no RFC 3161 timestamp in the CMS */
    LCP_CK_NO_RUNTIME,       /* an executable without the hardened runtime */
    LCP_CK_GET_TASK_ALLOW,   /* the com.apple.security.get-task-allow entitlement */
    LCP_CK_LEGACY_ARCH,      /* a ppc, ppc64, i386 or 32-bit ARM slice */
    /* Gatekeeper */
    LCP_CK_LOAD_PATH,         /* a dangling or outside-the-bundle load path or rpath (audit) */
    LCP_CK_LOAD_PATH_WARNING, /* an audit warning (missing weak load, unused rpath...) */
    LCP_CK_SEAL_ADDED,        /* a file the seal does not know */
    LCP_CK_SEAL_MODIFIED,     /* a sealed file that changed */
    LCP_CK_SEAL_MISSING,      /* a sealed file that is gone */
    LCP_CK_NAME_NOT_ASCII,    /* a file name a zip round trip may re-normalise */
    LCP_CK_NOT_EXECUTABLE,    /* a bundle's main executable without an x bit */
    LCP_CK_ARM64E,            /* an arm64e slice in third-party code */
    LCP_CK_SYMLINK_OUTSIDE,   /* a symlink in a bundle that leaves it */
    LCP_CK_NRULES
} lcp_check_rule;

typedef struct lcp_check_rule_info {
    const char *id; /* stable: "sdk-too-old", ... (JSON "code", SARIF rule id) */
    lcp_check_source source;
    lcp_check_severity severity;
    const char *message; /* the notary log's exact words, or Gatekeeper's refusal in ours */
    const char *doc_url; /* Apple's page for the notary's messages, else NULL */
    const char *fix;     /* what to do, as a command where lcpatch has one */
} lcp_check_rule_info;

const lcp_check_rule_info *lcp_check_rule_get(lcp_check_rule rule);

typedef struct lcp_check_issue {
    lcp_check_rule rule;
    char *path;   /* the notary's path: ROOT/inner/path, archive.zip/App.app/... */
    char *arch;   /* "x86_64"..., or NULL for a file or bundle as a whole */
    char *detail; /* what exactly: "sdk 10.6 (LC_VERSION_MIN_MACOSX)", the bad page... */
} lcp_check_issue;

/* A file that could not be read (the check went on without it). */
typedef struct lcp_check_failure {
    char *path;
    lcp_error error;
} lcp_check_failure;

typedef struct lcp_check_report {
    lcp_check_issue *issues; /* sorted by path, arch, rule */
    size_t nissues;
    lcp_check_failure *failures;
    size_t nfailures;
    size_t files;       /* regular files looked at (archive members included) */
    size_t macho_files; /* of which Mach-O */
    size_t errors, warnings;
    size_t cap_issues, cap_failures; /* private */
} lcp_check_report;

void lcp_check_report_init(lcp_check_report *r);
void lcp_check_report_release(lcp_check_report *r);

typedef struct lcp_check_options {
    const char *sysroot; /* for the load path audit (lcp_audit_options.sysroot) */
    unsigned jobs;       /* the audit's worker threads; 0: one per CPU */
} lcp_check_options;

/* Checks one PATH (a Mach-O file, an archive, a bundle or any folder) into
 * r. Fails only when PATH itself cannot be read; that failure, like those
 * of files below it, is also recorded in r->failures. */
lcp_status lcp_check_path(const char *path, const lcp_check_options *opt, lcp_check_report *r, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
