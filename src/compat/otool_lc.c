/* otool -l: every load command of an image in Apple's otool format, field
 * names, widths and the "(past end of file)" notes included. The image's
 * commands were validated by the library's reader; fields are read through
 * lcp_image_cmd_u32/u64, so a short command reads as zeros where Apple's
 * tool reads zeros too (it copies at most the bytes that are there). */
#include "compat/otool.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* One command being printed: the image, its index, and the size of the
 * image, which the "(past end of file)" notes compare against. */
struct lc {
    const lcp_image *img;
    size_t i;
    uint64_t object_size;
};

static uint32_t u32(const struct lc *c, size_t field) {
    uint32_t v = 0;
    lcp_image_cmd_u32(c->img, c->i, field, &v);
    return v;
}

static uint64_t u64(const struct lc *c, size_t field) {
    uint64_t v = 0;
    lcp_image_cmd_u64(c->img, c->i, field, &v);
    return v;
}

/* The NUL-terminated string at `off` in the command, or NULL when off is
 * not inside it (the reader made sure the command's bytes end in range). */
static const char *str_at(const struct lc *c, uint32_t off, uint32_t *len) {
    uint32_t size = c->img->lc[c->i].cmdsize;
    if (off >= size)
        return NULL;
    const char *s = (const char *)lcp_image_command_bytes(c->img, c->i) + off;
    *len = (uint32_t)strnlen(s, size - off);
    return s;
}

static const char *past(uint64_t end, uint64_t size) { return end > size ? " (past end of file)" : ""; }

/* "label X.Y" or "label X.Y.Z" (Z printed only when non-zero). */
static void print_version_xyz(const char *label, uint32_t v) {
    if (v & 0xff)
        printf("%s %u.%u.%u\n", label, v >> 16, (v >> 8) & 0xff, v & 0xff);
    else
        printf("%s %u.%u\n", label, v >> 16, (v >> 8) & 0xff);
}

/* An lc_str field: "<label> NAME (offset N)" or "<label> ?(bad offset N)". */
static void print_lc_str(const struct lc *c, const char *label, size_t field) {
    uint32_t off = u32(c, field), len;
    const char *s = str_at(c, off, &len);
    if (s)
        printf("%s %.*s (offset %u)\n", label, (int)len, s, off);
    else
        printf("%s ?(bad offset %u)\n", label, off);
}

static void print_cmdsize(const struct lc *c, const char *label, bool ok) {
    printf("%s %u%s\n", label, c->img->lc[c->i].cmdsize, ok ? "" : " Incorrect size");
}

static void print_section(const struct lc *c, const lcp_section *s, const char *segname, bool is64) {
    printf("Section\n  sectname %s\n   segname %s%s\n", s->sectname, s->segname,
           c->img->filetype != LCP_MH_OBJECT && strcmp(segname, s->segname) != 0 ? " (does not match segment)" : "");
    if (is64)
        printf("      addr 0x%016llx\n      size 0x%016llx", (unsigned long long)s->addr, (unsigned long long)s->size);
    else
        printf("      addr 0x%08x\n      size 0x%08x", (uint32_t)s->addr, (uint32_t)s->size);
    /* Apple's test: the section's type bits include S_ZEROFILL's (a bit
     * test, as in otool), and offset + size in 32 bits for 32-bit sizes. */
    bool zerofill = (s->flags & 0x1u) == 0x1u;
    printf("%s\n", !zerofill && (uint64_t)s->offset + s->size > c->object_size ? " (past end of file)" : "");
    printf("    offset %u%s\n", s->offset, past(s->offset, c->object_size));
    printf("     align 2^%u (%d)\n", s->align, (int)(1u << (s->align & 31)));
    printf("    reloff %u%s\n", s->reloff, past(s->reloff, c->object_size));
    printf("    nreloc %u%s\n", s->nreloc, past((uint64_t)s->reloff + (uint64_t)s->nreloc * 8u, c->object_size));
    printf("     flags 0x%08x\n", s->flags);
    uint32_t type = s->flags & 0xffu;
    bool indirect = type == 0x8 || type == 0x7 || type == 0x10 || type == 0x6 || type == 0x14;
    printf(" reserved1 %u%s\n", s->reserved1, indirect ? " (index into indirect symbol table)" : "");
    printf(" reserved2 %u%s\n", s->reserved2, type == 0x8 ? " (size of stubs)" : "");
}

static void print_segment(const struct lc *c) {
    lcp_segment sg;
    bool is64 = c->img->lc[c->i].cmd == LCP_LC_SEGMENT_64;
    if (!lcp_image_segment(c->img, c->i, &sg))
        return;
    uint64_t expect = (uint64_t)sg.nsects * (is64 ? 80u : 68u) + (is64 ? 72u : 56u);
    printf("      cmd %s\n", is64 ? "LC_SEGMENT_64" : "LC_SEGMENT");
    printf("  cmdsize %u%s\n", c->img->lc[c->i].cmdsize,
           c->img->lc[c->i].cmdsize != expect ? " Inconsistent size" : "");
    printf("  segname %s\n", sg.segname);
    if (is64)
        printf("   vmaddr 0x%016llx\n   vmsize 0x%016llx\n", (unsigned long long)sg.vmaddr,
               (unsigned long long)sg.vmsize);
    else
        printf("   vmaddr 0x%08x\n   vmsize 0x%08x\n", (uint32_t)sg.vmaddr, (uint32_t)sg.vmsize);
    printf("  fileoff %llu%s\n", (unsigned long long)sg.fileoff, past(sg.fileoff, c->object_size));
    printf(" filesize %llu%s\n", (unsigned long long)sg.filesize, past(sg.fileoff + sg.filesize, c->object_size));
    printf("  maxprot 0x%08x\n initprot 0x%08x\n   nsects %u\n    flags 0x%x\n", sg.maxprot, sg.initprot, sg.nsects,
           sg.flags);
    for (uint32_t k = 0; k < sg.nsects; k++) {
        lcp_section s;
        if (lcp_image_section(c->img, c->i, k, &s))
            print_section(c, &s, sg.segname, is64);
    }
}

static void print_symtab(const struct lc *c) {
    uint32_t symoff = u32(c, 8), nsyms = u32(c, 12), stroff = u32(c, 16), strsize = u32(c, 20);
    uint64_t nlist = c->img->is64 ? 16u : 12u;
    printf("     cmd LC_SYMTAB\n");
    print_cmdsize(c, " cmdsize", c->img->lc[c->i].cmdsize == 24);
    printf("  symoff %u%s\n", symoff, past(symoff, c->object_size));
    printf("   nsyms %u%s\n", nsyms, past(symoff + nsyms * nlist, c->object_size));
    printf("  stroff %u%s\n", stroff, past(stroff, c->object_size));
    printf(" strsize %u%s\n", strsize, past((uint64_t)stroff + strsize, c->object_size));
}

/* LC_DYSYMTAB's fields after cmdsize: name, and for a table, the size of
 * one entry (0 for the symbol index ranges, checked against nsyms). */
static const struct {
    const char *name;
    unsigned entry; /* bytes of one entry; 0: a symbol index; 1: the count of the range before */
} dysymtab_fields[] = {
    {"      ilocalsym", 0}, {"      nlocalsym", 1},     {"     iextdefsym", 0}, {"     nextdefsym", 1},
    {"      iundefsym", 0}, {"      nundefsym", 1},     {"         tocoff", 2}, {"           ntoc", 8},
    {"      modtaboff", 2}, {"        nmodtab", 0xffu}, {"   extrefsymoff", 2}, {"    nextrefsyms", 4},
    {" indirectsymoff", 2}, {"  nindirectsyms", 4},     {"      extreloff", 2}, {"        nextrel", 8},
    {"      locreloff", 2}, {"        nlocrel", 8},
};

static void print_dysymtab(const struct lc *c, uint32_t nsyms) {
    printf("            cmd LC_DYSYMTAB\n");
    print_cmdsize(c, "        cmdsize", c->img->lc[c->i].cmdsize == 80);
    for (size_t k = 0; k < sizeof dysymtab_fields / sizeof dysymtab_fields[0]; k++) {
        uint32_t v = u32(c, 8 + 4 * k), prev = k ? u32(c, 8 + 4 * (k - 1)) : 0;
        unsigned entry = dysymtab_fields[k].entry;
        const char *note = "";
        if (entry == 0)
            note = v > nsyms ? " (greater than the number of symbols)" : "";
        else if (entry == 1)
            note = (uint64_t)prev + v > nsyms ? " (past the end of the symbol table)" : "";
        else if (entry == 2)
            note = past(v, c->object_size);
        else {
            /* a module table entry is 52 bytes (56 in 64-bit images) */
            uint64_t size = entry == 0xffu ? (c->img->is64 ? 56u : 52u) : entry;
            note = past(prev + (uint64_t)v * size, c->object_size);
        }
        printf("%s %u%s\n", dysymtab_fields[k].name, v, note);
    }
}

/* dylib_use_command's marker, in the timestamp field of a dylib_command. */
#define DYLIB_USE_MARKER 0x1a741800u

/* "time stamp N <ctime>", in UTC so that the output does not depend on the
 * machine's time zone (Apple's goldens were made in UTC). */
static void print_timestamp(uint32_t stamp) {
    time_t t = (time_t)stamp;
    struct tm tm;
    char when[64] = "";
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    printf("   time stamp %u %s\n", stamp, when);
}

static void print_dylib(const struct lc *c) {
    lcp_dylib d = {0};
    uint32_t cmd = c->img->lc[c->i].cmd;
    lcp_image_dylib(c->img, c->i, &d);
    printf("          cmd %s\n", lcp_lc_name(cmd));
    print_cmdsize(c, "      cmdsize", c->img->lc[c->i].cmdsize >= 24);
    print_lc_str(c, "         name", 8);
    if (d.timestamp == DYLIB_USE_MARKER && u32(c, 8) >= 28) {
        /* a dylib_use_command: the timestamp field holds the marker and
         * flags follow the versions (ld64 writes it for weak/upward loads
         * of newer deployment targets) */
        static const char *const options[] = {"weak ", "reexport ", "upward ", "delay-init "};
        uint32_t flags = u32(c, 24);
        printf("      options ");
        for (unsigned k = 0; k < 4; k++)
            if (flags & (1u << k))
                printf("%s", options[k]);
        printf("\n");
    } else
        print_timestamp(d.timestamp);
    uint32_t v = d.current_version, cv = d.compatibility_version;
    if (v == 0xffffffffu)
        printf("      current version n/a\n");
    else
        printf("      current version %u.%u.%u\n", v >> 16, (v >> 8) & 0xff, v & 0xff);
    if (cv == 0xffffffffu)
        printf("compatibility version n/a\n");
    else
        printf("compatibility version %u.%u.%u\n", cv >> 16, (cv >> 8) & 0xff, cv & 0xff);
}

static void print_linkedit_data(const struct lc *c) {
    uint32_t off = u32(c, 8), size = u32(c, 12);
    printf("      cmd %s\n", lcp_lc_name(c->img->lc[c->i].cmd));
    print_cmdsize(c, "  cmdsize", c->img->lc[c->i].cmdsize == 16);
    printf("  dataoff %u%s\n", off, past(off, c->object_size));
    printf(" datasize %u%s\n", size, past((uint64_t)off + size, c->object_size));
}

static void print_dyld_info(const struct lc *c) {
    static const char *const names[] = {"     rebase_off", "    rebase_size", "       bind_off", "      bind_size",
                                        "  weak_bind_off", " weak_bind_size", "  lazy_bind_off", " lazy_bind_size",
                                        "     export_off", "    export_size"};
    printf("            cmd %s\n", lcp_lc_name(c->img->lc[c->i].cmd));
    print_cmdsize(c, "        cmdsize", c->img->lc[c->i].cmdsize == 48);
    for (size_t k = 0; k < 10; k += 2) {
        uint32_t off = u32(c, 8 + 4 * k), size = u32(c, 12 + 4 * k);
        printf("%s %u%s\n", names[k], off, past(off, c->object_size));
        printf("%s %u%s\n", names[k + 1], size, past((uint64_t)off + size, c->object_size));
    }
}

static void print_version_min(const struct lc *c) {
    uint32_t version = u32(c, 8), sdk = u32(c, 12);
    printf("      cmd %s\n", lcp_lc_name(c->img->lc[c->i].cmd));
    print_cmdsize(c, "  cmdsize", c->img->lc[c->i].cmdsize == 16);
    print_version_xyz("  version", version);
    if (sdk == 0)
        printf("      sdk n/a\n");
    else
        print_version_xyz("      sdk", sdk);
}

static void print_build_version(const struct lc *c) {
    uint32_t platform = u32(c, 8), minos = u32(c, 12), sdk = u32(c, 16), ntools = u32(c, 20);
    printf("      cmd LC_BUILD_VERSION\n");
    print_cmdsize(c, "  cmdsize", c->img->lc[c->i].cmdsize == 24 + (uint64_t)ntools * 8);
    printf(" platform %u\n", platform);
    print_version_xyz("    minos", minos);
    if (sdk == 0)
        printf("      sdk n/a\n");
    else
        print_version_xyz("      sdk", sdk);
    printf("   ntools %u\n", ntools);
    for (uint32_t k = 0; k < ntools; k++) {
        uint32_t tool, version;
        if (!lcp_image_build_tool(c->img, c->i, k, &tool, &version))
            break;
        printf("     tool %u\n", tool);
        print_version_xyz("  version", version);
    }
}

static void print_source_version(const struct lc *c) {
    uint64_t v = u64(c, 8);
    unsigned long long a = (v >> 40) & 0xffffff, b = (v >> 30) & 0x3ff, cc = (v >> 20) & 0x3ff, d = (v >> 10) & 0x3ff,
                       e = v & 0x3ff;
    printf("      cmd LC_SOURCE_VERSION\n");
    print_cmdsize(c, "  cmdsize", c->img->lc[c->i].cmdsize == 16);
    if (e)
        printf("  version %llu.%llu.%llu.%llu.%llu\n", a, b, cc, d, e);
    else if (d)
        printf("  version %llu.%llu.%llu.%llu\n", a, b, cc, d);
    else if (cc)
        printf("  version %llu.%llu.%llu\n", a, b, cc);
    else
        printf("  version %llu.%llu\n", a, b);
}

static void print_uuid(const struct lc *c) {
    const uint8_t *b = lcp_image_command_bytes(c->img, c->i);
    uint8_t u[16] = {0};
    if (c->img->lc[c->i].cmdsize >= 24)
        memcpy(u, b + 8, 16);
    printf("     cmd LC_UUID\n");
    print_cmdsize(c, " cmdsize", c->img->lc[c->i].cmdsize == 24);
    printf("    uuid %02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X\n", u[0], u[1], u[2], u[3],
           u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void print_encryption(const struct lc *c, bool is64) {
    uint32_t off = u32(c, 8), size = u32(c, 12), id = u32(c, 16);
    printf("          cmd %s\n", is64 ? "LC_ENCRYPTION_INFO_64" : "LC_ENCRYPTION_INFO");
    print_cmdsize(c, "      cmdsize", c->img->lc[c->i].cmdsize == (is64 ? 24u : 20u));
    printf("     cryptoff %u%s\n", off, past(off, c->object_size));
    printf("    cryptsize %u%s\n", size, past((uint64_t)off + size, c->object_size));
    printf("      cryptid %u\n", id);
    if (is64)
        printf("          pad %u\n", u32(c, 20));
}

static void print_prebound_dylib(const struct lc *c) {
    uint32_t nmodules = u32(c, 12), off = u32(c, 16), len;
    printf("            cmd LC_PREBOUND_DYLIB\n");
    print_cmdsize(c, "        cmdsize", c->img->lc[c->i].cmdsize >= 20);
    print_lc_str(c, "           name", 8);
    printf("       nmodules %u\n", nmodules);
    const char *bits = str_at(c, off, &len);
    if (bits == NULL) {
        printf(" linked_modules ?(bad offset %u)\n", off);
        return;
    }
    printf(" linked_modules ");
    uint32_t k;
    for (k = 0; k < nmodules && k < 8; k++)
        putchar(((unsigned char)bits[0] >> k) & 1 ? '1' : '0');
    if (k <= nmodules)
        printf("...");
    printf(" (offset %u)\n", off);
}

static void print_fvmlib(const struct lc *c) {
    printf("           cmd %s\n", lcp_lc_name(c->img->lc[c->i].cmd));
    print_cmdsize(c, "       cmdsize", c->img->lc[c->i].cmdsize >= 20);
    print_lc_str(c, "          name", 8);
    printf(" minor version %u\n   header addr 0x%08x\n", u32(c, 12), u32(c, 16));
}

/* Words of the command from byte `from`, eight to a line, as otool prints
 * an unknown command or thread state. */
static void print_words(const struct lc *c, uint32_t from, uint32_t count) {
    uint32_t k;
    for (k = 0; k < count; k++) {
        printf("%08x ", u32(c, from + 4 * k));
        if (k % 8 == 7)
            printf("\n");
    }
    if (k % 8 != 0)
        printf("\n");
}

static void print_unknown(const struct lc *c) {
    uint32_t cmdsize = c->img->lc[c->i].cmdsize;
    printf("      cmd ?(0x%08x) Unknown load command\n  cmdsize %u\n", c->img->lc[c->i].cmd, cmdsize);
    print_words(c, 8, (cmdsize - 8) / 4);
}

void lcp_otool_print_load_commands(const lcp_image *img) {
    struct lc c = {img, 0, img->size};
    uint32_t nsyms = UINT32_MAX;
    for (c.i = 0; c.i < img->ncmds; c.i++) {
        uint32_t cmd = img->lc[c.i].cmd;
        printf("Load command %zu\n", c.i);
        switch (cmd) {
        case LCP_LC_SEGMENT:
        case LCP_LC_SEGMENT_64: print_segment(&c); break;
        case LCP_LC_SYMTAB:
            nsyms = u32(&c, 12);
            print_symtab(&c);
            break;
        case LCP_LC_DYSYMTAB: print_dysymtab(&c, nsyms); break;
        case LCP_LC_ID_DYLIB:
        case LCP_LC_LOAD_DYLIB:
        case LCP_LC_LOAD_WEAK_DYLIB:
        case LCP_LC_REEXPORT_DYLIB:
        case LCP_LC_LOAD_UPWARD_DYLIB:
        case LCP_LC_LAZY_LOAD_DYLIB: print_dylib(&c); break;
        case LCP_LC_IDFVMLIB:
        case LCP_LC_LOADFVMLIB: print_fvmlib(&c); break;
        case LCP_LC_ID_DYLINKER:
        case LCP_LC_LOAD_DYLINKER:
        case LCP_LC_DYLD_ENVIRONMENT:
            printf("          cmd %s\n", lcp_lc_name(cmd));
            print_cmdsize(&c, "      cmdsize", img->lc[c.i].cmdsize >= 12);
            print_lc_str(&c, "         name", 8);
            break;
        case LCP_LC_RPATH:
            printf("          cmd LC_RPATH\n");
            print_cmdsize(&c, "      cmdsize", img->lc[c.i].cmdsize >= 12);
            print_lc_str(&c, "         path", 8);
            break;
        case LCP_LC_SUB_FRAMEWORK:
        case LCP_LC_SUB_UMBRELLA:
        case LCP_LC_SUB_LIBRARY:
        case LCP_LC_SUB_CLIENT: {
            static const char *const label[] = {"     umbrella", "  sub_umbrella", "       client", "  sub_library"};
            printf("          cmd %s\n", lcp_lc_name(cmd));
            print_cmdsize(&c, "      cmdsize", img->lc[c.i].cmdsize >= 12);
            print_lc_str(&c, label[cmd - LCP_LC_SUB_FRAMEWORK], 8);
            break;
        }
        case LCP_LC_PREBOUND_DYLIB: print_prebound_dylib(&c); break;
        case LCP_LC_UNIXTHREAD:
        case LCP_LC_THREAD:
            printf("        cmd %s\n    cmdsize %u\n", lcp_lc_name(cmd), img->lc[c.i].cmdsize);
            lcp_otool_print_thread(img, c.i);
            break;
        case LCP_LC_TWOLEVEL_HINTS: {
            uint32_t off = u32(&c, 8), n = u32(&c, 12);
            printf("     cmd LC_TWOLEVEL_HINTS\n");
            print_cmdsize(&c, " cmdsize", img->lc[c.i].cmdsize == 16);
            printf("  offset %u%s\n  nhints %u%s\n", off, past(off, c.object_size), n,
                   past(off + (uint64_t)n * 4u, c.object_size));
            break;
        }
        case LCP_LC_PREBIND_CKSUM:
            printf("     cmd LC_PREBIND_CKSUM\n");
            print_cmdsize(&c, " cmdsize", img->lc[c.i].cmdsize == 12);
            printf("   cksum 0x%08x\n", u32(&c, 8));
            break;
        case LCP_LC_UUID: print_uuid(&c); break;
        case LCP_LC_CODE_SIGNATURE:
        case LCP_LC_SEGMENT_SPLIT_INFO:
        case LCP_LC_FUNCTION_STARTS:
        case LCP_LC_DATA_IN_CODE:
        case LCP_LC_DYLIB_CODE_SIGN_DRS:
        case LCP_LC_LINKER_OPTIMIZATION_HINT:
        case LCP_LC_DYLD_EXPORTS_TRIE:
        case LCP_LC_DYLD_CHAINED_FIXUPS: print_linkedit_data(&c); break;
        case LCP_LC_ENCRYPTION_INFO: print_encryption(&c, false); break;
        case LCP_LC_ENCRYPTION_INFO_64: print_encryption(&c, true); break;
        case LCP_LC_DYLD_INFO:
        case LCP_LC_DYLD_INFO_ONLY: print_dyld_info(&c); break;
        case LCP_LC_VERSION_MIN_MACOSX:
        case LCP_LC_VERSION_MIN_IPHONEOS:
        case LCP_LC_VERSION_MIN_WATCHOS:
        case LCP_LC_VERSION_MIN_TVOS: print_version_min(&c); break;
        case LCP_LC_BUILD_VERSION: print_build_version(&c); break;
        case LCP_LC_SOURCE_VERSION: print_source_version(&c); break;
        case LCP_LC_MAIN:
            printf("       cmd LC_MAIN\n");
            print_cmdsize(&c, "   cmdsize", img->lc[c.i].cmdsize == 24);
            printf("  entryoff %llu\n stacksize %llu\n", (unsigned long long)u64(&c, 8),
                   (unsigned long long)u64(&c, 16));
            break;
        default: print_unknown(&c); break;
        }
    }
}
