/* One option parser for the native commands: each command describes its
 * options in a table (long and short name, how many values, whether it may
 * be repeated, what kind of value, one line of help) and lets
 * lcp_opts_next walk argv against it. The same table prints the options
 * section of --help, so that the two cannot disagree.
 *
 *     static const lcp_opt_spec specs[] = {
 *         {OPT_SDK, "--sdk", 0, LCP_OPT_VERSION, 0, "V", "the sdk to raise to (10.9)"},
 *         {OPT_ARCH, "--arch", 0, LCP_OPT_ARCH, LCP_OPT_REPEAT, "A", "only the slices of A"},
 *         LCP_OPT_OUTPUT_SPECS,
 *     };
 *     static const lcp_opt_command cmd = {"set-sdk", help, specs, LCP_OPT_COUNT(specs), 0};
 *     lcp_opts p;
 *     lcp_opts_begin(&p, &cmd, argc, argv);
 *     int id;
 *     while ((id = lcp_opts_next(&p)) > 0)
 *         switch (id) { case OPT_SDK: req.sdk = p.version; break; ... }
 *     if (p.status >= 0) return p.status;   // --help printed (0) or usage error (2)
 *     files = argv + p.first, nfiles = p.noperands;
 *
 * Usage errors are the same for every command, name the option as typed,
 * and return 2 (LCP_EXIT_USAGE) with "lcpatch CMD: ..." on stderr:
 *   unknown option '--x'               an option not in the table
 *   option '--sdk' needs a value       the last argument, with no value after it
 *                                      ("needs two values" for LCP_OPT_PAIR)
 *   option '--sdk' has an empty value  "" (or "--sdk=") as the value
 *   option '--sdk' given twice         a second time, unless LCP_OPT_REPEAT
 *   and for typed values: "--sdk 'abc' is not a version (...)",
 *   "unknown architecture 'vax' in --arch", "unknown platform 'x' in
 *   --platform", "--jobs wants a number from 1 to 64, not '0'".
 * Values come as the next argument or after '=' ("--sdk=11", "-o=OUT").
 * -h and --help print the help (exit 0) wherever they come among the
 * options; "--" ends the options; "-" alone is an operand.
 *
 * Operands: argv[first..first+noperands). Without LCP_OPTS_INTERLEAVED the
 * first operand ends the options (POSIX) and the operands are the rest of
 * argv, untouched; with it, options and operands may be mixed (the load
 * path commands: `change-dylib OLD NEW -o OUT FILE`) and the operands are
 * moved, in order, to argv[1..] (first = 1; argv is rewritten in place,
 * the strings are not copied).
 *
 * Ownership: lcp_opts points into argv and the static tables only. */
#ifndef LCP_CLI_OPTIONS_H
#define LCP_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum lcp_opt_kind {
    LCP_OPT_FLAG,     /* no value */
    LCP_OPT_STRING,   /* any non-empty text (a path, a list the command parses) */
    LCP_OPT_VERSION,  /* X[.Y[.Z]] (lcp_version_parse), not 0: p->version */
    LCP_OPT_ARCH,     /* an architecture name: p->cputype, p->cpusubtype */
    LCP_OPT_PLATFORM, /* a platform name or number, not 0: p->platform */
    LCP_OPT_NUMBER,   /* a decimal number in [min, max]: p->number */
    LCP_OPT_PAIR      /* two non-empty values (--tool TOOL VERSION): p->value, p->value2 */
} lcp_opt_kind;

enum {
    LCP_OPT_REPEAT = 1u << 0, /* may be given more than once */
    LCP_OPT_HIDDEN = 1u << 1  /* parsed, but not listed by --help */
};

typedef struct lcp_opt_spec {
    int id;                /* > 0: what lcp_opts_next returns for it */
    const char *long_name; /* "--sdk" */
    char short_name;       /* 'o' for -o, or 0 */
    lcp_opt_kind kind;
    unsigned flags;      /* LCP_OPT_REPEAT, LCP_OPT_HIDDEN */
    const char *metavar; /* "V", "TOOL VERSION" (the value in the help), or NULL for a flag */
    const char *help;    /* one line for --help */
    unsigned min, max;   /* LCP_OPT_NUMBER: the accepted range */
} lcp_opt_spec;

#define LCP_OPT_COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum {
    LCP_OPTS_INTERLEAVED = 1u << 0 /* options may follow operands */
};

typedef struct lcp_opt_command {
    const char *name; /* "set-sdk": in messages */
    /* The hand-written help: the synopsis ("usage: lcpatch set-sdk ..."), a
     * blank line, then what the command does and its exit status. --help
     * prints the options table between the two. */
    const char *help;
    const lcp_opt_spec *specs;
    size_t nspecs;
    unsigned flags; /* LCP_OPTS_INTERLEAVED */
} lcp_opt_command;

/* The ids of the output options (output_opts.h), shared by every writer;
 * a command's own ids stay below them. */
enum { LCP_OPT_ID_OUTPUT = 1000, LCP_OPT_ID_IN_PLACE, LCP_OPT_ID_NO_FSYNC, LCP_OPT_ID_NO_RESIGN, LCP_OPT_ID_JSON };

/* -o/--output, --in-place, --no-fsync: every writer's table has them. */
#define LCP_OPT_OUTPUT_SPECS                                                                                           \
    {LCP_OPT_ID_OUTPUT, "--output", 'o', LCP_OPT_STRING, 0, "OUT", "write the result to OUT (one FILE)", 0, 0},        \
        {LCP_OPT_ID_IN_PLACE, "--in-place", 0, LCP_OPT_FLAG, 0, NULL, "replace each FILE itself", 0, 0}, {             \
        LCP_OPT_ID_NO_FSYNC, "--no-fsync", 0, LCP_OPT_FLAG, 0, NULL, "write without fsync (see below)", 0, 0           \
    }
/* --no-resign: the image editors' (edit_files.h) table has it too. */
#define LCP_OPT_NO_RESIGN_SPEC                                                                                         \
    {                                                                                                                  \
        LCP_OPT_ID_NO_RESIGN, "--no-resign", 0, LCP_OPT_FLAG, 0, NULL,                                                 \
            "keep an ad-hoc signature the edit invalidates", 0, 0                                                      \
    }
#define LCP_OPT_JSON_SPEC                                                                                              \
    { LCP_OPT_ID_JSON, "--json", 0, LCP_OPT_FLAG, 0, NULL, "print the report as JSON", 0, 0 }

#define LCP_OPTS_MAX_SPECS 48

typedef struct lcp_opts {
    const lcp_opt_command *cmd;
    int argc;
    char **argv;
    int next; /* the next argument to look at */
    bool options_done;
    int first; /* the operands are argv[first..first+noperands) */
    int noperands;
    unsigned char seen[LCP_OPTS_MAX_SPECS];
    int status; /* -1 while parsing and after a clean end; else 0 (help) or 2 */
    /* the option just returned */
    const lcp_opt_spec *spec;
    const char *name;   /* as typed, without "=value" (in name_buf) */
    const char *value;  /* its (first) value, or NULL for a flag */
    const char *value2; /* LCP_OPT_PAIR: the second value */
    uint32_t version, platform, cputype, cpusubtype;
    unsigned long number;
    char name_buf[64];
} lcp_opts;

void lcp_opts_begin(lcp_opts *p, const lcp_opt_command *cmd, int argc, char **argv);
/* The id of the next option (its values in p), or 0 at the end: then
 * p->status is -1 when parsing succeeded (operands in argv[first..]),
 * 0 after --help was printed, 2 after a usage error was printed. */
int lcp_opts_next(lcp_opts *p);

/* The full --help of cmd: the synopsis, the options table, the rest. */
void lcp_opts_print_help(const lcp_opt_command *cmd, FILE *to);

#endif
