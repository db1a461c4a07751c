/* lcpatch show: placeholder until the Foundation show lands. */
#include "cli/cli.h"
#include "cli/commands.h"

int cmd_show(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "lcpatch show: not implemented yet\n");
    return LCP_EXIT_FAILED;
}
