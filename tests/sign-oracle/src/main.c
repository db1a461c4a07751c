/* An executable that calls into a library (so that it has a dylib load
 * command to change). */
extern int foo(int);
int main(void) { return foo(2); }
