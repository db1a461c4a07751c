/* lcpatch's entry point: the command table and multi-call dispatch (invoked
 * as `vtool`, `lipo`... it behaves as that tool). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "lcpatch/lcpatch.h"

#include <stdio.h>
#include <string.h>

/* What main() needs to know of a command, instead of its name. */
enum {
    CMD_MULTICALL = 1u << 0, /* installed under its own name (libexec/lcpatch/bin/lipo), it runs as that tool */
    CMD_OWN_HELP = 1u << 1,  /* answers --help itself; otherwise main() says where its syntax is described */
};
/* The flags of a native command, and of one of Apple's tools (an Apple
 * dialect: Apple's argv, output and exit codes). */
#define NATIVE CMD_OWN_HELP
#define APPLE CMD_MULTICALL

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
    unsigned flags; /* CMD_* */
};

/* Keep sorted by name within each group; add a line here for a new command.
 * One line per command (clang-format off): a change to one entry stays one line. */
// clang-format off
static const struct command commands[] = {
    {"add-rpath", cmd_add_rpath, "add an LC_RPATH to every slice (install_name_tool -add_rpath), safely", NATIVE},
    {"audit", cmd_audit, "find dangling load paths in files, bundles and trees, resolved as dyld does", NATIVE},
    {"change-dylib", cmd_change_dylib, "rewrite a dylib load path in every slice (install_name_tool -change)", NATIVE},
    {"check", cmd_check, "what the notary service and Gatekeeper will refuse, before upload, with the fixes", NATIVE},
    {"codesign_allocate", cmd_codesign_allocate,
     "Apple's codesign_allocate: -r removes signatures, -a/-A/-p make room", APPLE},
    {"delete-rpath", cmd_delete_rpath, "remove an LC_RPATH from every slice (install_name_tool -delete_rpath)", NATIVE},
    {"disasm", cmd_disasm, "disassemble a symbol, the entry point or a section, symbolised (otool -tV)", NATIVE},
    {"extract", cmd_extract, "keep only the named slices, in a fat file (strip-arch --keep A,B --keep-fat)", NATIVE},
    {"install_name_tool", cmd_install_name_tool, "Apple's install_name_tool: install names and rpaths, in place", APPLE | CMD_OWN_HELP},
    {"lipo", cmd_lipo, "Apple's lipo: list, thin, extract, remove, replace and create fat files", APPLE},
    {"otool", cmd_otool, "Apple's otool -f, -h, -l, -L, -D: fat and mach headers, load commands, libraries", APPLE},
    {"remove-arch", cmd_remove_arch, "remove the named slices (strip-arch --remove A,B)", NATIVE},
    {"remove-build-version", cmd_remove_build_version,
     "remove a platform's version commands (vtool's rules, any container)", NATIVE},
    {"rescue", cmd_rescue, "strip legacy slices, unsign, raise the SDK, preflight for codesign: one step", NATIVE},
    {"set-build-version", cmd_set_build_version, "set an LC_BUILD_VERSION (vtool's rules, fat64 and archives too)", NATIVE},
    {"set-id", cmd_set_id, "set the install name (LC_ID_DYLIB) of a dylib (install_name_tool -id)", NATIVE},
    {"set-sdk", cmd_set_sdk, "raise the sdk of every macOS slice to 10.9 or more, in place when possible", NATIVE},
    {"set-version-min", cmd_set_version_min, "set an LC_VERSION_MIN_* (vtool's rules, fat64 and archives too)", NATIVE},
    {"show", cmd_show, "print the slices, version commands, load paths and header space", NATIVE},
    {"sign", cmd_sign, "sign ad hoc as codesign -s - does (--adhoc, bundles too) or as the linker does (--linker-signed)", NATIVE},
    {"space", cmd_space, "report the header space of every slice and what still fits", NATIVE},
    {"strip-arch", cmd_strip_arch, "remove legacy or named slices (lipo -remove/-thin rules)", NATIVE},
    {"strip-legacy", cmd_strip_legacy, "remove ppc, i386, 32-bit ARM... slices (strip-arch --legacy)", NATIVE},
    {"thin", cmd_thin, "keep one slice, as a thin file (strip-arch --keep A)", NATIVE},
    {"unsign", cmd_unsign, "remove the code signature of every slice (codesign --remove-signature)", NATIVE},
    {"verify", cmd_verify, "verify code signatures: every page and slot hash, the CMS, a bundle's seal", NATIVE},
    {"vtool", cmd_vtool, "Apple vtool: -show*, -set-*, -remove-* with its syntax, output and exit codes", APPLE},
};
// clang-format on

static const struct command *find(const char *name) {
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void usage(FILE *to) {
    fprintf(to, "usage: lcpatch <command> [options] FILE...\n"
                "       lcpatch --help | --version\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(to, "  %-20s %s\n", commands[i].name, commands[i].summary);
    fprintf(to, "\n'lcpatch <command> --help' describes a command. Exit status: 0 done, 1 problems\n"
                "reported, 2 usage error, 3 the input or the environment failed.\n");
}

int main(int argc, char **argv) {
    const char *self = argc > 0 ? strrchr(argv[0], '/') : NULL;
    self = self ? self + 1 : (argc > 0 ? argv[0] : "lcpatch");
    /* Multi-call: installed as vtool, lipo... the name is the command. */
    const struct command *c = find(self);
    if (c && (c->flags & CMD_MULTICALL))
        return c->run(argc, argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("lcpatch %s\n", LCPATCH_VERSION);
        return 0;
    }
    c = find(argv[1]);
    if (c == NULL) {
        fprintf(stderr, "lcpatch: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return 2;
    }
    /* Apple's lipo, vtool, codesign_allocate and otool know no --help (the compat
     * modes answer it as Apple's do, an error): `lcpatch TOOL --help` says
     * where the syntax is described instead. */
    if (argc == 3 && lcp_cli_is_help(argv[2]) && !(c->flags & CMD_OWN_HELP)) {
        printf("usage: lcpatch %s ARGS...\n\n%s.\nArguments, output, messages and exit codes are those of Apple's %s\n"
               "(see lcpatch-%s(1)); run it with no arguments for Apple's usage text.\n",
               c->name, c->summary, c->name, c->name);
        return 0;
    }
    return c->run(argc - 1, argv + 1);
}
