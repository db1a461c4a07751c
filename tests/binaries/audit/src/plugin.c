/* Plugin.bundle: dlopen()ed by the app; uses the app's LC_RPATH for
 * libhelper, has a build-machine LC_RPATH, a bare relative load, a load
 * through a symlink loop and one that leaves the bundle. */
int helper(void);
int plugin_entry(void) { return helper(); }
