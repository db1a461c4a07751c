/* libFuzzer harness: the otool dialect's printers (src/compat) over any
 * bytes read as Apple's tools read them (LCP_PARSE_APPLE_LC_STR). Whatever
 * the model accepted must print without reading outside a command: every
 * field the printers use comes through the image's bounded accessors. The
 * text goes to /dev/null. */
#include "compat/otool.h"
#include "fuzz_common.h"

#include <stdint.h>
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int print_image(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    (void)ctx;
    (void)f;
    (void)slice;
    (void)m;
    lcp_otool_print_load_commands(img);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool quiet;
    if (!quiet) {
        quiet = freopen("/dev/null", "w", stdout) != NULL;
        if (!quiet)
            abort();
    }
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    lcp_file *f;
    if (lcp_file_open_memory_flags(data, size, "fuzz", LCP_PARSE_APPLE_LC_STR, &f, NULL) != LCP_OK)
        return 0;
    lcp_file_visit_images(f, print_image, NULL);
    lcp_file_free(f);
    return 0;
}
