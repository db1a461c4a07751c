/* The vtool compatibility front end's view of its input: Apple vtool's own
 * container rules (cctools misc/vtool.c file_read / file_select_macho /
 * lcmds_alloc), with its checks, its order of checks and its messages, so
 * that `lcpatch vtool` accepts and refuses exactly what Apple's vtool does.
 *
 * Unlike Apple's tool it never reads the whole file: only the fat header,
 * each selected slice's mach header and load commands (pread through an
 * lcp_source). Every size is checked before anything is read or allocated.
 *
 * Ownership: vt_file and vt_macho are caller-owned structs; release them
 * with vt_file_release / vt_macho_release (which accept zeroed structs). */
#ifndef LCP_CLI_VTOOL_FILE_H
#define LCP_CLI_VTOOL_FILE_H

#include "lcpatch/lcpatch.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct vt_arch {
    uint32_t cputype, cpusubtype, offset, size, align;
} vt_arch;

typedef struct vt_file {
    lcp_source src; /* fd owned */
    uint64_t len;
    mode_t mode;
    bool fat;
    uint32_t nfat_arch;
    vt_arch *archs; /* nfat_arch entries, owned */
} vt_file;

typedef struct vt_lc {
    uint32_t cmd, cmdsize, off; /* off: from the start of the commands */
} vt_lc;

typedef struct vt_macho {
    uint32_t index;
    uint64_t offset; /* of the mach header in the file */
    uint32_t size;   /* the fat_arch size (the file size when thin) */
    bool swap;       /* big-endian image */
    bool is64;
    uint32_t mh_size; /* 28 or 32 */
    uint32_t cputype, cpusubtype, filetype, ncmds, sizeofcmds, flags, reserved;
    uint8_t *bytes; /* mach header + sizeofcmds bytes of commands, owned */
    vt_lc *lc;      /* ncmds entries, owned */
} vt_macho;

/* file_read: opens path and reads the container. Prints Apple's message
 * ("<prog> error: <path> file is not mach-o"...) and returns -1 on error. */
int vt_file_read(const char *prog, const char *path, vt_file *f);
void vt_file_release(vt_file *f);

/* file_select_macho + lcmds_alloc for slice idx; inpath names the file in
 * messages as Apple's tool does. Prints and returns -1 on error. */
int vt_select(const char *prog, const char *inpath, vt_file *f, uint32_t idx, vt_macho *m);
void vt_macho_release(vt_macho *m);

/* A 32- or 64-bit field of the commands, in the image's byte order (0 when
 * it lies outside them). */
uint32_t vt_u32(const vt_macho *m, uint64_t cmds_off);
uint64_t vt_u64(const vt_macho *m, uint64_t cmds_off);

/* vtool's first-section offset: the lowest offset of a section that is not
 * zerofill, starting from the slice size. `bitwise` selects the test vtool
 * uses in -show and -set (flags & S_ZEROFILL, flags & S_THREAD_LOCAL_ZEROFILL)
 * rather than the section-type test of -remove. */
uint64_t vt_section_offset(const vt_macho *m, bool bitwise);

/* NXGetArchInfoFromCpuType's name for the slice, or NULL. */
const char *vt_arch_name(uint32_t cputype, uint32_t cpusubtype);

#endif
