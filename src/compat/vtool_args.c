/* vtool's command line (cctools misc/vtool.c main): its options, their
 * checks in vtool's order, and its usage text and messages (status 1). */
#include "compat/vtool.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* vtool's platform table (names it accepts, in the order -help lists them). */
static const struct {
    uint32_t id;
    const char *name;
} platforms[] = {
    {LCP_PLATFORM_MACOS, "macos"},
    {LCP_PLATFORM_IOS, "ios"},
    {LCP_PLATFORM_WATCHOS, "watchos"},
    {LCP_PLATFORM_TVOS, "tvos"},
    {LCP_PLATFORM_BRIDGEOS, "bridgeos"},
    {LCP_PLATFORM_MACCATALYST, "maccatalyst"},
    {LCP_PLATFORM_MACCATALYST, "uikitformac"},
    {LCP_PLATFORM_IOSSIMULATOR, "iossim"},
    {LCP_PLATFORM_TVOSSIMULATOR, "tvossim"},
    {LCP_PLATFORM_WATCHOSSIMULATOR, "watchossim"},
    {LCP_PLATFORM_DRIVERKIT, "driverkit"},
    {LCP_PLATFORM_VISIONOS, "visionos"},
    {LCP_PLATFORM_VISIONOSSIMULATOR, "visionossim"},
    {13, "firmware"},
    {14, "sepos"},
};

static uint32_t platform_id(const char *s) {
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (strcmp(s, platforms[i].name) == 0)
            return platforms[i].id;
    return (uint32_t)strtol(s, NULL, 0);
}

const char *vt_platform_name(uint32_t id) {
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (platforms[i].id == id)
            return platforms[i].name;
    return NULL;
}

/* vtool's tools are the library's, numbered from 1 in -help's order,
 * but matched case-sensitively, and else read by strtol. */
static uint32_t tool_id(const char *s) {
    for (uint32_t t = 1; lcp_tool_name(t); t++)
        if (strcmp(s, lcp_tool_name(t)) == 0)
            return t;
    return (uint32_t)strtol(s, NULL, 0);
}

static int usage(const vt_opts *o, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int usage(const vt_opts *o, const char *fmt, ...) {
    const char *base = strrchr(o->prog, '/');
    base = base ? base + 1 : o->prog;
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        fputs("error: ", stderr);
        vfprintf(stderr, fmt, ap);
        fputs("\n", stderr);
        va_end(ap);
    }
    fprintf(stderr, "usage: %s [-arch <arch>] ... <show_command> <file>\n", base);
    fprintf(stderr, "       %s [-arch <arch>] ... <set_command> ... [-replace] [-output <output>] <file>\n", base);
    fprintf(stderr, "       %s [-arch <arch>] ... <remove_command> ... [-output <output>] <file>\n", base);
    fprintf(stderr, "       %s -help\n", base);
    fputs("  show_command is exactly one of:\n"
          "    -show\n"
          "    -show-build\n"
          "    -show-source\n"
          "    -show-space\n"
          "  set_command is one or more of:\n"
          "    -set-build-version <platform> <minos> <sdk> [-tool <tool> <version>] ...\n"
          "    -set-build-tool <platform> <tool> <version>\n"
          "    -set-version-min <platform> <minos> <sdk>\n"
          "    -set-source-version <version>\n"
          "  remove_command is one or more of:\n"
          "    -remove-build-version <platform>\n"
          "    -remove-build-tool <platform> <tool>\n"
          "    -remove-source-version\n",
          stderr);
    if (o->command == VT_HELP) {
        fputs("  platform is one of:\n", stderr);
        for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
            fprintf(stderr, "    %s\n", platforms[i].name);
        fputs("  tool is one of:\n", stderr);
        for (uint32_t t = 1; lcp_tool_name(t); t++)
            fprintf(stderr, "    %s\n", lcp_tool_name(t));
        fputs("  platform and tool can also be specified by number\n", stderr);
    }
    return 1;
}

/* vtool's versions (lcp_vtool_version_parse: X.Y.Z for n = 3, A.B.C.D.E
 * for n = 5) with its messages. Returns 0, or -1 after the message. */
static int parse_version(const vt_opts *o, const char *s, int n, uint64_t *out) {
    static const char *const names[] = {"major", "minor", "revision", "penultimate", "ultimate"};
    int bad = lcp_vtool_version_parse(s, n, out);
    if (bad < 0)
        fprintf(stderr, "%s error: version has more than %d components: %s\n", o->prog, n, s);
    else if (bad > 0 && n == 3)
        fprintf(stderr, "%s error: %s version is too large\n", o->prog, names[bad - 1]);
    else if (bad > 0)
        fprintf(stderr, "%s error: %s version %llu is too large\n", o->prog, names[bad - 1], (unsigned long long)*out);
    return bad ? -1 : 0;
}

/* ---- arguments ---- */

static lcp_vtool_item *new_item(vt_opts *o) {
    lcp_vtool_item *v = realloc(o->items, (o->nitems + 1) * sizeof *v);
    if (v == NULL)
        return NULL;
    o->items = v;
    memset(&v[o->nitems], 0, sizeof *v);
    return &v[o->nitems++];
}

/* vtool's options. A -set-* or -remove-* option adds an item of `kind`
 * and reads its arguments in the order of `args`: 'p' a platform, 'P' a
 * platform that has an LC_VERSION_MIN_* (-set-version-min), 't' a tool,
 * 'v' a tool's version, 'm' a min_version, 's' an sdk_version, 'S' a
 * source version. A -show option sets `show`. */
enum vt_option_kind { O_ARCH, O_HELP, O_OUTPUT, O_REPLACE, O_SET, O_REMOVE, O_SHOW, O_END };
static const struct vt_option {
    const char *names[2]; /* the name, and another vtool accepts or NULL */
    enum vt_option_kind what;
    int kind; /* O_SET, O_REMOVE: the item's lcp_vtool_item_kind; O_SHOW: the vt_show */
    const char *args;
} options[] = {
    {{"-arch", NULL}, O_ARCH, 0, ""},
    {{"-h", "-help"}, O_HELP, 0, ""},
    {{"-o", "-output"}, O_OUTPUT, 0, ""},
    {{"-r", "-replace"}, O_REPLACE, 0, ""},
    {{"-remove-build-tool", "-remove-tool"}, O_REMOVE, LCP_VTOOL_REMOVE_TOOL, "pt"},
    {{"-remove-build-version", NULL}, O_REMOVE, LCP_VTOOL_REMOVE_BUILD, "p"},
    {{"-remove-source-version", NULL}, O_REMOVE, LCP_VTOOL_REMOVE_SOURCE, ""},
    {{"-set-tool", "-set-build-tool"}, O_SET, LCP_VTOOL_ADD_TOOL, "ptv"},
    {{"-set-build", "-set-build-version"}, O_SET, LCP_VTOOL_SET_BUILD, "pms"},
    {{"-set-version-min", NULL}, O_SET, LCP_VTOOL_SET_BUILD, "Pms"},
    {{"-set-source", "-set-source-version"}, O_SET, LCP_VTOOL_SET_SOURCE, "S"},
    {{"-show", "-show-all"}, O_SHOW, VT_SHOW_ALL, ""},
    {{"-show-build", "-show-build-version"}, O_SHOW, VT_SHOW_BUILD, ""},
    {{"-show-source", "-show-source-version"}, O_SHOW, VT_SHOW_SOURCE, ""},
    {{"-show-space", NULL}, O_SHOW, VT_SHOW_SPACE, ""},
    {{"-", NULL}, O_END, 0, ""},
};

/* The pieces of vtool's option parser that every set/remove option shares,
 * with its messages. Each returns 0, or usage()'s status after printing. */

/* "missing OPTION platform" / "unknown platform: X" */
static int read_platform(const vt_opts *o, const char *arg, const char *a, uint32_t *platform) {
    if (!arg)
        return usage(o, "missing %s platform", a);
    *platform = platform_id(arg);
    return *platform ? 0 : usage(o, "unknown platform: %s", arg);
}

/* "missing OPTION WHAT" / "unknown tool: X"; what is "tool" or "-tool tool" */
static int read_tool(const vt_opts *o, const char *arg, const char *a, const char *what, uint32_t *tool) {
    if (!arg)
        return usage(o, "missing %s %s", a, what);
    *tool = tool_id(arg);
    return *tool ? 0 : usage(o, "unknown tool: %s", arg);
}

/* "missing OPTION WHAT" / "bad NAME: PROG" for an X.Y.Z version */
static int read_version(vt_opts *o, const char *arg, const char *a, const char *what, const char *name,
                        uint32_t *version) {
    uint64_t v;
    if (!arg)
        return usage(o, "missing %s %s", a, what);
    if (parse_version(o, arg, 3, &v))
        return usage(o, "bad %s: %s", name, o->prog);
    *version = (uint32_t)v;
    return 0;
}

/* The -tool TOOL VERSION pairs after a -set-build-version (argv[*k] its
 * last argument), each an item for the same platform. */
static int read_tools(vt_opts *o, char **argv, int *k, const char *a, uint32_t platform, bool version_min) {
    int rc;
    while (argv[*k + 1] && strcmp(argv[*k + 1], "-tool") == 0) {
        *k += 2;
        if (version_min)
            return usage(o, "-tool cannot be used with %s", a);
        lcp_vtool_item *t = new_item(o);
        if (!t)
            return usage(o, "out of memory");
        t->kind = LCP_VTOOL_ADD_TOOL;
        t->platform = platform;
        if ((rc = read_tool(o, argv[*k], a, "-tool tool", &t->tool)) != 0)
            return rc;
        if ((rc = read_version(o, argv[++*k], a, "-tool version", "version", &t->version)) != 0)
            return rc;
    }
    return 0;
}

/* A -set-* or -remove-* option at argv[*k]: its item, with the arguments
 * that follow (*k left on the last one read). */
static int read_item(vt_opts *o, const struct vt_option *opt, char **argv, int *k) {
    enum vt_command cmd = opt->what == O_SET ? VT_SET : VT_REMOVE;
    const char *a = argv[*k];
    /* vtool names -set-source-version after its argument here */
    const char *shown = opt->kind == LCP_VTOOL_SET_SOURCE ? (argv[*k + 1] ? argv[*k + 1] : "(null)") : a;
    if (o->command != VT_UNSET && o->command != cmd)
        return usage(o, "option %s cannot be used with -show or %s commands", shown,
                     cmd == VT_SET ? "-remove" : "-set");
    o->command = cmd;
    lcp_vtool_item *it = new_item(o);
    if (!it)
        return usage(o, "out of memory");
    it->kind = (lcp_vtool_item_kind)opt->kind;
    int rc = 0;
    for (const char *p = opt->args; *p && rc == 0; p++) {
        const char *arg = argv[++*k];
        switch (*p) {
        case 'P':
            it->version_min = true;
            rc = read_platform(o, arg, a, &it->platform);
            if (rc == 0 && lcp_version_min_cmd(it->platform) == 0)
                rc = usage(o, "version min unsupported for platform: %s", arg);
            break;
        case 'p': rc = read_platform(o, arg, a, &it->platform); break;
        case 't': rc = read_tool(o, arg, a, "tool", &it->tool); break;
        case 'v': rc = read_version(o, arg, a, "version", "version", &it->version); break;
        case 'm': rc = read_version(o, arg, a, "min_version", "min_version", &it->version); break;
        case 's': rc = read_version(o, arg, a, "sdk_version", "sdk_version", &it->sdk); break;
        default:
            if (!arg)
                rc = usage(o, "missing %s version", a);
            else if (parse_version(o, arg, 5, &it->source_version))
                rc = usage(o, "bad version: %s", o->prog);
        }
    }
    if (rc == 0 && opt->kind == LCP_VTOOL_SET_BUILD)
        rc = read_tools(o, argv, k, a, it->platform, it->version_min);
    return rc;
}

/* The option at argv[*k] (*k left on the last argument it read). */
static int read_option(vt_opts *o, const struct vt_option *opt, char **argv, int *k) {
    const char *arg;
    uint32_t ct, cs;
    switch (opt->what) {
    case O_ARCH:
        if (!(arg = argv[++*k]))
            return usage(o, "missing arch");
        if (!lcp_arch_from_name(arg, &ct, &cs))
            return usage(o, "unknown arch: %s", arg);
        if (o->narch == sizeof o->archs / sizeof o->archs[0])
            return usage(o, "too many -arch options");
        o->archs[o->narch].cputype = ct;
        o->archs[o->narch].cpusubtype = cs;
        o->archs[o->narch++].name = arg;
        return 0;
    case O_HELP: o->command = VT_HELP; return usage(o, NULL);
    case O_OUTPUT:
        arg = argv[++*k];
        if (o->out_path)
            return usage(o, "only one output file must be specified");
        if (!arg)
            return usage(o, "one output file must be specified");
        o->out_path = arg;
        return 0;
    case O_REPLACE: o->replace = true; return 0;
    case O_SHOW:
        if (o->command != VT_UNSET)
            return usage(o, "option %s cannot be used with other commands", argv[*k]);
        o->command = VT_SHOW;
        o->show = (enum vt_show)opt->kind;
        return 0;
    case O_END: return 0;
    default: return read_item(o, opt, argv, k);
    }
}

const char *vt_name_or_number(const char *name, uint32_t v, char *buf, size_t len) {
    if (name)
        return name;
    snprintf(buf, len, "#%u", v);
    return buf;
}

int vt_parse_args(vt_opts *o, int argc, char **argv) {
    bool read_options = true;
    if (argc == 1)
        return usage(o, NULL);
    for (int k = 1; k < argc; k++) {
        const char *a = argv[k];
        if (read_options && a && a[0] == '-') {
            const struct vt_option *opt = NULL;
            for (size_t i = 0; i < sizeof options / sizeof options[0] && !opt; i++)
                if (strcmp(a, options[i].names[0]) == 0 || (options[i].names[1] && strcmp(a, options[i].names[1]) == 0))
                    opt = &options[i];
            if (!opt)
                return usage(o, "unknown option: %s", a);
            int rc = read_option(o, opt, argv, &k);
            if (rc)
                return rc;
            read_options = opt->what != O_END;
        } else {
            if (o->in_path)
                return usage(o, "only one input file must be specified");
            o->in_path = a;
        }
    }
    if (!o->in_path)
        return usage(o, "one input file must be specified");
    if (o->command == VT_UNSET)
        return usage(o, "a -show, -set, or -remove command must be specified");
    if ((o->command == VT_SET || o->command == VT_REMOVE) && !o->out_path)
        return usage(o, "one output file must be specified");
    if (o->command == VT_SHOW && o->out_path)
        return usage(o, "-show commands do not write output");
    char b1[16], b2[16];
    const lcp_vtool_item *r;
    if ((r = lcp_vtool_repeated(o->items, o->nitems, LCP_VTOOL_SET_BUILD)) != NULL)
        return usage(o, "more than one build version specified for platform %s",
                     vt_name_or_number(vt_platform_name(r->platform), r->platform, b1, sizeof b1));
    if (lcp_vtool_repeated(o->items, o->nitems, LCP_VTOOL_SET_SOURCE))
        return usage(o, "more than one source version specified");
    if ((r = lcp_vtool_repeated(o->items, o->nitems, LCP_VTOOL_ADD_TOOL)) != NULL)
        return usage(o, "more than one tool version specified for platform %s, tool %s",
                     vt_name_or_number(vt_platform_name(r->platform), r->platform, b1, sizeof b1),
                     vt_name_or_number(lcp_tool_name(r->tool), r->tool, b2, sizeof b2));
    return 0;
}
