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

/* The frames of libstuff's messages, printf'd with (prog, path, words). */
#define FAT "error: %s: fat file: %s %s\n"
#define OBJECT "%s: object: %s truncated or malformed object (%s)\n"

/* LCP_R_CMD_PAST_CMDS for a command whose 8-byte header is not inside
 * sizeofcmds (no cmdsize read: e->value 0). ofile.c says "past the end all
 * load commands" then, and "past the end of the file" for a cmdsize past
 * sizeofcmds. */
#define HEADER_PAST_CMDS (-2)

/* Apple's words for each reason, printf'd with (suffix, index): the suffix
 * is "_64" where the structure named is the 64-bit one, else "". */
static const struct apple_words {
    int reason;
    const char *frame;
    const char *words;
} apple_words[] = {
    {LCP_R_FAT_NO_ARCHS, FAT, "malformed (contains zero architecture types)"},
    {LCP_R_FAT_TABLE_PAST_END, FAT,
     "truncated or malformed (fat_arch%s structs would extend past the end of the file)"},
    {LCP_R_CMDS_PAST_END, OBJECT, "%sload commands extend past the end of the file"},
    {LCP_R_UNKNOWN_COMMAND, "%s: object: %s malformed object (%s)\n", "%sunknown load command %u"},
    {LCP_R_SYMTAB_PAST_END, OBJECT,
     "symoff field plus nsyms field times sizeof(struct nlist%s) of LC_SYMTAB command %u extends past the end of "
     "the file"},
    {LCP_R_STRTAB_PAST_END, OBJECT,
     "%sstroff field plus strsize field of LC_SYMTAB command %u extends past the end of the file"},
    {LCP_R_INDIRECT_PAST_END, OBJECT,
     "%sindirectsymoff field plus nindirectsyms field times sizeof(uint32_t) of LC_DYSYMTAB command %u extends past "
     "the end of the file"},
    {LCP_R_CMD_PAST_CMDS, OBJECT, "%sload command %u extends past the end of the file"},
    {HEADER_PAST_CMDS, OBJECT, "%sload command %u extends past the end all load commands in the file"},
};

void lcp_itool_say_open_error(FILE *out, const char *prog, const char *path, const lcp_error *e) {
    int reason = e->status == LCP_E_MALFORMED ? (int)e->reason : -1;
    if (reason == LCP_R_CMD_PAST_CMDS && e->value == 0)
        reason = HEADER_PAST_CMDS;
    bool is64 = (reason == LCP_R_FAT_TABLE_PAST_END && e->index == LCP_FAT_ARCH_SIZE_64) ||
                (reason == LCP_R_SYMTAB_PAST_END && e->value == 16);
    for (size_t i = 0; i < sizeof apple_words / sizeof apple_words[0]; i++) {
        const struct apple_words *w = &apple_words[i];
        if (w->reason != reason)
            continue;
        char words[256];
        snprintf(words, sizeof words, w->words, is64 ? "_64" : "", e->index);
        fprintf(out, w->frame, prog, path, words);
        return;
    }
    if (reason == LCP_R_FAT_ARCH_PAST_END)
        fprintf(out,
                "error: %s: fat file: %s truncated or malformed (offset plus size of cputype (%d) cpusubtype (%d) "
                "extends past the end of the file)\n",
                prog, path, (int)e->cputype, (int)((uint32_t)e->cpusubtype & ~LCP_CPU_SUBTYPE_MASK));
    else if (reason == LCP_R_STRTAB_NOT_LAST)
        fprintf(out, "fatal error: %s: string table not at the end of the file (can't be processed) in file: %s\n",
                prog, path);
    else if (e->status == LCP_E_IO)
        fprintf(out, "error: %s: can't open file: %s (%s)\n", prog, path, strerror(e->sys_errno ? e->sys_errno : EIO));
    else if (e->status == LCP_E_NOT_MACHO)
        fprintf(out, "error: %s: input file: %s is not a Mach-O file\n", prog, path);
    else /* lcpatch's own words where Apple's are not reproduced */
        fprintf(out, "%s: object: %s truncated or malformed object (%s)\n", prog, path, e->message);
}
