/* Where an image's addresses lead: a virtual address to its offset in the
 * file (through the segments), the entry point (LC_MAIN or a thread
 * state's pc) and the function starts LC_FUNCTION_STARTS records. */
#include "format/symtab_internal.h"
#include "lcpatch/macho.h"
#include "util/checked.h"
#include "util/reader.h"

#include <stdlib.h>
#include <string.h>

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
    lcp_status st = lcp_image_read_range(src, img, led.dataoff, led.datasize, "LC_FUNCTION_STARTS data", &data, err);
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
