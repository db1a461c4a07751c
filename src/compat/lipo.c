/* `lcpatch lipo`: parse Apple's argv, read the inputs, run the one
 * operation asked for (see compat/lipo.h for the flow): for the operations
 * that write a file (cctools lipo.c main), which thin files go into the
 * output, with Apple's checks and words. Exit status as
 * Apple's: 0 done (even after an "error:" line that was not fatal, as
 * cctools lipo returns 0 then), 1 after a fatal error, a usage error or a
 * -verify_arch miss. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

#include <stdio.h>
#include <string.h>

/* The index of the first thin file of architecture a (by lipo's rule,
 * lcp_arch_matches), or L->nthins. */
static size_t find_thin(const struct lipo *L, const struct lipo_arch *a) {
    size_t j = 0;
    while (j < L->nthins && !lcp_arch_matches(a->cputype, a->cpusubtype, L->thins[j].cputype, L->thins[j].cpusubtype))
        j++;
    return j;
}

/* Apple's "OPTION ARCH SUFFIX specified multiple times" when two of the
 * list's architectures are the same (named by the first of the pair, or
 * the second when `second`). */
static int no_repeats(const struct lipo *L, const struct lipo_list *list, bool second, const char *option,
                      const char *suffix) {
    const struct lipo_arch *v = list->v;
    for (size_t i = 0; i < list->n; i++)
        for (size_t j = i + 1; j < list->n; j++)
            if (lcp_arch_matches(v[i].cputype, v[i].cpusubtype, v[j].cputype, v[j].cpusubtype))
                return lipo_fatal(L, "%s %s%s specified multiple times", option, v[second ? j : i].name, suffix);
    return 0;
}

/* -segalign's alignments on the thin files of a fat output, which then
 * is written. */
static int write_fat(struct lipo *L) {
    int rc = no_repeats(L, &L->segaligns, true, "-segalign", " <value>");
    for (size_t i = 0; rc == 0 && i < L->segaligns.n; i++) {
        size_t j = find_thin(L, &L->segaligns.v[i]);
        if (j == L->nthins)
            return lipo_fatal(L,
                              "-segalign %s <value> specified but resulting fat file does not contain that "
                              "architecture",
                              L->segaligns.v[i].name);
        L->thins[j].align = L->segaligns.v[i].align;
    }
    return rc ? rc : lipo_write_output(L);
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

/* "-OPTION ARCH SUFFIX specified but fat file: F does not contain that architecture" */
static int not_in_fat(const struct lipo *L, const char *option, const char *arch, const char *suffix) {
    return lipo_fatal(L, "%s %s%s specified but fat file: %s does not contain that architecture", option, arch, suffix,
                      L->inputs[0].name);
}

/* Keeps the thin files whose flag (extract or remove) is `keep`. */
static void keep_marked(struct lipo *L, bool extract) {
    size_t k = 0;
    for (size_t i = 0; i < L->nthins; i++)
        if (extract ? L->thins[i].extract : !L->thins[i].remove)
            L->thins[k++] = L->thins[i];
    L->nthins = k;
}

static int lipo_run_create(struct lipo *L) {
    for (size_t i = 0; i < L->nthins; i++)
        for (size_t j = i + 1; j < L->nthins; j++) {
            const struct lipo_thin *a = &L->thins[i], *b = &L->thins[j];
            if (!lcp_arch_matches(a->cputype, a->cpusubtype, b->cputype, b->cpusubtype))
                continue;
            char arch[64]; /* b's name, else a's numbers */
            const char *n = lcp_arch_name(b->cputype, b->cpusubtype);
            if (n == NULL)
                snprintf(arch, sizeof arch, "cputype (%d) and cpusubtype (%d)", (int)a->cputype,
                         (int)(a->cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
            return lipo_fatal(L, "%s and %s have the same architectures (%s) and can't be in the same fat output file",
                              a->name, b->name, n ? n : arch);
        }
    return write_fat(L);
}

static int lipo_run_thin(struct lipo *L) {
    int rc = need_fat(L, "thin");
    if (rc)
        return rc;
    size_t j = find_thin(L, &L->thin_arch);
    if (j < L->nthins) {
        L->thins[0] = L->thins[j];
        L->nthins = 1;
        return lipo_write_output(L);
    }
    return lipo_fatal(L, "fat input file (%s) does not contain the specified architecture (%s) to thin it to",
                      L->inputs[0].name, L->thin_arch.name);
}

static int lipo_run_extract(struct lipo *L) {
    int rc = need_fat(L, "extract");
    if (rc == 0)
        rc = no_repeats(L, &L->extracts, false, "-extract", "");
    for (size_t i = 0; rc == 0 && i < L->extracts.n; i++) {
        const struct lipo_arch *a = &L->extracts.v[i];
        bool found = false;
        for (size_t j = 0; j < L->nthins; j++)
            if (a->cputype == L->thins[j].cputype &&
                (L->extract_family ||
                 lcp_arch_matches(a->cputype, a->cpusubtype, L->thins[j].cputype, L->thins[j].cpusubtype))) {
                L->thins[j].extract = true;
                found = true;
            }
        if (!found)
            return not_in_fat(L, "-extract", a->name, "");
    }
    if (rc)
        return rc;
    keep_marked(L, true);
    return write_fat(L);
}

static int lipo_run_remove(struct lipo *L) {
    int rc = need_fat(L, "remove");
    if (rc == 0)
        rc = no_repeats(L, &L->removes, false, "-remove", "");
    for (size_t i = 0; rc == 0 && i < L->removes.n; i++) {
        size_t j = find_thin(L, &L->removes.v[i]);
        if (j == L->nthins)
            return not_in_fat(L, "-remove", L->removes.v[i].name, "");
        L->thins[j].remove = true;
    }
    if (rc)
        return rc;
    keep_marked(L, false);
    if (L->nthins == 0)
        return lipo_fatal(L, "-remove's specified would result in an empty fat file");
    return write_fat(L);
}

static int lipo_run_replace(struct lipo *L) {
    int rc = need_fat(L, "replace");
    if (rc == 0)
        rc = no_repeats(L, &L->replaces, true, "-replace", " <file_name>");
    for (size_t i = 0; rc == 0 && i < L->replaces.n; i++) {
        struct lipo_thin t;
        if ((rc = lipo_read_replacement(L, &L->replaces.v[i], &t)) != 0)
            return rc;
        size_t j = find_thin(L, &L->replaces.v[i]);
        if (j == L->nthins)
            return not_in_fat(L, "-replace", L->replaces.v[i].name, " <file_name>");
        L->thins[j] = t;
    }
    return rc ? rc : write_fat(L);
}

static int run(struct lipo *L, int argc, char **argv) {
    int rc = lipo_parse_args(L, argc, argv);
    if (rc == 0)
        rc = lipo_read_inputs(L);
    if (rc)
        return rc;
    if (L->create)
        return lipo_run_create(L);
    if (L->thin_flag)
        return lipo_run_thin(L);
    if (L->extract)
        return lipo_run_extract(L);
    if (L->remove)
        return lipo_run_remove(L);
    if (L->replace)
        return lipo_run_replace(L);
    if (L->brief)
        lipo_print_archs(L);
    if (L->info)
        lipo_print_info(L);
    if (L->detailed)
        lipo_print_detailed(L);
    for (size_t i = 0; L->verify && i < L->verifies.n; i++)
        if (find_thin(L, &L->verifies.v[i]) == L->nthins)
            return 1; /* silently, as Apple */
    return 0;
}

int cmd_lipo(int argc, char **argv) {
    struct lipo L;
    memset(&L, 0, sizeof L);
    const char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    L.progname = base ? base + 1 : (argc > 0 ? argv[0] : "lipo");
    int rc = run(&L, argc, argv);
    fflush(stdout);
    lipo_release(&L);
    return rc ? 1 : 0;
}
