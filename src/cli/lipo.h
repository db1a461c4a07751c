/* Helpers of `lcpatch lipo` (Apple's lipo compatibility mode). */
#ifndef LCP_CLI_LIPO_H
#define LCP_CLI_LIPO_H

#include "lcpatch/lcpatch.h"

#include <stddef.h>
#include <stdint.h>

/* print_arch: the name -info and -detailed_info print, or
 * "(cputype (N) cpusubtype (M))". */
void lipo_print_arch(uint32_t cputype, uint32_t cpusubtype);
/* print_cputype: the cputype, cpusubtype and capabilities lines of -detailed_info. */
void lipo_print_cputype(uint32_t cputype, uint32_t cpusubtype);
/* libstuff's get_arch_name_from_types: the name, or "cputype N cpusubtype M" in buf. */
const char *lipo_arch_name_or_label(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len);

#endif
