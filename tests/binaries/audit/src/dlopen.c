/* dlopen fixtures (unit tests of the Capstone path recovery): every call
 * passes a literal path as the first argument. */
void *dlopen(const char *path, int mode);
int dlopen_preflight(const char *path);
const void *NSAddImage(const char *image_name, unsigned options);
int NSCreateObjectFileImageFromFile(const char *path, void **image);
int puts(const char *s);

int main(int argc, char **argv) {
    void *img;
    (void)argv;
    puts("not a path argument of a loader");
    if (argc > 1)
        dlopen("@rpath/libplugin.dylib", 1);
    if (argc > 2)
        dlopen("/usr/local/lib/libdlfoo.dylib", 2);
    dlopen_preflight("@loader_path/../Frameworks/Missing.framework/Missing");
    NSAddImage("/Library/Frameworks/Old.framework/Old", 0);
    NSCreateObjectFileImageFromFile("@executable_path/plugin.bundle", &img);
    return dlopen("/usr/lib/libz.1.dylib", argc) != 0;
}
