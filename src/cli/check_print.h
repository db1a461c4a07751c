/* The printers of lcpatch check (check_print.c). */
#ifndef LCP_CLI_CHECK_PRINT_H
#define LCP_CLI_CHECK_PRINT_H

#include "lcpatch/check.h"

#include <stdio.h>

/* Grouped by file and architecture, each problem with its detail and fix,
 * then a closing line. */
void lcp_check_print_text(FILE *out, const lcp_check_report *r);
/* Shaped like the notary service's log: logFormatVersion, status,
 * statusSummary, issues[] (severity, code, path, message, docUrl,
 * architecture) with lcpatch's source, detail and fix; failures[]. */
void lcp_check_print_json(FILE *out, const lcp_check_report *r);
/* SARIF 2.1.0: one rule per check rule, one result per issue; unreadable
 * files are tool execution notifications. */
void lcp_check_print_sarif(FILE *out, const lcp_check_report *r);

#endif
