/* Output options shared by every command that writes a file:
 *
 *     -o OUT | --output OUT | -o=OUT | --output=OUT    write the result to OUT
 *     --in-place                                       replace the input itself
 *     --no-fsync                                       skip the fsyncs (build folders)
 *     --no-resign                                      (image editors) keep a stale signature
 *
 * Every writer uses this helper so that the semantics are the same
 * everywhere (DESIGN.md, "Output is sacred"):
 *
 *   - exactly one of -o and --in-place is required (a usage error, exit 2,
 *     otherwise); -o takes a single input, --in-place any number;
 *   - `-o` naming the input itself (the same st_dev/st_ino, so also through
 *     a symlink or a hard link) is refused unless --in-place is given too;
 *   - the output is written by lcp_plan_write_file: a temporary file
 *     ".<name>.lcpatch-XXXXXX" in the destination's folder, fsync'd, with the
 *     input's permission bits (and owner and group where the process may set
 *     them), renamed over the destination. On any failure the input and any
 *     existing output are untouched and no temporary file remains;
 *   - --no-fsync writes the same way without fsync of the file and of its
 *     folder (LCP_WRITE_NO_FSYNC: atomic for other processes, not durable
 *     across a crash; with --in-place a crash soon after can lose the input's
 *     old content on some file systems). Apple's compat modes never take it;
 *   - --in-place on a symlink replaces the link's target and keeps the link;
 *   - a folder we cannot write gives "cannot write OUT: folder F is not
 *     writable (Permission denied)"-style errors, exit 3.
 *
 * Typical use in a cmd_<name>.c, on the option-spec parser (options.h):
 *
 *     static const lcp_opt_spec specs[] = {..., LCP_OPT_OUTPUT_SPECS, LCP_OPT_NO_RESIGN_SPEC};
 *     lcp_output_opts out;
 *     lcp_output_opts_init(&out);
 *     lcp_opts p;
 *     lcp_opts_begin(&p, &cmd, argc, argv);
 *     while ((id = lcp_opts_next(&p)) > 0)
 *         if (!lcp_output_opts_take(&out, &p, id))
 *             ... the command's own options ...
 *     if (p.status >= 0)
 *         return p.status;                       // --help, or a usage error
 *     if (lcp_output_opts_check(&out, "set-sdk", argv + p.first, p.noperands))
 *         return LCP_EXIT_USAGE;                 // message already printed
 *     for each input:
 *         ... lcp_file_open(input, &f, &err); build an lcp_plan ...
 *         if (lcp_output_write(&out, input, &plan, &f->src, &err))
 *             status = lcp_cli_fail(&err);
 *
 * (lcp_output_opts_parse is the older hand-loop helper, still used by
 * `sign`.)
 *
 * The struct and the writing itself (lcp_output_stage, lcp_output_write) are
 * the job layer's: lcpatch/output.h, src/job/output.c.
 *
 * Ownership: lcp_output_opts only points into argv; nothing to release. */
#ifndef LCP_CLI_OUTPUT_OPTS_H
#define LCP_CLI_OUTPUT_OPTS_H

#include "cli/options.h"
#include "lcpatch/lcpatch.h"
#include "lcpatch/output.h"

#include <stdbool.h>

/* The --help paragraph on --no-fsync, the same for every native writer. */
#define LCP_OUTPUT_RESIGN_HELP                                                                                         \
    "A slice that carried an ad-hoc signature is signed again after the edit,\n"                                       \
    "so that Apple silicon still runs it: the linker's (ld64, ld64.lld: every\n"                                       \
    "arm64 image) as the linker would sign the edited result (`lcpatch sign\n"                                         \
    "--linker-signed`); codesign's (`codesign -s -`) as `lcpatch sign --adhoc`\n"                                      \
    "signs it, with the old signature's identifier, flags, entitlements, hash\n"                                       \
    "types and Info.plist / resource-seal hashes. --no-resign leaves the old,\n"                                       \
    "now invalid, signature. A certificate's signature cannot be renewed\n"                                            \
    "without its key: a warning says to re-sign.\n"
#define LCP_OUTPUT_NO_FSYNC_HELP                                                                                       \
    "--no-fsync: write without fsync, as cp does: faster, and other programs still\n"                                  \
    "see the old file or the whole new one, but after a crash or power loss the\n"                                     \
    "output may be empty or partial, and with --in-place so may the input. For\n"                                      \
    "outputs that can be made again (build folders).\n"

/* The --help paragraph on several files (edit_files.h), the same for every
 * native writer. */
#define LCP_OUTPUT_ALL_OR_NOTHING_HELP                                                                                 \
    "Several files: every one is read and planned before any is written; when\n"                                       \
    "one fails nothing is written (\"nothing written: N of M files failed\"), exit 3.\n"

/* Records the output option the parser just returned (id, values in p:
 * LCP_OPT_OUTPUT_SPECS, LCP_OPT_NO_RESIGN_SPEC); false for any other id. */
bool lcp_output_opts_take(lcp_output_opts *o, const lcp_opts *p, int id);

/* Looks at argv[*i]: when it is -o/--output (with its value in the same or
 * the next argument), --in-place or --no-fsync, records it, leaves *i on
 * the last argument consumed and returns 1. Returns 0 when argv[*i] is not
 * an output option (the caller handles it), -1 after printing a usage error
 * ("lcpatch COMMAND: option '-o' needs a file" or "-o given twice"). */
int lcp_output_opts_parse(lcp_output_opts *o, const char *command, int argc, char **argv, int *i);

/* Checks the options against the inputs (inputs[0..ninputs)) once parsing is
 * done: no input, neither -o nor --in-place, -o with several inputs, and -o
 * naming an input without --in-place are usage errors. Prints the message
 * and returns 2 (LCP_EXIT_USAGE), or returns 0. */
int lcp_output_opts_check(const lcp_output_opts *o, const char *command, char *const *inputs, int ninputs);

#endif
