/* lcpatch: error reporting.
 *
 * Every library function that can fail returns an lcp_status (LCP_OK == 0)
 * and, when the caller passes a non-NULL lcp_error, fills it with the status,
 * the file offset concerned and a message that names the file, the slice and
 * the load command. The library never prints and never exits. */
#ifndef LCPATCH_ERROR_H
#define LCPATCH_ERROR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_status {
    LCP_OK = 0,
    LCP_E_USAGE,       /* the caller asked for something impossible */
    LCP_E_NOT_MACHO,   /* the input is not Mach-O, fat or an archive of them */
    LCP_E_MALFORMED,   /* the input breaks the format */
    LCP_E_NOSPACE,     /* an edit does not fit in the header padding */
    LCP_E_NOTFOUND,    /* an architecture, command or path is not present */
    LCP_E_UNSUPPORTED, /* well formed, but not something lcpatch can do */
    LCP_E_IO,          /* a system call failed; sys_errno says why */
    LCP_E_NOMEM
} lcp_status;

/* No file offset applies to the error. */
#define LCP_NO_OFFSET UINT64_MAX

typedef struct lcp_error {
    lcp_status status;
    int sys_errno;   /* errno for LCP_E_IO, else 0 */
    uint64_t offset; /* file offset concerned, or LCP_NO_OFFSET */
    char message[640];
} lcp_error;

/* Fills err (when non-NULL) and returns st. The message is printf-formatted. */
lcp_status lcp_error_set(lcp_error *err, lcp_status st, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Prefixes err->message with "prefix: " (used to add the file and slice). */
void lcp_error_prefix(lcp_error *err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A short stable name for a status ("malformed", "no space", ...). */
const char *lcp_status_name(lcp_status st);

/* The process exit status DESIGN.md gives a status: 0 ok, 2 usage, 3 otherwise. */
int lcp_status_exit_code(lcp_status st);

#ifdef __cplusplus
}
#endif
#endif
