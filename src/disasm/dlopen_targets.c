/* What the dlopen scan follows: the path-loading functions it knows, their
 * stubs and pointers in the image (the targets), and the functions of
 * __text whose arguments it can tag (for wrappers). */
#include "disasm/dlopen_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct function functions[] = {
    {"dlopen", LOADS_PATH},
    {"dlopen_preflight", LOADS_PATH},
    {"NSAddImage", LOADS_PATH},
    {"NSAddLibrary", LOADS_PATH},
    {"NSAddLibraryWithSearching", LOADS_PATH},
    {"NSCreateObjectFileImageFromFile", LOADS_PATH},
    {"CFURLCreateWithFileSystemPath", MAKES_URL_CFSTRING},
    {"CFURLCreateFromFileSystemRepresentation", MAKES_URL_CSTRING},
    {"CFBundleCreate", LOADS_URL},
    {"CFPlugInCreate", LOADS_URL},
};
#define NFUNCTIONS (sizeof functions / sizeof functions[0])

bool dlp_add_target(scan *s, target t) {
    target *v = realloc(s->targets, (s->ntargets + 1) * sizeof *v);
    if (v == NULL)
        return false;
    s->targets = v;
    v[s->ntargets++] = t;
    return true;
}

/* A target of the current pass at addr. */
const target *dlp_find_target(const scan *s, uint64_t addr, bool pointer) {
    for (size_t i = 0; i < s->ntargets; i++)
        if (s->targets[i].addr == addr && s->targets[i].pointer == pointer && s->targets[i].gen == s->gen)
            return &s->targets[i];
    return NULL;
}

/* The stubs of the functions, and their pointers in (non-)lazy symbol
 * pointer sections (not lazy-dylib or thread-local ones). */
bool dlp_collect_targets(scan *s, const lcp_symtab *syms) {
    for (size_t i = 0; i < NFUNCTIONS; i++) {
        char name[48];
        snprintf(name, sizeof name, "_%s", functions[i].name);
        for (int pointer = 0; pointer < 2; pointer++) {
            size_t (*imports_for)(const lcp_symtab *, const char *, uint64_t *, size_t) =
                pointer ? lcp_symtab_pointers_for : lcp_symtab_stubs_for;
            size_t n = imports_for(syms, name, NULL, 0);
            if (n == 0)
                continue;
            uint64_t *addrs = calloc(n, sizeof *addrs);
            if (addrs == NULL)
                return false;
            imports_for(syms, name, addrs, n);
            for (size_t k = 0; k < n; k++) {
                if (pointer) {
                    const lcp_section *sc = lcp_symtab_section_at(syms, addrs[k]);
                    uint32_t type = sc ? sc->flags & LCP_SECTION_TYPE : 0;
                    if (type != LCP_S_NON_LAZY_SYMBOL_POINTERS && type != LCP_S_LAZY_SYMBOL_POINTERS)
                        continue;
                }
                if (!dlp_add_target(s, (target){addrs[k], &functions[i], pointer != 0, 0, 0, NULL})) {
                    free(addrs);
                    return false;
                }
            }
            free(addrs);
        }
    }
    return true;
}

static int cmp_func(const void *a, const void *b) {
    const func *x = a, *y = b;
    return x->addr < y->addr ? -1 : (x->addr > y->addr);
}

/* The functions of __text (x86_64 and arm64, whose arguments travel in
 * registers): defined symbols in the section, but not the assembler's local
 * labels (l..., L...); then the starts LC_FUNCTION_STARTS records that no
 * symbol names (a stripped image keeps those; they get a name, sub_<address>,
 * only if one turns out to be a wrapper). Without either, none: paths passed
 * through wrappers are then not followed. */
bool dlp_collect_funcs(scan *s, const lcp_symtab *syms, const lcp_section *text) {
    if (s->img->cputype != LCP_CPU_TYPE_X86_64 && s->img->cputype != LCP_CPU_TYPE_ARM64)
        return true;
    uint64_t *starts;
    size_t nstarts, nsyms = lcp_symtab_count(syms);
    lcp_error e;
    lcp_status st = lcp_function_starts(s->src, s->img, &starts, &nstarts, &e);
    if (st == LCP_E_NOMEM)
        return false;
    if (st != LCP_OK) /* unreadable starts: the symbols alone */
        nstarts = 0;
    s->funcs = nsyms + nstarts > 0 ? malloc((nsyms + nstarts) * sizeof *s->funcs) : NULL;
    if (s->funcs == NULL && nsyms + nstarts > 0) {
        free(starts);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < nsyms && ok; i++) {
        const lcp_symbol *sym = lcp_symtab_symbol(syms, i);
        if ((sym->type & LCP_N_TYPE) != LCP_N_SECT || sym->addr < text->addr || sym->addr - text->addr >= text->size ||
            sym->name[0] == 'l' || sym->name[0] == 'L')
            continue;
        /* the name is borrowed: the symbol table outlives the scan */
        s->funcs[s->nfuncs++] = (func){sym->addr, sym->name[0] == '_' ? sym->name + 1 : sym->name, NULL};
    }
    if (ok && s->nfuncs > 1)
        qsort(s->funcs, s->nfuncs, sizeof *s->funcs, cmp_func);
    /* Merge the starts (ascending) behind the named functions: a start a
     * symbol already names is left out. */
    size_t named = s->nfuncs, k = 0;
    for (size_t i = 0; i < nstarts && ok; i++) {
        uint64_t a = starts[i];
        while (k < named && s->funcs[k].addr < a)
            k++;
        if (a >= text->addr && a - text->addr < text->size && (k == named || s->funcs[k].addr != a))
            s->funcs[s->nfuncs++] = (func){a, NULL, NULL};
    }
    free(starts);
    if (ok && s->nfuncs > named && named > 0) /* two sorted runs */
        qsort(s->funcs, s->nfuncs, sizeof *s->funcs, cmp_func);
    return ok;
}
