/* lcpatch: one Mach-O image (a thin file, a fat slice or an archive member):
 * its header and its load commands.
 *
 * Ownership: an lcp_image owns its command bytes and command table; it is
 * created by lcp_image_parse (or by lcp_file_open for every image of a file)
 * and released by lcp_image_free. Reading keeps only the header and the
 * load commands in memory; the rest of the image stays in the file as a byte
 * range (offset, size).
 *
 * Every command in `cmds` has been validated: cmdsize >= 8, a multiple of 4,
 * inside sizeofcmds; the fixed part of every known command fits in cmdsize;
 * every lc_str lies inside its command and is NUL-terminated there; segment
 * section tables and build-version tool tables fit in cmdsize. So the
 * decoders below only fail when asked for the wrong kind of command. */
#ifndef LCPATCH_IMAGE_H
#define LCPATCH_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lcp_load_command {
    uint32_t cmd;
    uint32_t cmdsize;
    uint32_t offset; /* from the start of the load-command area */
} lcp_load_command;

typedef struct lcp_image {
    uint64_t offset; /* file offset of the mach header */
    uint64_t size;   /* bytes from offset to the end of the slice or member */
    bool is64;
    bool big_endian; /* byte order of every field of this image */
    uint32_t magic;  /* MH_MAGIC or MH_MAGIC_64 (in the image's byte order) */
    uint32_t cputype;
    uint32_t cpusubtype;
    uint32_t filetype;
    uint32_t ncmds;
    uint32_t sizeofcmds;
    uint32_t flags;
    uint32_t reserved;        /* 64-bit header only */
    uint32_t header_size;     /* 28 or 32 */
    uint32_t orig_sizeofcmds; /* sizeofcmds as read from the file */
    uint8_t *cmds;            /* sizeofcmds bytes of load commands, owned */
    lcp_load_command *lc;     /* ncmds entries, owned */
    unsigned parse_flags;     /* LCP_PARSE_* it was read with; lcp_image_set_commands keeps to them */
    /* LCP_PARSE_LENIENT_COMMANDS: the first error the default (strict)
     * parse found, owned; NULL when the image passed it, and then its
     * parse_flags no longer hold LCP_PARSE_LENIENT_COMMANDS. */
    lcp_error *strict_error;
    /* LCP_PARSE_CMDS_SIZES_ONLY only: the fault that ended lipo's walk
     * early (LCP_R_CMDSIZE_ZERO, LCP_R_CMD_PAST_CMDS; LCP_R_NONE when
     * none), the index of that command and its cmdsize. lc holds the
     * commands before it. The caller decides (lipo refuses the file). */
    lcp_reason walk_fault;
    uint32_t walk_fault_index, walk_fault_cmdsize;
} lcp_image;

/* Parse flags. Bits are allotted in blocks so that work on the dialects
 * merges without renumbering: 0-7 core and lipo's fat-table options, 8-15
 * install_name_tool / codesign_allocate, 16-23 vtool, 24-31 otool. A flag
 * that two dialects need lives once, in the lowest block that has it. */
enum {
    /* Accept an lc_str offset anywhere inside its command, even inside the
     * fixed part (cctools' checkout tests only offset < cmdsize), so that
     * the compat modes read what Apple's tools read. Default: the string
     * must start after the command's fixed fields. */
    LCP_PARSE_APPLE_LC_STR = 1u << 0,
    /* Apple's lipo reads a fat file's fat_arch table and nothing else of
     * it (bits 1-5, src/compat/lipo*.c). Fat only: the slices are not read
     * (no image, no archive; their fat_arch labels are not checked against
     * them). The table's own checks stay: every range inside the file, its
     * alignment, no architecture twice. */
    LCP_PARSE_FAT_TABLE_ONLY = 1u << 1,
    /* Slices may overlap each other and the fat header. */
    LCP_PARSE_FAT_OVERLAP_OK = 1u << 2,
    /* Any nfat_arch: 0, more than LCP_FAT_MAX_ARCHS, one that reads as a
     * Java class file's version; the table must still fit in the file. */
    LCP_PARSE_FAT_ANY_COUNT = 1u << 3,
    /* Apple's hidden arm64 slice (lipo -hideARM64, cctools 15002326): in a
     * FAT_MAGIC file, one fat_arch after the nfat_arch counted ones with
     * cputype CPU_TYPE_ARM64 is a slice too when the entry lies before the
     * first slice (compared, as Apple does on a little-endian host, with the
     * offsets' bytes reversed). lcp_file.nfat_arch keeps the count the
     * header says; nslices counts the hidden slice. With
     * LCP_PARSE_FAT_RANGES_ONLY (vtool) the rule is vtool's: the file is
     * "not Mach-O" when that entry is not in the file, and it is a slice
     * when the header lists arm but no arm64 and it is arm64. */
    LCP_PARSE_FAT_HIDDEN_ARM64 = 1u << 4,
    /* Refuse a fat_arch align above 2^15 (Apple's MAXSECTALIGN; reason
     * LCP_R_FAT_ALIGN_TOO_LARGE), where the default allows up to 2^31. */
    LCP_PARSE_FAT_MAX_ALIGN_15 = 1u << 5,
    /* A cmdsize need not be a multiple of 4 (or 8): Apple's lipo says so
     * and goes on; the caller finds such commands in the model. */
    LCP_PARSE_CMDSIZE_ANY_ALIGN = 1u << 6,
    /* lipo's get_align walk: commands are read by their cmdsize only (a
     * cmdsize of 1 to 7 is allowed), never by their structure, and segment
     * or linkedit ranges are not checked against the image. The walk ends,
     * keeping the commands before, at the first command that does not lie
     * wholly in sizeofcmds (Apple reads no further), or at a cmdsize of 0
     * or a command past the end of the image: that fault is not refused
     * but recorded in walk_fault (what came before it is in the model, as
     * Apple reports it). ncmds counts the commands walked, not the
     * header's value. For listing, never for editing. */
    LCP_PARSE_CMDS_SIZES_ONLY = 1u << 7,
    /* install_name_tool / codesign_allocate (bits 8-15), as cctools'
     * ofile_map and checkout read a file (src/format/apple_checkout.c):
     * Read the first word as Apple does: 0xcafebabe is always a fat header,
     * however many architectures it claims (no Java class file guess, no
     * limit but the file's size), so that its entries are checked. */
    LCP_PARSE_FAT_ALWAYS = 1u << 8,
    /* Refuse a load command lcpatch does not know (LCP_R_UNKNOWN_COMMAND):
     * Apple's checkout stops there. Default: carried byte for byte. */
    LCP_PARSE_KNOWN_COMMANDS = 1u << 9,
    /* Apple's __LINKEDIT checks: LC_SYMTAB's symbols and strings and
     * LC_DYSYMTAB's indirect symbols inside the image, and, in a linked
     * image (not MH_OBJECT), the string table last in __LINKEDIT but for
     * the code signature (LCP_R_*_PAST_END, LCP_R_STRTAB_NOT_LAST). */
    LCP_PARSE_LINKEDIT_STRICT = 1u << 10,
    /* Apple vtool's leniencies (cctools misc/vtool.c file_read,
     * file_select_macho, lcmds_alloc), bits 16-23. */
    /* Check a fat header's entries only as vtool does: offset + size, summed
     * in 32 bits, within the file. No overlap, alignment, duplicate, label
     * or nfat_arch limit checks; a nfat_arch of 0 is "not Mach-O". */
    LCP_PARSE_FAT_RANGES_ONLY = 1u << 16,
    /* A slice that cannot be read (out of the file, not Mach-O, bad load
     * commands) does not fail the open: it is kept with its error in
     * lcp_slice.error (and no image), so a tool can act on the slices
     * before it, in order, as Apple's tools do. */
    LCP_PARSE_KEEP_BAD_SLICES = 1u << 17,
    /* A static archive (thin or as a fat slice) is "not Mach-O". */
    LCP_PARSE_NO_ARCHIVES = 1u << 18,
    /* A FAT_MAGIC_64 header is "not Mach-O". */
    LCP_PARSE_NO_FAT64 = 1u << 19,
    /* The load-command walk of vtool: a command's 8-byte header and its
     * cmdsize must lie in sizeofcmds (LCP_R_VTOOL_LC_HEADER_PAST_CMDS,
     * LCP_R_VTOOL_LC_PAST_CMDS), LC_SEGMENT(_64), LC_VERSION_MIN_*,
     * LC_BUILD_VERSION and LC_SOURCE_VERSION must have their exact size
     * (LCP_R_VTOOL_LC_BAD_SIZE); nothing else is checked (an odd cmdsize
     * or a bad lc_str is accepted) and sizeofcmds is bounded by the file,
     * not the slice. The default parse runs first: its first error is kept
     * in lcp_image.strict_error, so a tool may show such an image but edit
     * only one that passed. */
    LCP_PARSE_LENIENT_COMMANDS = 1u << 20
};

/* Parses an image from `bytes` (its header followed by its load commands:
 * at least header_size + sizeofcmds bytes). `offset` and `size` say where
 * the image lies in its file, for messages and for layout. */
lcp_status lcp_image_parse(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t size, lcp_image **out,
                           lcp_error *err);
/* The same with LCP_PARSE_* flags. */
lcp_status lcp_image_parse_flags(const uint8_t *bytes, size_t len, uint64_t offset, uint64_t size, unsigned flags,
                                 lcp_image **out, lcp_error *err);
/* A deep copy. */
lcp_status lcp_image_clone(const lcp_image *img, lcp_image **out, lcp_error *err);
void lcp_image_free(lcp_image *img);

/* Replaces the load commands with `ncmds` commands in `bytes` (len bytes,
 * copied). They are validated first: on failure img is unchanged. */
lcp_status lcp_image_set_commands(lcp_image *img, const uint8_t *bytes, size_t len, uint32_t ncmds, lcp_error *err);

/* A view of command i's bytes (cmdsize of them). */
const uint8_t *lcp_image_command_bytes(const lcp_image *img, size_t i);
/* Index of the first command with this cmd at or after `from`, or -1. */
long lcp_image_find(const lcp_image *img, uint32_t cmd, size_t from);
/* A 32- or 64-bit field at byte `field` of command i (false if it does not fit). */
bool lcp_image_cmd_u32(const lcp_image *img, size_t i, size_t field, uint32_t *out);
bool lcp_image_cmd_u64(const lcp_image *img, size_t i, size_t field, uint64_t *out);

/* ---- typed decoders ---- */

typedef struct lcp_segment {
    char segname[17];
    uint64_t vmaddr, vmsize, fileoff, filesize;
    uint32_t maxprot, initprot, nsects, flags;
} lcp_segment;

typedef struct lcp_section {
    char sectname[17];
    char segname[17];
    uint64_t addr, size;
    uint32_t offset, align, reloff, nreloc, flags, reserved1, reserved2, reserved3;
} lcp_section;

/* LC_SEGMENT or LC_SEGMENT_64. */
bool lcp_image_segment(const lcp_image *img, size_t i, lcp_segment *out);
/* The image's preferred load address: the vmaddr of the segment that maps
 * the start of the file (__TEXT). Chained-fixup "offset" formats and
 * LC_FUNCTION_STARTS count from it. False when no segment maps it. */
bool lcp_image_load_address(const lcp_image *img, uint64_t *base);
/* Section k (< nsects) of segment command i. */
bool lcp_image_section(const lcp_image *img, size_t i, uint32_t k, lcp_section *out);
/* True when a section's type occupies no file space (zerofill kinds). */
bool lcp_section_is_zerofill(const lcp_section *s);

typedef struct lcp_dylib {
    const char *name; /* points into the image's command bytes */
    uint32_t timestamp, current_version, compatibility_version;
} lcp_dylib;

/* True for LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB, LC_REEXPORT_DYLIB,
 * LC_LOAD_UPWARD_DYLIB, LC_LAZY_LOAD_DYLIB and LC_ID_DYLIB. */
bool lcp_cmd_is_dylib(uint32_t cmd);
bool lcp_image_dylib(const lcp_image *img, size_t i, lcp_dylib *out);
/* The first lc_str of a command that has one (LC_RPATH's path, a dylib's
 * name, LC_LOAD_DYLINKER's name, LC_SUB_*, LC_PREBOUND_DYLIB, LC_LOADFVMLIB,
 * LC_IDFVMLIB, LC_FVMFILE, LC_DYLD_ENVIRONMENT, LC_FILESET_ENTRY). */
bool lcp_image_cmd_string(const lcp_image *img, size_t i, const char **out);

typedef struct lcp_build_version {
    uint32_t platform, minos, sdk, ntools;
} lcp_build_version;
bool lcp_image_build_version(const lcp_image *img, size_t i, lcp_build_version *out);
/* Tool k (< ntools) of LC_BUILD_VERSION i. */
bool lcp_image_build_tool(const lcp_image *img, size_t i, uint32_t k, uint32_t *tool, uint32_t *version);

typedef struct lcp_version_min {
    uint32_t version, sdk;
} lcp_version_min;
/* True for the four LC_VERSION_MIN_* commands. */
bool lcp_cmd_is_version_min(uint32_t cmd);
bool lcp_image_version_min(const lcp_image *img, size_t i, lcp_version_min *out);
/* The platform an LC_VERSION_MIN_* command stands for (PLATFORM_MACOS...). */
uint32_t lcp_version_min_platform(uint32_t cmd);
/* The other way: the LC_VERSION_MIN_* command of a platform, 0 for the
 * platforms that have none (they take LC_BUILD_VERSION only). */
uint32_t lcp_version_min_cmd(uint32_t platform);
/* Either kind of version command, read as an LC_BUILD_VERSION: an
 * LC_VERSION_MIN_* gives the platform it stands for, its version as minos,
 * its sdk, and no tools. */
bool lcp_image_platform_version(const lcp_image *img, size_t i, lcp_build_version *out);

bool lcp_image_source_version(const lcp_image *img, size_t i, uint64_t *out);

typedef struct lcp_linkedit_data {
    uint32_t dataoff, datasize;
} lcp_linkedit_data;
/* LC_CODE_SIGNATURE, LC_FUNCTION_STARTS and the other linkedit_data_commands. */
bool lcp_image_linkedit_data(const lcp_image *img, size_t i, lcp_linkedit_data *out);

/* ---- header space ---- */

/* The room for load commands between the end of the commands and the first
 * section, under the rules lcpatch's own edits respect (computed in
 * src/layout/space.c). Apple's tools count it their own ways: those rules,
 * kept bit for bit for the Apple dialects and the reports, are in
 * include/lcpatch/apple_space.h. */
typedef struct lcp_space {
    uint32_t header_size; /* 28 or 32 */
    uint32_t sizeofcmds;
    bool signed_image; /* has an LC_CODE_SIGNATURE */
    /* The safe rule, what edits must respect: the lowest file offset of
     * any section that holds file bytes (size > 0, type not zerofill), or
     * the image size. */
    uint64_t safe_limit;
    int64_t safe_free; /* safe_limit - header_size - sizeofcmds (may be < 0) */
    /* The room lcpatch's edits that add commands count on (set-sdk,
     * rescue's preflight): the safe rule, and never past vtool's first
     * section (lcp_vtool_section_offset, -set's bit test), so that Apple's
     * vtool can still edit what lcpatch wrote. vtool's rule is the lower one
     * when an empty section sits before the first section holding bytes. */
    int64_t edit_free;
    bool signature_fits; /* a 16-byte LC_CODE_SIGNATURE fits in edit_free */
    /* What still fits under the safe rule (lcpatch space and show report
     * it), keeping 16 bytes for a future LC_CODE_SIGNATURE when the image
     * has none: the longest LC_RPATH path (-1 when none fits), and whether
     * an LC_BUILD_VERSION (24 bytes) fits. */
    int64_t rpath_max;
    bool build_version_fits;
} lcp_space;

void lcp_image_space(const lcp_image *img, lcp_space *out);

/* The 4 bytes at byte `at` of img's load-command area as a little-endian
 * host holds them once every field is in its byte order (cctools
 * swap_object_headers): a 32-bit field as its value, a 64-bit one as its
 * low then high half, names, strings and UUIDs as their bytes. False past
 * the commands (or in a gap between them). Apple's install_name_tool walks
 * these words by mistake on big-endian slices (src/compat/itool_swap.c). */
bool lcp_image_host_word(const lcp_image *img, uint64_t at, uint32_t *out);

#ifdef __cplusplus
}
#endif
#endif
