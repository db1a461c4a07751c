/* The CLI's commands: one cmd_<name>.c each (the Apple dialects: one
 * src/compat/<tool>.c each), listed in main.c's table. Each takes the
 * arguments after the command name (argv[0] is the command name) and
 * returns the process exit status. */
#ifndef LCP_CLI_COMMANDS_H
#define LCP_CLI_COMMANDS_H

int cmd_add_rpath(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_change_dylib(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_delete_rpath(int argc, char **argv);
int cmd_disasm(int argc, char **argv);
int cmd_remove_build_version(int argc, char **argv);
int cmd_rescue(int argc, char **argv);
int cmd_set_build_version(int argc, char **argv);
int cmd_set_id(int argc, char **argv);
int cmd_set_sdk(int argc, char **argv);
int cmd_set_version_min(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_space(int argc, char **argv);
int cmd_strip_arch(int argc, char **argv);
int cmd_remove_arch(int argc, char **argv);
int cmd_strip_legacy(int argc, char **argv);
int cmd_thin(int argc, char **argv);
int cmd_extract(int argc, char **argv);
int cmd_unsign(int argc, char **argv);
int cmd_verify(int argc, char **argv);

/* The Apple dialects (src/compat) */
int cmd_codesign_allocate(int argc, char **argv);
int cmd_install_name_tool(int argc, char **argv);
int cmd_lipo(int argc, char **argv);
int cmd_otool(int argc, char **argv);
int cmd_vtool(int argc, char **argv);

#endif
