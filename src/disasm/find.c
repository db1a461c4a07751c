/* The range lcpatch disasm disassembles in an image (see lcpatch/disasm.h). */
#include "lcpatch/disasm.h"

#include "lcpatch/macho.h"

#include <inttypes.h>

lcp_status lcp_disasm_find(lcp_disasm *d, const lcp_symtab *syms, const lcp_image *img, const lcp_disasm_target *t,
                           uint64_t *start, uint64_t *len, size_t *count, lcp_error *err) {
    lcp_status st = LCP_OK;
    switch (t->from) {
    case LCP_DISASM_SECTION: {
        const lcp_section *s = lcp_symtab_section_named(syms, t->segname, t->sectname);
        if (s == NULL) {
            st = lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "no section (%s,%s)", t->segname, t->sectname);
            break;
        }
        *start = s->addr;
        *len = lcp_section_is_zerofill(s) ? 0 : s->size;
        break;
    }
    case LCP_DISASM_SYMBOL: {
        const lcp_symbol *s = lcp_symtab_find(syms, t->symbol);
        if (s == NULL) {
            st = lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "no defined symbol '%s'", t->symbol);
            break;
        }
        *start = s->addr;
        *len = s->size;
        break;
    }
    case LCP_DISASM_ENTRY:
    case LCP_DISASM_ADDRESS: {
        if (t->from == LCP_DISASM_ENTRY)
            st = lcp_image_entry_address(img, start, err);
        else
            *start = t->address;
        if (st)
            break;
        /* 32-bit ARM: the low bit of an entry point (LC_MAIN entryoff,
         * LC_UNIXTHREAD pc) or of an address means Thumb code at the
         * even address, as dyld and the CPU read it */
        if (img->cputype == LCP_CPU_TYPE_ARM && (*start & 1)) {
            *start &= ~(uint64_t)1;
            lcp_disasm_start_thumb(d);
        }
        uint64_t off;
        const lcp_symbol *s = lcp_symtab_lookup(syms, *start, &off);
        const lcp_section *sec = lcp_symtab_section_at(syms, *start);
        if (s) {
            *len = s->size - off;
        } else if (sec) {
            *len = sec->addr + sec->size - *start;
            if (*count == 0)
                *count = 64;
        } else {
            st = lcp_error_set(err, LCP_E_NOTFOUND, LCP_NO_OFFSET, "address 0x%" PRIx64 " is in no section", *start);
        }
        break;
    }
    }
    return st;
}
