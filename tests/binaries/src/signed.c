/* signed-arm64: ld64.lld signs arm64 output ad hoc, so this executable ends
 * with an LC_CODE_SIGNATURE blob. */
int main(void) { return 0; }
