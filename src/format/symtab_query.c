/* Questions to a loaded symbol table (see include/lcpatch/symbols.h): the
 * visible symbols, the symbol at or after an address, the import a stub or
 * pointer slot stands for, the stubs and pointers of an import, and the
 * sections. Nothing here reads the file. */
#include "format/symtab_internal.h"
#include "lcpatch/macho.h"

#include <string.h>

size_t lcp_symtab_count(const lcp_symtab *t) { return t ? t->nvisible : 0; }

const lcp_symbol *lcp_symtab_symbol(const lcp_symtab *t, size_t index) {
    return t && index < t->nvisible ? &t->all[t->visible[index]] : NULL;
}

/* The index in t->defined of the first symbol with an address > addr
 * (t->ndefined when none). */
static size_t first_defined_above(const lcp_symtab *t, uint64_t addr) {
    size_t lo = 0, hi = t->ndefined;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->all[t->defined[mid]].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const lcp_symbol *lcp_symtab_lookup(const lcp_symtab *t, uint64_t addr, uint64_t *offset) {
    if (t == NULL || t->ndefined == 0)
        return NULL;
    size_t lo = first_defined_above(t, addr);
    if (lo == 0)
        return NULL;
    size_t k = lo - 1;
    uint64_t at = t->all[t->defined[k]].addr;
    while (k > 0 && t->all[t->defined[k - 1]].addr == at)
        k--; /* the preferred one among equals sorts first */
    const lcp_symbol *s = &t->all[t->defined[k]];
    if (addr != s->addr && addr - s->addr >= s->size)
        return NULL;
    if (offset)
        *offset = addr - s->addr;
    return s;
}

bool lcp_symtab_next(const lcp_symtab *t, uint64_t addr, uint64_t *next) {
    if (t == NULL)
        return false;
    size_t lo = first_defined_above(t, addr);
    if (lo == t->ndefined)
        return false;
    *next = t->all[t->defined[lo]].addr;
    return true;
}

const char *lcp_symtab_import_at(const lcp_symtab *t, uint64_t addr, lcp_import_kind *kind, uint64_t *entry_addr) {
    if (kind)
        *kind = LCP_IMPORT_NONE;
    if (t == NULL || t->nimports == 0)
        return NULL;
    size_t lo = 0, hi = t->nimports;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->imports[mid].addr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const import_entry *e = &t->imports[lo - 1];
    if (addr - e->addr >= e->size || e->name == NULL)
        return NULL;
    if (kind)
        *kind = e->kind;
    if (entry_addr)
        *entry_addr = e->addr;
    return e->name;
}

const char *lcp_symtab_name_at(const lcp_symtab *t, uint64_t addr) {
    uint64_t entry;
    const char *name = lcp_symtab_import_at(t, addr, NULL, &entry);
    if (name && entry == addr)
        return name;
    uint64_t off;
    const lcp_symbol *s = lcp_symtab_lookup(t, addr, &off);
    return s && off == 0 ? s->name : NULL;
}

const lcp_symbol *lcp_symtab_find(const lcp_symtab *t, const char *name) {
    if (t == NULL || name == NULL)
        return NULL;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t k = 0; k < t->ndefined; k++) {
            const lcp_symbol *s = &t->all[t->defined[k]];
            const char *n = s->name;
            if (pass == 1) {
                if (n[0] != '_')
                    continue;
                n++;
            }
            if (strcmp(n, name) == 0)
                return s;
        }
    }
    return NULL;
}

static size_t imports_for(const lcp_symtab *t, lcp_import_kind kind, const char *name, uint64_t *addrs, size_t max) {
    size_t n = 0;
    if (t == NULL || name == NULL)
        return 0;
    for (size_t i = 0; i < t->nimports; i++) {
        const import_entry *e = &t->imports[i];
        if (e->kind != kind || e->name == NULL || strcmp(e->name, name) != 0)
            continue;
        if (n < max && addrs)
            addrs[n] = e->addr;
        n++;
    }
    return n;
}

size_t lcp_symtab_stubs_for(const lcp_symtab *t, const char *name, uint64_t *addrs, size_t max) {
    return imports_for(t, LCP_IMPORT_STUB, name, addrs, max);
}

size_t lcp_symtab_pointers_for(const lcp_symtab *t, const char *name, uint64_t *addrs, size_t max) {
    return imports_for(t, LCP_IMPORT_POINTER, name, addrs, max);
}

size_t lcp_symtab_section_count(const lcp_symtab *t) { return t ? t->nsections : 0; }

const lcp_section *lcp_symtab_section(const lcp_symtab *t, size_t index) {
    return t && index < t->nsections ? &t->sections[index] : NULL;
}

const lcp_section *lcp_symtab_section_at(const lcp_symtab *t, uint64_t addr) {
    for (size_t i = 0; t && i < t->nsections; i++) {
        const lcp_section *s = &t->sections[i];
        if (addr >= s->addr && addr - s->addr < s->size)
            return s;
    }
    return NULL;
}

const lcp_section *lcp_symtab_section_named(const lcp_symtab *t, const char *segname, const char *sectname) {
    for (size_t i = 0; t && i < t->nsections; i++) {
        const lcp_section *s = &t->sections[i];
        if (strcmp(s->segname, segname) == 0 && strcmp(s->sectname, sectname) == 0)
            return s;
    }
    return NULL;
}
