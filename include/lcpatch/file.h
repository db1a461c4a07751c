/* lcpatch: a file and its container: thin Mach-O, fat (FAT_MAGIC or
 * FAT_MAGIC_64), a static archive of Mach-O members, or a fat file whose
 * slices are archives.
 *
 * Ownership: lcp_file_open returns a heap lcp_file that owns its path copy,
 * its open descriptor, its slices, their images and archives; release it all
 * with one lcp_file_free. Only headers and load commands are read; the rest
 * of the file is reached through the source (fd or memory) by byte range. */
#ifndef LCPATCH_FILE_H
#define LCPATCH_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where bytes come from: an open descriptor or a memory buffer (tests, fuzzing). */
typedef struct lcp_source {
    int fd;             /* >= 0 for a file, -1 for memory */
    const uint8_t *mem; /* when fd < 0; not owned */
    uint64_t size;
} lcp_source;

/* Reads exactly n bytes at off; an error naming off when they are not all there. */
lcp_status lcp_source_read(const lcp_source *src, uint64_t off, void *buf, size_t n, lcp_error *err);

typedef enum lcp_container {
    LCP_THIN,   /* one Mach-O image */
    LCP_FAT,    /* FAT_MAGIC */
    LCP_FAT64,  /* FAT_MAGIC_64 */
    LCP_ARCHIVE /* a static archive (thin) */
} lcp_container;

typedef struct lcp_member {
    char *name;             /* owned */
    uint64_t header_offset; /* file offset of the 60-byte ar header */
    uint64_t data_offset;   /* file offset of the member's bytes (after a #1/ name) */
    uint64_t size;          /* bytes of member data (excluding a #1/ name) */
    lcp_image *image;       /* owned; NULL when the member is not Mach-O */
} lcp_member;

typedef struct lcp_archive {
    uint64_t offset, size; /* where the archive lies in the file */
    lcp_member *members;   /* owned */
    size_t nmembers;
} lcp_archive;

typedef struct lcp_slice {
    uint32_t cputype;
    uint32_t cpusubtype;
    uint64_t offset; /* in the file */
    uint64_t size;
    uint32_t align;       /* log2, from the fat header (0 for a thin file) */
    uint32_t reserved;    /* fat_arch_64.reserved */
    lcp_image *image;     /* owned; set when the slice is a Mach-O image */
    lcp_archive *archive; /* owned; set when the slice is an archive */
    lcp_error *error;     /* owned; LCP_PARSE_KEEP_BAD_SLICES: why the slice could not be read */
} lcp_slice;

typedef struct lcp_file {
    char *path;     /* owned copy, as given */
    lcp_source src; /* fd owned when >= 0 */
    lcp_container kind;
    uint32_t nfat_arch;
    lcp_slice *slices; /* owned; one for thin files and thin archives */
    size_t nslices;
    unsigned parse_flags; /* LCP_PARSE_* its images were read with */
} lcp_file;

/* Opens and parses path. Errors: LCP_E_IO, LCP_E_NOT_MACHO, LCP_E_MALFORMED;
 * messages start with the path. */
lcp_status lcp_file_open(const char *path, lcp_file **out, lcp_error *err);
/* The same with LCP_PARSE_* flags (image.h) for every image. */
lcp_status lcp_file_open_flags(const char *path, unsigned flags, lcp_file **out, lcp_error *err);
/* Parses a buffer (not copied: it must outlive the file); name is used in messages. */
lcp_status lcp_file_open_memory(const uint8_t *data, size_t len, const char *name, lcp_file **out, lcp_error *err);
/* The same with LCP_PARSE_* flags (image.h) for every image. */
lcp_status lcp_file_open_memory_flags(const uint8_t *data, size_t len, const char *name, unsigned flags, lcp_file **out,
                                      lcp_error *err);
void lcp_file_free(lcp_file *f);

/* What a file's first bytes say it is, by magic alone (nothing past the
 * first 8 bytes is read, no range checked: lcp_file_open decides whether
 * the file reads). For the tree walks that pick candidates (rescue, fix
 * paths) without parsing every file. */
typedef enum lcp_sniff {
    LCP_SNIFF_OTHER = 0,     /* no magic lcpatch reads (or fewer than 4 bytes) */
    LCP_SNIFF_MACHO,         /* a thin Mach-O image, either width or byte order */
    LCP_SNIFF_FAT,           /* a fat header (32 or 64) with 1..LCP_FAT_MAX_ARCHS slices */
    LCP_SNIFF_FAT_BAD_COUNT, /* a fat magic with no, too many or unread nfat_arch */
    LCP_SNIFF_JAVA_CLASS,    /* 0xcafebabe followed by a Java class version */
    LCP_SNIFF_ARCHIVE        /* "!<arch>\n" */
} lcp_sniff;
lcp_sniff lcp_magic_sniff(const uint8_t *head, size_t n);
/* True when a 0xcafebabe header's nfat_arch is no fat count but a Java
 * class file's minor and major version (more than LCP_FAT_MAX_ARCHS, minor
 * 0 or 0xffff, major 45..255): the one rule for every reader. */
bool lcp_fat_is_java_class(uint32_t nfat);

/* Calls fn for every Mach-O image of f: each thin image, fat slice and
 * archive member, in file order. member is NULL outside archives. Stops
 * and returns fn's value when it is non-zero; returns 0 otherwise. */
typedef int (*lcp_image_visitor)(void *ctx, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img);
int lcp_file_visit_images(lcp_file *f, lcp_image_visitor fn, void *ctx);

/* Reads one image at [offset, offset+size) of src: its header and load
 * commands only. */
lcp_status lcp_image_read(const lcp_source *src, uint64_t offset, uint64_t size, lcp_image **out, lcp_error *err);
/* The same with LCP_PARSE_* flags (image.h). */
lcp_status lcp_image_read_flags(const lcp_source *src, uint64_t offset, uint64_t size, unsigned flags, lcp_image **out,
                                lcp_error *err);

/* Apple's name for an architecture ("x86_64", "arm64e", "ppc7400"), or NULL. */
const char *lcp_arch_name(uint32_t cputype, uint32_t cpusubtype);
/* The slice's architecture for messages: Apple's name, else
 * "cputype N cpusubtype M" in buf. */
const char *lcp_arch_label(uint32_t cputype, uint32_t cpusubtype, char *buf, size_t len);
/* Parses an architecture name (as lipo and vtool accept them); false if unknown. */
bool lcp_arch_from_name(const char *name, uint32_t *cputype, uint32_t *cpusubtype);

#ifdef __cplusplus
}
#endif
#endif
