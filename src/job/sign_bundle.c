/* Ad-hoc signing of a bundle (App.app, Foo.framework, a plug-in;
 * lcp_sign_bundle_adhoc, what `lcpatch sign --adhoc` does to a folder):
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
#include "lcpatch/sign.h"

#include "job/seal_xml.h"
#include "lcpatch/audit.h"
#include "lcpatch/codesign.h"
#include "lcpatch/lcpatch.h"
#include "util/path.h"
#include "util/walk.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 16 /* bundles nested in bundles */

/* A file to replace once everything is ready. */
typedef struct pending {
    char *dest;
    uint8_t *bytes;
    size_t len;
    lcp_staged_file *staged;
} pending;

typedef struct signer {
    const lcp_adhoc_opts *o; /* entitlements, runtime (the top bundle's) */
    pending *pw;
    size_t npw;
    regex_t v1[8], v2[16];
    lcp_error *err;
    unsigned flags; /* LCP_WRITE_* */
    char **made;    /* _CodeSignature folders created: removed on failure */
    size_t nmade;
} signer;

static char *join(const char *a, const char *b) {
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s)
        snprintf(s, n, "%s%s%s", a, a[0] && b[0] ? "/" : "", b);
    return s;
}

/* The best rule (highest weight, the first among equals) of a set. */
static const lcp_seal_rule *best(const regex_t *res, const lcp_seal_rule *rules, size_t n, const char *rel) {
    const lcp_seal_rule *b = NULL;
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
        any = any || (f->slices[i].image && f->slices[i].image->filetype != LCP_MH_OBJECT);
    if (!any) {
        lcp_file_free(f);
        return LCP_OK; /* an archive or an object file: sealed as a resource */
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

/* A plain file's seal: files2 {hash, hash2[, optional]}, files (v1 rules). */
static lcp_status seal_file(signer *s, lcp_seal *sl, const char *full, const char *rel, const lcp_seal_rule *r2) {
    uint8_t h1[LCP_CS_MAX_DIGEST], h2[LCP_CS_MAX_DIGEST];
    size_t l1, l2;
    lcp_status st = lcp_cs_hash_file(LCP_CS_HASHTYPE_SHA1, full, h1, &l1, s->err);
    if (st == LCP_OK)
        st = lcp_cs_hash_file(LCP_CS_HASHTYPE_SHA256, full, h2, &l2, s->err);
    if (st == LCP_OK &&
        !lcp_seal_add_file(sl, rel, h1, h2, r2->optional, best(s->v1, lcp_seal_rules_v1, lcp_seal_nrules_v1, rel)))
        st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    return st;
}

/* One bundle's walk (lcp_walk): under base, nested code signed and the
 * rest sealed; exe and info (full paths, compared as join builds them) are
 * the main executable and Info.plist, bound to their slots instead. */
typedef struct seal_walk {
    signer *s;
    lcp_seal *sl;
    const char *base, *exe, *info;
    int depth; /* the bundle's nesting */
} seal_walk;

static lcp_status seal_entry(seal_walk *w, const lcp_walk_entry *e, const char *full, bool *skip) {
    signer *s = w->s;
    const char *r = e->rel;
    const lcp_seal_rule *r2 = best(s->v2, lcp_seal_rules_v2, lcp_seal_nrules_v2, r);
    lcp_status st = LCP_OK;
    if (strcmp(full, w->exe) == 0 || (w->info && strcmp(full, w->info) == 0)) {
        *skip = true; /* the main executable and Info.plist are bound to its slots */
    } else if (e->symlink) {
        char target[4096];
        ssize_t tl = readlink(full, target, sizeof target - 1);
        if (tl >= 0 && r2 && !r2->omit) {
            target[tl] = '\0';
            if (!lcp_seal_add_symlink(w->sl, r, target))
                st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        }
    } else if (S_ISDIR(e->st->st_mode)) {
        uint8_t h[LCP_CS_CDHASH_LEN];
        /* ResourceBuilder::scan: a folder where nested code goes is a
         * nested bundle when its name has an extension; signed (and sealed)
         * on its own, then named here by its cdhash, never walked into */
        if (r2 && r2->nested && strchr(e->name, '.') && looks_like_bundle(full)) {
            *skip = true;
            st = sign_bundle(s, full, w->depth + 1, h, NULL);
            if (st == LCP_OK && !lcp_seal_add_nested(w->sl, r, h))
                st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        }
    } else if (S_ISREG(e->st->st_mode) && r2 && !r2->omit) {
        uint8_t h[LCP_CS_CDHASH_LEN];
        bool code = false;
        if (r2->nested) {
            lcp_adhoc_opts o = {NULL, full, false, NULL, 0, NULL, 0, NULL, 0};
            st = sign_macho(s, full, &o, h, &code);
        }
        if (st == LCP_OK && code) {
            if (!lcp_seal_add_nested(w->sl, r, h))
                st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        } else if (st == LCP_OK) {
            st = seal_file(s, w->sl, full, r, r2);
        }
    }
    return st;
}

static lcp_status seal_visit(void *arg, const lcp_walk_entry *e, bool *skip) {
    seal_walk *w = arg;
    if (e->depth == 1 && strcmp(e->name, "_CodeSignature") == 0) {
        *skip = true; /* the seal's own folder */
        return LCP_OK;
    }
    char *full = join(w->base, e->rel);
    if (!full)
        return lcp_error_set(w->s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_status st = seal_entry(w, e, full, skip);
    free(full);
    return st;
}

/* An entry that cannot be stat'ed is passed over; a folder that cannot be
 * listed (or is nested too deep) ends the signing. */
static lcp_status seal_error(void *arg, const lcp_walk_error *we) {
    seal_walk *w = arg;
    if (we->kind == LCP_WALK_STAT)
        return LCP_OK;
    char *dir = join(w->base, we->rel), shown[LCP_PATH_SHOWN_MAX];
    const char *name = lcp_path_shown(dir ? dir : w->base, shown);
    lcp_status st = we->kind == LCP_WALK_OPEN
                        ? lcp_error_set(w->s->err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", name, strerror(we->errnum))
                        : lcp_error_set(w->s->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET,
                                        "%s: folders nested deeper than %d levels", name, LCP_WALK_MAX_DEPTH);
    free(dir);
    return st;
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
    lcp_seal sl = {NULL, NULL, 0, 0};
    if (st == LCP_OK) {
        seal_walk w = {s, &sl, b.base, b.executable, b.info_path, depth};
        lcp_walk_options wo = {.max_depth = LCP_WALK_MAX_DEPTH, .visit = seal_visit, .on_error = seal_error, .ctx = &w};
        st = lcp_walk(b.base, &wo, s->err);
    }
    size_t xml_len = 0;
    char *xml = st == LCP_OK ? lcp_seal_xml(&sl, &xml_len) : NULL;
    if (st == LCP_OK && !xml)
        st = lcp_error_set(s->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_seal_release(&sl);
    /* the main executable, Info.plist and the seal bound to its slots; the
     * top bundle's options (identifier, entitlements, runtime) apply to it */
    if (st == LCP_OK) {
        lcp_adhoc_opts o = top ? *top : (lcp_adhoc_opts){NULL, NULL, false, NULL, 0, NULL, 0, NULL, 0};
        o.name = root;
        o.info_plist = b.info_plist;
        o.info_plist_len = b.info_plist_len;
        o.resources = (const uint8_t *)xml;
        o.resources_len = xml_len;
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
            st = add_pending(s, dest, (uint8_t *)xml, xml_len);
            xml = NULL;
        }
        free(dir);
        free(dest);
    }
    free(xml);
    lcp_cs_bundle_release(&b);
    return st;
}

lcp_status lcp_sign_bundle_adhoc(const char *path, const lcp_adhoc_opts *o, unsigned write_flags, lcp_error *err) {
    signer s;
    memset(&s, 0, sizeof s);
    s.o = o;
    s.err = err;
    s.flags = write_flags;
    size_t c1 = 0, c2 = 0;
    lcp_status st = LCP_OK;
    size_t n1 = lcp_seal_nrules_v1, n2 = lcp_seal_nrules_v2;
    if (n1 > sizeof s.v1 / sizeof s.v1[0] || n2 > sizeof s.v2 / sizeof s.v2[0])
        n1 = n2 = 0;
    while (c1 < n1 && regcomp(&s.v1[c1], lcp_seal_rules_v1[c1].re, REG_EXTENDED | REG_NOSUB) == 0)
        c1++;
    while (c2 < n2 && regcomp(&s.v2[c2], lcp_seal_rules_v2[c2].re, REG_EXTENDED | REG_NOSUB) == 0)
        c2++;
    if (n1 == 0 || c1 < n1 || c2 < n2)
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
