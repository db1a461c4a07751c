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
    lcp_check_report_init(&t->sub);
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

void ck_run_tasks(lcp_check_report *r, ck_task *tasks, size_t n, unsigned jobs) {
    if (n == 0)
        return;
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
        merge(r, &tasks[i].sub);
}
