/* The vtool dialect (`lcpatch vtool`, multi-call `vtool`): Apple's vtool
 * (cctools misc/vtool.c) over the library's model. Data flows
 * argv (vtool_args.c) -> lcp_file read with vtool's parse options
 * (vtool.c) -> lcp_vtool_apply per slice -> one lcp_plan written
 * atomically, linker-signed slices signed again (lcp_vtool_plan, vtool.c);
 * -show* prints the model (vtool_show.c); every library error reason is
 * mapped to Apple's text and status in vtool_messages.c. */
#ifndef LCP_COMPAT_VTOOL_H
#define LCP_COMPAT_VTOOL_H

#include "lcpatch/lcpatch.h"
#include "lcpatch/vtool_file.h"

#include <stdbool.h>
#include <stdint.h>

/* The parse options that make the library read what vtool reads. */
#define LCP_VTOOL_PARSE_FLAGS                                                                                          \
    (LCP_PARSE_FAT_RANGES_ONLY | LCP_PARSE_FAT_HIDDEN_ARM64 | LCP_PARSE_KEEP_BAD_SLICES | LCP_PARSE_NO_ARCHIVES |      \
     LCP_PARSE_NO_FAT64 | LCP_PARSE_LENIENT_COMMANDS)

enum vt_command { VT_UNSET, VT_SHOW, VT_SET, VT_REMOVE, VT_HELP };
enum vt_show { VT_SHOW_ALL, VT_SHOW_BUILD, VT_SHOW_SOURCE, VT_SHOW_SPACE };

#define VT_MAX_ARCHS 64

typedef struct vt_opts {
    const char *prog; /* argv[0], as vtool names itself in messages */
    enum vt_command command;
    const char *in_path, *out_path;
    struct {
        uint32_t cputype, cpusubtype;
        const char *name;
    } archs[VT_MAX_ARCHS];
    uint32_t narch;
    enum vt_show show;
    bool replace;
    lcp_vtool_item *items; /* owned */
    size_t nitems;
} vt_opts;

/* The entry point: Apple's vtool argv (argv[0] is the program name).
 * Returns vtool's exit status. */
int cmd_vtool(int argc, char **argv);

/* vtool_args.c: parses argv into o. Returns 0, or vtool's status after
 * printing its usage message. */
int vt_parse_args(vt_opts *o, int argc, char **argv);
/* vtool's lower-case platform name ("macos"), or NULL. */
const char *vt_platform_name(uint32_t id);
/* name, or "#v" (in buf) when there is none: how vtool names a platform or
 * a tool in its messages. */
const char *vt_name_or_number(const char *name, uint32_t v, char *buf, size_t len);

/* vtool_show.c: -show, -show-build, -show-source, -show-space of one image. */
void vt_show_image(const vt_opts *o, const lcp_file *f, const lcp_image *img);

/* vtool_messages.c: Apple's text for the library's errors. */
void vt_print_open_error(const vt_opts *o, const lcp_error *err);
/* A bad slice: out of the file (checked for all slices first), not Mach-O,
 * bad load commands. */
void vt_print_slice_error(const vt_opts *o, const lcp_file *f, size_t i, const lcp_error *err);
void vt_print_no_space(const vt_opts *o, const lcp_file *f, const lcp_image *img);
void vt_print_outcome(const vt_opts *o, const lcp_vtool_result *res);

#endif
