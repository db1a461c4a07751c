/* libarchive, opened on first use (loader.h): the functions src/check calls
 * to read .zip, .jar, .xar (.pkg) and cpio archives. Its soname has been
 * libarchive.so.13 since libarchive 3.0. */
#include <archive.h>
#include <archive_entry.h>

#include "lazy/loader.h"
#include "util/dynlib.h"

/* where pkg-config put it (the Makefile says) */
#ifndef LCP_ARCHIVE_LIBDIR
#define LCP_ARCHIVE_LIBDIR "/usr/local/lib"
#endif

#ifdef __APPLE__
#define AR_FILE "libarchive.13.dylib"
/* Homebrew's keg-only libarchive, then the build's pkg-config libdir */
#define AR_FILES                                                                                                       \
    {                                                                                                                  \
        "/opt/homebrew/opt/libarchive/lib/" AR_FILE, "/usr/local/opt/libarchive/lib/" AR_FILE,                         \
            LCP_ARCHIVE_LIBDIR "/" AR_FILE, NULL                                                                       \
    }
#define AR_INSTALL "brew install libarchive"
#else
#define AR_FILE "libarchive.so.13"
#define AR_FILES                                                                                                       \
    { AR_FILE, LCP_ARCHIVE_LIBDIR "/" AR_FILE, NULL }
#define AR_INSTALL "apt-get install libarchive13"
#endif

#define ARCHIVE_FUNCTIONS(X, XV)                                                                                       \
    X(struct archive *, archive_read_new, (void), ())                                                                  \
    X(int, archive_read_free, (struct archive * a), (a))                                                               \
    X(int, archive_read_support_filter_all, (struct archive * a), (a))                                                 \
    X(int, archive_read_support_format_cpio, (struct archive * a), (a))                                                \
    X(int, archive_read_support_format_tar, (struct archive * a), (a))                                                 \
    X(int, archive_read_support_format_xar, (struct archive * a), (a))                                                 \
    X(int, archive_read_support_format_zip, (struct archive * a), (a))                                                 \
    X(int, archive_read_open_filename, (struct archive * a, const char *filename, size_t block_size),                  \
      (a, filename, block_size))                                                                                       \
    X(int, archive_read_open_memory, (struct archive * a, const void *buff, size_t size), (a, buff, size))             \
    X(int, archive_read_next_header, (struct archive * a, struct archive_entry * *entry), (a, entry))                  \
    X(la_ssize_t, archive_read_data, (struct archive * a, void *buff, size_t size), (a, buff, size))                   \
    X(const char *, archive_error_string, (struct archive * a), (a))                                                   \
    X(mode_t, archive_entry_filetype, (struct archive_entry * e), (e))                                                 \
    X(const char *, archive_entry_pathname, (struct archive_entry * e), (e))                                           \
    X(la_int64_t, archive_entry_size, (struct archive_entry * e), (e))

LCP_LAZY_LIBRARY(ARCHIVE_FUNCTIONS, "libarchive", AR_INSTALL, AR_FILES)

lcp_status lcp_need_archive(lcp_error *err) { return lcp_lazy_need(&lcp_lazy_this, err); }
