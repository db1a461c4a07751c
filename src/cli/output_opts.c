/* -o / --in-place / --no-fsync, shared by every writer (see output_opts.h). */
#include "cli/output_opts.h"

#include "cli/cli.h"

#include <string.h>

bool lcp_output_opts_take(lcp_output_opts *o, const lcp_opts *p, int id) {
    switch (id) {
    case LCP_OPT_ID_OUTPUT: o->output = p->value; return true;
    case LCP_OPT_ID_IN_PLACE: o->in_place = true; return true;
    case LCP_OPT_ID_NO_FSYNC: o->no_fsync = true; return true;
    case LCP_OPT_ID_NO_RESIGN: o->no_resign = true; return true;
    default: return false;
    }
}

int lcp_output_opts_parse(lcp_output_opts *o, const char *command, int argc, char **argv, int *i) {
    const char *a = argv[*i];
    if (strcmp(a, "--in-place") == 0) {
        o->in_place = true;
        return 1;
    }
    if (strcmp(a, "--no-fsync") == 0) {
        o->no_fsync = true;
        return 1;
    }
    if (strcmp(a, "--no-resign") == 0) {
        o->no_resign = true;
        return 1;
    }
    const char *value = NULL;
    if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
        if (*i + 1 >= argc || argv[*i + 1][0] == '\0') {
            lcp_cli_usage_error(command, "option '%s' needs a file", a);
            return -1;
        }
        value = argv[++*i];
    } else if (strncmp(a, "-o=", 3) == 0) {
        value = a + 3;
    } else if (strncmp(a, "--output=", 9) == 0) {
        value = a + 9;
    } else {
        return 0;
    }
    if (value[0] == '\0') {
        lcp_cli_usage_error(command, "option '-o' needs a file");
        return -1;
    }
    if (o->output != NULL) {
        lcp_cli_usage_error(command, "-o given twice");
        return -1;
    }
    o->output = value;
    return 1;
}

int lcp_output_opts_check(const lcp_output_opts *o, const char *command, char *const *inputs, int ninputs) {
    if (ninputs <= 0)
        return lcp_cli_usage_error(command, "no input file given");
    if (o->output == NULL && !o->in_place)
        return lcp_cli_usage_error(command, "say where the output goes: -o OUT or --in-place");
    if (o->output != NULL && ninputs > 1)
        return lcp_cli_usage_error(command, "-o takes one input file (%d given); use --in-place for several", ninputs);
    if (o->output != NULL) {
        bool same = lcp_output_same_file(o->output, inputs[0]);
        if (o->in_place && !same)
            return lcp_cli_usage_error(command, "--in-place and -o '%s' name different files", o->output);
        if (!o->in_place && same)
            return lcp_cli_usage_error(command, "-o '%s' is the input file; add --in-place to replace it", o->output);
    }
    return 0;
}
