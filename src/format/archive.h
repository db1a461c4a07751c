/* Static archives ("!<arch>\n"): BSD (#1/ long names, __.SYMDEF) and SYSV
 * (/ and // tables) flavours. Internal to the format module. */
#ifndef LCP_FORMAT_ARCHIVE_H
#define LCP_FORMAT_ARCHIVE_H

#include "lcpatch/file.h"

#define LCP_AR_MAGIC "!<arch>\n"
#define LCP_AR_HEADER_SIZE 60u

/* Reads the archive at [offset, offset+size): every member header, and the
 * header and load commands of every Mach-O member. */
lcp_status lcp_archive_read(const lcp_source *src, uint64_t offset, uint64_t size, lcp_archive **out, lcp_error *err);
void lcp_archive_free(lcp_archive *a);
/* The cputype/cpusubtype of the first Mach-O member (0/0 when none). */
void lcp_archive_arch(const lcp_archive *a, uint32_t *cputype, uint32_t *cpusubtype);

#endif
