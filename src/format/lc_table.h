/* The load-command table: for each command of loader.h, its name, the size
 * of its fixed part, and where its lc_str offsets are. Internal to the
 * format module. */
#ifndef LCP_FORMAT_LC_TABLE_H
#define LCP_FORMAT_LC_TABLE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct lcp_lc_info {
    uint32_t cmd;
    const char *name;
    uint32_t min_size;     /* fixed part; for segments the 32-bit or 64-bit size */
    uint8_t str_field;     /* byte offset of an lc_str that must be a C string, 0 if none */
    uint8_t raw_str_field; /* byte offset of an lc_str that must only lie inside, 0 if none */
} lcp_lc_info;

/* The entry for cmd, or NULL when the command is unknown. */
const lcp_lc_info *lcp_lc_lookup(uint32_t cmd);

#endif
