/* A small streaming JSON writer for the CLI's --json output. It tracks
 * nesting so that commas are placed automatically; the caller pairs every
 * begin with an end. The struct is caller-owned and holds no heap memory. */
#ifndef LCP_CLI_JSON_H
#define LCP_CLI_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct lcp_json {
    FILE *out;
    int depth;
    bool need_comma[64];
    bool after_key;
} lcp_json;

void lcp_json_init(lcp_json *j, FILE *out);
void lcp_json_begin_object(lcp_json *j);
void lcp_json_end_object(lcp_json *j);
void lcp_json_begin_array(lcp_json *j);
void lcp_json_end_array(lcp_json *j);
void lcp_json_key(lcp_json *j, const char *key);
void lcp_json_string(lcp_json *j, const char *s); /* NULL writes null */
void lcp_json_uint(lcp_json *j, uint64_t v);
void lcp_json_int(lcp_json *j, int64_t v);
void lcp_json_bool(lcp_json *j, bool v);
void lcp_json_null(lcp_json *j);
/* Ends the document with a newline. */
void lcp_json_finish(lcp_json *j);

/* The report of the per-file commands, {"files": [...]}: begin opens it,
 * end closes it and finishes the document. Both do nothing unless `on`
 * (--json was given), so that callers need no test of their own. */
void lcp_json_begin_files(lcp_json *j, bool on);
void lcp_json_end_files(lcp_json *j, bool on);

#endif
