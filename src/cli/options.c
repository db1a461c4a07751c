/* The option-spec parser of the native commands (see options.h). */
#include "cli/options.h"

#include "cli/cli.h"
#include "lcpatch/lcpatch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lcp_opts_begin(lcp_opts *p, const lcp_opt_command *cmd, int argc, char **argv) {
    memset(p, 0, sizeof *p);
    p->cmd = cmd;
    p->argc = argc;
    p->argv = argv;
    p->next = 1;
    p->first = argc > 1 ? 1 : argc;
    p->status = -1;
    /* a table too long to track "given twice" is a programming error */
    if (cmd->nspecs > LCP_OPTS_MAX_SPECS) {
        fprintf(stderr, "lcpatch %s: %zu options, more than %d\n", cmd->name, cmd->nspecs, LCP_OPTS_MAX_SPECS);
        abort();
    }
}

/* Prints the usage error and stops the parse; returns 0 for lcp_opts_next. */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 2, 3)))
#endif
static int
fail(lcp_opts *p, const char *fmt, ...) {
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    p->status = lcp_cli_usage_error(p->cmd->name, "%s", msg);
    return 0;
}

/* The spec named by arg (up to len characters): "--name" or "-c". */
static const lcp_opt_spec *lookup(const lcp_opt_command *cmd, const char *arg, size_t len) {
    for (size_t i = 0; i < cmd->nspecs; i++) {
        const lcp_opt_spec *s = &cmd->specs[i];
        if (len > 2 && arg[1] == '-' && s->long_name && strlen(s->long_name) == len &&
            strncmp(s->long_name, arg, len) == 0)
            return s;
        if (len == 2 && arg[1] != '-' && s->short_name && arg[1] == s->short_name)
            return s;
    }
    return NULL;
}

/* Checks and converts p->value for the kind of p->spec; false after the
 * usage error. */
static bool convert(lcp_opts *p) {
    const lcp_opt_spec *s = p->spec;
    const char *v = p->value;
    switch (s->kind) {
    case LCP_OPT_FLAG:
    case LCP_OPT_STRING:
    case LCP_OPT_PAIR: return true;
    case LCP_OPT_VERSION:
        if (lcp_version_parse(v, &p->version) && p->version != 0)
            return true;
        fail(p, "%s '%s' is not a version (X[.Y[.Z]], X <= 65535, Y, Z <= 255)", p->name, v);
        return false;
    case LCP_OPT_ARCH:
        if (lcp_arch_from_name(v, &p->cputype, &p->cpusubtype))
            return true;
        fail(p, "unknown architecture '%s' in %s", v, p->name);
        return false;
    case LCP_OPT_PLATFORM:
        if (lcp_platform_from_name(v, &p->platform) && p->platform != 0)
            return true;
        fail(p, "unknown platform '%s' in %s", v, p->name);
        return false;
    case LCP_OPT_NUMBER: {
        /* digits only: strtoul would take "-1", " 8" and "+8" */
        char *end = NULL;
        errno = 0;
        bool digits = v[0] >= '0' && v[0] <= '9';
        unsigned long n = digits ? strtoul(v, &end, 10) : 0;
        if (digits && errno == 0 && *end == '\0' && n >= s->min && n <= s->max) {
            p->number = n;
            return true;
        }
        fail(p, "%s wants a number from %u to %u, not '%s'", p->name, s->min, s->max, v);
        return false;
    }
    }
    return false;
}

int lcp_opts_next(lcp_opts *p) {
    if (p->status >= 0)
        return 0;
    while (p->next < p->argc) {
        char *a = p->argv[p->next++];
        bool is_option = !p->options_done && a[0] == '-' && a[1] != '\0';
        if (!is_option && !(p->cmd->flags & LCP_OPTS_INTERLEAVED)) {
            /* POSIX: the operands are the rest of argv, as they are */
            p->first = p->next - 1;
            p->noperands = p->argc - p->first;
            p->next = p->argc;
            break;
        }
        if (!is_option) {
            /* argv[1 + noperands] is at or before a's slot: nothing unread is overwritten */
            p->argv[1 + p->noperands++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            p->options_done = true;
            continue;
        }
        if (lcp_cli_is_help(a)) {
            lcp_opts_print_help(p->cmd, stdout);
            p->status = 0;
            return 0;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a) : strlen(a);
        const lcp_opt_spec *s = lookup(p->cmd, a, len);
        char *name = p->name_buf;
        snprintf(name, sizeof p->name_buf, "%.*s", (int)(len < 60 ? len : 60), a);
        if (s == NULL)
            return fail(p, "unknown option '%s'", eq ? name : a);
        p->spec = s;
        p->name = name;
        p->value = p->value2 = NULL;
        if (s->kind == LCP_OPT_FLAG) {
            if (eq)
                return fail(p, "option '%s' takes no value", name);
        } else if (eq) {
            p->value = eq + 1;
        } else if (p->next < p->argc) {
            p->value = p->argv[p->next++];
        } else {
            return fail(p, "option '%s' needs %s", name, s->kind == LCP_OPT_PAIR ? "two values" : "a value");
        }
        if (s->kind == LCP_OPT_PAIR) {
            if (p->next >= p->argc)
                return fail(p, "option '%s' needs %s", name, "two values");
            p->value2 = p->argv[p->next++];
        }
        if ((p->value && p->value[0] == '\0') || (p->value2 && p->value2[0] == '\0'))
            return fail(p, "option '%s' has an empty value", name);
        size_t k = (size_t)(s - p->cmd->specs); /* < LCP_OPTS_MAX_SPECS: lcp_opts_begin checks */
        if (p->seen[k] && !(s->flags & LCP_OPT_REPEAT))
            return fail(p, "option '%s' given twice", name);
        p->seen[k] = 1;
        if (!convert(p))
            return 0;
        return s->id;
    }
    if (!(p->cmd->flags & LCP_OPTS_INTERLEAVED) && p->noperands == 0)
        p->first = p->argc;
    return 0;
}

void lcp_opts_print_help(const lcp_opt_command *cmd, FILE *to) {
    const char *gap = strstr(cmd->help, "\n\n");
    const char *rest = gap ? gap + 2 : "";
    fwrite(cmd->help, 1, gap ? (size_t)(gap - cmd->help) + 1 : strlen(cmd->help), to);
    fputs("\noptions:\n", to);
    for (size_t i = 0; i < cmd->nspecs; i++) {
        const lcp_opt_spec *s = &cmd->specs[i];
        if (s->flags & LCP_OPT_HIDDEN)
            continue;
        char left[64];
        char shortname[8] = "    ";
        if (s->short_name)
            snprintf(shortname, sizeof shortname, "-%c, ", s->short_name);
        snprintf(left, sizeof left, "%s%s%s%s", shortname, s->long_name, s->metavar ? " " : "",
                 s->metavar ? s->metavar : "");
        if (strlen(left) <= 24)
            fprintf(to, "  %-24s  ", left);
        else
            fprintf(to, "  %s\n  %-24s  ", left, "");
        /* a help of several lines: the next ones under the first */
        for (const char *h = s->help; *h; h++)
            if (*h == '\n')
                fprintf(to, "\n%28s", "");
            else
                fputc(*h, to);
        fputs(s->flags & LCP_OPT_REPEAT ? " (repeatable)\n" : "\n", to);
    }
    fprintf(to, "  %-24s  %s\n", "-h, --help", "print this help");
    if (rest[0]) {
        fputc('\n', to);
        fputs(rest, to);
    }
}
