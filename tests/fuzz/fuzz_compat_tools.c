/* libFuzzer harness: the install_name_tool and codesign_allocate dialects
 * (src/compat) end to end, argv and file. The first byte picks the dialect
 * and one of its command lines, the second a size for codesign_allocate;
 * the rest is the file, written to a scratch folder (on /dev/shm when
 * there is one: the writers fsync). Whatever the tools accept they edit
 * and write through the library's plans; whatever they refuse they must
 * refuse with Apple's exit status 1, never by crashing. Their messages go
 * to /dev/null. */
#include "compat/itool.h"
#include "fuzz_common.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], in[96], out[96];

/* The scratch folder goes when the process ends (replay or fuzzer). */
static void cleanup(void) {
    unlink(in);
    unlink(out);
    rmdir(dir);
}

static bool setup(void) {
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/lcp-fuzz-XXXXXX", base);
    if (mkdtemp(dir) == NULL)
        return false;
    snprintf(in, sizeof in, "%s/in", dir);
    snprintf(out, sizeof out, "%s/out", dir);
    atexit(cleanup);
    return freopen("/dev/null", "w", stdout) != NULL;
}

/* The command lines, Apple's syntax; "@IN"/"@OUT" are the scratch files,
 * "@SIZE" the size the second byte chose. */
static const char *const itool_lines[][8] = {
    {"install_name_tool", "-id", "@rpath/libnew.dylib", "@IN"},
    {"install_name_tool", "-change", "/usr/lib/libSystem.B.dylib", "@rpath/libSystem.dylib", "@IN"},
    {"install_name_tool", "-add_rpath", "@loader_path/../lib", "@IN"},
    {"install_name_tool", "-delete_rpath", "@loader_path/x", "@IN"},
    {"install_name_tool", "-rpath", "@loader_path/x", "@executable_path/a/much/longer/path/than/before", "@IN"},
    {"install_name_tool", "-delete_all_rpaths", "-add_rpath", "/x", "-id", "x", "@IN"},
};
static const char *const ca_lines[][10] = {
    {"codesign_allocate", "-i", "@IN", "-r", "-o", "@OUT"},
    {"codesign_allocate", "-i", "@IN", "-a", "arm64", "@SIZE", "-o", "@OUT"},
    {"codesign_allocate", "-i", "@IN", "-a", "x86_64", "@SIZE", "-p", "-o", "@OUT"},
    {"codesign_allocate", "-i", "@IN", "-A", "7", "3", "@SIZE", "-o", "@OUT"},
    {"codesign_allocate", "-i", "@IN", "-a", "arm64", "0", "-o", "@OUT"},
    {"codesign_allocate", "-i", "@IN", "-a", "i386", "@SIZE", "-a", "ppc", "@SIZE", "-o"},
};

#define NLINES (sizeof itool_lines / sizeof itool_lines[0])
_Static_assert(sizeof itool_lines / sizeof itool_lines[0] == sizeof ca_lines / sizeof ca_lines[0], "one line each");

static int run(const char *const *line, size_t max, const char *sizearg) {
    char *argv[12];
    int argc = 0;
    for (size_t k = 0; k < max && line[k] != NULL; k++) {
        const char *a = line[k];
        if (strcmp(a, "@IN") == 0)
            a = in;
        else if (strcmp(a, "@OUT") == 0)
            a = out;
        else if (strcmp(a, "@SIZE") == 0)
            a = sizearg;
        argv[argc++] = (char *)a;
    }
    argv[argc] = NULL;
    /* the tools' messages to /dev/null; sanitizer reports still reach stderr */
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    if (saved < 0 || null < 0)
        abort();
    dup2(null, 2);
    close(null);
    int rc = line[0][0] == 'i' ? cmd_install_name_tool(argc, argv) : cmd_codesign_allocate(argc, argv);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    return rc;
}

/* One command line over file bytes: Apple's statuses only (0 done, 1
 * refused), and a refusal writes no output. */
static void one(bool ca, size_t line, const uint8_t *file, size_t len, unsigned sz) {
    char sizearg[16];
    snprintf(sizearg, sizeof sizearg, "%u", 16u * sz);
    int fd = open(in, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || (len && write(fd, file, len) != (ssize_t)len) || close(fd) != 0)
        abort();
    unlink(out);
    int rc = ca ? run(ca_lines[line % NLINES], 10, sizearg) : run(itool_lines[line % NLINES], 8, sizearg);
    if (rc != 0 && rc != 1)
        abort();
    if (rc != 0 && access(out, F_OK) == 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static bool ready;
    if (!ready && !(ready = setup()))
        abort();
    if (size < 2 || size > LCP_FUZZ_MAX_LEN)
        return 0;
    /* A file as it is (a fixture, or the fuzzer's mutation of one: it
     * starts like a Mach-O, fat or archive header) goes through every
     * command line; other bytes are a selector, a size and a file. */
    uint8_t c = data[0];
    if (c == 0xca || c == 0xcf || c == 0xce || c == 0xfe || c == '!') {
        for (size_t k = 0; k < 2 * NLINES; k++)
            one(k & 1, k / 2, data, size, (unsigned)(size & 0xff) + 1);
        return 0;
    }
    one(c & 1, c >> 1, data + 2, size - 2, data[1]);
    return 0;
}
