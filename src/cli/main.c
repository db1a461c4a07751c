/* lcpatch's entry point: the command table and multi-call dispatch (invoked
 * as `vtool`, `lipo`... it behaves as that tool). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "compat/lipo.h"
#include "lcpatch/lcpatch.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
};

/* Keep sorted by name within each group; add a line here for a new command. */
static const struct command commands[] = {
    {"add-rpath", cmd_add_rpath, "add an LC_RPATH to every slice (install_name_tool -add_rpath), safely"},
    {"audit", cmd_audit, "find dangling load paths in files, bundles and trees, resolved as dyld does"},
    {"change-dylib", cmd_change_dylib, "rewrite a dylib load path in every slice (install_name_tool -change)"},
    {"check", cmd_check, "what the notary service and Gatekeeper will refuse, before upload, with the fixes"},
    {"codesign_allocate", cmd_codesign_allocate,
     "Apple's codesign_allocate: -r removes signatures, -a/-A/-p make room"},
    {"delete-rpath", cmd_delete_rpath, "remove an LC_RPATH from every slice (install_name_tool -delete_rpath)"},
    {"disasm", cmd_disasm, "disassemble a symbol, the entry point or a section, symbolised (otool -tV)"},
    {"extract", cmd_extract, "keep only the named slices, in a fat file (strip-arch --keep A,B --keep-fat)"},
    {"install_name_tool", cmd_install_name_tool, "Apple's install_name_tool: install names and rpaths, in place"},
    {"lipo", lcp_compat_lipo, "Apple's lipo: list, thin, extract, remove, replace and create fat files"},
    {"otool", cmd_otool, "Apple's otool -f, -h, -l, -L, -D: fat and mach headers, load commands, libraries"},
    {"remove-arch", cmd_remove_arch, "remove the named slices (strip-arch --remove A,B)"},
    {"remove-build-version", cmd_remove_build_version,
     "remove a platform's version commands (vtool's rules, any container)"},
    {"rescue", cmd_rescue, "strip legacy slices, unsign, raise the SDK, preflight for codesign: one step"},
    {"set-build-version", cmd_set_build_version, "set an LC_BUILD_VERSION (vtool's rules, fat64 and archives too)"},
    {"set-id", cmd_set_id, "set the install name (LC_ID_DYLIB) of a dylib (install_name_tool -id)"},
    {"set-sdk", cmd_set_sdk, "raise the sdk of every macOS slice to 10.9 or more, in place when possible"},
    {"set-version-min", cmd_set_version_min, "set an LC_VERSION_MIN_* (vtool's rules, fat64 and archives too)"},
    {"show", cmd_show, "print the slices, version commands, load paths and header space"},
    {"sign", cmd_sign, "sign every slice ad hoc as the linker does (sign --linker-signed)"},
    {"space", cmd_space, "report the header space of every slice and what still fits"},
    {"strip-arch", cmd_strip_arch, "remove legacy or named slices (lipo -remove/-thin rules)"},
    {"strip-legacy", cmd_strip_legacy, "remove ppc, i386, 32-bit ARM... slices (strip-arch --legacy)"},
    {"thin", cmd_thin, "keep one slice, as a thin file (strip-arch --keep A)"},
    {"unsign", cmd_unsign, "remove the code signature of every slice (codesign --remove-signature)"},
    {"verify", cmd_verify, "verify code signatures: every page and slot hash, the CMS, a bundle's seal"},
    {"vtool", cmd_vtool, "Apple vtool: -show*, -set-*, -remove-* with its syntax, output and exit codes"},
};

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
    if (c && strcmp(self, "lcpatch") != 0)
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
    if (argc == 3 && lcp_cli_is_help(argv[2]) &&
        (strcmp(c->name, "lipo") == 0 || strcmp(c->name, "vtool") == 0 || strcmp(c->name, "codesign_allocate") == 0 ||
         strcmp(c->name, "otool") == 0)) {
        printf("usage: lcpatch %s ARGS...\n\n%s.\nArguments, output, messages and exit codes are those of Apple's %s\n"
               "(see lcpatch-%s(1)); run it with no arguments for Apple's usage text.\n",
               c->name, c->summary, c->name, c->name);
        return 0;
    }
    return c->run(argc - 1, argv + 1);
}
