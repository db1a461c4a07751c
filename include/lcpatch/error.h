/* lcpatch: error reporting.
 *
 * Every library function that can fail returns an lcp_status (LCP_OK == 0)
 * and, when the caller passes a non-NULL lcp_error, fills it with the status,
 * the file offset concerned and a message that names the file, the slice and
 * the load command. The library never prints and never exits. */
#ifndef LCPATCH_ERROR_H
#define LCPATCH_ERROR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lcp_status {
    LCP_OK = 0,
    LCP_E_USAGE,       /* the caller asked for something impossible */
    LCP_E_NOT_MACHO,   /* the input is not Mach-O, fat or an archive of them */
    LCP_E_MALFORMED,   /* the input breaks the format */
    LCP_E_NOSPACE,     /* an edit does not fit in the header padding */
    LCP_E_NOTFOUND,    /* an architecture, command or path is not present */
    LCP_E_UNSUPPORTED, /* well formed, but not something lcpatch can do */
    LCP_E_IO,          /* a system call failed; sys_errno says why */
    LCP_E_NOMEM
} lcp_status;

/* Why an error happened, as a code the Apple dialects (src/compat) map to
 * Apple's exact wording: the message is prose for people, the reason is for
 * programs (never strstr over a message). LCP_R_NONE when no finer reason
 * than the status applies. Append new reasons in the block of the part of
 * the library that raises them; the values are not a stable ABI. */
typedef enum lcp_reason {
    LCP_R_NONE = 0,
    /* src/format: fat headers */
    LCP_R_FAT_ARCH_OVERLAP,   /* two fat_arch entries overlap (index, index2) */
    LCP_R_FAT_ARCH_PAST_END,  /* a fat_arch offset+size passes the end (index) */
    LCP_R_FAT_ARCH_ALIGN,     /* a fat_arch offset breaks its align (index; value the offset, index2 the align) */
    LCP_R_FAT_ARCH_DUPLICATE, /* two fat_arch entries name one arch (index, index2) */
    LCP_R_FAT_ARCH_MISMATCH,  /* fat_arch cputype/subtype differ from the slice (index) */
    /* src/format: Mach-O headers and load commands */
    LCP_R_TRUNCATED_HEADER, /* the file ends inside the mach header */
    LCP_R_CMDS_PAST_END,    /* sizeofcmds passes the end of the file or slice */
    LCP_R_CMDSIZE_ZERO,     /* a load command's cmdsize is 0 (index) */
    LCP_R_CMDSIZE_ALIGN,    /* a cmdsize is not a multiple of 4 / 8 (index) */
    LCP_R_CMD_PAST_CMDS,    /* a load command passes sizeofcmds (index) */
    LCP_R_CMD_TOO_SMALL,    /* cmdsize is smaller than the command's structure (index) */
    LCP_R_LC_STR_BAD,       /* an lc_str offset or string is out of its command (index) */
    LCP_R_LINKEDIT_BAD,     /* a __LINKEDIT table passes the file or breaks order (index) */
    /* src/format: archives */
    LCP_R_AR_MEMBER_BAD, /* an archive member header or size is malformed */
    /* src/layout, src/edit */
    LCP_R_ARCH_NOT_FOUND,    /* the named arch is not in the file */
    LCP_R_NO_SPACE,          /* the edit needs more header padding than there is */
    LCP_R_COMMAND_NOT_FOUND, /* the named load command or path is not present */
    LCP_R_COMMAND_EXISTS,    /* the load command or path is already present */
    /* Dialect blocks, one per Apple tool, so that parallel work never
     * shares a number: each dialect appends inside its own block. */
    LCP_R_DIALECT_FIRST = 1000,
    LCP_R_LIPO_FIRST = 1000,
    /* raised by src/format for lipo's parse options (image.h) */
    LCP_R_FAT_TABLE_PAST_END = LCP_R_LIPO_FIRST, /* the fat_arch table passes the end of the file (index: one entry's
                                                    size, 20 or 32; value: nfat_arch) */
    LCP_R_FAT_ALIGN_TOO_LARGE,                   /* a fat_arch align above 2^15 (index; value the align) */
    LCP_R_VTOOL_FIRST = 1100,
    /* src/format under LCP_PARSE_LENIENT_COMMANDS (vtool's walk) */
    LCP_R_VTOOL_LC_HEADER_PAST_CMDS = 1100, /* command index's 8 bytes pass sizeofcmds */
    LCP_R_VTOOL_LC_PAST_CMDS,               /* command index (value: its cmd) passes sizeofcmds */
    LCP_R_VTOOL_LC_BAD_SIZE,                /* command index: value = cmd << 32 | cmdsize, not its size */
    LCP_R_ITOOL_FIRST = 1200,               /* install_name_tool and codesign_allocate */
    LCP_R_FAT_NO_ARCHS = 1200,              /* the fat header has nfat_arch 0 */
    LCP_R_UNKNOWN_COMMAND,                  /* LCP_PARSE_KNOWN_COMMANDS: an unknown cmd (index) */
    LCP_R_SYMTAB_PAST_END,                  /* LC_SYMTAB's symbols pass the end of the image (index) */
    LCP_R_STRTAB_PAST_END,                  /* LC_SYMTAB's strings pass the end of the image (index) */
    LCP_R_INDIRECT_PAST_END,                /* LC_DYSYMTAB's indirect symbols pass the end (index) */
    LCP_R_STRTAB_NOT_LAST,                  /* the string table is not last in __LINKEDIT (index) */
    LCP_R_NO_LINKEDIT,                      /* a signature needs a __LINKEDIT segment there is not */
    LCP_R_SIGSPACE_MEMBER,                  /* codesign_allocate -a would change an archive member */
    LCP_R_OTOOL_FIRST = 1300
} lcp_reason;

/* No file offset applies to the error. */
#define LCP_NO_OFFSET UINT64_MAX

typedef struct lcp_error {
    lcp_status status;
    int sys_errno;     /* errno for LCP_E_IO, else 0 */
    uint64_t offset;   /* file offset concerned, or LCP_NO_OFFSET */
    lcp_reason reason; /* finer cause for programs; LCP_R_NONE if none */
    uint32_t index;    /* fat_arch or load command index the reason names */
    uint32_t index2;   /* a second index (the other of two overlapping archs) */
    int32_t cputype;   /* cputype/cpusubtype the reason names, or 0 */
    int32_t cpusubtype;
    uint64_t value; /* a number the reason names (a size, an alignment), or 0 */
    char message[640];
} lcp_error;

/* Fills err (when non-NULL) and returns st. The message is printf-formatted. */
lcp_status lcp_error_set(lcp_error *err, lcp_status st, uint64_t offset, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Adds a reason (and the indices / cputype it names) to an error already set
 * by lcp_error_set, which clears them. Use: st = lcp_error_set(...);
 * lcp_error_reason(err, ...); return st; */
void lcp_error_reason(lcp_error *err, lcp_reason reason, uint32_t index, uint32_t index2, int32_t cputype,
                      int32_t cpusubtype);

/* Prefixes err->message with "prefix: " (used to add the file and slice). */
void lcp_error_prefix(lcp_error *err, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* A short stable name for a status ("malformed", "no space", ...). */
const char *lcp_status_name(lcp_status st);

/* The process exit status DESIGN.md gives a status: 0 ok, 2 usage, 3 otherwise. */
int lcp_status_exit_code(lcp_status st);

#ifdef __cplusplus
}
#endif
#endif
