/* A stand-in libSystem: ld64.lld wants dyld_stub_binder from it to link an
 * executable, and there is no macOS SDK here. */
void binder(void) __asm__("dyld_stub_binder");
void binder(void) {}
