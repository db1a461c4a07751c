/* A small streaming JSON writer (the --json output of the commands). It tracks
 * nesting so that commas are placed automatically; the caller pairs every
 * begin with an end. The struct is caller-owned and holds no heap memory. */
#ifndef LCP_UTIL_JSON_H
#define LCP_UTIL_JSON_H

#include "lcpatch/error.h"

#include <stdbool.h>
#include <stddef.h>
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

/* One member of an object, its key and its value in one call: the pair
 * every --json printer writes for nearly every member. */
void lcp_json_field_string(lcp_json *j, const char *key, const char *s); /* NULL writes null */
void lcp_json_field_uint(lcp_json *j, const char *key, uint64_t v);
void lcp_json_field_int(lcp_json *j, const char *key, int64_t v);
void lcp_json_field_bool(lcp_json *j, const char *key, bool v);
/* key: v when present, else null. */
void lcp_json_field_uint_if(lcp_json *j, const char *key, bool present, uint64_t v);
void lcp_json_field_int_if(lcp_json *j, const char *key, bool present, int64_t v);

/* The files that failed, for the "failures" array that closes every --json
 * document (docs/json.md): one entry per file, with a copy of its error.
 * Caller-owned: zero it (or LCP_JSON_FAILURES_INIT), then release it. */
typedef struct lcp_json_failure {
    char *file; /* owned */
    lcp_error error;
} lcp_json_failure;

typedef struct lcp_json_failures {
    lcp_json_failure *v;
    size_t n, cap;
} lcp_json_failures;

#define LCP_JSON_FAILURES_INIT                                                                                         \
    { NULL, 0, 0 }

/* Records that `file` failed with err. Out of memory, the entry is dropped:
 * the exit status and the message on stderr still say it. */
void lcp_json_failures_add(lcp_json_failures *fl, const char *file, const lcp_error *err);
void lcp_json_failures_release(lcp_json_failures *fl);

/* One failure object: {"file", "status", "message", "offset"} (offset null
 * when the error names none). The shape of audit's failures (which add
 * "root") and of every other command's. */
void lcp_json_failure_object(lcp_json *j, const char *file, const lcp_error *err);
/* "failures": [...] with every recorded failure (the key included). */
void lcp_json_failures_write(lcp_json *j, const lcp_json_failures *fl);

/* The report of the per-file commands, {"files": [...], "failures": [...]}:
 * begin opens it, end writes the failures, closes it and finishes the
 * document. Both do nothing unless `on` (--json was given), so that callers
 * need no test of their own; fl may be NULL (no failures recorded). */
void lcp_json_begin_files(lcp_json *j, bool on);
void lcp_json_end_files(lcp_json *j, bool on, const lcp_json_failures *fl);

/* A member whose value is an object when present, else null: writes the
 * key, then opens the object (the caller fills and ends it) and returns
 * true, or writes null and returns false. */
bool lcp_json_field_object(lcp_json *j, const char *key, bool present);

#endif
