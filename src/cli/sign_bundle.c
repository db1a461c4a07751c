/* lcpatch sign --adhoc on a bundle (App.app, Foo.framework, a plug-in):
 * what `codesign -s - --deep` does. Nested code is signed first, inside
 * out (bundles under Frameworks/, PlugIns/, Helpers/, XPCServices/,
 * MacOS/... recursively, and loose Mach-O files there), then the resource
 * seal _CodeSignature/CodeResources is written with codesign's default
 * rules (rules, rules2, files with SHA-1 "hash", files2 with "hash" and
 * "hash2", nested code as its cdhash and designated requirement, symlinks
 * by target), then the main executable, its Info.plist and CodeResources
 * slots bound. Every output is made in memory and staged; the files are
 * replaced only when all were written (a failure anywhere leaves the bundle
 * as it was). */
#include "cli/sign_bundle.h"

#include "cli/cli.h"
#include "lcpatch/audit.h"
#include "lcpatch/codesign.h"
#include "lcpatch/lcpatch.h"
#include "lcpatch/sign.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 16

/* codesign's default resource rules for a bundle with Contents/ (a macOS
 * app or plug-in), as it writes them into CodeResources. */
typedef struct rule {
    const char *re;
    int weight; /* 0: the rule is <true/> (weight 1 when matching) */
    bool omit, optional, nested;
} rule;
static const rule rules_v1[] = {
    {"^Resources/", 0, false, false, false},
    {"^Resources/.*\\.lproj/", 1000, false, true, false},
    {"^Resources/.*\\.lproj/locversion.plist$", 1100, true, false, false},
    {"^Resources/Base\\.lproj/", 1010, false, false, false},
    {"^version.plist$", 0, false, false, false},
};
static const rule rules_v2[] = {
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
#define NV1 (sizeof rules_v1 / sizeof rules_v1[0])
#define NV2 (sizeof rules_v2 / sizeof rules_v2[0])

/* A file to replace once everything is ready. */
typedef struct pending {
    char *dest;
    uint8_t *bytes;
    size_t len;
    lcp_staged_file *staged;
} pending;

/* One seal entry: its key and its value rendered at the entries' depth. */
typedef struct entry {
    char *key, *value;
} entry;

typedef struct signer {
    const lcp_adhoc_opts *o; /* entitlements, runtime (the top bundle's) */
    pending *pw;
    size_t npw;
    regex_t v1[NV1], v2[NV2];
    lcp_error *err;
    unsigned flags; /* LCP_WRITE_* */
    char **made;    /* _CodeSignature folders created: removed on failure */
    size_t nmade;
} signer;

typedef struct seal {
    entry *files, *files2;
    size_t nfiles, nfiles2;
} seal;

static char *join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, a[0] && b[0] ? "/" : "", b);
    return s;
}

/* The best rule (highest weight, the first among equals) of a set. */
static const rule *best(const regex_t *res, const rule *rules, size_t n, const char *rel) {
    const rule *b = NULL;
    int bw = -1;
    for (size_t i = 0; i < n; i++) {
        int w = rules[i].weight ? rules[i].weight : 1;
        if (w > bw && regexec(&res[i], rel, 0, NULL, 0) == 0) {
            b = &rules[i];
            bw = w;
        }
    }
    return b;
}

static char *b64(const uint8_t *d, size_t n) {
    char *s = malloc(4 * ((n + 2) / 3) + 1);
    if (s)
        EVP_EncodeBlock((unsigned char *)s, d, (int)n);
    return s;
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
            strcpy(q, rep);
            q += strlen(rep);
        } else {
            *q++ = *p;
        }
    }
    if (o)
        *q = '\0';
    return o;
}

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
    if (n < 0 || (t->len + (size_t)n + 1 > t->cap && !(t->s = realloc(t->s, t->cap = (t->len + (size_t)n + 1) * 2)))) {
        t->ok = false;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, t->cap - t->len, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

static void put_data(text *t, const char *ind, const uint8_t *d, size_t n) {
    char *b = b64(d, n);
    if (!b) {
        t->ok = false;
        return;
    }
    put(t, "%s<data>\n%s%s\n%s</data>\n", ind, ind, b, ind);
    free(b);
}

static bool add_entry(entry **v, size_t *n, const char *key, char *value) {
    entry *e = realloc(*v, (*n + 1) * sizeof *e);
    if (!e || !value) {
        free(value);
        if (e)
            *v = e;
        return false;
    }
    *v = e;
    if (!(e[*n].key = strdup(key))) {
        free(value);
        return false;
    }
    e[*n].value = value;
    (*n)++;
    return true;
}

/* ---- pending writes ---- */

static lcp_status add_pending(signer *s, const char *dest, uint8_t *bytes, size_t len) {
    pending *p = realloc(s->pw, (s->npw + 1) * sizeof *p);
    char *d = strdup(dest);
    if (!p || !d) {
        free(d);
        free(bytes);
        if (p)
            s->pw = p;
        return lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    s->pw = p;
    p[s->npw++] = (pending){d, bytes, len, NULL};
    return LCP_OK;
}

/* ---- signing one Mach-O file ---- */

/* The signed bytes of path (ad hoc, o's options), and the cdhash of the
 * slice codesign names nested code by (arm64e, arm64, x86_64, the first). */
static lcp_status sign_macho(signer *s, const char *path, const lcp_adhoc_opts *o, uint8_t cdhash[LCP_CS_CDHASH_LEN],
                             bool *is_code) {
    lcp_file *f = NULL;
    *is_code = false;
    if (lcp_file_open(path, &f, NULL) != LCP_OK)
        return LCP_OK; /* not Mach-O: a resource */
    bool any = false;
    for (size_t i = 0; i < f->nslices; i++)
        any = any || f->slices[i].image != NULL;
    if (!any) {
        lcp_file_free(f);
        return LCP_OK; /* an archive: sealed as a resource */
    }
    *is_code = true;
    lcp_plan plan;
    lcp_plan_init(&plan);
    uint8_t *bytes = NULL;
    size_t len = 0;
    lcp_status st = lcp_sign_adhoc_file(f, o, &plan, s->err);
    if (st == LCP_OK)
        st = lcp_plan_write_memory(&plan, &f->src, &bytes, &len, s->err);
    lcp_plan_release(&plan);
    lcp_file_free(f);
    lcp_file *nf = NULL;
    if (st == LCP_OK)
        st = lcp_file_open_memory(bytes, len, path, &nf, s->err);
    int rank = 0;
    for (size_t i = 0; st == LCP_OK && i < nf->nslices; i++) {
        const lcp_image *img = nf->slices[i].image;
        if (!img)
            continue;
        uint32_t sub = img->cpusubtype & 0x00ffffffu;
        int r = img->cputype == LCP_CPU_TYPE_ARM64    ? (sub == LCP_CPU_SUBTYPE_ARM64E ? 4 : 3)
                : img->cputype == LCP_CPU_TYPE_X86_64 ? 2
                                                      : 1;
        if (r <= rank)
            continue;
        lcp_cs_signature sig;
        memset(&sig, 0, sizeof sig);
        st = lcp_cs_read(&nf->src, img, &sig, s->err);
        if (st == LCP_OK && sig.ncds > 0) {
            memcpy(cdhash, sig.cds[0].cdhash, LCP_CS_CDHASH_LEN);
            rank = r;
        }
        lcp_cs_signature_release(&sig);
    }
    lcp_file_free(nf);
    if (st == LCP_OK && rank == 0)
        st = lcp_error_set(s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: signed, but no cdhash could be read", path);
    if (st) {
        free(bytes);
        lcp_error_prefix(s->err, "%s", path);
        return st;
    }
    return add_pending(s, path, bytes, len);
}

static char *nested_value(const uint8_t cdhash[LCP_CS_CDHASH_LEN]) {
    text t = {NULL, 0, 0, true};
    put(&t, "\t\t<dict>\n\t\t\t<key>cdhash</key>\n");
    put_data(&t, "\t\t\t", cdhash, LCP_CS_CDHASH_LEN);
    put(&t, "\t\t\t<key>requirement</key>\n\t\t\t<string>cdhash H\"");
    for (size_t k = 0; k < LCP_CS_CDHASH_LEN; k++)
        put(&t, "%02x", cdhash[k]);
    put(&t, "\"</string>\n\t\t</dict>\n");
    if (!t.ok) {
        free(t.s);
        return NULL;
    }
    return t.s;
}

static lcp_status sign_bundle(signer *s, const char *root, int depth, uint8_t cdhash[LCP_CS_CDHASH_LEN],
                              const lcp_adhoc_opts *top);

static bool looks_like_bundle(const char *dir) {
    static const char *marks[] = {"Contents/Info.plist", "Info.plist", "Resources/Info.plist",
                                  "Versions/Current/Resources/Info.plist"};
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        char *p = join(dir, marks[k]);
        struct stat st;
        bool yes = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
        free(p);
        if (yes)
            return true;
    }
    return false;
}

/* A plain file's seal: files2 {hash, hash2[, optional]}, files (v1 rules)
 * hash or {hash, optional}. */
static lcp_status seal_file(signer *s, seal *sl, const char *full, const char *rel, const rule *r2) {
    uint8_t h1[LCP_CS_MAX_DIGEST], h2[LCP_CS_MAX_DIGEST];
    size_t l1, l2;
    lcp_status st = lcp_cs_hash_file(LCP_CS_HASHTYPE_SHA1, full, h1, &l1, s->err);
    if (st == LCP_OK)
        st = lcp_cs_hash_file(LCP_CS_HASHTYPE_SHA256, full, h2, &l2, s->err);
    if (st)
        return st;
    text t = {NULL, 0, 0, true};
    put(&t, "\t\t<dict>\n\t\t\t<key>hash</key>\n");
    put_data(&t, "\t\t\t", h1, l1);
    put(&t, "\t\t\t<key>hash2</key>\n");
    put_data(&t, "\t\t\t", h2, l2);
    if (r2->optional)
        put(&t, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n");
    put(&t, "\t\t</dict>\n");
    bool ok = t.ok && add_entry(&sl->files2, &sl->nfiles2, rel, t.s);
    const rule *r1 = best(s->v1, rules_v1, NV1, rel);
    if (ok && r1 && !r1->omit) {
        text u = {NULL, 0, 0, true};
        if (r1->optional) {
            put(&u, "\t\t<dict>\n\t\t\t<key>hash</key>\n");
            put_data(&u, "\t\t\t", h1, l1);
            put(&u, "\t\t\t<key>optional</key>\n\t\t\t<true/>\n\t\t</dict>\n");
        } else {
            put_data(&u, "\t\t", h1, l1);
        }
        ok = u.ok && add_entry(&sl->files, &sl->nfiles, rel, u.s);
    }
    return ok ? LCP_OK : lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Walks base (rel: the path under it), signing nested code and sealing
 * the rest; skip: the main executable and Info.plist's full paths. */
static lcp_status walk(signer *s, seal *sl, const char *dir, const char *rel, int depth, const char *exe,
                       const char *info) {
    DIR *d = opendir(dir);
    if (!d)
        return lcp_error_set(s->err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    lcp_status st = LCP_OK;
    for (struct dirent *de; st == LCP_OK && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (rel[0] == '\0' && strcmp(de->d_name, "_CodeSignature") == 0)
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = strdup(de->d_name)))
            st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        if (nn)
            names = nn;
        if (st == LCP_OK)
            n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n && st == LCP_OK; i++) {
        char *full = join(dir, names[i]), *r = join(rel, names[i]);
        struct stat stt;
        const rule *r2 = r ? best(s->v2, rules_v2, NV2, r) : NULL;
        if (!full || !r) {
            st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        } else if (strcmp(full, exe) == 0 || (info && strcmp(full, info) == 0) || lstat(full, &stt) != 0) {
            /* the main executable and Info.plist are bound to its slots */
        } else if (S_ISLNK(stt.st_mode)) {
            char target[4096];
            ssize_t tl = readlink(full, target, sizeof target - 1);
            if (tl >= 0 && r2 && !r2->omit) {
                target[tl] = '\0';
                char *esc = xml_escape(target);
                text t = {NULL, 0, 0, esc != NULL};
                put(&t, "\t\t<dict>\n\t\t\t<key>symlink</key>\n\t\t\t<string>%s</string>\n\t\t</dict>\n", esc);
                free(esc);
                if (!t.ok || !add_entry(&sl->files2, &sl->nfiles2, r, t.s))
                    st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            }
        } else if (S_ISDIR(stt.st_mode)) {
            uint8_t h[LCP_CS_CDHASH_LEN];
            /* ResourceBuilder::scan: a folder where nested code goes is a
             * nested bundle when its name has an extension */
            if (r2 && r2->nested && strchr(names[i], '.') && looks_like_bundle(full)) {
                st = sign_bundle(s, full, depth + 1, h, NULL);
                if (st == LCP_OK && !add_entry(&sl->files2, &sl->nfiles2, r, nested_value(h)))
                    st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            } else {
                st = walk(s, sl, full, r, depth, exe, info);
            }
        } else if (S_ISREG(stt.st_mode) && r2 && !r2->omit) {
            uint8_t h[LCP_CS_CDHASH_LEN];
            bool code = false;
            if (r2->nested) {
                lcp_adhoc_opts o = {NULL, full, false, NULL, 0, NULL, 0, NULL, 0};
                st = sign_macho(s, full, &o, h, &code);
            }
            if (st == LCP_OK && code) {
                if (!add_entry(&sl->files2, &sl->nfiles2, r, nested_value(h)))
                    st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            } else if (st == LCP_OK) {
                st = seal_file(s, sl, full, r, r2);
            }
        }
        free(full);
        free(r);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return st;
}

static int by_key(const void *a, const void *b) { return strcmp(((const entry *)a)->key, ((const entry *)b)->key); }

static void put_rules(text *t, const rule *rules, size_t n) {
    /* CFPropertyList writes a dictionary's keys sorted */
    const rule *sorted[NV2];
    for (size_t i = 0; i < n; i++)
        sorted[i] = &rules[i];
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(sorted[k - 1]->re, sorted[k]->re) > 0; k--) {
            const rule *x = sorted[k];
            sorted[k] = sorted[k - 1];
            sorted[k - 1] = x;
        }
    put(t, "\t<dict>\n");
    for (size_t i = 0; i < n; i++) {
        const rule *r = sorted[i];
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

static void put_entries(text *t, entry *e, size_t n) {
    qsort(e, n, sizeof *e, by_key);
    put(t, "\t<dict>\n");
    for (size_t i = 0; i < n; i++) {
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

static void seal_release(seal *sl) {
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
}

static lcp_status sign_bundle(signer *s, const char *root, int depth, uint8_t cdhash[LCP_CS_CDHASH_LEN],
                              const lcp_adhoc_opts *top) {
    if (depth > MAX_DEPTH)
        return lcp_error_set(s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: nested code deeper than %d levels", root,
                             MAX_DEPTH);
    lcp_cs_bundle b;
    lcp_status st = lcp_cs_bundle_open(root, &b, s->err);
    if (st == LCP_OK && !b.executable)
        st = lcp_error_set(s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET,
                           "%s: no main executable (CFBundleExecutable names none in the bundle)", root);
    seal sl = {NULL, NULL, 0, 0};
    if (st == LCP_OK)
        st = walk(s, &sl, b.base, "", depth, b.executable, b.info_path);
    text t = {NULL, 0, 0, true};
    if (st == LCP_OK) {
        put(&t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" "
                "\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n<plist version=\"1.0\">\n<dict>\n");
        put(&t, "\t<key>files</key>\n");
        put_entries(&t, sl.files, sl.nfiles);
        put(&t, "\t<key>files2</key>\n");
        put_entries(&t, sl.files2, sl.nfiles2);
        put(&t, "\t<key>rules</key>\n");
        put_rules(&t, rules_v1, NV1);
        put(&t, "\t<key>rules2</key>\n");
        put_rules(&t, rules_v2, NV2);
        put(&t, "</dict>\n</plist>\n");
        if (!t.ok)
            st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    seal_release(&sl);
    /* the main executable, Info.plist and the seal bound to its slots; the
     * top bundle's options (identifier, entitlements, runtime) apply to it */
    if (st == LCP_OK) {
        lcp_adhoc_opts o = top ? *top : (lcp_adhoc_opts){NULL, NULL, false, NULL, 0, NULL, 0, NULL, 0};
        o.name = root;
        o.info_plist = b.info_plist;
        o.info_plist_len = b.info_plist_len;
        o.resources = (const uint8_t *)t.s;
        o.resources_len = t.len;
        char *id = NULL;
        if (!o.identifier && b.info_plist &&
            lcp_plist_string(b.info_plist, b.info_plist_len, "CFBundleIdentifier", &id, NULL) == LCP_OK && id)
            o.identifier = id;
        bool code = false;
        st = sign_macho(s, b.executable, &o, cdhash, &code);
        free(id);
        if (st == LCP_OK && !code)
            st = lcp_error_set(s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: the main executable is not Mach-O",
                               b.executable);
    }
    if (st == LCP_OK) {
        char *dir = join(b.base, "_CodeSignature"), *dest = dir ? join(dir, "CodeResources") : NULL;
        if (!dest)
            st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        else if (mkdir(dir, 0755) == 0) {
            char **m = realloc(s->made, (s->nmade + 1) * sizeof *m);
            if (m && (m[s->nmade] = strdup(dir)) != NULL)
                s->nmade++;
            if (m)
                s->made = m;
        } else if (errno != EEXIST)
            st = lcp_error_set(s->err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", dir, strerror(errno));
        if (st == LCP_OK) {
            st = add_pending(s, dest, (uint8_t *)t.s, t.len);
            t.s = NULL;
        }
        free(dir);
        free(dest);
    }
    free(t.s);
    lcp_cs_bundle_release(&b);
    return st;
}

bool lcp_cli_is_bundle(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

lcp_status lcp_cli_sign_bundle(const char *path, const lcp_adhoc_opts *o, unsigned write_flags, lcp_error *err) {
    signer s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.err = err;
    s.flags = write_flags;
    size_t c1 = 0, c2 = 0;
    lcp_status st = LCP_OK;
    while (c1 < NV1 && regcomp(&s.v1[c1], rules_v1[c1].re, REG_EXTENDED | REG_NOSUB) == 0)
        c1++;
    while (c2 < NV2 && regcomp(&s.v2[c2], rules_v2[c2].re, REG_EXTENDED | REG_NOSUB) == 0)
        c2++;
    if (c1 < NV1 || c2 < NV2)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "cannot compile codesign's resource rules");
    uint8_t cdhash[LCP_CS_CDHASH_LEN];
    if (st == LCP_OK)
        st = sign_bundle(&s, path, 0, cdhash, o);
    /* stage every output, then replace them all */
    for (size_t i = 0; i < s.npw && st == LCP_OK; i++) {
        lcp_plan p;
        lcp_plan_init(&p);
        lcp_source none;
        memset(&none, 0, sizeof none);
        st = lcp_plan_add_bytes(&p, s.pw[i].bytes, s.pw[i].len, err);
        struct stat mst;
        const char *mode_from = stat(s.pw[i].dest, &mst) == 0 ? s.pw[i].dest : NULL;
        if (st == LCP_OK)
            st = lcp_plan_stage_file(&p, &none, s.pw[i].dest, mode_from, write_flags, &s.pw[i].staged, err);
        lcp_plan_release(&p);
    }
    for (size_t i = 0; i < s.npw; i++) {
        if (s.pw[i].staged && st == LCP_OK)
            st = lcp_staged_file_commit(s.pw[i].staged, err);
        else
            lcp_staged_file_abort(s.pw[i].staged);
        free(s.pw[i].dest);
        free(s.pw[i].bytes);
    }
    free(s.pw);
    for (size_t i = s.nmade; i-- > 0;) {
        if (st != LCP_OK)
            rmdir(s.made[i]); /* empty again: its CodeResources was never committed */
        free(s.made[i]);
    }
    free(s.made);
    for (size_t i = 0; i < c1; i++)
        regfree(&s.v1[i]);
    for (size_t i = 0; i < c2; i++)
        regfree(&s.v2[i]);
    return st;
}
