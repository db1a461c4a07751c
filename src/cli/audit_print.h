/* Printers of an audit report (cmd_audit.c): text grouped by file, JSON
 * (docs/audit.md has the schema) and SARIF 2.1.0. */
#ifndef LCP_CLI_AUDIT_PRINT_H
#define LCP_CLI_AUDIT_PRINT_H

#include "lcpatch/audit.h"

#include <stdbool.h>
#include <stdio.h>

void lcp_audit_print_text(FILE *out, const lcp_audit_report *r, bool several_roots);
void lcp_audit_print_json(FILE *out, const lcp_audit_report *r);
void lcp_audit_print_sarif(FILE *out, const lcp_audit_report *r);

#endif
