/* The install_name_tool and codesign_allocate dialects (src/compat):
 * Apple's argv parsed into the library's plans, library error reasons
 * mapped to Apple's words and exit status 1. */
#ifndef LCP_COMPAT_ITOOL_H
#define LCP_COMPAT_ITOOL_H

#include "lcpatch/lcpatch.h"

#include <stdbool.h>
#include <stdio.h>

/* The entry points (src/cli/main.c's commands[]). */
int cmd_install_name_tool(int argc, char **argv);
int cmd_codesign_allocate(int argc, char **argv);

/* The parse options under which both tools read a file, as cctools'
 * ofile_map and checkout read it. */
#define LCP_ITOOL_PARSE (LCP_PARSE_FAT_ALWAYS | LCP_PARSE_KNOWN_COMMANDS | LCP_PARSE_LINKEDIT_STRICT)

/* Prints, as Apple's libstuff does, why `path` could not be read
 * (src/compat/apple_errors.c). */
void lcp_itool_say_open_error(FILE *out, const char *prog, const char *path, const lcp_error *e);

/* Apple's swap_object_headers() walk over a big-endian slice's edited
 * commands (src/compat/itool_swap.c): false, after Apple's two messages,
 * when Apple's tool would stop there. */
bool lcp_itool_swap_check(const char *prog, const lcp_image *img);

#endif
