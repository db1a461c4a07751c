/* Streaming JSON writer (see json.h). */
#include "util/json.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

void lcp_json_init(lcp_json *j, FILE *out) {
    j->out = out;
    j->depth = 0;
    j->need_comma[0] = false;
    j->after_key = false;
}

/* Emits the separator a new value needs at the current position. */
static void value_start(lcp_json *j) {
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (j->need_comma[j->depth])
        fputc(',', j->out);
    j->need_comma[j->depth] = true;
}

static void open(lcp_json *j, char c) {
    value_start(j);
    fputc(c, j->out);
    if (j->depth < 63)
        j->depth++;
    j->need_comma[j->depth] = false;
}

static void close_(lcp_json *j, char c) {
    if (j->depth > 0)
        j->depth--;
    fputc(c, j->out);
}

void lcp_json_begin_object(lcp_json *j) { open(j, '{'); }
void lcp_json_end_object(lcp_json *j) { close_(j, '}'); }
void lcp_json_begin_array(lcp_json *j) { open(j, '['); }
void lcp_json_end_array(lcp_json *j) { close_(j, ']'); }

/* The length of the well-formed UTF-8 sequence at p (1..4), or 0 when the
 * bytes there are not one (overlong forms, surrogates and code points past
 * U+10FFFF included). p is NUL-terminated, so reading stops at the NUL. */
static int utf8_length(const unsigned char *p) {
    unsigned char c = p[0];
    int n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;
        cp = c & 0x1fu;
    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;
        cp = c & 0x0fu;
    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;
        cp = c & 0x07u;
    } else
        return 0;
    for (int i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* Strings from input files are bytes, not text: a byte that does not start
 * well-formed UTF-8 is written as U+FFFD so that the document stays valid. */
/* True for the ASCII bytes a JSON string holds as they are. */
static bool plain_ascii(unsigned char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; }

static void put_string(FILE *out, const char *s) {
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        /* a run of plain ASCII in one write: reports are mostly paths and
         * prose, and a call per character was most of their printing */
        size_t run = 0;
        while (plain_ascii(p[run]))
            run++;
        if (run) {
            fwrite(p, 1, run, out);
            p += run;
            continue;
        }
        int n = utf8_length(p);
        if (n == 0) {
            fputs("\\ufffd", out);
            p++;
            continue;
        }
        if (n > 1) {
            fwrite(p, 1, (size_t)n, out);
            p += n;
            continue;
        }
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
        p++;
    }
    fputc('"', out);
}

void lcp_json_key(lcp_json *j, const char *key) {
    value_start(j);
    put_string(j->out, key);
    fputc(':', j->out);
    j->after_key = true;
}

void lcp_json_string(lcp_json *j, const char *s) {
    if (s == NULL) {
        lcp_json_null(j);
        return;
    }
    value_start(j);
    put_string(j->out, s);
}

void lcp_json_uint(lcp_json *j, uint64_t v) {
    value_start(j);
    fprintf(j->out, "%" PRIu64, v);
}

void lcp_json_int(lcp_json *j, int64_t v) {
    value_start(j);
    fprintf(j->out, "%" PRId64, v);
}

void lcp_json_bool(lcp_json *j, bool v) {
    value_start(j);
    fputs(v ? "true" : "false", j->out);
}

void lcp_json_null(lcp_json *j) {
    value_start(j);
    fputs("null", j->out);
}

void lcp_json_finish(lcp_json *j) { fputc('\n', j->out); }

void lcp_json_field_string(lcp_json *j, const char *key, const char *s) {
    lcp_json_key(j, key);
    lcp_json_string(j, s);
}

void lcp_json_field_uint(lcp_json *j, const char *key, uint64_t v) {
    lcp_json_key(j, key);
    lcp_json_uint(j, v);
}

void lcp_json_field_int(lcp_json *j, const char *key, int64_t v) {
    lcp_json_key(j, key);
    lcp_json_int(j, v);
}

void lcp_json_field_bool(lcp_json *j, const char *key, bool v) {
    lcp_json_key(j, key);
    lcp_json_bool(j, v);
}

void lcp_json_field_uint_if(lcp_json *j, const char *key, bool present, uint64_t v) {
    lcp_json_key(j, key);
    if (present)
        lcp_json_uint(j, v);
    else
        lcp_json_null(j);
}

void lcp_json_field_int_if(lcp_json *j, const char *key, bool present, int64_t v) {
    lcp_json_key(j, key);
    if (present)
        lcp_json_int(j, v);
    else
        lcp_json_null(j);
}

void lcp_json_begin_files(lcp_json *j, bool on) {
    if (!on)
        return;
    lcp_json_begin_object(j);
    lcp_json_key(j, "files");
    lcp_json_begin_array(j);
}

void lcp_json_end_files(lcp_json *j, bool on, const lcp_json_failures *fl) {
    if (!on)
        return;
    lcp_json_end_array(j);
    lcp_json_failures_write(j, fl);
    lcp_json_end_object(j);
    lcp_json_finish(j);
}

void lcp_json_failures_add(lcp_json_failures *fl, const char *file, const lcp_error *err) {
    if (fl->n == fl->cap) {
        size_t cap = fl->cap ? fl->cap * 2 : 4;
        lcp_json_failure *v = realloc(fl->v, cap * sizeof *v);
        if (v == NULL)
            return;
        fl->v = v;
        fl->cap = cap;
    }
    char *copy = strdup(file);
    if (copy == NULL)
        return;
    fl->v[fl->n].file = copy;
    fl->v[fl->n].error = *err;
    fl->n++;
}

void lcp_json_failures_release(lcp_json_failures *fl) {
    for (size_t i = 0; i < fl->n; i++)
        free(fl->v[i].file);
    free(fl->v);
    fl->v = NULL;
    fl->n = fl->cap = 0;
}

void lcp_json_failure_object(lcp_json *j, const char *file, const lcp_error *err) {
    lcp_json_begin_object(j);
    lcp_json_key(j, "file");
    lcp_json_string(j, file);
    lcp_json_key(j, "status");
    lcp_json_string(j, lcp_status_name(err->status));
    lcp_json_key(j, "message");
    lcp_json_string(j, err->message);
    lcp_json_key(j, "offset");
    if (err->offset == LCP_NO_OFFSET)
        lcp_json_null(j);
    else
        lcp_json_uint(j, err->offset);
    lcp_json_end_object(j);
}

void lcp_json_failures_write(lcp_json *j, const lcp_json_failures *fl) {
    lcp_json_key(j, "failures");
    lcp_json_begin_array(j);
    for (size_t i = 0; fl && i < fl->n; i++)
        lcp_json_failure_object(j, fl->v[i].file, &fl->v[i].error);
    lcp_json_end_array(j);
}

bool lcp_json_field_object(lcp_json *j, const char *key, bool present) {
    lcp_json_key(j, key);
    if (present)
        lcp_json_begin_object(j);
    else
        lcp_json_null(j);
    return present;
}
