/* lcpatch otool: Apple's otool -f, -h, -l, -L and -D over the library's model.
 *
 * Output, messages and exit statuses are those of Apple's cctools otool (the
 * goldens in ../shared/golden were made with it). Every byte comes from the
 * library's bounded reader: the file is opened with lcp_file_open_flags, so a
 * file the model refuses is refused here too, naming the offset; the load
 * command printer (-l) is in otool_lc.c. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "compat/apple.h"
#include "compat/otool.h"

#include <string.h>

static const char otool_usage[] = "Usage: otool [-fhlLD] <object file> ...\n"
                                  "\t-f print the fat headers\n"
                                  "\t-h print the mach header\n"
                                  "\t-l print the load commands\n"
                                  "\t-L print shared libraries used\n"
                                  "\t-D print shared library id name\n"
                                  "(lcpatch's otool: the options above, with Apple's output; see lcpatch-otool(1))\n";

/* otool's flags: flag k of otool_flags sets bit 1 << k of the options */
static const char otool_flags[] = "fhlLD";
enum { OTOOL_FAT = 1, OTOOL_HEADER = 2, OTOOL_LOADS = 4, OTOOL_LIBS = 8, OTOOL_ID = 16 };
/* The options that print something per image (all but -f). */
#define OTOOL_PER_IMAGE (OTOOL_HEADER | OTOOL_LOADS | OTOOL_LIBS | OTOOL_ID)

/* "cputype (N) cpusubtype (M)" for an architecture otool has no name for. */
static const char *otool_arch(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len) {
    const char *name = lcp_arch_name(cputype, cpusubtype);
    if (name)
        return name;
    snprintf(buf, len, "cputype (%d) cpusubtype (%d)", (int)cputype, (int)(cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
    return buf;
}

static void print_fat_headers(const lcp_file *f) {
    printf("Fat headers\nfat_magic 0x%x\nnfat_arch %u", f->kind == LCP_FAT64 ? LCP_FAT_MAGIC_64 : LCP_FAT_MAGIC,
           f->nfat_arch);
    printf(f->nfat_arch == 0 ? " (malformed, contains zero architecture types)\n" : "\n");
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        /* the architecture of an earlier slice (otool does not compare a zero cputype or cpusubtype) */
        bool dup = false;
        for (size_t j = 0; j < i && s->cputype != 0 && s->cpusubtype != 0; j++)
            dup = dup || lcp_arch_matches(s->cputype, s->cpusubtype, f->slices[j].cputype, f->slices[j].cpusubtype);
        printf("architecture %s%zu\n    cputype %d\n    cpusubtype %d\n    capabilities 0x%x\n",
               dup ? "(illegal duplicate architecture) " : "", i, (int)s->cputype,
               (int)(s->cpusubtype & ~LCP_CPU_SUBTYPE_MASK), (s->cpusubtype & LCP_CPU_SUBTYPE_MASK) >> 24);
        printf("    offset %llu%s\n", (unsigned long long)s->offset,
               s->offset % (1ull << (s->align & 63)) ? " (not aligned on it's alignment)" : "");
        printf("    size %llu\n    align 2^%u (%llu)\n", (unsigned long long)s->size, s->align,
               1ull << (s->align & 63));
    }
}

static void print_mach_header(const lcp_image *img) {
    printf("Mach header\n"
           "      magic  cputype cpusubtype  caps    filetype ncmds sizeofcmds      flags\n");
    printf(" 0x%08x %7d %10d  0x%02x  %10u %5u %10u 0x%08x\n", img->is64 ? LCP_MH_MAGIC_64 : LCP_MH_MAGIC,
           (int)img->cputype, (int)(img->cpusubtype & ~LCP_CPU_SUBTYPE_MASK),
           (img->cpusubtype & LCP_CPU_SUBTYPE_MASK) >> 24, img->filetype, img->ncmds, img->orig_sizeofcmds, img->flags);
}

/* What Apple's otool -L appends to a load that is not a plain LC_LOAD_DYLIB. */
static const char *dylib_kind(uint32_t cmd) {
    switch (cmd) {
    case LCP_LC_LOAD_WEAK_DYLIB: return ", weak";
    case LCP_LC_REEXPORT_DYLIB: return ", reexport";
    case LCP_LC_LOAD_UPWARD_DYLIB: return ", upward";
    case LCP_LC_LAZY_LOAD_DYLIB: return ", lazy";
    default: return "";
    }
}

static void print_libraries(const lcp_image *img, bool just_id) {
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        lcp_dylib d;
        if (cmd == LCP_LC_IDFVMLIB || cmd == LCP_LC_LOADFVMLIB) {
            const char *name;
            uint32_t minor;
            if (!just_id && lcp_image_cmd_string(img, i, &name) && lcp_image_cmd_u32(img, i, 12, &minor))
                printf("\t%s (minor version %u)\n", name, minor);
            continue;
        }
        if (!lcp_cmd_is_dylib(cmd) || (just_id && cmd != LCP_LC_ID_DYLIB) || !lcp_image_dylib(img, i, &d))
            continue;
        if (just_id) {
            printf("%s\n", d.name);
            continue;
        }
        uint32_t c = d.compatibility_version, v = d.current_version;
        printf("\t%s (compatibility version %u.%u.%u, current version %u.%u.%u%s)\n", d.name, c >> 16, (c >> 8) & 0xff,
               c & 0xff, v >> 16, (v >> 8) & 0xff, v & 0xff, dylib_kind(cmd));
    }
}

static void print_image(unsigned opts, const lcp_image *img) {
    if (opts & OTOOL_HEADER)
        print_mach_header(img);
    if (opts & OTOOL_LOADS)
        lcp_otool_print_load_commands(img);
    if (opts & (OTOOL_LIBS | OTOOL_ID))
        print_libraries(img, !(opts & OTOOL_LIBS));
}

static int otool_file(unsigned opts, const char *path) {
    lcp_file *f = NULL;
    lcp_error e = {0};
    if (lcp_file_open_flags(path, LCP_PARSE_APPLE_LC_STR, &f, &e) != LCP_OK) {
        /* Apple's status; the message names the offset where there is one */
        if (e.offset == LCP_NO_OFFSET)
            return lcp_apple_say("error", "otool", "%s", e.message);
        return lcp_apple_say("error", "otool", "%s (file offset 0x%llx)", e.message, (unsigned long long)e.offset);
    }
    bool fat = f->kind == LCP_FAT || f->kind == LCP_FAT64;
    if ((opts & OTOOL_FAT) && fat)
        print_fat_headers(f);
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        /* what otool appends to the name of a fat file's slice or member */
        char buf[64], arch[96] = "";
        if (fat)
            snprintf(arch, sizeof arch, " (architecture %s)", otool_arch(s->cputype, s->cpusubtype, buf, sizeof buf));
        if (s->archive) {
            printf("Archive : %s%s\n", path, arch);
            for (size_t m = 0; (opts & OTOOL_PER_IMAGE) && m < s->archive->nmembers; m++) {
                const lcp_member *mb = &s->archive->members[m];
                if (mb->image == NULL)
                    continue;
                printf("%s(%s)%s:\n", path, mb->name, arch);
                print_image(opts, mb->image);
            }
        } else if (opts & OTOOL_PER_IMAGE) {
            printf("%s%s:\n", path, arch);
            if (s->image)
                print_image(opts, s->image);
        }
    }
    lcp_file_free(f);
    return 0;
}

int cmd_otool(int argc, char **argv) {
    unsigned opts = 0;
    int status = 0, nfiles = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || a[1] == '\0') {
            nfiles++;
            continue;
        }
        for (const char *c = a + 1; *c; c++) {
            const char *flag = strchr(otool_flags, *c);
            if (flag == NULL) {
                lcp_apple_say("error", "otool", "unknown char `%c' in flag %s", *c, a);
                fputs(otool_usage, stderr);
                return 1;
            }
            opts |= 1u << (flag - otool_flags);
        }
    }
    if (opts == 0 || nfiles == 0) {
        fputs(otool_usage, stderr);
        return 1;
    }
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' || argv[i][1] == '\0')
            status |= otool_file(opts, argv[i]);
    return status;
}
