/* What the Apple dialects (src/compat) share: the message line of cctools'
 * libstuff errors.c. */
#ifndef LCP_COMPAT_APPLE_H
#define LCP_COMPAT_APPLE_H

/* "KIND: PROG: message" on stderr (KIND "error", "fatal error" or
 * "warning"), after stdout is flushed so that the two keep their order;
 * returns 1, Apple's exit status after it. */
int lcp_apple_say(const char *kind, const char *prog, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
