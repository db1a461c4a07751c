/* libout.dylib: lies next to Demo.app, outside it. */
int out_fn(void) { return 3; }
