/* Bin.app's libdep.dylib. */
int dep(void) { return 4; }
