/* Good.framework: found through the main executable's LC_RPATH; it needs
 * libhelper.dylib, which only the executable's LC_RPATH can find. */
int helper(void);
int good(void) { return helper(); }
