/* A helper tool without an extension in Resources: found by its magic. */
int main(void) { return 0; }
