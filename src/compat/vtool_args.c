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
    uint32_t vmlc;
} platforms[] = {
    {LCP_PLATFORM_MACOS, "macos", LCP_LC_VERSION_MIN_MACOSX},
    {LCP_PLATFORM_IOS, "ios", LCP_LC_VERSION_MIN_IPHONEOS},
    {LCP_PLATFORM_WATCHOS, "watchos", LCP_LC_VERSION_MIN_WATCHOS},
    {LCP_PLATFORM_TVOS, "tvos", LCP_LC_VERSION_MIN_TVOS},
    {LCP_PLATFORM_BRIDGEOS, "bridgeos", 0},
    {LCP_PLATFORM_MACCATALYST, "maccatalyst", 0},
    {LCP_PLATFORM_MACCATALYST, "uikitformac", 0},
    {LCP_PLATFORM_IOSSIMULATOR, "iossim", 0},
    {LCP_PLATFORM_TVOSSIMULATOR, "tvossim", 0},
    {LCP_PLATFORM_WATCHOSSIMULATOR, "watchossim", 0},
    {LCP_PLATFORM_DRIVERKIT, "driverkit", 0},
    {LCP_PLATFORM_VISIONOS, "visionos", 0},
    {LCP_PLATFORM_VISIONOSSIMULATOR, "visionossim", 0},
    {13, "firmware", 0},
    {14, "sepos", 0},
};

static const struct {
    uint32_t id;
    const char *name;
} tools[] = {{LCP_TOOL_CLANG, "clang"}, {LCP_TOOL_SWIFT, "swift"}, {LCP_TOOL_LD, "ld"}, {LCP_TOOL_LLD, "lld"}};

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

static uint32_t platform_vmlc(uint32_t id) {
    for (size_t i = 0; i < sizeof platforms / sizeof platforms[0]; i++)
        if (platforms[i].id == id)
            return platforms[i].vmlc;
    return 0;
}

static uint32_t tool_id(const char *s) {
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (strcmp(s, tools[i].name) == 0)
            return tools[i].id;
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
        for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
            fprintf(stderr, "    %s\n", tools[i].name);
        fputs("  platform and tool can also be specified by number\n", stderr);
    }
    return 1;
}

/* ---- version numbers, parsed as vtool parses them ---- */

/* Splits at dots into at most `max` components read with strtoul/strtoull
 * (so "abc" reads 0, as in vtool). Returns the number of components, or
 * max + 1 when there are more. */
static int split_version(const char *s, uint64_t *c, int max) {
    int n = 0;
    const char *p = s;
    for (;;) {
        if (n == max)
            return max + 1;
        char buf[64];
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if (len >= sizeof buf)
            len = sizeof buf - 1;
        memcpy(buf, p, len);
        buf[len] = '\0';
        c[n++] = (uint64_t)strtoull(buf, NULL, 10);
        if (!dot)
            return n;
        p = dot + 1;
    }
}

static int parse_xyz(const vt_opts *o, const char *s, uint32_t *out) {
    uint64_t c[3] = {0, 0, 0};
    if (split_version(s, c, 3) > 3) {
        fprintf(stderr, "%s error: version has more than 3 components: %s\n", o->prog, s);
        return -1;
    }
    uint32_t x = (uint32_t)c[0], y = (uint32_t)c[1], z = (uint32_t)c[2];
    if (x > 0xffff) {
        fprintf(stderr, "%s error: major version is too large\n", o->prog);
        return -1;
    }
    if (y > 0xff) {
        fprintf(stderr, "%s error: minor version is too large\n", o->prog);
        return -1;
    }
    if (z > 0xff) {
        fprintf(stderr, "%s error: revision version is too large\n", o->prog);
        return -1;
    }
    *out = (x << 16) | (y << 8) | z;
    return 0;
}

static int parse_abcde(const vt_opts *o, const char *s, uint64_t *out) {
    uint64_t c[5] = {0, 0, 0, 0, 0};
    if (split_version(s, c, 5) > 5) {
        fprintf(stderr, "%s error: version has more than 5 components: %s\n", o->prog, s);
        return -1;
    }
    static const char *names[] = {"major", "minor", "revision", "penultimate", "ultimate"};
    for (int i = 0; i < 5; i++) {
        uint64_t max = i == 0 ? 0xffffff : 0x3ff;
        if (c[i] > max) {
            fprintf(stderr, "%s error: %s version %llu is too large\n", o->prog, names[i], (unsigned long long)c[i]);
            return -1;
        }
    }
    *out = (c[0] << 40) | (c[1] << 30) | (c[2] << 20) | (c[3] << 10) | c[4];
    return 0;
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

#define NEXT()                                                                                                         \
    do {                                                                                                               \
        argv++;                                                                                                        \
        argc--;                                                                                                        \
    } while (0)

/* The pieces of vtool's option parser that every set/remove option shares,
 * with its messages. Each returns 0, or usage()'s status after printing. */

/* A new item of command kind `cmd` (VT_SET or VT_REMOVE), which may not
 * be mixed with the other kinds; `shown` is the option name vtool prints in
 * that message. */
static int start_item(vt_opts *o, enum vt_command cmd, const char *shown, lcp_vtool_item **it) {
    if (o->command != VT_UNSET && o->command != cmd)
        return usage(o, "option %s cannot be used with -show or %s commands", shown,
                     cmd == VT_SET ? "-remove" : "-set");
    o->command = cmd;
    *it = new_item(o);
    return *it ? 0 : usage(o, "out of memory");
}

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
    if (!arg)
        return usage(o, "missing %s %s", a, what);
    return parse_xyz(o, arg, version) ? usage(o, "bad %s: %s", name, o->prog) : 0;
}

int vt_parse_args(vt_opts *o, int argc, char **argv) {
    bool read_options = true;
    int rc;
    NEXT();
    if (argc == 0)
        return usage(o, NULL);
    while (argc > 0) {
        const char *a = *argv;
        if (read_options && a && a[0] == '-') {
            if (strcmp(a, "-arch") == 0) {
                NEXT();
                if (!*argv)
                    return usage(o, "missing arch");
                uint32_t ct, cs;
                if (!lcp_arch_from_name(*argv, &ct, &cs))
                    return usage(o, "unknown arch: %s", *argv);
                if (o->narch == sizeof o->archs / sizeof o->archs[0])
                    return usage(o, "too many -arch options");
                o->archs[o->narch].cputype = ct;
                o->archs[o->narch].cpusubtype = cs;
                o->archs[o->narch].name = *argv;
                o->narch++;
            } else if (strcmp(a, "-h") == 0 || strcmp(a, "-help") == 0) {
                o->command = VT_HELP;
                return usage(o, NULL);
            } else if (strcmp(a, "-o") == 0 || strcmp(a, "-output") == 0) {
                NEXT();
                if (o->out_path)
                    return usage(o, "only one output file must be specified");
                if (!*argv)
                    return usage(o, "one output file must be specified");
                o->out_path = *argv;
            } else if (strcmp(a, "-r") == 0 || strcmp(a, "-replace") == 0) {
                o->replace = true;
            } else if (strcmp(a, "-remove-build-tool") == 0 || strcmp(a, "-remove-tool") == 0 ||
                       strcmp(a, "-remove-build-version") == 0) {
                bool tool = strcmp(a, "-remove-build-version") != 0;
                NEXT();
                lcp_vtool_item *it;
                if ((rc = start_item(o, VT_REMOVE, a, &it)) != 0)
                    return rc;
                it->kind = tool ? LCP_VTOOL_REMOVE_TOOL : LCP_VTOOL_REMOVE_BUILD;
                if ((rc = read_platform(o, *argv, a, &it->platform)) != 0)
                    return rc;
                if (tool) {
                    NEXT();
                    if ((rc = read_tool(o, *argv, a, "tool", &it->tool)) != 0)
                        return rc;
                }
            } else if (strcmp(a, "-remove-source-version") == 0) {
                lcp_vtool_item *it;
                if ((rc = start_item(o, VT_REMOVE, a, &it)) != 0)
                    return rc;
                it->kind = LCP_VTOOL_REMOVE_SOURCE;
            } else if (strcmp(a, "-set-tool") == 0 || strcmp(a, "-set-build-tool") == 0) {
                NEXT();
                lcp_vtool_item *it;
                if ((rc = start_item(o, VT_SET, a, &it)) != 0)
                    return rc;
                it->kind = LCP_VTOOL_ADD_TOOL;
                if ((rc = read_platform(o, *argv, a, &it->platform)) != 0)
                    return rc;
                NEXT();
                if ((rc = read_tool(o, *argv, a, "tool", &it->tool)) != 0)
                    return rc;
                NEXT();
                if ((rc = read_version(o, *argv, a, "version", "version", &it->version)) != 0)
                    return rc;
            } else if (strcmp(a, "-set-build") == 0 || strcmp(a, "-set-build-version") == 0 ||
                       strcmp(a, "-set-version-min") == 0) {
                NEXT();
                lcp_vtool_item *it;
                if ((rc = start_item(o, VT_SET, a, &it)) != 0)
                    return rc;
                it->kind = LCP_VTOOL_SET_BUILD;
                it->version_min = strcmp(a, "-set-version-min") == 0;
                if ((rc = read_platform(o, *argv, a, &it->platform)) != 0)
                    return rc;
                if (it->version_min && platform_vmlc(it->platform) == 0)
                    return usage(o, "version min unsupported for platform: %s", *argv);
                NEXT();
                if ((rc = read_version(o, *argv, a, "min_version", "min_version", &it->version)) != 0)
                    return rc;
                NEXT();
                if ((rc = read_version(o, *argv, a, "sdk_version", "sdk_version", &it->sdk)) != 0)
                    return rc;
                bool versmin = it->version_min;
                uint32_t platform = it->platform;
                while (argv[1] && strcmp(argv[1], "-tool") == 0) {
                    NEXT();
                    NEXT();
                    if (versmin)
                        return usage(o, "-tool cannot be used with %s", a);
                    lcp_vtool_item *t = new_item(o);
                    if (!t)
                        return usage(o, "out of memory");
                    t->kind = LCP_VTOOL_ADD_TOOL;
                    t->platform = platform;
                    if ((rc = read_tool(o, *argv, a, "-tool tool", &t->tool)) != 0)
                        return rc;
                    NEXT();
                    if ((rc = read_version(o, *argv, a, "-tool version", "version", &t->version)) != 0)
                        return rc;
                }
            } else if (strcmp(a, "-set-source") == 0 || strcmp(a, "-set-source-version") == 0) {
                NEXT();
                lcp_vtool_item *it; /* vtool names the argument after the option here */
                if ((rc = start_item(o, VT_SET, *argv ? *argv : "(null)", &it)) != 0)
                    return rc;
                it->kind = LCP_VTOOL_SET_SOURCE;
                if (!*argv)
                    return usage(o, "missing %s version", a);
                if (parse_abcde(o, *argv, &it->source_version))
                    return usage(o, "bad version: %s", o->prog);
            } else if (strcmp(a, "-show") == 0 || strcmp(a, "-show-all") == 0 || strcmp(a, "-show-build") == 0 ||
                       strcmp(a, "-show-build-version") == 0 || strcmp(a, "-show-source") == 0 ||
                       strcmp(a, "-show-source-version") == 0 || strcmp(a, "-show-space") == 0) {
                if (o->command != VT_UNSET)
                    return usage(o, "option %s cannot be used with other commands", a);
                o->command = VT_SHOW;
                if (strncmp(a, "-show-build", 11) == 0)
                    o->show = VT_SHOW_BUILD;
                else if (strncmp(a, "-show-source", 12) == 0)
                    o->show = VT_SHOW_SOURCE;
                else if (strcmp(a, "-show-space") == 0)
                    o->show = VT_SHOW_SPACE;
                else
                    o->show = VT_SHOW_ALL;
            } else if (strcmp(a, "-") == 0) {
                read_options = false;
            } else {
                return usage(o, "unknown option: %s", a);
            }
        } else {
            if (o->in_path)
                return usage(o, "only one input file must be specified");
            o->in_path = a;
        }
        NEXT();
    }
    if (!o->in_path)
        return usage(o, "one input file must be specified");
    if (o->command == VT_UNSET)
        return usage(o, "a -show, -set, or -remove command must be specified");
    if ((o->command == VT_SET || o->command == VT_REMOVE) && !o->out_path)
        return usage(o, "one output file must be specified");
    if (o->command == VT_SHOW && o->out_path)
        return usage(o, "-show commands do not write output");
    for (size_t i = 0; i < o->nitems; i++) {
        if (o->items[i].kind != LCP_VTOOL_SET_BUILD)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (o->items[j].kind != LCP_VTOOL_SET_BUILD || o->items[j].platform != o->items[i].platform)
                continue;
            const char *pn = vt_platform_name(o->items[i].platform);
            if (pn)
                return usage(o, "more than one build version specified for platform %s", pn);
            return usage(o, "more than one build version specified for platform #%u", o->items[i].platform);
        }
    }
    bool foundsrc = false;
    for (size_t i = 0; i < o->nitems; i++) {
        if (o->items[i].kind != LCP_VTOOL_SET_SOURCE)
            continue;
        if (foundsrc)
            return usage(o, "more than one source version specified");
        foundsrc = true;
    }
    for (size_t i = 0; i < o->nitems; i++) {
        if (o->items[i].kind != LCP_VTOOL_ADD_TOOL)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (o->items[j].kind != LCP_VTOOL_ADD_TOOL || o->items[j].platform != o->items[i].platform ||
                o->items[j].tool != o->items[i].tool)
                continue;
            uint32_t pl = o->items[i].platform, tl = o->items[i].tool;
            const char *pn = vt_platform_name(pl), *tn = lcp_tool_name(tl);
            if (pn && tn)
                return usage(o, "more than one tool version specified for platform %s, tool %s", pn, tn);
            if (pn)
                return usage(o, "more than one tool version specified for platform %s, tool #%u", pn, tl);
            if (tn)
                return usage(o, "more than one tool version specified for platform #%u, tool %s", pl, tn);
            return usage(o, "more than one tool version specified for platform #%u, tool #%u", pl, tl);
        }
    }
    return 0;
}
