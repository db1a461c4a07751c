/* calls: known calls for the disassembler and symbol tests: two imports
 * through stubs (_dlopen, _puts), a local call (_twice), a global read
 * (_counter) and literal strings. */
void *dlopen(const char *path, int mode);
int puts(const char *s);

int counter = 20;

__attribute__((noinline)) int twice(int x) { return x * 2 + counter; }

int main(void) {
    void *h = dlopen("/usr/local/lib/libplugin.dylib", 1);
    puts(h ? "loaded" : "missing");
    return twice(counter);
}
