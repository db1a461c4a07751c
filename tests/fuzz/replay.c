/* A main() for the fuzz harnesses without libFuzzer: runs
 * LLVMFuzzerTestOneInput over every file named on the command line. `make
 * check` builds it with the ASan+UBSan flags (gcc is fine) and replays the
 * seed corpus and every past finding (tests/fuzz/regressions/). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (f == NULL) {
            perror(argv[i]);
            return 2;
        }
        size_t cap = 1 << 16, len = 0;
        uint8_t *buf = malloc(cap);
        size_t got;
        while (buf && (got = fread(buf + len, 1, cap - len, f)) > 0) {
            len += got;
            if (len == cap) {
                uint8_t *nb = realloc(buf, cap *= 2);
                if (nb == NULL)
                    free(buf);
                buf = nb;
            }
        }
        fclose(f);
        if (buf == NULL) {
            fprintf(stderr, "%s: out of memory\n", argv[i]);
            return 2;
        }
        /* An exact-size copy, so ASan catches a read one byte past the end. */
        uint8_t *exact = malloc(len ? len : 1);
        if (exact == NULL)
            return 2;
        for (size_t k = 0; k < len; k++)
            exact[k] = buf[k];
        free(buf);
        LLVMFuzzerTestOneInput(exact, len);
        free(exact);
    }
    return 0;
}
