/* libFuzzer harness: the lipo dialect (src/compat/lipo*.c) end to end, argv
 * and file. The input is the file lipo reads; its last byte picks the
 * command line (the operation and an architecture), so any Mach-O file is
 * a seed as it is. A second file, the input's second half, serves as the
 * -replace file and the second -create input.
 *
 * Beyond ASan/UBSan, it checks what lipo promises about its output: a
 * failed run leaves no output and no temporary file, and the inputs are
 * never changed. Text goes to /dev/null. */
#include "compat/lipo.h"
#include "fuzz_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], in1[96], in2[96], out[96];

static void cleanup(void) {
    unlink(in1);
    unlink(in2);
    unlink(out);
    rmdir(dir);
}

static void setup(void) {
    strcpy(dir, "/tmp/fuzz-lipo-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(in1, sizeof in1, "%s/in", dir);
    snprintf(in2, sizeof in2, "%s/half", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    if (freopen("/dev/null", "w", stdout) == NULL || atexit(cleanup) != 0)
        abort();
}

static void put(const char *path, const uint8_t *p, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n) || close(fd) != 0)
        abort();
}

static bool same_bytes(const char *path, const uint8_t *p, size_t n) {
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    uint8_t buf[4096];
    size_t at = 0, got;
    bool same = true;
    while (same && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        same = at + got <= n && memcmp(buf, p + at, got) == 0;
        at += got;
    }
    fclose(f);
    return same && at == n;
}

/* The files in dir besides the two inputs and out. */
static int strays(void) {
    DIR *d = opendir(dir);
    if (d == NULL)
        abort();
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "in") && strcmp(e->d_name, "half") &&
            strcmp(e->d_name, "out"))
            n++;
    closedir(d);
    return n;
}

static const char *const archs[] = {"x86_64", "arm64", "i386", "ppc", "arm64e", "armv7", "ppc64", "x86_64h"};
#define NARCHS (sizeof archs / sizeof archs[0])

/* The command line the control byte picks; returns argc. */
static int command(uint8_t ctrl, const char **av) {
    const char *a = archs[(ctrl / 16) % NARCHS], *b = archs[(ctrl / 16 + 1) % NARCHS];
    int n = 0;
    av[n++] = "lipo";
    switch (ctrl % 16) {
    case 0:
        av[n++] = in1;
        av[n++] = "-info";
        break;
    case 1:
        av[n++] = in1;
        av[n++] = "-detailed_info";
        break;
    case 2:
        av[n++] = in1;
        av[n++] = "-archs";
        break;
    case 3:
        av[n++] = in1;
        av[n++] = "-verify_arch";
        av[n++] = a;
        av[n++] = b;
        break;
    case 4:
        av[n++] = in1;
        av[n++] = "-thin";
        av[n++] = a;
        break;
    case 5:
        av[n++] = in1;
        av[n++] = "-extract";
        av[n++] = a;
        av[n++] = "-extract";
        av[n++] = b;
        break;
    case 6:
        av[n++] = in1;
        av[n++] = "-extract_family";
        av[n++] = a;
        break;
    case 7:
        av[n++] = in1;
        av[n++] = "-remove";
        av[n++] = a;
        break;
    case 8:
        av[n++] = in1;
        av[n++] = "-replace";
        av[n++] = a;
        av[n++] = in2;
        break;
    case 9:
        av[n++] = "-create";
        av[n++] = in1;
        break;
    case 10:
        av[n++] = "-create";
        av[n++] = in1;
        av[n++] = in2;
        break;
    case 11:
        av[n++] = "-create";
        av[n++] = "-arch";
        av[n++] = a;
        av[n++] = in1;
        av[n++] = "-arch_blank";
        av[n++] = b;
        break;
    case 12:
        av[n++] = "-create";
        av[n++] = "-hideARM64";
        av[n++] = in1;
        av[n++] = in2;
        break;
    case 13:
        av[n++] = "-create";
        av[n++] = in1;
        av[n++] = "-segalign";
        av[n++] = a;
        av[n++] = "4000";
        break;
    case 14:
        av[n++] = "-create";
        av[n++] = "-fat64";
        av[n++] = in1;
        break;
    default:
        av[n++] = in1;
        av[n++] = "-info";
        av[n++] = in2;
        break;
    }
    bool writes = (ctrl % 16) >= 4 && (ctrl % 16) <= 14;
    if (writes) {
        av[n++] = "-output";
        av[n++] = out;
    }
    av[n] = NULL;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool ready;
    if (!ready) {
        setup();
        ready = true;
    }
    if (size == 0 || size > LCP_FUZZ_MAX_LEN)
        return 0;
    const uint8_t *half = data + size / 2;
    size_t nhalf = size - size / 2;
    put(in1, data, size);
    put(in2, half, nhalf);
    unlink(out);
    const char *av[16];
    int ac = command(data[size - 1], av);
    /* lipo's messages go to /dev/null for the call, not to libFuzzer's log
     * (a timeout inside the call then ends the run with exit 70 and no
     * report; its input is still saved under -artifact_prefix) */
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0 || dup2(null, 2) < 0)
        abort();
    close(null);
    int rc = cmd_lipo(ac, (char **)av);
    fflush(stderr);
    if (dup2(saved, 2) < 0)
        abort();
    close(saved);
    if (rc != 0 && rc != 1)
        abort(); /* Apple's statuses only */
    if (rc != 0 && access(out, F_OK) == 0)
        abort(); /* a failed run wrote its output */
    if (strays() != 0)
        abort(); /* a temporary file was left behind */
    if (!same_bytes(in1, data, size) || !same_bytes(in2, half, nhalf))
        abort(); /* an input was changed */
    return 0;
}
