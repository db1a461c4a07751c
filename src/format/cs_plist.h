/* A small XML property-list reader for what signatures hold: entitlements
 * and _CodeSignature/CodeResources (dict, array, string, data, integer,
 * true/false; dates and reals kept as text). The text is scanned by index
 * over an owned NUL-terminated copy; <data> is decoded by libcrypto. Not a
 * general plist library: binary plists are refused (NULL). */
#ifndef LCP_FORMAT_CS_PLIST_H
#define LCP_FORMAT_CS_PLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    LCP_PL_DICT,
    LCP_PL_ARRAY,
    LCP_PL_STRING,
    LCP_PL_DATA,
    LCP_PL_BOOL,
    LCP_PL_INT,
    LCP_PL_OTHER
} lcp_pl_type;

typedef struct lcp_pl {
    lcp_pl_type type;
    char *key;     /* owned: this node's key inside its parent dict, or NULL */
    char *str;     /* owned: string, integer, date or real text */
    uint8_t *data; /* owned: decoded <data> */
    size_t data_len;
    bool b;
    struct lcp_pl *kids; /* owned: dict values (each with key) or array items */
    size_t nkids;
} lcp_pl;

/* Parses len bytes of XML; NULL when malformed, binary or out of memory.
 * The result is freed with lcp_pl_free. */
lcp_pl *lcp_pl_parse(const uint8_t *bytes, size_t len);
void lcp_pl_free(lcp_pl *p);
/* The value of key in a dict, or NULL. */
const lcp_pl *lcp_pl_get(const lcp_pl *dict, const char *key);

#endif
