/* lipo's operations that write a file (cctools lipo.c main): which thin
 * files go into the output, with Apple's checks and words. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

#include <string.h>

static bool same(const struct lipo_arch *a, const struct lipo_thin *t) {
    return lipo_same_arch(a->cputype, a->cpusubtype, t->cputype, t->cpusubtype);
}

static bool same_args(const struct lipo_arch *a, const struct lipo_arch *b) {
    return lipo_same_arch(a->cputype, a->cpusubtype, b->cputype, b->cpusubtype);
}

/* -thin, -extract, -remove and -replace work on one fat file. */
static int need_fat(struct lipo *L, const char *op) {
    if (L->ninputs != 1)
        return lipo_fatal(L, "only one input file can be specified with the -%s option", op);
    const lcp_file *f = L->inputs[0].file;
    if (f == NULL || (f->kind != LCP_FAT && f->kind != LCP_FAT64))
        return lipo_fatal(L, "input file (%s) must be a fat file when the -%s option is specified", L->inputs[0].name,
                          op);
    if (f->kind == LCP_FAT64)
        L->fat64 = true;
    return 0;
}

/* Keeps the thin files whose flag (extract or remove) is `keep`. */
static void keep_marked(struct lipo *L, bool extract) {
    size_t k = 0;
    for (size_t i = 0; i < L->nthins; i++)
        if (extract ? L->thins[i].extract : !L->thins[i].remove)
            L->thins[k++] = L->thins[i];
    L->nthins = k;
}

int lipo_run_create(struct lipo *L) {
    for (size_t i = 0; i < L->nthins; i++)
        for (size_t j = i + 1; j < L->nthins; j++) {
            const struct lipo_thin *a = &L->thins[i], *b = &L->thins[j];
            if (!lipo_same_arch(a->cputype, a->cpusubtype, b->cputype, b->cpusubtype))
                continue;
            const char *n = lcp_arch_name(b->cputype, b->cpusubtype);
            if (n)
                return lipo_fatal(L,
                                  "%s and %s have the same architectures (%s) and can't be in the same fat output "
                                  "file",
                                  a->name, b->name, n);
            return lipo_fatal(L,
                              "%s and %s have the same architectures (cputype (%d) and cpusubtype (%d)) and can't be "
                              "in the same fat output file",
                              a->name, b->name, (int)a->cputype, (int)(a->cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
        }
    return lipo_create_fat(L);
}

int lipo_run_thin(struct lipo *L) {
    if (L->ninputs != 1)
        return lipo_fatal(L, "only one input file can be specified with the -thin option");
    const lcp_file *f = L->inputs[0].file;
    if (f == NULL || (f->kind != LCP_FAT && f->kind != LCP_FAT64))
        return lipo_fatal(L, "input file (%s) must be a fat file when the -thin option is specified",
                          L->inputs[0].name);
    for (size_t i = 0; i < L->nthins; i++)
        if (same(&L->thin_arch, &L->thins[i]))
            return lipo_write_thin(L, &L->thins[i]);
    return lipo_fatal(L, "fat input file (%s) does not contain the specified architecture (%s) to thin it to",
                      L->inputs[L->ninputs - 1].name, L->thin_arch.name);
}

int lipo_run_extract(struct lipo *L) {
    int rc = need_fat(L, "extract");
    if (rc)
        return rc;
    for (size_t i = 0; i < L->nextracts; i++)
        for (size_t j = i + 1; j < L->nextracts; j++)
            if (same_args(&L->extracts[i], &L->extracts[j]))
                return lipo_fatal(L, "-extract %s specified multiple times", L->extracts[i].name);
    for (size_t i = 0; i < L->nextracts; i++) {
        bool found = false;
        for (size_t j = 0; j < L->nthins; j++)
            if (L->extracts[i].cputype == L->thins[j].cputype &&
                (L->extract_family || same(&L->extracts[i], &L->thins[j]))) {
                L->thins[j].extract = true;
                found = true;
            }
        if (!found)
            return lipo_fatal(L, "-extract %s specified but fat file: %s does not contain that architecture",
                              L->extracts[i].name, L->inputs[0].name);
    }
    keep_marked(L, true);
    return lipo_create_fat(L);
}

int lipo_run_remove(struct lipo *L) {
    int rc = need_fat(L, "remove");
    if (rc)
        return rc;
    for (size_t i = 0; i < L->nremoves; i++)
        for (size_t j = i + 1; j < L->nremoves; j++)
            if (same_args(&L->removes[i], &L->removes[j]))
                return lipo_fatal(L, "-remove %s specified multiple times", L->removes[i].name);
    for (size_t i = 0; i < L->nremoves; i++) {
        size_t j = 0;
        while (j < L->nthins && !same(&L->removes[i], &L->thins[j]))
            j++;
        if (j == L->nthins)
            return lipo_fatal(L, "-remove %s specified but fat file: %s does not contain that architecture",
                              L->removes[i].name, L->inputs[0].name);
        L->thins[j].remove = true;
    }
    keep_marked(L, false);
    if (L->nthins == 0)
        return lipo_fatal(L, "-remove's specified would result in an empty fat file");
    return lipo_create_fat(L);
}

int lipo_run_replace(struct lipo *L) {
    int rc = need_fat(L, "replace");
    if (rc)
        return rc;
    for (size_t i = 0; i < L->nreplaces; i++)
        for (size_t j = i + 1; j < L->nreplaces; j++)
            if (same_args(&L->replaces[i].arch, &L->replaces[j].arch))
                return lipo_fatal(L, "-replace %s <file_name> specified multiple times", L->replaces[j].arch.name);
    const char *fat_name = L->inputs[0].name;
    for (size_t i = 0; i < L->nreplaces; i++) {
        struct lipo_thin t;
        if ((rc = lipo_read_replacement(L, &L->replaces[i], &t)) != 0)
            return rc;
        size_t j = 0;
        while (j < L->nthins && !same(&L->replaces[i].arch, &L->thins[j]))
            j++;
        if (j == L->nthins)
            return lipo_fatal(L,
                              "-replace %s <file_name> specified but fat file: %s does not contain that architecture",
                              L->replaces[i].arch.name, fat_name);
        L->thins[j] = t;
    }
    return lipo_create_fat(L);
}
