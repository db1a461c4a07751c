/* An image's symbol table, string table, indirect symbol table and the
 * stub / pointer sections they name (see include/lcpatch/symbols.h).
 *
 * Only the byte ranges of the tables are read (bounded reads through
 * lcp_source_read); every offset and count is checked against the image
 * before anything is allocated. */
#include "lcpatch/symbols.h"

#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

/* One indirect entry: a stub or a pointer slot standing for an import. */
typedef struct import_entry {
    uint64_t addr, size;
    const char *name; /* NULL for INDIRECT_SYMBOL_LOCAL / ABS */
    lcp_import_kind kind;
} import_entry;

struct lcp_symtab {
    char *strtab; /* owned copy of the string table, NUL-terminated one past strsize */
    uint32_t strsize;
    lcp_symbol *all; /* every nlist entry, by index (names NULL when unusable) */
    uint32_t nall;
    size_t *visible; /* indices into all: no N_STAB, named */
    size_t nvisible;
    size_t *defined; /* indices into all: N_SECT symbols sorted by address */
    size_t ndefined;
    import_entry *imports; /* sorted by address */
    size_t nimports;
    lcp_section *sections;
    size_t nsections;
};

/* The order of defined symbols: by address, then external first, then
 * table order. Sorted as keys (qsort has no context argument in C11, and a
 * global one would race between the audit's threads). */
typedef struct defined_key {
    uint64_t addr;
    size_t index;
    bool ext;
} defined_key;

static int cmp_defined(const void *a, const void *b) {
    const defined_key *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->ext != y->ext)
        return x->ext ? -1 : 1;
    return x->index < y->index ? -1 : (x->index > y->index);
}

static int cmp_import(const void *a, const void *b) {
    const import_entry *x = a, *y = b;
    return x->addr < y->addr ? -1 : (x->addr > y->addr);
}

void lcp_symtab_free(lcp_symtab *t) {
    if (t == NULL)
        return;
    free(t->strtab);
    free(t->all);
    free(t->visible);
    free(t->defined);
    free(t->imports);
    free(t->sections);
    free(t);
}

/* Reads n bytes at image-relative offset off into a fresh buffer, after
 * checking that they lie inside the image. what names the table. */
static lcp_status read_range(const lcp_source *src, const lcp_image *img, uint64_t off, uint64_t n, const char *what,
                             uint8_t **out, lcp_error *err) {
    *out = NULL;
    uint64_t abs;
    if (!lcp_range_ok(off, n, img->size) || !lcp_add_u64(img->offset, off, &abs))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset + off,
                             "%s (0x%llx bytes at offset 0x%llx) runs past the end of the image (0x%llx bytes)", what,
                             (unsigned long long)n, (unsigned long long)off, (unsigned long long)img->size);
    if (n > SIZE_MAX - 1)
        return lcp_error_set(err, LCP_E_NOMEM, abs, "%s too large", what);
    uint8_t *buf = malloc((size_t)n + 1);
    if (buf == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, abs, "out of memory reading %s", what);
    lcp_status st = lcp_source_read(src, abs, buf, (size_t)n, err);
    if (st) {
        free(buf);
        return st;
    }
    buf[n] = 0;
    *out = buf;
    return LCP_OK;
}

static lcp_status load_sections(lcp_symtab *t, const lcp_image *img, lcp_error *err) {
    size_t total = 0;
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (lcp_image_segment(img, i, &seg))
            total += seg.nsects; /* validated by the image parser to fit in cmdsize */
    }
    if (total == 0)
        return LCP_OK;
    t->sections = calloc(total, sizeof *t->sections);
    if (t->sections == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg))
            continue;
        for (uint32_t k = 0; k < seg.nsects; k++)
            if (lcp_image_section(img, i, k, &t->sections[t->nsections]))
                t->nsections++;
    }
    return LCP_OK;
}

static lcp_status load_nlist(lcp_symtab *t, const lcp_source *src, const lcp_image *img, long li, lcp_error *err) {
    uint32_t symoff, nsyms, stroff, strsize;
    if (!(lcp_image_cmd_u32(img, (size_t)li, 8, &symoff) && lcp_image_cmd_u32(img, (size_t)li, 12, &nsyms) &&
          lcp_image_cmd_u32(img, (size_t)li, 16, &stroff) && lcp_image_cmd_u32(img, (size_t)li, 20, &strsize)))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "load command %ld 'LC_SYMTAB': too small", li);
    uint64_t entsize = img->is64 ? 16 : 12;
    uint64_t tabsize = (uint64_t)nsyms * entsize; /* < 2^37: cannot overflow */
    lcp_status st;
    uint8_t *tab = NULL;
    if ((st = read_range(src, img, symoff, tabsize, "symbol table", &tab, err)))
        goto fail;
    uint8_t *strs = NULL;
    if ((st = read_range(src, img, stroff, strsize, "string table", &strs, err)))
        goto fail;
    t->strtab = (char *)strs;
    t->strsize = strsize;
    if (nsyms) {
        t->all = calloc(nsyms, sizeof *t->all);
        t->visible = calloc(nsyms, sizeof *t->visible);
        t->defined = calloc(nsyms, sizeof *t->defined);
        if (!t->all || !t->visible || !t->defined) {
            st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory for %u symbols", nsyms);
            goto fail;
        }
    }
    t->nall = nsyms;
    lcp_reader r;
    lcp_reader_init(&r, tab, (size_t)tabsize, img->big_endian);
    for (uint32_t i = 0; i < nsyms; i++) {
        uint32_t strx, v32 = 0;
        uint8_t type = 0, sect = 0;
        uint16_t desc = 0;
        uint64_t value = 0;
        /* nlist: n_strx, n_type, n_sect, n_desc, n_value (32 or 64 bits); the
         * table's size was checked, so these reads cannot fail. */
        lcp_read_u32(&r, &strx);
        lcp_read_u8(&r, &type);
        lcp_read_u8(&r, &sect);
        lcp_read_u16(&r, &desc);
        if (img->is64)
            lcp_read_u64(&r, &value);
        else if (lcp_read_u32(&r, &v32))
            value = v32;
        lcp_symbol *s = &t->all[i];
        const char *name = NULL;
        if (strx < strsize && !lcp_get_cstring((const uint8_t *)t->strtab, strsize, strx, &name))
            name = NULL; /* runs past the string table: no name */
        s->name = name;
        s->addr = value;
        s->type = type;
        s->sect = sect;
        s->desc = desc;
        if ((type & LCP_N_STAB) || name == NULL || name[0] == '\0')
            continue;
        t->visible[t->nvisible++] = i;
        if ((type & LCP_N_TYPE) == LCP_N_SECT)
            t->defined[t->ndefined++] = i;
    }
    free(tab);
    return LCP_OK;
fail:
    free(tab);
    return st;
}

/* Sorts the defined symbols and gives each a size: up to the next higher
 * address in the same section, else to the end of its section. */
static lcp_status size_defined(lcp_symtab *t, lcp_error *err) {
    if (t->ndefined > 1) { /* qsort's array may not be NULL, even empty */
        defined_key *keys = malloc(t->ndefined * sizeof *keys);
        if (keys == NULL)
            return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
        for (size_t k = 0; k < t->ndefined; k++) {
            const lcp_symbol *sym = &t->all[t->defined[k]];
            keys[k] = (defined_key){sym->addr, t->defined[k], (sym->type & LCP_N_EXT) != 0};
        }
        qsort(keys, t->ndefined, sizeof *keys, cmp_defined);
        for (size_t k = 0; k < t->ndefined; k++)
            t->defined[k] = keys[k].index;
        free(keys);
    }
    for (size_t k = 0; k < t->ndefined; k++) {
        lcp_symbol *s = &t->all[t->defined[k]];
        uint64_t end = s->addr;
        if (s->sect >= 1 && s->sect <= t->nsections) {
            const lcp_section *sec = &t->sections[s->sect - 1];
            uint64_t send;
            if (lcp_add_u64(sec->addr, sec->size, &send) && s->addr >= sec->addr && s->addr < send)
                end = send;
        }
        s->size = end - s->addr;
    }
    /* Then clip each to the next higher address, found walking backwards
     * (linear even when many symbols share one address). */
    bool have_next = false, have_prev = false;
    uint64_t next = 0, prev = 0;
    for (size_t k = t->ndefined; k-- > 0;) {
        lcp_symbol *s = &t->all[t->defined[k]];
        if (have_prev && prev != s->addr) {
            next = prev; /* sorted: the nearest higher address */
            have_next = true;
        }
        if (have_next && next - s->addr < s->size)
            s->size = next - s->addr;
        prev = s->addr;
        have_prev = true;
    }
    return LCP_OK;
}

static lcp_status load_imports(lcp_symtab *t, const lcp_source *src, const lcp_image *img, lcp_error *err) {
    long di = lcp_image_find(img, LCP_LC_DYSYMTAB, 0);
    if (di < 0)
        return LCP_OK;
    uint32_t indoff, nind;
    if (!(lcp_image_cmd_u32(img, (size_t)di, 56, &indoff) && lcp_image_cmd_u32(img, (size_t)di, 60, &nind)))
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "load command %ld 'LC_DYSYMTAB': too small", di);
    if (nind == 0)
        return LCP_OK;
    uint8_t *ind = NULL;
    uint64_t indsize = (uint64_t)nind * 4;
    lcp_status st = read_range(src, img, indoff, indsize, "indirect symbol table", &ind, err);
    if (st)
        return st;
    /* Count the entries first (each bounded by the indirect table), then fill. */
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < t->nsections; i++) {
            const lcp_section *sec = &t->sections[i];
            uint32_t type = sec->flags & LCP_SECTION_TYPE;
            uint64_t entsize;
            lcp_import_kind kind;
            if (type == LCP_S_SYMBOL_STUBS) {
                entsize = sec->reserved2;
                kind = LCP_IMPORT_STUB;
            } else if (type == LCP_S_NON_LAZY_SYMBOL_POINTERS || type == LCP_S_LAZY_SYMBOL_POINTERS ||
                       type == LCP_S_LAZY_DYLIB_SYMBOL_POINTERS || type == LCP_S_THREAD_LOCAL_VARIABLE_POINTERS) {
                entsize = img->is64 ? 8 : 4;
                kind = LCP_IMPORT_POINTER;
            } else
                continue;
            if (entsize == 0 || sec->reserved1 >= nind)
                continue;
            uint64_t count = sec->size / entsize;
            if (count > nind - sec->reserved1)
                count = nind - sec->reserved1; /* never past the indirect table */
            if (pass == 0) {
                total += (size_t)count;
                continue;
            }
            for (uint64_t k = 0; k < count; k++) {
                uint32_t symindex;
                lcp_get_u32(ind, (size_t)indsize, (size_t)(sec->reserved1 + k) * 4, img->big_endian, &symindex);
                import_entry *e = &t->imports[t->nimports];
                e->addr = sec->addr + k * entsize;
                if (e->addr < sec->addr)
                    break; /* wrapped around the address space */
                e->size = entsize;
                e->kind = kind;
                e->name = NULL;
                if (!(symindex & (LCP_INDIRECT_SYMBOL_LOCAL | LCP_INDIRECT_SYMBOL_ABS)) && symindex < t->nall)
                    e->name = t->all[symindex].name;
                t->nimports++;
            }
        }
        if (pass == 0) {
            if (total == 0)
                break;
            t->imports = calloc(total, sizeof *t->imports);
            if (t->imports == NULL) {
                free(ind);
                return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
            }
        }
    }
    free(ind);
    if (t->nimports > 1)
        qsort(t->imports, t->nimports, sizeof *t->imports, cmp_import);
    return LCP_OK;
}

lcp_status lcp_symtab_load(const lcp_source *src, const lcp_image *img, lcp_symtab **out, lcp_error *err) {
    *out = NULL;
    lcp_symtab *t = calloc(1, sizeof *t);
    if (t == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    lcp_status st = load_sections(t, img, err);
    long li = lcp_image_find(img, LCP_LC_SYMTAB, 0);
    if (!st && li >= 0)
        st = load_nlist(t, src, img, li, err);
    if (!st)
        st = size_defined(t, err);
    if (!st)
        st = load_imports(t, src, img, err);
    if (st) {
        lcp_symtab_free(t);
        return st;
    }
    *out = t;
    return LCP_OK;
}

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

bool lcp_image_addr_to_offset(const lcp_image *img, uint64_t addr, uint64_t *offset, uint64_t *avail) {
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        if (!lcp_image_segment(img, i, &seg) || seg.filesize == 0)
            continue;
        if (addr < seg.vmaddr || addr - seg.vmaddr >= seg.filesize)
            continue;
        uint64_t delta = addr - seg.vmaddr, off;
        if (!lcp_add_u64(seg.fileoff, delta, &off) || off >= img->size)
            return false;
        uint64_t left = seg.filesize - delta;
        if (left > img->size - off)
            left = img->size - off; /* never past the image */
        if (offset)
            *offset = off;
        if (avail)
            *avail = left;
        return true;
    }
    return false;
}

/* The pc of one thread state: word index (32-bit) or dword index (64-bit)
 * of the pc for each flavor the Mach-O targets used. */
static bool thread_pc(uint32_t cputype, uint32_t flavor, uint32_t count, bool *is64, uint32_t *index) {
    switch (cputype) {
    case LCP_CPU_TYPE_X86:
        if (flavor == 1 && count >= 16) /* i386_THREAD_STATE: eip is the 11th */
            return *is64 = false, *index = 10, true;
        break;
    case LCP_CPU_TYPE_X86_64:
        if (flavor == 4 && count >= 42) /* x86_THREAD_STATE64: rip is the 17th */
            return *is64 = true, *index = 16, true;
        break;
    case LCP_CPU_TYPE_ARM:
        if (flavor == 1 && count >= 17) /* ARM_THREAD_STATE: r0-r12 sp lr pc */
            return *is64 = false, *index = 15, true;
        break;
    case LCP_CPU_TYPE_ARM64:
        if (flavor == 6 && count >= 68) /* ARM_THREAD_STATE64: x0-x28 fp lr sp pc */
            return *is64 = true, *index = 32, true;
        break;
    case LCP_CPU_TYPE_POWERPC:
        if (flavor == 1 && count >= 1) /* PPC_THREAD_STATE: srr0 first */
            return *is64 = false, *index = 0, true;
        break;
    case LCP_CPU_TYPE_POWERPC64:
        if (flavor == 5 && count >= 2) /* PPC_THREAD_STATE64: srr0 first */
            return *is64 = true, *index = 0, true;
        break;
    default: break;
    }
    return false;
}

lcp_status lcp_image_entry_address(const lcp_image *img, uint64_t *addr, lcp_error *err) {
    long mi = lcp_image_find(img, LCP_LC_MAIN, 0);
    if (mi >= 0) {
        uint64_t entryoff;
        if (!lcp_image_cmd_u64(img, (size_t)mi, 8, &entryoff))
            return lcp_error_set(err, LCP_E_MALFORMED, img->offset, "load command %ld 'LC_MAIN': too small", mi);
        for (size_t i = 0; i < img->ncmds; i++) {
            lcp_segment seg;
            if (!lcp_image_segment(img, i, &seg) || entryoff < seg.fileoff || entryoff - seg.fileoff >= seg.filesize)
                continue;
            *addr = seg.vmaddr + (entryoff - seg.fileoff);
            return LCP_OK;
        }
        return lcp_error_set(err, LCP_E_MALFORMED, img->offset,
                             "load command %ld 'LC_MAIN': entryoff 0x%llx lies in no segment", mi,
                             (unsigned long long)entryoff);
    }
    long ti = lcp_image_find(img, LCP_LC_UNIXTHREAD, 0);
    if (ti < 0)
        ti = lcp_image_find(img, LCP_LC_THREAD, 0);
    if (ti < 0)
        return lcp_error_set(err, LCP_E_NOTFOUND, img->offset,
                             "no entry point (no LC_MAIN, LC_UNIXTHREAD or LC_THREAD)");
    const uint8_t *c = lcp_image_command_bytes(img, (size_t)ti);
    uint32_t cmdsize = img->lc[ti].cmdsize;
    size_t pos = 8;
    uint32_t flavor, count;
    while (lcp_get_u32(c, cmdsize, pos, img->big_endian, &flavor) &&
           lcp_get_u32(c, cmdsize, pos + 4, img->big_endian, &count)) {
        size_t state = pos + 8;
        if ((uint64_t)count * 4 > cmdsize - state)
            break;
        bool is64;
        uint32_t index;
        if (thread_pc(img->cputype, flavor, count, &is64, &index)) {
            if (is64) {
                if (lcp_get_u64(c, cmdsize, state + (size_t)index * 8, img->big_endian, addr))
                    return LCP_OK;
            } else {
                uint32_t v;
                if (lcp_get_u32(c, cmdsize, state + (size_t)index * 4, img->big_endian, &v)) {
                    *addr = v;
                    return LCP_OK;
                }
            }
        }
        pos = state + (size_t)count * 4;
    }
    return lcp_error_set(err, LCP_E_UNSUPPORTED, img->offset,
                         "load command %ld: no thread state flavor lcpatch knows for cputype 0x%x", ti, img->cputype);
}

lcp_status lcp_function_starts(const lcp_source *src, const lcp_image *img, uint64_t **out, size_t *n, lcp_error *err) {
    *out = NULL;
    *n = 0;
    long fi = lcp_image_find(img, LCP_LC_FUNCTION_STARTS, 0);
    lcp_linkedit_data led;
    if (fi < 0 || !lcp_image_linkedit_data(img, (size_t)fi, &led) || led.datasize == 0)
        return LCP_OK;
    uint64_t base; /* the deltas count from the load address */
    if (!lcp_image_load_address(img, &base))
        return LCP_OK;
    uint8_t *data;
    lcp_status st = read_range(src, img, led.dataoff, led.datasize, "LC_FUNCTION_STARTS data", &data, err);
    if (st)
        return st;
    /* Every entry takes at least one byte: datasize bounds the count. */
    uint64_t *v = malloc((size_t)led.datasize * sizeof *v);
    if (v == NULL) {
        free(data);
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
    uint64_t addr = base;
    size_t count = 0, pos = 0;
    while (pos < led.datasize) {
        size_t at = pos;
        uint64_t delta = 0;
        unsigned shift = 0;
        uint8_t byte;
        do {
            byte = data[pos++];
            uint64_t bits = byte & 0x7fu;
            if (shift > 63 || (shift > 0 && bits >> (64 - shift) != 0)) {
                free(data);
                free(v);
                return lcp_error_set(err, LCP_E_MALFORMED, img->offset + led.dataoff + at,
                                     "LC_FUNCTION_STARTS: a delta does not fit in 64 bits");
            }
            delta |= bits << shift;
            shift += 7;
        } while ((byte & 0x80u) && pos < led.datasize);
        if (delta == 0 || (byte & 0x80u)) /* the end (then padding), or cut short */
            break;
        if (!lcp_add_u64(addr, delta, &addr)) {
            free(data);
            free(v);
            return lcp_error_set(err, LCP_E_MALFORMED, img->offset + led.dataoff + at,
                                 "LC_FUNCTION_STARTS: an address past 2^64");
        }
        v[count++] = addr;
    }
    free(data);
    if (count == 0) {
        free(v);
        return LCP_OK;
    }
    *out = v;
    *n = count;
    return LCP_OK;
}
