/* Error filling and naming. */
#include "lcpatch/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

lcp_status lcp_error_set(lcp_error *err, lcp_status st, uint64_t offset, const char *fmt, ...) {
    if (err == NULL)
        return st;
    err->status = st;
    err->sys_errno = st == LCP_E_IO ? errno : 0;
    err->offset = offset;
    err->reason = LCP_R_NONE;
    err->index = err->index2 = 0;
    err->cputype = err->cpusubtype = 0;
    err->value = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return st;
}

void lcp_error_reason(lcp_error *err, lcp_reason reason, uint32_t index, uint32_t index2, int32_t cputype,
                      int32_t cpusubtype) {
    if (err == NULL)
        return;
    err->reason = reason;
    err->index = index;
    err->index2 = index2;
    err->cputype = cputype;
    err->cpusubtype = cpusubtype;
}

void lcp_error_prefix(lcp_error *err, const char *fmt, ...) {
    if (err == NULL)
        return;
    char prefix[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* Truncation keeps the prefix: the message names the file first. */
    char old[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->message - 3)
        n = sizeof err->message - 3;
    memcpy(err->message, prefix, n);
    memcpy(err->message + n, ": ", 2);
    size_t room = sizeof err->message - n - 2;
    size_t m = strnlen(old, room - 1);
    memcpy(err->message + n + 2, old, m);
    err->message[n + 2 + m] = '\0';
}

const char *lcp_status_name(lcp_status st) {
    switch (st) {
    case LCP_OK: return "ok";
    case LCP_E_USAGE: return "usage";
    case LCP_E_NOT_MACHO: return "not Mach-O";
    case LCP_E_MALFORMED: return "malformed";
    case LCP_E_NOSPACE: return "no space";
    case LCP_E_NOTFOUND: return "not found";
    case LCP_E_UNSUPPORTED: return "unsupported";
    case LCP_E_IO: return "I/O error";
    case LCP_E_NOMEM: return "out of memory";
    }
    return "unknown";
}

int lcp_status_exit_code(lcp_status st) {
    if (st == LCP_OK)
        return 0;
    if (st == LCP_E_USAGE)
        return 2;
    return 3;
}
