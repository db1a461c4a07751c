/* libhelper.dylib: reached by two chains; its @rpath/libbroken.dylib is
 * found by neither. */
int helper(void) { return 1; }
