/* Shared CLI helpers (see cli.h). */
#include "cli/cli.h"

#include "cli/options.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *lcp_cli_error_text(const lcp_error *err, char *buf, size_t len) {
    /* The offset says where the input breaks the format; for a header
     * with no room or a failed write the message gives the numbers. */
    bool input_fault = err->status == LCP_E_MALFORMED || err->status == LCP_E_NOT_MACHO;
    char at[32];
    snprintf(at, sizeof at, "offset 0x%llx", (unsigned long long)err->offset);
    const char *named = strstr(err->message, at);
    /* A message that already says "offset 0x1c" (a fat_arch's) needs no suffix. */
    bool said = named && !isxdigit((unsigned char)named[strlen(at)]);
    if (err->offset == LCP_NO_OFFSET || !input_fault || said)
        snprintf(buf, len, "%s", err->message);
    else
        snprintf(buf, len, "%s (file offset 0x%llx)", err->message, (unsigned long long)err->offset);
    return buf;
}

int lcp_cli_fail(const lcp_error *err) {
    char text[LCP_CLI_ERROR_TEXT_MAX];
    fprintf(stderr, "lcpatch: %s\n", lcp_cli_error_text(err, text, sizeof text));
    return lcp_status_exit_code(err->status);
}

int lcp_cli_usage_error(const char *command, const char *fmt, ...) {
    fprintf(stderr, "lcpatch %s: ", command);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(try 'lcpatch %s --help')\n", command);
    return LCP_EXIT_USAGE;
}

const char *lcp_cli_image_label(const lcp_file *f, size_t slice_index, const lcp_member *member, const lcp_image *img,
                                char *buf, size_t len) {
    char abuf[48];
    const char *arch = lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf);
    (void)slice_index;
    if (member)
        snprintf(buf, len, "%s(%s) (%s)", f->path, member->name, arch);
    else if (f->kind == LCP_THIN)
        snprintf(buf, len, "%s", f->path);
    else
        snprintf(buf, len, "%s (%s)", f->path, arch);
    return buf;
}

int lcp_cli_parse_archs(const char *command, const char *list, const char *in, uint32_t (**out)[2], size_t *n) {
    size_t cap = 1;
    for (const char *p = list; *p; p++)
        cap += *p == ',';
    uint32_t(*a)[2] = calloc(cap, sizeof *a);
    char *copy = strdup(list);
    int r = a == NULL || copy == NULL ? -1 : 0;
    size_t k = 0;
    for (char *save = NULL, *tok = r ? NULL : strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), k++)
        if (!lcp_arch_from_name(tok, &a[k][0], &a[k][1])) {
            r = lcp_cli_usage_error(command, "unknown architecture '%s'%s", tok, in);
            break;
        }
    free(copy);
    if (r != 0 || k == 0) {
        free(a);
        a = NULL;
    }
    if (r == 0) {
        *out = a;
        *n = k;
    }
    return r;
}

bool lcp_cli_is_help(const char *arg) { return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0; }

int lcp_cli_parse_json_files(const char *command, const char *help, const char *json_help, int argc, char **argv,
                             bool *json, int *first) {
    const lcp_opt_spec specs[] = {{LCP_OPT_ID_JSON, "--json", 0, LCP_OPT_FLAG, 0, NULL, json_help, 0, 0}};
    const lcp_opt_command cmd = {command, help, specs, LCP_OPT_COUNT(specs), 0};
    lcp_opts p;
    lcp_opts_begin(&p, &cmd, argc, argv);
    *json = false;
    while (lcp_opts_next(&p) == LCP_OPT_ID_JSON)
        *json = true;
    if (p.status >= 0)
        return p.status;
    if (p.noperands == 0)
        return lcp_cli_usage_error(command, "no file given");
    *first = p.first;
    return -1;
}
