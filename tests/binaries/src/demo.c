/* libdemo: the library that hello-x86_64 loads through @rpath. */
int demo(int x);

int demo(int x) { return x + 1; }
