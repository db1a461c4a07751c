/* libFuzzer harness: any bytes as an Info.plist (XML or binary "bplist00")
 * -> a string value or a clean error, for the keys the audit asks for. A
 * value found is a NUL-terminated heap string; an error has a message. */
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const keys[] = {"CFBundleExecutable", "CFBundleIdentifier", "", "K"};
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        char *value = NULL;
        lcp_error err = {0};
        lcp_status st = lcp_plist_string(data, size, keys[k], &value, &err);
        if (st == LCP_OK) {
            if (value == NULL)
                abort();
            (void)lcp_fuzz_touch(value);
            free(value);
        } else if (value != NULL || err.message[0] == '\0') {
            abort();
        }
    }
    return 0;
}
