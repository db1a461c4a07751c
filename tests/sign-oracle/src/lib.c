/* A library of a chosen size: PAD bytes of constant data in __TEXT, so that
 * the signature covers one page or many. */
#ifndef PAD
#define PAD 1
#endif
const char pad[PAD] = {1};
int foo(int x) { return x * 3 + pad[0]; }
