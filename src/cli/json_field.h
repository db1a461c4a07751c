/* One member of a JSON object, its key and its value in one call: the
 * pair every --json printer writes for nearly every member. */
#ifndef LCP_CLI_JSON_FIELD_H
#define LCP_CLI_JSON_FIELD_H

#include "util/json.h"

static inline void lcp_json_field_string(lcp_json *j, const char *key, const char *s) {
    lcp_json_key(j, key);
    lcp_json_string(j, s); /* NULL writes null */
}
static inline void lcp_json_field_uint(lcp_json *j, const char *key, uint64_t v) {
    lcp_json_key(j, key);
    lcp_json_uint(j, v);
}
static inline void lcp_json_field_int(lcp_json *j, const char *key, int64_t v) {
    lcp_json_key(j, key);
    lcp_json_int(j, v);
}
/* key: v when present, else null. */
static inline void lcp_json_field_uint_if(lcp_json *j, const char *key, bool present, uint64_t v) {
    lcp_json_key(j, key);
    if (present)
        lcp_json_uint(j, v);
    else
        lcp_json_null(j);
}
static inline void lcp_json_field_int_if(lcp_json *j, const char *key, bool present, int64_t v) {
    lcp_json_key(j, key);
    if (present)
        lcp_json_int(j, v);
    else
        lcp_json_null(j);
}
static inline void lcp_json_field_bool(lcp_json *j, const char *key, bool v) {
    lcp_json_key(j, key);
    lcp_json_bool(j, v);
}

#endif
