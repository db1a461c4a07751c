/* XML property lists for signatures (cs_plist.h). Recursive descent over
 * an owned NUL-terminated copy, by index; depth is bounded. */
#include "format/cs_plist.h"

#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct parser {
    const char *s;
    size_t len, i;
} parser;

static bool at(const parser *p, const char *t) { return strncmp(&p->s[p->i], t, strlen(t)) == 0; }

static void skip_space_and_comments(parser *p) {
    for (;;) {
        while (p->i < p->len && (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\r' || p->s[p->i] == '\n'))
            p->i++;
        const char *end = NULL;
        if (at(p, "<!--"))
            end = strstr(&p->s[p->i], "-->");
        else if (at(p, "<?") || at(p, "<!DOCTYPE"))
            end = strstr(&p->s[p->i], ">");
        else
            return;
        if (!end) {
            p->i = p->len;
            return;
        }
        p->i = (size_t)(end - p->s) + (at(p, "<!--") ? 3 : 1);
    }
}

/* The text up to `close`, entity-decoded, as an owned string; p moves past close. */
static char *text_until(parser *p, const char *close) {
    const char *e = strstr(&p->s[p->i], close);
    if (!e)
        return NULL;
    size_t end = (size_t)(e - p->s), n = end - p->i, o = 0;
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    for (size_t k = p->i; k < end; k++) {
        static const struct {
            const char *ent;
            char c;
        } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        if (p->s[k] == '&')
            for (size_t m = 0; m < sizeof ents / sizeof ents[0] && !done; m++)
                if (strncmp(&p->s[k], ents[m].ent, strlen(ents[m].ent)) == 0) {
                    out[o++] = ents[m].c;
                    k += strlen(ents[m].ent) - 1;
                    done = true;
                }
        if (!done)
            out[o++] = p->s[k];
    }
    out[o] = 0;
    p->i = end + strlen(close);
    return out;
}

static bool decode_base64(const char *text, uint8_t **out, size_t *len) {
    size_t n = strlen(text), m = 0, pad = 0;
    char *b = malloc(n + 1);
    uint8_t *raw = malloc(n / 4 * 3 + 4);
    if (!b || !raw) {
        free(b);
        free(raw);
        return false;
    }
    for (size_t k = 0; k < n; k++)
        if (text[k] != ' ' && text[k] != '\t' && text[k] != '\r' && text[k] != '\n')
            b[m++] = text[k];
    b[m] = 0;
    for (size_t k = m; k > 0 && b[k - 1] == '='; k--)
        pad++;
    int got = m % 4 == 0 ? EVP_DecodeBlock(raw, (const unsigned char *)b, (int)m) : -1;
    free(b);
    if (got < 0) {
        free(raw);
        return false;
    }
    *out = raw;
    *len = (size_t)got >= pad ? (size_t)got - pad : 0;
    return true;
}

static void release(lcp_pl *n) {
    free(n->key);
    free(n->str);
    free(n->data);
    for (size_t k = 0; k < n->nkids; k++)
        release(&n->kids[k]);
    free(n->kids);
}

static bool value(parser *p, lcp_pl *n, int depth);

static bool add_kid(lcp_pl *parent, lcp_pl **kid) {
    lcp_pl *k = realloc(parent->kids, (parent->nkids + 1) * sizeof *k);
    if (!k)
        return false;
    parent->kids = k;
    *kid = &k[parent->nkids++];
    memset(*kid, 0, sizeof **kid);
    return true;
}

static bool container(parser *p, lcp_pl *n, int depth, bool dict) {
    const char *close = dict ? "</dict>" : "</array>";
    for (;;) {
        skip_space_and_comments(p);
        if (p->i >= p->len)
            return false;
        if (at(p, close)) {
            p->i += strlen(close);
            return true;
        }
        char *key = NULL;
        if (dict) {
            if (!at(p, "<key>"))
                return false;
            p->i += 5;
            if (!(key = text_until(p, "</key>")))
                return false;
            skip_space_and_comments(p);
        }
        lcp_pl *kid;
        if (!add_kid(n, &kid)) {
            free(key);
            return false;
        }
        kid->key = key;
        if (!value(p, kid, depth + 1))
            return false;
    }
}

static bool value(parser *p, lcp_pl *n, int depth) {
    if (depth > MAX_DEPTH)
        return false;
    skip_space_and_comments(p);
    static const struct {
        const char *open, *close;
        lcp_pl_type type;
    } scalars[] = {{"<string>", "</string>", LCP_PL_STRING},
                   {"<integer>", "</integer>", LCP_PL_INT},
                   {"<real>", "</real>", LCP_PL_OTHER},
                   {"<date>", "</date>", LCP_PL_OTHER},
                   {"<data>", "</data>", LCP_PL_DATA}};
    if (at(p, "<dict>") || at(p, "<array>")) {
        bool dict = at(p, "<dict>");
        p->i += dict ? 6 : 7;
        n->type = dict ? LCP_PL_DICT : LCP_PL_ARRAY;
        return container(p, n, depth, dict);
    }
    if (at(p, "<dict/>") || at(p, "<array/>")) {
        n->type = at(p, "<dict/>") ? LCP_PL_DICT : LCP_PL_ARRAY;
        p->i += n->type == LCP_PL_DICT ? 7 : 8;
        return true;
    }
    if (at(p, "<true/>") || at(p, "<false/>")) {
        n->type = LCP_PL_BOOL;
        n->b = at(p, "<true/>");
        p->i += n->b ? 7 : 8;
        return true;
    }
    if (at(p, "<string/>")) {
        n->type = LCP_PL_STRING;
        p->i += 9;
        return (n->str = calloc(1, 1)) != NULL;
    }
    for (size_t k = 0; k < sizeof scalars / sizeof scalars[0]; k++)
        if (at(p, scalars[k].open)) {
            p->i += strlen(scalars[k].open);
            n->type = scalars[k].type;
            if (!(n->str = text_until(p, scalars[k].close)))
                return false;
            if (n->type == LCP_PL_DATA)
                return decode_base64(n->str, &n->data, &n->data_len);
            return true;
        }
    return false;
}

lcp_pl *lcp_pl_parse(const uint8_t *bytes, size_t len) {
    char *s = malloc(len + 1);
    lcp_pl *root = calloc(1, sizeof *root);
    if (!s || !root) {
        free(s);
        free(root);
        return NULL;
    }
    memcpy(s, bytes, len);
    s[len] = 0;
    parser p = {s, strlen(s), 0};
    skip_space_and_comments(&p);
    bool ok = false;
    if (at(&p, "<plist")) {
        const char *gt = strchr(&s[p.i], '>');
        if (gt) {
            p.i = (size_t)(gt - s) + 1;
            ok = value(&p, root, 0);
        }
    }
    free(s);
    if (!ok) {
        lcp_pl_free(root);
        return NULL;
    }
    return root;
}

void lcp_pl_free(lcp_pl *p) {
    if (!p)
        return;
    release(p);
    free(p);
}

const lcp_pl *lcp_pl_get(const lcp_pl *dict, const char *key) {
    if (!dict || dict->type != LCP_PL_DICT)
        return NULL;
    for (size_t k = 0; k < dict->nkids; k++)
        if (dict->kids[k].key && strcmp(dict->kids[k].key, key) == 0)
            return &dict->kids[k];
    return NULL;
}
