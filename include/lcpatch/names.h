/* lcpatch: names of Mach-O values as Apple's tools print them. */
#ifndef LCPATCH_NAMES_H
#define LCPATCH_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "LC_RPATH", or NULL for an unknown command. */
const char *lcp_lc_name(uint32_t cmd);
/* The smallest valid cmdsize of a known command (8 for unknown ones). */
uint32_t lcp_lc_min_size(uint32_t cmd, bool is64);
/* "MH_EXECUTE" style name of a file type, or NULL. */
const char *lcp_filetype_name(uint32_t filetype);
/* Short name ("execute", "dylib", "bundle", "object", ...), or NULL. */
const char *lcp_filetype_short_name(uint32_t filetype);
/* "MH_PIE" style name of one mach header flag bit (a single bit), or NULL. */
const char *lcp_mh_flag_name(uint32_t bit);
/* vtool's platform name ("macos", "ios", ...), or NULL. */
const char *lcp_platform_name(uint32_t platform);
/* Parses a platform name or number as vtool does; false if unknown. */
bool lcp_platform_from_name(const char *name, uint32_t *platform);
/* vtool's tool name ("clang", "swift", "ld", "lld"), or NULL. */
const char *lcp_tool_name(uint32_t tool);
bool lcp_tool_from_name(const char *name, uint32_t *tool);

#ifdef __cplusplus
}
#endif
#endif
