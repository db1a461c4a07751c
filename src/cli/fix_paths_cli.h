/* `rescue --fix-paths`: audit each PATH, fix what lcp_fix_paths can (see
 * docs/fix-paths.md), audit again and report what is left. Kept out of
 * cmd_rescue.c so that rescue only calls it.
 *
 * Ownership: lcp_cli_fix_paths_run returns a heap state that owns the
 * plans, results and the second audit; lcp_cli_fix_paths_free releases it. */
#ifndef LCP_CLI_FIX_PATHS_CLI_H
#define LCP_CLI_FIX_PATHS_CLI_H

#include "util/json.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lcp_cli_fix_state lcp_cli_fix_state;

/* Runs the fix over every root (dry_run: plans only, writes nothing;
 * write_flags: LCP_WRITE_* for every file written, see lcpatch/write.h).
 * Returns the exit status it contributes: 0 when no error finding is left,
 * 1 when some are (reported), 3 when an audit or a write failed. *out is
 * set even on failure (NULL only when out of memory). */
int lcp_cli_fix_paths_run(char *const *roots, size_t nroots, bool dry_run, unsigned write_flags,
                          lcp_cli_fix_state **out);
/* The report, as text on stdout. */
void lcp_cli_fix_paths_print(const lcp_cli_fix_state *s);
/* The report as the value of key "fix_paths" in an open JSON object. */
void lcp_cli_fix_paths_json(const lcp_cli_fix_state *s, lcp_json *j);
void lcp_cli_fix_paths_free(lcp_cli_fix_state *s);

#endif
