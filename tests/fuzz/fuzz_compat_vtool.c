/* libFuzzer harness: the vtool dialect (src/compat/vtool*.c) end to end,
 * argv + file: the file read with vtool's parse options, -show*, every
 * -set-* / -remove-* edit and the write of its output (re-signing
 * included). An input that starts like a Mach-O, fat or archive file is
 * the file, run under every argv of the table below; any other input is
 * NUL-separated argv words up to an empty word, then the file. Output goes
 * to /dev/null; the files live in a private folder (/dev/shm when there).
 * Whatever the input, vtool must end with a status, never a sanitizer
 * report, and leave no temporary file behind. */
#include "compat/vtool.h"
#include "fuzz_common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define IN "@IN"
#define OUT "@OUT"

static const char *const table[][12] = {
    {"-show", IN},
    {"-show-build", IN},
    {"-show-source", IN},
    {"-show-space", IN},
    {"-arch", "arm64", "-show", IN},
    {"-set-build-version", "macos", "10.9", "11.0", "-output", OUT, IN},
    {"-set-build-version", "macos", "11.0", "14.0", "-tool", "ld", "1015.7", "-output", OUT, IN},
    {"-set-build-version", "ios", "12.0", "13.0", "-replace", "-output", OUT, IN},
    {"-set-version-min", "macos", "10.6", "10.9", "-output", OUT, IN},
    {"-set-source-version", "1.2.3.4.5", "-output", OUT, IN},
    {"-set-build-tool", "macos", "clang", "15.0", "-output", OUT, IN},
    {"-remove-build-version", "macos", "-output", OUT, IN},
    {"-remove-source-version", "-output", OUT, IN},
    {"-remove-build-tool", "macos", "ld", "-output", OUT, IN},
    {"-arch", "x86_64", "-set-build-version", "macos", "10.13", "10.15", "-output", OUT, IN},
};

static char dir[64], in_path[96], out_path[96];
static int devnull = -1, real_stderr = -1;

/* Sanitizer reports go to the real stderr while vtool's messages go to
 * /dev/null (weak: the valgrind replay is built without sanitizers). */
void __sanitizer_set_report_fd(void *fd) __attribute__((weak));

static void cleanup(void) {
    unlink(in_path);
    unlink(out_path);
    rmdir(dir);
}

static void setup(void) {
    if (!freopen("/dev/null", "w", stdout))
        abort();
    devnull = open("/dev/null", O_WRONLY);
    real_stderr = dup(2);
    if (devnull < 0 || real_stderr < 0)
        abort();
    if (__sanitizer_set_report_fd)
        __sanitizer_set_report_fd((void *)(intptr_t)real_stderr);
    strcpy(dir, access("/dev/shm", W_OK) == 0 ? "/dev/shm/fuzz-vtool-XXXXXX" : "/tmp/fuzz-vtool-XXXXXX");
    if (mkdtemp(dir) == NULL)
        abort();
    snprintf(in_path, sizeof in_path, "%s/in", dir);
    snprintf(out_path, sizeof out_path, "%s/out", dir);
    atexit(cleanup);
}

static void write_input(const uint8_t *data, size_t size) {
    int fd = open(in_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
        abort();
}

/* Only in and out may be in the folder afterwards: a temporary output
 * left behind is a bug. */
static void check_clean(void) {
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, "in") && strcmp(e->d_name, "out"))
            abort();
    if (d)
        closedir(d);
    unlink(out_path);
}

static void run(char **argv, int argc) {
    fflush(stderr);
    dup2(devnull, 2);
    int rc = cmd_vtool(argc, argv);
    fflush(stderr);
    dup2(real_stderr, 2);
    if (rc < 0 || rc > 3)
        abort();
    check_clean();
}

static bool looks_like_a_file(const uint8_t *d, size_t n) {
    static const uint8_t magics[][4] = {{0xca, 0xfe, 0xba, 0xbe}, {0xca, 0xfe, 0xba, 0xbf}, {0xfe, 0xed, 0xfa, 0xce},
                                        {0xfe, 0xed, 0xfa, 0xcf}, {0xce, 0xfa, 0xed, 0xfe}, {0xcf, 0xfa, 0xed, 0xfe},
                                        {'!', '<', 'a', 'r'}};
    for (size_t i = 0; n >= 4 && i < sizeof magics / sizeof magics[0]; i++)
        if (memcmp(d, magics[i], 4) == 0)
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (dir[0] == '\0')
        setup();
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    char *argv[24];
    if (looks_like_a_file(data, size)) {
        write_input(data, size);
        for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
            int argc = 0;
            argv[argc++] = "vtool";
            for (size_t k = 0; k < 12 && table[t][k]; k++)
                argv[argc++] = strcmp(table[t][k], IN) == 0    ? in_path
                               : strcmp(table[t][k], OUT) == 0 ? out_path
                                                               : (char *)table[t][k];
            argv[argc] = NULL;
            run(argv, argc);
        }
        return 0;
    }
    /* argv words from the input (a copy: they must be NUL-terminated) */
    char *words = malloc(size + 1);
    if (words == NULL)
        return 0;
    memcpy(words, data, size);
    words[size] = '\0';
    int argc = 0;
    argv[argc++] = "vtool";
    size_t pos = 0;
    while (pos < size && argc < 20 && words[pos] != '\0') {
        char *w = words + pos;
        pos += strlen(w) + 1;
        argv[argc++] = strcmp(w, "@OUT") == 0 ? out_path : w;
    }
    pos += pos < size; /* the empty word */
    write_input(data + (pos < size ? pos : size), pos < size ? size - pos : 0);
    argv[argc++] = in_path;
    argv[argc] = NULL;
    run(argv, argc);
    free(words);
    return 0;
}
