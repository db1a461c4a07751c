/* libold: a dylib linked for Mac OS X 10.6, so ld64.lld writes the legacy
 * LC_VERSION_MIN_MACOSX command instead of LC_BUILD_VERSION. */
int old_answer(void);

int old_answer(void) { return 6; }
