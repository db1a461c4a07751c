/* dlopen through the program's own functions (unit tests of the wrapper
 * passes of lcp_dlopen_paths): load_plugin hands its second argument to
 * dlopen, load_named its first to load_plugin (a tail call). External and
 * noinline, so that the constants stay at the call sites. */
void *dlopen(const char *path, int mode);

__attribute__((noinline)) void *load_plugin(int mode, const char *path) { return dlopen(path, mode); }

__attribute__((noinline)) void *load_named(const char *path) { return load_plugin(2, path); }

int main(int argc, char **argv) {
    (void)argv;
    if (argc > 1)
        load_plugin(1, "/usr/local/lib/libwrapped.dylib");
    return load_named("@rpath/libtwice.dylib") != 0;
}
