/* Bin.app's plugin: its @rpath/libdep.dylib resolves only through the LC_RPATH
 * of the main executable named by the binary Info.plist. */
int dep(void);
int binplugin(void) { return dep(); }
