/* Second member of libstatic.a: its object name is longer than 16
 * characters, so the archive stores it as a BSD "#1/<len>" long name. */
int long_member(void);

int long_member(void) { return 2; }
