/* The gates of dynlib.h for programs linked with Capstone, libarchive and
 * libcrypto (liblcpatch.a's consumers, unit tests, fuzzers): the libraries
 * are there as soon as the program runs.
 *
 * The lcpatch binary links src/lazy/ instead, whose objects define these
 * same functions and come before liblcpatch.a on its link line, so the
 * linker never takes this member from the archive. */
#include "util/dynlib.h"

#include <stddef.h>

lcp_status lcp_need_capstone(lcp_error *err) {
    (void)err;
    return LCP_OK;
}

lcp_status lcp_need_archive(lcp_error *err) {
    (void)err;
    return LCP_OK;
}

lcp_status lcp_need_crypto(lcp_error *err) {
    (void)err;
    return LCP_OK;
}
