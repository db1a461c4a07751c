/* The resource seal's rules and XML (see seal_xml.h). */
#include "job/seal_xml.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const lcp_seal_rule lcp_seal_rules_v1[] = {
    {"^Resources/", 0, false, false, false},
    {"^Resources/.*\\.lproj/", 1000, false, true, false},
    {"^Resources/.*\\.lproj/locversion.plist$", 1100, true, false, false},
    {"^Resources/Base\\.lproj/", 1010, false, false, false},
    {"^version.plist$", 0, false, false, false},
};
const size_t lcp_seal_nrules_v1 = sizeof lcp_seal_rules_v1 / sizeof lcp_seal_rules_v1[0];
const lcp_seal_rule lcp_seal_rules_v2[] = {
    {".*\\.dSYM($|/)", 11, false, false, false},
    {"^(.*/)?\\.DS_Store$", 2000, true, false, false},
    {"^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/"
     "(Automator|Spotlight|LoginItems))/",
     10, false, false, true},
    {"^.*", 0, false, false, false},
    {"^Info\\.plist$", 20, true, false, false},
    {"^PkgInfo$", 20, true, false, false},
    {"^Resources/", 20, false, false, false},
    {"^Resources/.*\\.lproj/", 1000, false, true, false},
    {"^Resources/.*\\.lproj/locversion.plist$", 1100, true, false, false},
    {"^Resources/Base\\.lproj/", 1010, false, false, false},
    {"^[^/]+$", 10, false, false, true},
    {"^embedded\\.provisionprofile$", 20, false, false, false},
    {"^version\\.plist$", 20, false, false, false},
};
const size_t lcp_seal_nrules_v2 = sizeof lcp_seal_rules_v2 / sizeof lcp_seal_rules_v2[0];

/* A growing text buffer (ok false after a failed allocation). */
typedef struct text {
    char *s;
    size_t len, cap;
    bool ok;
} text;

static void put(text *t, const char *fmt, ...) {
    if (!t->ok)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->ok = false;
        return;
    }
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = (t->len + (size_t)n + 1) * 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->ok = false;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* <data> as CFPropertyList writes it: base64 on its own line. */
static void put_data(text *t, const char *ind, const uint8_t *d, size_t n) {
    char *b = malloc(4 * ((n + 2) / 3) + 1);
    if (!b) {
        t->ok = false;
        return;
    }
    EVP_EncodeBlock((unsigned char *)b, d, (int)n);
    put(t, "%s<data>\n%s%s\n%s</data>\n", ind, ind, b, ind);
    free(b);
}

/* XML text with &, < and > escaped (CFPropertyList's writer escapes those). */
static char *xml_escape(const char *s) {
    size_t n = 1;
    for (const char *p = s; *p; p++)
        n += *p == '&' ? 5 : (*p == '<' || *p == '>') ? 4 : 1;
    char *o = malloc(n), *q = o;
    for (const char *p = s; o && *p; p++) {
        const char *rep = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;" : NULL;
        if (rep) {
            memcpy(q, rep, strlen(rep));
            q += strlen(rep);
        } else {
            *q++ = *p;
        }
    }
    if (o)
        *q = '\0';
    return o;
}

static bool add_entry(lcp_seal_entry **v, size_t *n, const char *key, text *value) {
    lcp_seal_entry *e = value->ok ? realloc(*v, (*n + 1) * sizeof *e) : NULL;
    char *k = e ? strdup(key) : NULL;
    if (e)
        *v = e;
    if (!k) {
        free(value->s);
        return false;
    }
    e[*n].key = k;
    e[*n].value = value->s;
    (*n)++;
    return true;
}

bool lcp_seal_add_file(lcp_seal *sl, const char *rel, const uint8_t *sha1, const uint8_t *sha256, bool optional,
                       const lcp_seal_rule *v1) {
    text t = {NULL, 0, 0, true};
    put(&t, "\t\t<dict>\n\t\t\t<key>hash</key>\n");
    put_data(&t, "\t\t\t", sha1, LCP_CS_SHA1_LEN);
    put(&t, "\t\t\t<key>hash2</key>\n");
    put_data(&t, "\t\t\t", sha256, LCP_CS_SHA256_LEN);
    if (optional)
        put(&t, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n");
    put(&t, "\t\t</dict>\n");
    if (!add_entry(&sl->files2, &sl->nfiles2, rel, &t))
        return false;
    if (!v1 || v1->omit)
        return true;
    text u = {NULL, 0, 0, true};
    if (v1->optional) {
        put(&u, "\t\t<dict>\n\t\t\t<key>hash</key>\n");
        put_data(&u, "\t\t\t", sha1, LCP_CS_SHA1_LEN);
        put(&u, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n\t\t</dict>\n");
    } else {
        put_data(&u, "\t\t", sha1, LCP_CS_SHA1_LEN);
    }
    return add_entry(&sl->files, &sl->nfiles, rel, &u);
}

bool lcp_seal_add_nested(lcp_seal *sl, const char *rel, const uint8_t cdhash[LCP_CS_CDHASH_LEN]) {
    text t = {NULL, 0, 0, true};
    put(&t, "\t\t<dict>\n\t\t\t<key>cdhash</key>\n");
    put_data(&t, "\t\t\t", cdhash, LCP_CS_CDHASH_LEN);
    put(&t, "\t\t\t<key>requirement</key>\n\t\t\t<string>cdhash H\"");
    for (size_t k = 0; k < LCP_CS_CDHASH_LEN; k++)
        put(&t, "%02x", cdhash[k]);
    put(&t, "\"</string>\n\t\t</dict>\n");
    return add_entry(&sl->files2, &sl->nfiles2, rel, &t);
}

bool lcp_seal_add_symlink(lcp_seal *sl, const char *rel, const char *target) {
    char *esc = xml_escape(target);
    text t = {NULL, 0, 0, esc != NULL};
    put(&t, "\t\t<dict>\n\t\t\t<key>symlink</key>\n\t\t\t<string>%s</string>\n\t\t</dict>\n", esc ? esc : "");
    free(esc);
    return add_entry(&sl->files2, &sl->nfiles2, rel, &t);
}

static int by_key(const void *a, const void *b) {
    return strcmp(((const lcp_seal_entry *)a)->key, ((const lcp_seal_entry *)b)->key);
}
static int by_re(const void *a, const void *b) {
    return strcmp((*(const lcp_seal_rule *const *)a)->re, (*(const lcp_seal_rule *const *)b)->re);
}

static void put_rules(text *t, const lcp_seal_rule *rules, size_t n) {
    const lcp_seal_rule *sorted[32];
    for (size_t i = 0; i < n && i < 32; i++)
        sorted[i] = &rules[i];
    qsort(sorted, n, sizeof *sorted, by_re);
    put(t, "\t<dict>\n");
    for (size_t i = 0; i < n; i++) {
        const lcp_seal_rule *r = sorted[i];
        put(t, "\t\t<key>%s</key>\n", r->re);
        if (r->weight == 0) {
            put(t, "\t\t<true/>\n");
            continue;
        }
        put(t, "\t\t<dict>\n");
        if (r->nested)
            put(t, "\t\t\t<key>nested</key>\n\t\t\t<true/>\n");
        if (r->omit)
            put(t, "\t\t\t<key>omit</key>\n\t\t\t<true/>\n");
        if (r->optional)
            put(t, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n");
        put(t, "\t\t\t<key>weight</key>\n\t\t\t<real>%d</real>\n\t\t</dict>\n", r->weight);
    }
    put(t, "\t</dict>\n");
}

static void put_entries(text *t, lcp_seal_entry *e, size_t n) {
    if (n)
        qsort(e, n, sizeof *e, by_key);
    put(t, "\t<dict>\n");
    for (size_t i = 0; i < n && t->ok; i++) {
        char *k = xml_escape(e[i].key);
        if (!k) {
            t->ok = false;
            return;
        }
        put(t, "\t\t<key>%s</key>\n%s", k, e[i].value);
        free(k);
    }
    put(t, "\t</dict>\n");
}

char *lcp_seal_xml(lcp_seal *sl, size_t *len) {
    text t = {NULL, 0, 0, true};
    put(&t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
            "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n");
    put(&t, "\t<key>files</key>\n");
    put_entries(&t, sl->files, sl->nfiles);
    put(&t, "\t<key>files2</key>\n");
    put_entries(&t, sl->files2, sl->nfiles2);
    put(&t, "\t<key>rules</key>\n");
    put_rules(&t, lcp_seal_rules_v1, lcp_seal_nrules_v1);
    put(&t, "\t<key>rules2</key>\n");
    put_rules(&t, lcp_seal_rules_v2, lcp_seal_nrules_v2);
    put(&t, "</dict>\n</plist>\n");
    if (!t.ok) {
        free(t.s);
        return NULL;
    }
    *len = t.len;
    return t.s;
}

void lcp_seal_release(lcp_seal *sl) {
    for (size_t i = 0; i < sl->nfiles; i++) {
        free(sl->files[i].key);
        free(sl->files[i].value);
    }
    for (size_t i = 0; i < sl->nfiles2; i++) {
        free(sl->files2[i].key);
        free(sl->files2[i].value);
    }
    free(sl->files);
    free(sl->files2);
    memset(sl, 0, sizeof *sl);
}
