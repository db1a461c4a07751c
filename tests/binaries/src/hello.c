/* hello: an executable that needs @rpath/libdemo.dylib at run time. */
int demo(int x);

int main(void) { return demo(41) == 42 ? 0 : 1; }
