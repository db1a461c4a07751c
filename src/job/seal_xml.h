/* A bundle's resource seal as codesign writes it: the default rules and
 * the _CodeSignature/CodeResources XML (src/job/seal_xml.c), for
 * sign_bundle.c. */
#ifndef LCP_JOB_SEAL_XML_H
#define LCP_JOB_SEAL_XML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/codesign_format.h"

/* One resource rule: a POSIX extended regex over the path under the
 * bundle's base, its weight (0: the rule is <true/>, weight 1) and flags. */
typedef struct lcp_seal_rule {
    const char *re;
    int weight;
    bool omit, optional, nested;
} lcp_seal_rule;

/* codesign's default rules (v1 "rules", v2 "rules2") for a bundle. */
extern const lcp_seal_rule lcp_seal_rules_v1[];
extern const size_t lcp_seal_nrules_v1;
extern const lcp_seal_rule lcp_seal_rules_v2[];
extern const size_t lcp_seal_nrules_v2;

typedef struct lcp_seal_entry {
    char *key, *value; /* owned: the path, the value's XML */
} lcp_seal_entry;

typedef struct lcp_seal {
    lcp_seal_entry *files, *files2; /* owned */
    size_t nfiles, nfiles2;
} lcp_seal;

/* A plain file: files2 {hash, hash2[, optional]}; files too when v1 (its
 * best v1 rule, or NULL) takes it. False when out of memory. */
bool lcp_seal_add_file(lcp_seal *sl, const char *rel, const uint8_t *sha1, const uint8_t *sha256, bool optional,
                       const lcp_seal_rule *v1);
/* Nested code: files2 {cdhash, requirement "cdhash H\"...\""}. */
bool lcp_seal_add_nested(lcp_seal *sl, const char *rel, const uint8_t cdhash[LCP_CS_CDHASH_LEN]);
/* A symlink: files2 {symlink}. */
bool lcp_seal_add_symlink(lcp_seal *sl, const char *rel, const char *target);
/* CodeResources as CFPropertyList writes XML (tabs, keys sorted): files,
 * files2, rules, rules2. Owned by the caller; NULL when out of memory. */
char *lcp_seal_xml(lcp_seal *sl, size_t *len);
void lcp_seal_release(lcp_seal *sl);

#endif
