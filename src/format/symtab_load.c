/* Loads an image's symbol table, string table, indirect symbol table and
 * the stub / pointer sections they name into an lcp_symtab (see
 * include/lcpatch/symbols.h; symtab_query.c answers questions about it).
 *
 * Only the byte ranges of the tables are read (bounded reads through
 * lcp_source_read); every offset and count is checked against the image
 * before anything is allocated. */
#include "format/symtab_internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

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
lcp_status lcp_image_read_range(const lcp_source *src, const lcp_image *img, uint64_t off, uint64_t n, const char *what,
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
        /* nsects is the file's: the first section past the command ends it */
        for (uint32_t k = 0; k < seg.nsects && lcp_image_section(img, i, k, &t->sections[t->nsections]); k++)
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
    if ((st = lcp_image_read_range(src, img, symoff, tabsize, "symbol table", &tab, err)))
        goto fail;
    uint8_t *strs = NULL;
    if ((st = lcp_image_read_range(src, img, stroff, strsize, "string table", &strs, err)))
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
    lcp_status st = lcp_image_read_range(src, img, indoff, indsize, "indirect symbol table", &ind, err);
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
