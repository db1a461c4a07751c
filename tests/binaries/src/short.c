/* First member of libstatic.a: a short (<= 16 chars) member name. */
int short_member(void);

int short_member(void) { return 1; }
