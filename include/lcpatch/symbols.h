/* lcpatch: an image's symbols, for "address -> name" questions (disassembly,
 * dlopen discovery).
 *
 * lcp_symtab_load reads, with bounded reads of exactly the ranges it needs
 * (never the whole file): the nlist/nlist_64 symbol table and the string
 * table of LC_SYMTAB, the indirect symbol table of LC_DYSYMTAB, and the
 * section headers of the image. From them it answers:
 *   - which defined symbol starts at, or contains, an address;
 *   - which imported symbol a stub (S_SYMBOL_STUBS: __stubs, __auth_stubs,
 *     __symbol_stub, __picsymbol_stub, __jump_table) or a pointer slot
 *     (S_NON_LAZY_SYMBOL_POINTERS, S_LAZY_SYMBOL_POINTERS,
 *     S_LAZY_DYLIB_SYMBOL_POINTERS, S_THREAD_LOCAL_VARIABLE_POINTERS: __got,
 *     __auth_got, __la_symbol_ptr, __nl_symbol_ptr) stands for, so that a
 *     call to a stub reads `_dlopen`;
 *   - where a symbol lies (address and size) and which section holds an
 *     address, and the file offset of an address.
 *
 * Every offset and count from the file is checked against the image's
 * bounds before anything is read or allocated. Entries that break the
 * format in a way that only loses a name (a string index past the string
 * table, an unterminated name, an indirect index past the symbol table) are
 * skipped rather than failing the load: a partly broken table still names
 * what it can. Tables whose ranges lie outside the image fail the load with
 * LCP_E_MALFORMED.
 *
 * Ownership: lcp_symtab_load returns a heap lcp_symtab that owns copies of
 * the symbol names and section headers; every `const char *` and pointer it
 * returns stays valid until lcp_symtab_free. It does not keep the source or
 * the image: both may be released after the load. */
#ifndef LCPATCH_SYMBOLS_H
#define LCPATCH_SYMBOLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/file.h"
#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nlist n_type bits (the published format). */
#define LCP_N_STAB 0xe0u
#define LCP_N_PEXT 0x10u
#define LCP_N_TYPE 0x0eu
#define LCP_N_EXT 0x01u
#define LCP_N_UNDF 0x0u
#define LCP_N_ABS 0x2u
#define LCP_N_SECT 0xeu
#define LCP_N_INDR 0xau
/* n_desc bit: an ARM symbol whose code is Thumb. */
#define LCP_N_ARM_THUMB_DEF 0x0008u

/* Section types (flags & LCP_SECTION_TYPE) that hold one entry per indirect symbol. */
#define LCP_S_NON_LAZY_SYMBOL_POINTERS 0x6u
#define LCP_S_LAZY_SYMBOL_POINTERS 0x7u
#define LCP_S_SYMBOL_STUBS 0x8u
#define LCP_S_LAZY_DYLIB_SYMBOL_POINTERS 0x10u
#define LCP_S_THREAD_LOCAL_VARIABLE_POINTERS 0x14u
#define LCP_S_CSTRING_LITERALS 0x2u
/* Indirect symbol table entries that name no symbol. */
#define LCP_INDIRECT_SYMBOL_LOCAL 0x80000000u
#define LCP_INDIRECT_SYMBOL_ABS 0x40000000u

typedef struct lcp_symbol {
    const char *name; /* owned by the table */
    uint64_t addr;    /* n_value */
    uint64_t size;    /* defined symbols: up to the next symbol or the section's end; else 0 */
    uint8_t type;     /* n_type */
    uint8_t sect;     /* n_sect (1-based section ordinal, 0 = NO_SECT) */
    uint16_t desc;    /* n_desc */
} lcp_symbol;

/* Kinds of indirect entries (what lcp_symtab_import_at found). */
typedef enum lcp_import_kind {
    LCP_IMPORT_NONE = 0,
    LCP_IMPORT_STUB,   /* a stub in an S_SYMBOL_STUBS section */
    LCP_IMPORT_POINTER /* a pointer slot in a (non-)lazy pointer section */
} lcp_import_kind;

typedef struct lcp_symtab lcp_symtab;

/* Loads the symbols of img, whose bytes lie at img->offset in src. An image
 * without LC_SYMTAB gives an empty table (sections are still known).
 * Errors: LCP_E_MALFORMED (a table outside the image), LCP_E_IO, LCP_E_NOMEM. */
lcp_status lcp_symtab_load(const lcp_source *src, const lcp_image *img, lcp_symtab **out, lcp_error *err);
void lcp_symtab_free(lcp_symtab *t);

/* Every nlist entry that is neither a debugging (N_STAB) entry nor nameless,
 * in table order: index < lcp_symtab_count. */
size_t lcp_symtab_count(const lcp_symtab *t);
const lcp_symbol *lcp_symtab_symbol(const lcp_symtab *t, size_t index);

/* The defined (N_SECT) symbol that contains addr: the one with the greatest
 * address <= addr in the same section. *offset (may be NULL) gets addr minus
 * its address. NULL when none. Among several symbols at one address an
 * external one is preferred, then the first in table order. */
const lcp_symbol *lcp_symtab_lookup(const lcp_symtab *t, uint64_t addr, uint64_t *offset);

/* The lowest address of a defined symbol that is > addr (where the next
 * label goes); false when none. */
bool lcp_symtab_next(const lcp_symtab *t, uint64_t addr, uint64_t *next);

/* The imported symbol a stub or pointer slot stands for, when addr lies in
 * one (anywhere inside a stub counts: the stub's start is in *entry_addr,
 * may be NULL). NULL for local/absolute entries and for other addresses. */
const char *lcp_symtab_import_at(const lcp_symtab *t, uint64_t addr, lcp_import_kind *kind, uint64_t *entry_addr);

/* The best name for a branch or load target: the import a stub or pointer
 * stands for, else the defined symbol starting exactly at addr. NULL when
 * neither. */
const char *lcp_symtab_name_at(const lcp_symtab *t, uint64_t addr);

/* A defined symbol by name: exactly `name`, or else `_name` (C's prefix), so
 * that "main" finds "_main". NULL when absent. */
const lcp_symbol *lcp_symtab_find(const lcp_symtab *t, const char *name);

/* The addresses of every stub (kind LCP_IMPORT_STUB) whose import is `name`
 * (exact), written to addrs (up to max); returns how many there are in all.
 * dlopen discovery asks this for "_dlopen" and then looks for calls to them. */
size_t lcp_symtab_stubs_for(const lcp_symtab *t, const char *name, uint64_t *addrs, size_t max);

/* The same for pointer slots (kind LCP_IMPORT_POINTER: `call *ptr`), in
 * address order; the section at each address (lcp_symtab_section_at) tells
 * lazy from non-lazy. */
size_t lcp_symtab_pointers_for(const lcp_symtab *t, const char *name, uint64_t *addrs, size_t max);

/* Sections of the image, in load command order (index < count). Section
 * ordinal n (n_sect) is index n-1. */
size_t lcp_symtab_section_count(const lcp_symtab *t);
const lcp_section *lcp_symtab_section(const lcp_symtab *t, size_t index);
/* The section whose [addr, addr+size) holds addr, or NULL. */
const lcp_section *lcp_symtab_section_at(const lcp_symtab *t, uint64_t addr);
/* A section by segment and section name, or NULL. */
const lcp_section *lcp_symtab_section_named(const lcp_symtab *t, const char *segname, const char *sectname);

/* The file offset, relative to the image's start, of the byte at virtual
 * address addr, and how many file bytes of its segment follow it (in
 * *avail, may be NULL). False when addr is not backed by file bytes. */
bool lcp_image_addr_to_offset(const lcp_image *img, uint64_t addr, uint64_t *offset, uint64_t *avail);

/* The pointer stored at virtual address addr (4 or 8 bytes, the image's
 * width and byte order), as the address it points to before any slide:
 * the stored value itself in images rebased by opcodes or relocations; in
 * images with LC_DYLD_CHAINED_FIXUPS, the rebase decoded in the format of
 * its segment (DYLD_CHAINED_PTR_64, _64_OFFSET, _32 and the arm64e ones,
 * with high8 restored). False when addr is not backed by file bytes, the
 * fixups cannot be read, or the pointer is a bind (an imported symbol). */
bool lcp_image_pointer_at(const lcp_source *src, const lcp_image *img, uint64_t addr, uint64_t *target);

/* The start addresses of the image's functions as LC_FUNCTION_STARTS
 * records them (ULEB128 deltas from the address of the segment that holds
 * the mach header), ascending, in a heap array the caller frees; *n = 0
 * without the command. Stripped images keep it: it is how their functions
 * are found. Errors: the data runs past the image, a delta does not fit in
 * 64 bits or sums past 2^64 (LCP_E_MALFORMED naming the file offset). */
lcp_status lcp_function_starts(const lcp_source *src, const lcp_image *img, uint64_t **out, size_t *n, lcp_error *err);

/* The entry point of an executable: LC_MAIN (entryoff mapped through the
 * segments) or the pc of LC_UNIXTHREAD / LC_THREAD for x86_64, i386, arm64,
 * arm, ppc and ppc64. Fails when the image has none or its
 * thread state is of an unknown flavor (LCP_E_NOTFOUND,
 * LCP_E_UNSUPPORTED). */
lcp_status lcp_image_entry_address(const lcp_image *img, uint64_t *addr, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
