/* Helpers shared by the CLI commands: error reporting with the exit codes
 * of DESIGN.md, and the name of an image for messages. */
#ifndef LCP_CLI_CLI_H
#define LCP_CLI_CLI_H

#include "lcpatch/lcpatch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Exit statuses (DESIGN.md). */
enum { LCP_EXIT_OK = 0, LCP_EXIT_FINDINGS = 1, LCP_EXIT_USAGE = 2, LCP_EXIT_FAILED = 3 };

/* The one text of a library error for the user, on stderr and in JSON
 * reports alike: the message, and, when the input is malformed or not
 * Mach-O and err has an offset, that offset: "<message> (file offset
 * 0x1c)", so that every native command names where the input is broken.
 * Returns buf. */
const char *lcp_cli_error_text(const lcp_error *err, char *buf, size_t len);
/* Room enough for any lcp_cli_error_text. */
#define LCP_CLI_ERROR_TEXT_MAX (sizeof((lcp_error *)0)->message + 40)
/* Prints "lcpatch: <lcp_cli_error_text>" to stderr and returns the exit
 * status of err. */
int lcp_cli_fail(const lcp_error *err);
/* The worse of two exit statuses (the larger): a loop over files returns
 * the worst of theirs. */
static inline int lcp_cli_worse(int a, int b) { return a > b ? a : b; }
/* Prints "lcpatch <command>: <formatted>" to stderr and returns 2. */
int lcp_cli_usage_error(const char *command, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* "path", "path (x86_64)" or "path(member.o) (x86_64)" into buf. */
const char *lcp_cli_image_label(const lcp_file *f, size_t slice_index, const lcp_member *member, const lcp_image *img,
                                char *buf, size_t len);
/* Parses list, architecture names separated by commas, into *out (owned:
 * free it) and *n, in order; no name at all gives NULL and 0. Returns 0,
 * 2 after the usage error "unknown architecture 'X'" followed by in (" in
 * --keep", or ""), or -1 when out of memory (then *out is unchanged). */
int lcp_cli_parse_archs(const char *command, const char *list, const char *in, uint32_t (**out)[2], size_t *n);
/* True when arg is --help or -h. */
bool lcp_cli_is_help(const char *arg);

/* The options of the read-only commands that take `[--json] FILE...` (show,
 * space, verify), on the option-spec parser (options.h): -h/--help prints
 * `help` with json_help as the help of --json, --json sets *json, `--` ends
 * the options. Returns -1 with *first on the first FILE, else the exit
 * status to return (0 after the help, 2 after a usage error). */
int lcp_cli_parse_json_files(const char *command, const char *help, const char *json_help, int argc, char **argv,
                             bool *json, int *first);

#endif
