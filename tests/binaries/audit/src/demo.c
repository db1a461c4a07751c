/* Demo.app's main executable: loads Good.framework through its LC_RPATH and
 * calls dlopen()-style loaders with constant paths (the --dlopen check). */
void *dlopen(const char *path, int mode);
const void *NSAddImage(const char *image_name, unsigned options);
int good(void);
int abs_fn(void);

int main(int argc, char **argv) {
    (void)argv;
    if (argc > 5) {
        dlopen("@rpath/Good.framework/Versions/A/Good", 1);
        dlopen("/usr/local/lib/libdlfoo.dylib", 1);
        NSAddImage("@executable_path/../PlugIns/Missing.bundle/Contents/MacOS/Missing", 0);
    }
    return good() + abs_fn();
}
