/* lcpatch check: the Mach-O files of a walk, checked on worker threads.
 * Each task has a report of its own (no lock on the hot path); the reports
 * are merged in task order, so the output does not depend on the threads.
 * Verifying a signature hashes every code page: this is where the time
 * goes, and what the threads share out. */
#include "check/internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct pool {
    ck_task *tasks;
    size_t n;
    atomic_size_t next;
};

static void run_task(ck_task *t) {
    lcp_file *f;
    lcp_error e;
    if (lcp_file_open(t->fs_path, &f, &e) != LCP_OK) {
        if (e.status != LCP_E_NOT_MACHO)
            ck_failure(&t->sub, t->path, &e);
        return;
    }
    t->sub.macho_files = 1;
    ck_macho(&t->sub, t->path, f, t->ext);
    lcp_file_free(f);
}

static void *worker(void *arg) {
    struct pool *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->n)
            return NULL;
        if (!p->tasks[i].twin)
            run_task(&p->tasks[i]);
    }
}

/* Moves a task's report into r: the strings change owner, nothing is copied. */
static void merge(lcp_check_report *r, lcp_check_report *sub) {
    size_t ni = r->nissues + sub->nissues, nf = r->nfailures + sub->nfailures;
    if (ni > r->cap_issues) {
        lcp_check_issue *p = realloc(r->issues, ni * sizeof *p);
        if (p == NULL)
            goto out;
        r->issues = p;
        r->cap_issues = ni;
    }
    if (nf > r->cap_failures) {
        lcp_check_failure *p = realloc(r->failures, nf * sizeof *p);
        if (p == NULL)
            goto out;
        r->failures = p;
        r->cap_failures = nf;
    }
    if (sub->nissues) /* memcpy from NULL is undefined even for 0 bytes */
        memcpy(r->issues + r->nissues, sub->issues, sub->nissues * sizeof *sub->issues);
    if (sub->nfailures)
        memcpy(r->failures + r->nfailures, sub->failures, sub->nfailures * sizeof *sub->failures);
    r->nissues = ni;
    r->nfailures = nf;
    r->macho_files += sub->macho_files;
    r->errors += sub->errors;
    r->warnings += sub->warnings;
    sub->nissues = sub->nfailures = 0;
out:
    lcp_check_report_release(sub);
}

struct inode_of {
    dev_t dev;
    ino_t ino;
    size_t task;
};

static int by_inode(const void *a, const void *b) {
    const struct inode_of *x = a, *y = b;
    if (x->dev != y->dev)
        return x->dev < y->dev ? -1 : 1;
    if (x->ino != y->ino)
        return x->ino < y->ino ? -1 : 1;
    return x->task < y->task ? -1 : x->task > y->task;
}

/* Hard links: each task whose file an earlier task also checks, under the
 * same bundle data (ext), becomes that task's twin. Its verdict is the
 * same file's, named by its own path. */
static void find_twins(ck_task *tasks, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        m += tasks[i].linked;
    struct inode_of *v = m > 1 ? malloc(m * sizeof *v) : NULL;
    if (v == NULL)
        return; /* none, or out of memory: every name is checked */
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (tasks[i].linked)
            v[m++] = (struct inode_of){tasks[i].dev, tasks[i].ino, i};
    qsort(v, m, sizeof *v, by_inode);
    for (size_t a = 0; a < m;) {
        size_t b = a + 1;
        while (b < m && v[b].dev == v[a].dev && v[b].ino == v[a].ino)
            b++;
        for (size_t j = a + 1; j < b; j++)
            for (size_t k = a; k < j; k++)
                if (!tasks[v[k].task].twin && tasks[v[k].task].ext == tasks[v[j].task].ext) {
                    tasks[v[j].task].twin = v[k].task + 1;
                    break;
                }
        a = b;
    }
    free(v);
}

/* A twin's report: its file's issues under its own path. A file that could
 * not be checked is checked again under this name, so that the failure's
 * message names it. */
static void twin_report(ck_task *t, const ck_task *o) {
    if (o->sub.nfailures) {
        run_task(t);
        return;
    }
    t->sub.macho_files = o->sub.macho_files;
    for (size_t i = 0; i < o->sub.nissues; i++) {
        const lcp_check_issue *is = &o->sub.issues[i];
        if (is->detail)
            ck_issue(&t->sub, is->rule, t->path, is->arch, "%s", is->detail);
        else
            ck_issue(&t->sub, is->rule, t->path, is->arch, NULL);
    }
}

void ck_run_tasks(lcp_check_report *r, ck_task *tasks, size_t n, unsigned jobs) {
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++)
        lcp_check_report_init(&tasks[i].sub);
    find_twins(tasks, n);
    if (jobs == 0) {
        long c = sysconf(_SC_NPROCESSORS_ONLN);
        jobs = c > 0 ? (unsigned)c : 1;
    }
    if (jobs > 64)
        jobs = 64;
    if (jobs > n)
        jobs = (unsigned)n;
    struct pool p = {tasks, n, 0};
    pthread_t tids[64];
    unsigned started = 0;
    for (unsigned t = 1; t < jobs; t++) {
        if (pthread_create(&tids[started], NULL, worker, &p) != 0)
            break; /* fewer threads: still correct */
        started++;
    }
    worker(&p);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tids[t], NULL);
    for (size_t i = 0; i < n; i++)
        if (tasks[i].twin)
            twin_report(&tasks[i], &tasks[tasks[i].twin - 1]);
    for (size_t i = 0; i < n; i++)
        merge(r, &tasks[i].sub);
}
