/* The optional libraries: Capstone (disassembly), libarchive (check: .zip,
 * .jar, .pkg) and libcrypto (code-signature hashes, CMS/X.509).
 *
 * Most runs of lcpatch use none of them, so the lcpatch binary does not link
 * them: it opens each with dlopen the first time it is needed (src/lazy/),
 * which keeps their start-up cost (~700 page faults, several MiB of RSS) off
 * set-sdk, show and the other header edits. Code that is about to use one
 * calls its gate first: a library that cannot be loaded is then an error
 * the caller reports ("capstone is not installed: ..."), not a crash.
 *
 * liblcpatch.a links them as usual (dynlib_linked.c: every gate is LCP_OK),
 * so the library's consumers, the unit tests and the fuzzers need nothing
 * of this. */
#ifndef LCP_UTIL_DYNLIB_H
#define LCP_UTIL_DYNLIB_H

#include "lcpatch/error.h"

/* LCP_OK when the library is usable; otherwise LCP_E_UNSUPPORTED with a
 * message naming the library, why it could not be loaded and what to
 * install. Thread-safe; the library is opened at most once. */
lcp_status lcp_need_capstone(lcp_error *err);
lcp_status lcp_need_archive(lcp_error *err);
lcp_status lcp_need_crypto(lcp_error *err);

#endif
