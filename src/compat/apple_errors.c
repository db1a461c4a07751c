/* Apple's message line (lcp_apple_say), and Apple's words for a file
 * install_name_tool or codesign_allocate cannot read: cctools' libstuff
 * (errors.c, ofile.c, checkout.c) prints them, so the tools share them.
 * The library says what is wrong with a reason code and the indices
 * Apple's messages need (include/lcpatch/error.h); this table turns each
 * into Apple's text. A reason Apple has no words for gets lcpatch's own
 * message inside Apple's frame. */
#include "compat/apple.h"
#include "compat/itool.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

int lcp_apple_say(const char *kind, const char *prog, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fflush(stdout);
    fprintf(stderr, "%s: %s: ", kind, prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* "prog: object: path truncated or malformed object (what)" */
static void object_msg(FILE *out, const char *prog, const char *path, const char *fmt, uint32_t index,
                       const char *extra) {
    fprintf(out, "%s: object: %s truncated or malformed object (", prog, path);
    fprintf(out, fmt, extra ? extra : "", index);
    fputs(")\n", out);
}

void lcp_itool_say_open_error(FILE *out, const char *prog, const char *path, const lcp_error *e) {
    switch (e->status == LCP_E_MALFORMED ? (int)e->reason : -1) {
    case LCP_R_FAT_NO_ARCHS:
        fprintf(out, "error: %s: fat file: %s malformed (contains zero architecture types)\n", prog, path);
        return;
    case LCP_R_FAT_TABLE_PAST_END:
        fprintf(out,
                "error: %s: fat file: %s truncated or malformed (fat_arch%s structs would extend past the end of "
                "the file)\n",
                prog, path, e->index == LCP_FAT_ARCH_SIZE_64 ? "_64" : "");
        return;
    case LCP_R_FAT_ARCH_PAST_END:
        fprintf(out,
                "error: %s: fat file: %s truncated or malformed (offset plus size of cputype (%d) cpusubtype (%d) "
                "extends past the end of the file)\n",
                prog, path, (int)e->cputype, (int)((uint32_t)e->cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
        return;
    case LCP_R_CMDS_PAST_END:
        object_msg(out, prog, path, "%sload commands extend past the end of the file", 0, NULL);
        return;
    case LCP_R_CMD_PAST_CMDS: {
        /* ofile.c: a cmdsize past sizeofcmds is "past the end of the file";
         * a command whose 8-byte header is not inside sizeofcmds (no
         * cmdsize read: e->value 0) is past "the end all load commands" */
        object_msg(out, prog, path,
                   e->value != 0 ? "%sload command %u extends past the end of the file"
                                 : "%sload command %u extends past the end all load commands in the file",
                   e->index, NULL);
        return;
    }
    case LCP_R_UNKNOWN_COMMAND:
        fprintf(out, "%s: object: %s malformed object (unknown load command %u)\n", prog, path, e->index);
        return;
    case LCP_R_SYMTAB_PAST_END:
        object_msg(out, prog, path,
                   "symoff field plus nsyms field times sizeof(struct nlist%s) of LC_SYMTAB command %u extends past "
                   "the end of the file",
                   e->index, e->value == 16 ? "_64" : "");
        return;
    case LCP_R_STRTAB_PAST_END:
        object_msg(out, prog, path,
                   "%sstroff field plus strsize field of LC_SYMTAB command %u extends past the end of the file",
                   e->index, NULL);
        return;
    case LCP_R_INDIRECT_PAST_END:
        object_msg(out, prog, path,
                   "%sindirectsymoff field plus nindirectsyms field times sizeof(uint32_t) of LC_DYSYMTAB command %u "
                   "extends past the end of the file",
                   e->index, NULL);
        return;
    case LCP_R_STRTAB_NOT_LAST:
        fprintf(out, "fatal error: %s: string table not at the end of the file (can't be processed) in file: %s\n",
                prog, path);
        return;
    default: break;
    }
    if (e->status == LCP_E_IO)
        fprintf(out, "error: %s: can't open file: %s (%s)\n", prog, path, strerror(e->sys_errno ? e->sys_errno : EIO));
    else if (e->status == LCP_E_NOT_MACHO)
        fprintf(out, "error: %s: input file: %s is not a Mach-O file\n", prog, path);
    else /* lcpatch's own words where Apple's are not reproduced */
        fprintf(out, "%s: object: %s truncated or malformed object (%s)\n", prog, path, e->message);
}
