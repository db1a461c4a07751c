/* lcpatch check: one PATH -> the load path audit (Gatekeeper's most common
 * refusal, with dyld's rules) and the walk (walk.c: notary rules per image,
 * bundles, names); the report is sorted once at the end of each PATH. */
#include "check/internal.h"
#include "lcpatch/audit.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void lcp_check_report_init(lcp_check_report *r) { memset(r, 0, sizeof *r); }

void lcp_check_report_release(lcp_check_report *r) {
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->nissues; i++) {
        free(r->issues[i].path);
        free(r->issues[i].arch);
        free(r->issues[i].detail);
    }
    for (size_t i = 0; i < r->nfailures; i++)
        free(r->failures[i].path);
    free(r->issues);
    free(r->failures);
    memset(r, 0, sizeof *r);
}

bool ck_issue(lcp_check_report *r, lcp_check_rule rule, const char *path, const char *arch, const char *fmt, ...) {
    if (r->nissues == r->cap_issues) {
        size_t cap = r->cap_issues ? r->cap_issues * 2 : 32;
        lcp_check_issue *n = realloc(r->issues, cap * sizeof *n);
        if (n == NULL)
            return false;
        r->issues = n;
        r->cap_issues = cap;
    }
    lcp_check_issue *is = &r->issues[r->nissues];
    memset(is, 0, sizeof *is);
    is->rule = rule;
    is->path = strdup(path);
    is->arch = arch ? strdup(arch) : NULL;
    if (fmt) {
        char buf[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        is->detail = strdup(buf);
    }
    if (is->path == NULL || (arch && is->arch == NULL) || (fmt && is->detail == NULL)) {
        free(is->path);
        free(is->arch);
        free(is->detail);
        return false;
    }
    r->nissues++;
    if (lcp_check_rule_get(rule)->severity == LCP_CHECK_ERROR)
        r->errors++;
    else
        r->warnings++;
    return true;
}

bool ck_failure(lcp_check_report *r, const char *path, const lcp_error *e) {
    if (r->nfailures == r->cap_failures) {
        size_t cap = r->cap_failures ? r->cap_failures * 2 : 8;
        lcp_check_failure *n = realloc(r->failures, cap * sizeof *n);
        if (n == NULL)
            return false;
        r->failures = n;
        r->cap_failures = cap;
    }
    lcp_check_failure *f = &r->failures[r->nfailures];
    f->path = strdup(path);
    f->error = *e;
    if (f->path == NULL)
        return false;
    r->nfailures++;
    return true;
}

char *ck_join(const char *a, const char *b) {
    size_t n = strlen(a), m = strlen(b);
    char *s = malloc(n + m + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, n);
    s[n] = '/';
    memcpy(s + n + 1, b, m + 1);
    return s;
}

static int by_path(const void *a, const void *b) {
    const lcp_check_issue *x = a, *y = b;
    int c = strcmp(x->path, y->path);
    if (c)
        return c;
    c = strcmp(x->arch ? x->arch : "", y->arch ? y->arch : "");
    if (c)
        return c;
    if (x->rule != y->rule)
        return x->rule < y->rule ? -1 : 1;
    return strcmp(x->detail ? x->detail : "", y->detail ? y->detail : "");
}

/* The notary names a file by its path from the uploaded item: the last
 * component of PATH, then the path inside it. */
static const char *base_name(const char *path, char *buf, size_t len) {
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    size_t s = n;
    while (s > 0 && path[s - 1] != '/')
        s--;
    snprintf(buf, len, "%.*s", (int)(n - s), path + s);
    return buf;
}

/* Audit findings become Gatekeeper issues: errors (dangling, outside the
 * bundle) refuse the launch; warnings may, where the app is installed. */
static void add_audit(lcp_check_report *r, const char *name, const lcp_audit_report *a) {
    for (size_t i = 0; i < a->nfindings; i++) {
        const lcp_audit_finding *f = &a->findings[i];
        /* the file, then "(member)" for archive members */
        char *file = strcmp(f->root, f->file) == 0 ? strdup(name) : ck_join(name, f->file);
        if (file == NULL)
            return;
        size_t n = strlen(file) + (f->member ? strlen(f->member) + 3 : 1);
        char *path = malloc(n);
        if (path == NULL) {
            free(file);
            return;
        }
        snprintf(path, n, "%s%s%s%s", file, f->member ? "(" : "", f->member ? f->member : "", f->member ? ")" : "");
        free(file);
        ck_issue(r, f->severity == LCP_AUDIT_ERROR ? LCP_CK_LOAD_PATH : LCP_CK_LOAD_PATH_WARNING, path, f->arch,
                 "%s: %s %s%s%s%s%s%s", lcp_audit_kind_name(f->kind), f->command, f->path, f->via ? " (via " : "",
                 f->via ? f->via : "", f->via ? ")" : "", f->hint ? "; " : "", f->hint ? f->hint : "");
        free(path);
    }
}

/* PATH could not be checked: the failure goes in the report too, so that
 * every report (text, JSON, SARIF) says so. */
static lcp_status root_failure(lcp_check_report *r, const char *path, const lcp_error *e, lcp_error *err) {
    ck_failure(r, path, e);
    if (err)
        *err = *e;
    return e->status;
}

/* The load path audit of one PATH, run on a thread of its own while the
 * walk and the signature pool run: the walk's single-threaded stretches
 * (the folder scan, the merge) leave a core free, and the audit fills it.
 * Its report is its own until joined. */
struct audit_job {
    const char *path;
    lcp_audit_options ao;
    lcp_audit_report a;
    lcp_status st;
};

static void *run_audit(void *arg) {
    struct audit_job *j = arg;
    lcp_error e;
    j->st = lcp_audit_path(j->path, &j->ao, &j->a, &e);
    return NULL;
}

lcp_status lcp_check_path(const char *path, const lcp_check_options *opt, lcp_check_report *r, lcp_error *err) {
    lcp_error e;
    struct stat st;
    if (stat(path, &st) != 0) {
        lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", path, strerror(errno));
        return root_failure(r, path, &e, err);
    }
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
        lcp_error_set(&e, LCP_E_IO, LCP_NO_OFFSET, "%s: not a file or folder", path);
        return root_failure(r, path, &e, err);
    }
    char name[1024];
    base_name(path, name, sizeof name);
    size_t first = r->nissues, macho_before = r->macho_files;
    /* The load paths, of a folder or of a Mach-O file (not of an archive:
     * its members are not on disk to resolve against). A file's audit
     * waits for the walk to say it is Mach-O; a folder's starts now. */
    struct audit_job job = {.path = path, .st = LCP_E_IO};
    job.ao.sysroot = opt ? opt->sysroot : NULL;
    job.ao.jobs = opt ? opt->jobs : 0;
    lcp_audit_report_init(&job.a);
    pthread_t tid;
    bool threaded = S_ISDIR(st.st_mode) && pthread_create(&tid, NULL, run_audit, &job) == 0;
    lcp_status ws = ck_walk(r, name, path, opt ? opt->jobs : 0, &e);
    if (threaded)
        pthread_join(tid, NULL);
    else if (ws == LCP_OK && (S_ISDIR(st.st_mode) || (r->macho_files > macho_before && !ck_is_archive_name(name))))
        run_audit(&job); /* a file, or no thread to be had */
    if (ws != LCP_OK) {
        lcp_audit_report_release(&job.a);
        return root_failure(r, path, &e, err);
    }
    if (job.st == LCP_OK)
        add_audit(r, name, &job.a);
    lcp_audit_report_release(&job.a);
    if (r->nissues > first)
        qsort(r->issues + first, r->nissues - first, sizeof *r->issues, by_path);
    return LCP_OK;
}
