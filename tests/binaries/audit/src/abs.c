/* libabs.dylib: loaded by @executable_path, but its install name is absolute. */
int abs_fn(void) { return 2; }
