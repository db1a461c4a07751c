/* The private layout of an lcp_symtab (src/format/symtab_*.c) and the
 * bounded table read the symbol and address readers share. */
#ifndef LCP_FORMAT_SYMTAB_INTERNAL_H
#define LCP_FORMAT_SYMTAB_INTERNAL_H

#include "lcpatch/symbols.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* Reads n bytes at image-relative offset off into a fresh buffer (one NUL
 * byte past them), after checking that they lie inside the image. what
 * names the table, for messages. */
lcp_status lcp_image_read_range(const lcp_source *src, const lcp_image *img, uint64_t off, uint64_t n, const char *what,
                                uint8_t **out, lcp_error *err);

#endif
