/* otool -l: every load command of an image in Apple's otool format, field
 * names, widths and the "(past end of file)" notes included. The image's
 * commands were validated by the library's reader; fields are read through
 * lcp_image_cmd_u32/u64, so a short command reads as zeros where Apple's
 * tool reads zeros too (it copies at most the bytes that are there).
 *
 * Most commands are a run of fields otool prints one to a line: those are
 * a table of their lines (formats[]), written as otool prints them. */
#include "compat/otool.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* One command being printed: the image, its index, the size of the
 * image, which the "(past end of file)" notes compare against, the symbol
 * count of the LC_SYMTAB before it (LC_DYSYMTAB's notes), whether
 * LC_BUILD_VERSION's platform and tools are named as vtool -show names
 * them, and where %W's words end (the command's end, or a thread state's). */
struct lc {
    const lcp_image *img;
    size_t i;
    uint64_t object_size;
    uint32_t nsyms;
    bool vtool_names;
    uint32_t end;
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

/* The byte at `off` in the command, or false when off is not inside it. */
static bool byte_at(const struct lc *c, uint32_t off, uint8_t *b) {
    if (off >= c->img->lc[c->i].cmdsize)
        return false;
    *b = lcp_image_command_bytes(c->img, c->i)[off];
    return true;
}

static const char *past(uint64_t end, uint64_t size) { return end > size ? " (past end of file)" : ""; }

static void print_section(const struct lc *c, const lcp_section *s, const char *segname, bool is64) {
    printf("Section\n  sectname %s\n   segname %s%s\n", s->sectname, s->segname,
           c->img->filetype != LCP_MH_OBJECT && strcmp(segname, s->segname) != 0 ? " (does not match segment)" : "");
    /* addresses as wide as the image's: a 32-bit section's fit in 32 bits */
    int w = is64 ? 16 : 8;
    printf("      addr 0x%0*llx\n      size 0x%0*llx", w, (unsigned long long)s->addr, w, (unsigned long long)s->size);
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
    int w = is64 ? 16 : 8; /* a 32-bit segment's addresses fit in 32 bits */
    printf("   vmaddr 0x%0*llx\n   vmsize 0x%0*llx\n", w, (unsigned long long)sg.vmaddr, w,
           (unsigned long long)sg.vmsize);
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

/* ---- every command but a segment: a run of fields ---- */

/* Each command's lines as otool prints them. Every directive prints the
 * next field of the command: fields follow each other from byte 0 (cmd),
 * four bytes each unless said otherwise.
 *   %C  the command's name
 *   %Z  cmdsize, " Incorrect size" unless it is the command's size
 *       (lcp_lc_min_size), or at least that size for a command with %S
 *   %u  a number             %x  0x%08x            %U  a number, 8 bytes
 *   %o  a file offset, " (past end of file)" when beyond the image
 *   %s  a size in bytes from the %o before it, noted likewise; %4 and %8
 *       a count of 4- and 8-byte entries, %n of symbol table entries
 *       (12 bytes, 16 in 64-bit images), %m of module table entries (52,
 *       56 in 64-bit images)
 *   %i  a symbol index, noted when above LC_SYMTAB's nsyms
 *   %c  a count of symbols from the %i before it, noted likewise
 *   %S  an lc_str: "NAME (offset N)"
 *   %b  LC_PREBOUND_DYLIB's bit vector of as many modules as the field before
 *   %v  a version X.Y[.Z]    %k  likewise, "n/a" for 0 (an sdk)
 *   %D  a dylib's version X.Y.Z, "n/a" for 0xffffffff
 *   %t  a dylib's time stamp line, or a dylib_use_command's options line
 *   %V  a source version A.B[.C[.D[.E]]], 8 bytes
 *   %B  a byte, %02X         %P  a platform, %N a tool (named under vtool_names)
 * and, reading no field, the lines that follow the fields:
 *   %L  LC_BUILD_VERSION's tools      %T  the thread states
 *   %W  the words up to the end, eight to a line
 * The thread states' registers (otool_thread.c) take four more:
 *   %X  0x%016llx, 8 bytes   %w  %08x   %h  %04x, 2 bytes (in file order)
 *   %_  skips a field        %<  goes back to the first field */
static const char dyld_info[] = "            cmd %C\n        cmdsize %Z\n     rebase_off %o\n    rebase_size %s\n"
                                "       bind_off %o\n      bind_size %s\n  weak_bind_off %o\n weak_bind_size %s\n"
                                "  lazy_bind_off %o\n lazy_bind_size %s\n     export_off %o\n    export_size %s\n";
static const char dylinker[] = "          cmd %C\n      cmdsize %Z\n         name %S\n";
static const char fvmlib[] =
    "           cmd %C\n       cmdsize %Z\n          name %S\n minor version %u\n   header addr %x\n";
static const char thread[] = "        cmd %C\n    cmdsize %u\n%T";
/* the commands of lcp_cmd_is_dylib, lcp_cmd_is_version_min and
 * lcp_image_linkedit_data (those otool knows: see print_command) */
static const char dylib[] = "          cmd %C\n      cmdsize %Z\n         name %S\n%t"
                            "      current version %D\ncompatibility version %D\n";
static const char linkedit_data[] = "      cmd %C\n  cmdsize %Z\n  dataoff %o\n datasize %s\n";
static const char version_min[] = "      cmd %C\n  cmdsize %Z\n  version %v\n      sdk %k\n";
/* a command otool does not print field by field, known to lcpatch or not */
static const char unknown[] = "      cmd ?(%x) Unknown load command\n  cmdsize %u\n%W";

static const struct {
    uint32_t cmd;
    const char *format;
} formats[] = {
    {LCP_LC_SYMTAB, "     cmd %C\n cmdsize %Z\n  symoff %o\n   nsyms %n\n  stroff %o\n strsize %s\n"},
    {LCP_LC_DYSYMTAB, "            cmd %C\n        cmdsize %Z\n      ilocalsym %i\n      nlocalsym %c\n"
                      "     iextdefsym %i\n     nextdefsym %c\n      iundefsym %i\n      nundefsym %c\n"
                      "         tocoff %o\n           ntoc %8\n      modtaboff %o\n        nmodtab %m\n"
                      "   extrefsymoff %o\n    nextrefsyms %4\n indirectsymoff %o\n  nindirectsyms %4\n"
                      "      extreloff %o\n        nextrel %8\n      locreloff %o\n        nlocrel %8\n"},
    {LCP_LC_DYLD_INFO, dyld_info},
    {LCP_LC_DYLD_INFO_ONLY, dyld_info},
    {LCP_LC_ENCRYPTION_INFO,
     "          cmd %C\n      cmdsize %Z\n     cryptoff %o\n    cryptsize %s\n      cryptid %u\n"},
    {LCP_LC_ENCRYPTION_INFO_64, "          cmd %C\n      cmdsize %Z\n     cryptoff %o\n    cryptsize %s\n"
                                "      cryptid %u\n          pad %u\n"},
    {LCP_LC_TWOLEVEL_HINTS, "     cmd %C\n cmdsize %Z\n  offset %o\n  nhints %4\n"},
    {LCP_LC_PREBIND_CKSUM, "     cmd %C\n cmdsize %Z\n   cksum %x\n"},
    {LCP_LC_UUID, "     cmd %C\n cmdsize %Z\n    uuid %B%B%B%B-%B%B-%B%B-%B%B-%B%B%B%B%B%B\n"},
    {LCP_LC_MAIN, "       cmd %C\n   cmdsize %Z\n  entryoff %U\n stacksize %U\n"},
    {LCP_LC_ID_DYLINKER, dylinker},
    {LCP_LC_LOAD_DYLINKER, dylinker},
    {LCP_LC_DYLD_ENVIRONMENT, dylinker},
    {LCP_LC_RPATH, "          cmd %C\n      cmdsize %Z\n         path %S\n"},
    {LCP_LC_SUB_FRAMEWORK, "          cmd %C\n      cmdsize %Z\n     umbrella %S\n"},
    {LCP_LC_SUB_UMBRELLA, "          cmd %C\n      cmdsize %Z\n  sub_umbrella %S\n"},
    {LCP_LC_SUB_CLIENT, "          cmd %C\n      cmdsize %Z\n       client %S\n"},
    {LCP_LC_SUB_LIBRARY, "          cmd %C\n      cmdsize %Z\n  sub_library %S\n"},
    {LCP_LC_IDFVMLIB, fvmlib},
    {LCP_LC_LOADFVMLIB, fvmlib},
    {LCP_LC_PREBOUND_DYLIB, "            cmd %C\n        cmdsize %Z\n           name %S\n       nmodules %u\n"
                            " linked_modules %b\n"},
    {LCP_LC_SOURCE_VERSION, "      cmd %C\n  cmdsize %Z\n  version %V\n"},
    {LCP_LC_BUILD_VERSION, "      cmd %C\n  cmdsize %Z\n platform %P\n    minos %v\n      sdk %k\n   ntools %u\n%L"},
    {LCP_LC_THREAD, thread},
    {LCP_LC_UNIXTHREAD, thread},
};

/* LC_PREBOUND_DYLIB's linked_modules: up to eight bits of the first byte,
 * then "..." (always: otool's test, i <= nmodules, cannot fail). */
static void print_modules(const struct lc *c, uint32_t off, uint32_t nmodules) {
    uint32_t k;
    uint8_t bits;
    bool inside = byte_at(c, off, &bits);
    for (k = 0; inside && k < nmodules && k < 8; k++)
        putchar((bits >> k) & 1 ? '1' : '0');
    if (inside && k <= nmodules)
        printf("...");
    printf(inside ? " (offset %u)" : "?(bad offset %u)", off);
}

/* vtool -show's names of platforms (otool prints numbers). */
static const char *const vtool_platforms[] = {NULL,
                                              "MACOS",
                                              "IOS",
                                              "TVOS",
                                              "WATCHOS",
                                              "BRIDGEOS",
                                              "MACCATALYST",
                                              "IOSSIMULATOR",
                                              "TVOSSIMULATOR",
                                              "WATCHOSSIMULATOR",
                                              "DRIVERKIT",
                                              "VISIONOS",
                                              "VISIONOSSIMULATOR",
                                              "FIRMWARE",
                                              "SEPOS"};

/* vtool -show's names of the tools (otool prints numbers). */
static const char *const vtool_tools[] = {NULL, "CLANG", "SWIFT", "LD"};

/* vtool -show's name of platform (directive 'P') or tool ('N') v, or NULL
 * where otool prints the number. */
static const char *vtool_name(const struct lc *c, char d, uint32_t v) {
    size_t n = d == 'P' ? sizeof vtool_platforms / sizeof *vtool_platforms : sizeof vtool_tools / sizeof *vtool_tools;
    return c->vtool_names && v < n ? (d == 'P' ? vtool_platforms : vtool_tools)[v] : NULL;
}

/* dylib_use_command's marker, in the timestamp field of a dylib_command. */
#define DYLIB_USE_MARKER 0x1a741800u

/* A dylib's "time stamp N <ctime>", in UTC so that the output does not
 * depend on the machine's time zone (Apple's goldens were made in UTC); or,
 * for a dylib_use_command (the timestamp field holds the marker and flags
 * follow the versions: ld64 writes it for weak/upward loads of newer
 * deployment targets), its options. */
static void print_timestamp(const struct lc *c, uint32_t stamp) {
    if (stamp == DYLIB_USE_MARKER && u32(c, 8) >= 28) {
        static const char *const options[] = {"weak ", "reexport ", "upward ", "delay-init "};
        uint32_t flags = u32(c, 24);
        printf("      options ");
        for (unsigned k = 0; k < 4; k++)
            if (flags & (1u << k))
                printf("%s", options[k]);
        printf("\n");
        return;
    }
    time_t t = (time_t)stamp;
    struct tm tm;
    char when[64] = "";
    if (gmtime_r(&t, &tm))
        strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &tm);
    printf("   time stamp %u %s\n", stamp, when);
}

/* Whether cmdsize is what otool expects of the command. */
static bool size_ok(const struct lc *c, const char *format) {
    uint32_t cmd = c->img->lc[c->i].cmd, cmdsize = c->img->lc[c->i].cmdsize;
    if (cmd == LCP_LC_BUILD_VERSION)
        return cmdsize == 24 + (uint64_t)u32(c, 20) * 8;
    uint32_t want = lcp_lc_min_size(cmd, c->img->is64);
    return strstr(format, "%S") ? cmdsize >= want : cmdsize == want;
}

/* The bytes of one entry counted by a %s, %4, %8, %n or %m field. */
static uint64_t entry_bytes(char directive, bool is64) {
    switch (directive) {
    case '4': return 4;
    case '8': return 8;
    case 'n': return is64 ? 16 : 12;
    case 'm': return is64 ? 56 : 52;
    default: return 1;
    }
}

/* Prints `format` (see formats[] above) for the command's fields from
 * byte `from`. */
static void print_format(const struct lc *c, uint32_t from, const char *format) {
    uint32_t at = from, prev = 0;
    char buf[32];
    for (const char *p = format; *p; p++) {
        if (*p != '%') {
            putchar(*p);
            continue;
        }
        char d = *++p;
        uint32_t v = u32(c, at);
        const char *note = "", *name;
        uint8_t byte = 0;
        switch (d) {
        case 'L':
            for (uint32_t k = 0, tool, version; lcp_image_build_tool(c->img, c->i, k, &tool, &version); k++)
                print_format(c, at + 8 * k, "     tool %N\n  version %v\n");
            continue;
        case '<': at = from; continue;
        case '_': break;
        case 'T': lcp_otool_print_thread(c->img, c->i); continue;
        case 'W':
            for (v = 0; v < (c->end - at) / 4; v++)
                printf(v % 8 == 7 ? "%08x \n" : "%08x ", u32(c, at + 4 * v));
            if (v % 8 != 0)
                printf("\n");
            continue;
        case 'C': fputs(lcp_lc_name(v), stdout); break;
        case 'Z': printf("%u%s", v, size_ok(c, format) ? "" : " Incorrect size"); break;
        case 'x': printf("0x%08x", v); break;
        case 'w': printf("%08x", v); break;
        case 'X': printf("0x%016llx", (unsigned long long)u64(c, at)); break;
        case 'h':
            /* the half of the word around it that lies at `at` in the file */
            v = u32(c, at & ~3u);
            printf("%04x", (at % 4 == 0) == c->img->big_endian ? v >> 16 : v & 0xffff);
            break;
        case 'U': printf("%llu", (unsigned long long)u64(c, at)); break;
        case 'S':
            /* the command's lc_str, which the reader found NUL-terminated inside it */
            if (lcp_image_cmd_string(c->img, c->i, &name))
                printf("%s (offset %u)", name, v);
            else
                printf("?(bad offset %u)", v);
            break;
        case 'b': print_modules(c, v, prev); break;
        case 'v': fputs(lcp_version_format(v, buf, sizeof buf), stdout); break;
        case 'k': fputs(v ? lcp_version_format(v, buf, sizeof buf) : "n/a", stdout); break;
        case 'D':
            if (v == 0xffffffffu)
                fputs("n/a", stdout);
            else
                printf("%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
            break;
        case 't': print_timestamp(c, v); break;
        case 'V': fputs(lcp_source_version_format(u64(c, at), buf, sizeof buf), stdout); break;
        case 'B':
            byte_at(c, at, &byte);
            printf("%02X", byte);
            break;
        case 'P':
        case 'N':
            if ((name = vtool_name(c, d, v)))
                fputs(name, stdout);
            else
                printf("%u", v);
            break;
        default:
            if (d == 'o')
                note = past(v, c->object_size);
            else if (d == 'i')
                note = v > c->nsyms ? " (greater than the number of symbols)" : "";
            else if (d == 'c')
                note = (uint64_t)prev + v > c->nsyms ? " (past the end of the symbol table)" : "";
            else if (d != 'u')
                note = past(prev + (uint64_t)v * entry_bytes(d, c->img->is64), c->object_size);
            printf("%u%s", v, note);
        }
        at += d == 'U' || d == 'V' || d == 'X' ? 8 : d == 'h' ? 2 : d == 'B' ? 1 : 4;
        prev = v;
    }
}

/* One command, after its "Load command N" line. */
static void print_command(const struct lc *c) {
    uint32_t cmd = c->img->lc[c->i].cmd;
    const char *format = unknown;
    if (cmd == LCP_LC_SEGMENT || cmd == LCP_LC_SEGMENT_64) {
        print_segment(c);
        return;
    }
    lcp_linkedit_data ld;
    if (lcp_cmd_is_dylib(cmd))
        format = dylib;
    else if (lcp_cmd_is_version_min(cmd))
        format = version_min;
    /* otool prints the linkedit_data commands from LC_ATOM_INFO on as unknown */
    else if (lcp_image_linkedit_data(c->img, c->i, &ld) && (cmd & ~LCP_LC_REQ_DYLD) < LCP_LC_ATOM_INFO)
        format = linkedit_data;
    for (size_t k = 0; k < sizeof formats / sizeof formats[0]; k++)
        if (formats[k].cmd == cmd)
            format = formats[k].format;
    print_format(c, 0, format);
}

void lcp_otool_print_fields(const lcp_image *img, size_t i, uint32_t from, uint32_t end, const char *format) {
    struct lc c = {img, i, img->size, UINT32_MAX, false, end};
    print_format(&c, from, format);
}

void lcp_otool_print_load_commands(const lcp_image *img) {
    struct lc c = {img, 0, img->size, UINT32_MAX, false, 0};
    for (c.i = 0; c.i < img->ncmds; c.i++) {
        printf("Load command %zu\n", c.i);
        c.end = img->lc[c.i].cmdsize;
        if (img->lc[c.i].cmd == LCP_LC_SYMTAB)
            c.nsyms = u32(&c, 12);
        print_command(&c);
    }
}

void lcp_otool_print_version_command(const lcp_image *img, size_t i) {
    struct lc c = {img, i, img->size, UINT32_MAX, true, img->lc[i].cmdsize};
    print_command(&c);
}
