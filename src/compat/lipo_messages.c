/* lipo's messages: the usage text, and the table that turns a library
 * error's reason into Apple's words. The library's message (prose
 * for people) is never parsed: only err->reason and the numbers it names. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

#include <stdio.h>
#include <string.h>

int lipo_usage(void) {
    fprintf(stderr, "usage: lipo <input_file> <command> [<options> ...]\n"
                    "  command is one of:\n"
                    "    -archs\n"
                    "    -create [-arch_blank <arch_type>]\n"
                    "    -detailed_info\n"
                    "    -extract <arch_type> [-extract <arch_type> ...]\n"
                    "    -extract_family <arch_type> [-extract_family <arch_type> ...]\n"
                    "    -info\n"
                    "    -remove <arch_type> [-remove <arch_type> ...]\n"
                    "    -replace <arch_type> <file_name> [-replace <arch_type> <file_name> ...]\n"
                    "    -thin <arch_type>\n"
                    "    -verify_arch <arch_type> ...\n"
                    "  options are one or more of:\n"
                    "    -arch <arch_type> <input_file>\n"
                    "    -hideARM64\n"
                    "    -output <output_file>\n"
                    "    -segalign <arch_type> <alignment>\n");
    return LIPO_FAIL;
}

/* cpusubtype as Apple prints it: without the capability bits. */
static int sub(int32_t cpusubtype) { return (int)((uint32_t)cpusubtype & ~LCP_CPU_SUBTYPE_MASK); }

/* The message table: each reason src/format gives for a file lipo reads,
 * in the words cctools lipo.c (process_input_file, get_align,
 * check_archive) prints for the same fault. */
int lipo_read_failed(const struct lipo *L, const char *name, const lcp_error *err) {
    switch (err->reason) {
    case LCP_R_FAT_TABLE_PAST_END:
        return lipo_fatal(L, "truncated or malformed fat file (%s structs would extend past the end of the file) %s",
                          err->index == LCP_FAT_ARCH_SIZE_64 ? "fat_arch_64" : "fat_arch", name);
    case LCP_R_FAT_ARCH_PAST_END:
        return lipo_fatal(L,
                          "truncated or malformed fat file (offset plus size of cputype (%d) cpusubtype (%d) extends "
                          "past the end of the file) %s",
                          (int)err->cputype, sub(err->cpusubtype), name);
    case LCP_R_FAT_ALIGN_TOO_LARGE:
        return lipo_fatal(L, "align (2^%u) too large of fat file %s (cputype (%d) cpusubtype (%d)) (maximum 2^%d)",
                          (unsigned)err->value, name, (int)err->cputype, sub(err->cpusubtype), LIPO_MAX_SECTALIGN);
    case LCP_R_FAT_ARCH_ALIGN:
        return lipo_fatal(L,
                          "offset %llu of fat file %s (cputype (%d) cpusubtype (%d)) not aligned on its alignment "
                          "(2^%u)",
                          (unsigned long long)err->value, name, (int)err->cputype, sub(err->cpusubtype), err->index2);
    case LCP_R_FAT_ARCH_DUPLICATE:
        return lipo_fatal(L, "fat file %s contains two of the same architecture (cputype (%d) cpusubtype (%d))", name,
                          (int)err->cputype, sub(err->cpusubtype));
    case LCP_R_CMDS_PAST_END:
        return lipo_fatal(
            L, "truncated or malformed object (load commands would extend past the end of the file) in: %s", name);
    case LCP_R_CMDSIZE_ZERO:
        return lipo_fatal(L, "load command %u size is less than or equal to zero in: %s", err->index, name);
    case LCP_R_CMD_PAST_CMDS:
        /* Apple checks a command's alignment first and goes on */
        if (err->value % 4 != 0)
            lipo_error(L, "load command %u size not a multiple of sizeof(uint32_t) in: %s", err->index, name);
        return lipo_fatal(L, "load command %u extends past end of all load commands in: %s", err->index, name);
    case LCP_R_AR_MEMBER_BAD:
        if (err->index == 0)
            return lipo_fatal(L,
                              "truncated or malformed archive: %s (archive header of first member extends past the "
                              "end of the file)",
                              name);
        return lipo_fatal(
            L, "truncated or malformed archive: %s (archive member header extends past the end of the file)", name);
    default: break;
    }
    /* A fault lipo does not look for (lcpatch reads archive members whole):
     * the library's own message, which names the file and the offset. */
    if (err->status == LCP_E_IO)
        return lipo_fatal(L, "can't read input file: %s (%s)", name, strerror(err->sys_errno));
    return lipo_fatal(L, "truncated or malformed file: %s", err->message);
}
