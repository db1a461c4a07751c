/* lcpatch vtool (and the multi-call name `vtool`): Apple's vtool, with its
 * argument syntax, its output, its messages and its exit codes (cctools
 * misc/vtool.c). The container is read with Apple's rules (vtool_file.c);
 * the edits are the library's (lcp_vtool_apply); the output is written
 * through an lcp_plan: never the whole file in memory.
 *
 * Where Apple's tool is wrong, this is right instead: the sdk of an
 * LC_VERSION_MIN_* in a big-endian slice is written in the slice's byte
 * order; a -tool on a big-endian slice writes a correct LC_BUILD_VERSION
 * (Apple's tool crashes); a slice whose first section lies inside its
 * header (a dSYM) is refused for lack of space (Apple's tool crashes). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/vtool_file.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum vt_command { CMD_UNSET, CMD_SHOW, CMD_SET, CMD_REMOVE, CMD_HELP };
enum vt_show { SHOW_ALL, SHOW_BUILD, SHOW_SOURCE, SHOW_SPACE };

struct vt_opts {
    const char *prog;
    enum vt_command command;
    const char *in_path, *out_path;
    struct {
        uint32_t cputype, cpusubtype;
        const char *name;
    } archs[64];
    uint32_t narch;
    enum vt_show show;
    bool replace;
    lcp_vtool_item *items;
    size_t nitems;
};

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

static const char *platform_name(uint32_t id) {
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

static const char *tool_name(uint32_t id) {
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (tools[i].id == id)
            return tools[i].name;
    return NULL;
}

/* ---- usage: prints and exits the command with status 1, as vtool does ---- */

struct vt_exit {
    int status;
};

static int usage(const struct vt_opts *o, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int usage(const struct vt_opts *o, const char *fmt, ...) {
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
    if (o->command == CMD_HELP) {
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

static int parse_xyz(const struct vt_opts *o, const char *s, uint32_t *out) {
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

static int parse_abcde(const struct vt_opts *o, const char *s, uint64_t *out) {
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

/* ---- printing (vtool's print_* functions) ---- */

static void print_xyz(const char *label, uint32_t v) {
    if ((v & 0xff) == 0)
        printf("%s %u.%u\n", label, v >> 16, (v >> 8) & 0xff);
    else
        printf("%s %u.%u.%u\n", label, v >> 16, (v >> 8) & 0xff, v & 0xff);
}

static const char *platform_upper(uint32_t p) {
    static const char *names[] = {NULL,
                                  "MACOS",
                                  "IOS",
                                  "TVOS",
                                  "WATCHOS",
                                  "BRIDGEOS",
                                  "MACCATALYST",
                                  "IOSSIMULATOR",
                                  "TVOSSIMULATOR",
                                  "WATCHOSSIMULATOR",
                                  "DRIVERKIT",
                                  "VISIONOS",
                                  "VISIONOSSIMULATOR",
                                  "FIRMWARE",
                                  "SEPOS"};
    return p < sizeof names / sizeof names[0] ? names[p] : NULL;
}

static void print_version_min(const vt_macho *m, const vt_lc *lc) {
    const char *name = NULL;
    switch (lc->cmd) {
    case LCP_LC_VERSION_MIN_MACOSX: name = "LC_VERSION_MIN_MACOSX"; break;
    case LCP_LC_VERSION_MIN_IPHONEOS: name = "LC_VERSION_MIN_IPHONEOS"; break;
    case LCP_LC_VERSION_MIN_WATCHOS: name = "LC_VERSION_MIN_WATCHOS"; break;
    default: name = "LC_VERSION_MIN_TVOS"; break;
    }
    printf("      cmd %s\n", name);
    printf("  cmdsize %u%s\n", lc->cmdsize, lc->cmdsize != 16 ? " Incorrect size" : "");
    print_xyz("  version", vt_u32(m, (uint64_t)lc->off + 8));
    uint32_t sdk = vt_u32(m, (uint64_t)lc->off + 12);
    if (sdk == 0)
        printf("      sdk n/a\n");
    else
        print_xyz("      sdk", sdk);
}

static void print_build_version(const vt_macho *m, const vt_lc *lc) {
    uint64_t o = lc->off;
    uint32_t platform = vt_u32(m, o + 8), minos = vt_u32(m, o + 12), sdk = vt_u32(m, o + 16),
             ntools = vt_u32(m, o + 20);
    printf("      cmd LC_BUILD_VERSION\n");
    printf("  cmdsize %u%s\n", lc->cmdsize,
           (uint64_t)lc->cmdsize != 24 + 8 * (uint64_t)ntools ? " Incorrect size" : "");
    const char *pn = platform_upper(platform);
    if (pn)
        printf(" platform %s\n", pn);
    else
        printf(" platform %u\n", platform);
    print_xyz("    minos", minos);
    if (sdk == 0)
        printf("      sdk n/a\n");
    else
        print_xyz("      sdk", sdk);
    printf("   ntools %u\n", ntools);
    for (uint32_t k = 0; k < ntools; k++) {
        uint32_t tool = vt_u32(m, o + 24 + 8 * (uint64_t)k), version = vt_u32(m, o + 28 + 8 * (uint64_t)k);
        switch (tool) {
        case LCP_TOOL_CLANG: printf("     tool CLANG\n"); break;
        case LCP_TOOL_SWIFT: printf("     tool SWIFT\n"); break;
        case LCP_TOOL_LD: printf("     tool LD\n"); break;
        default: printf("     tool %u\n", tool); break;
        }
        print_xyz("  version", version);
    }
}

static void print_source_version(const vt_macho *m, const vt_lc *lc) {
    uint64_t v = vt_u64(m, (uint64_t)lc->off + 8);
    unsigned long long a = (v >> 40) & 0xffffff, b = (v >> 30) & 0x3ff, c = (v >> 20) & 0x3ff, d = (v >> 10) & 0x3ff,
                       e = v & 0x3ff;
    printf("      cmd LC_SOURCE_VERSION\n");
    printf("  cmdsize %u%s\n", lc->cmdsize, lc->cmdsize != 16 ? " Incorrect size" : "");
    if (e != 0)
        printf("  version %llu.%llu.%llu.%llu.%llu\n", a, b, c, d, e);
    else if (d != 0)
        printf("  version %llu.%llu.%llu.%llu\n", a, b, c, d);
    else if (c != 0)
        printf("  version %llu.%llu.%llu\n", a, b, c);
    else
        printf("  version %llu.%llu\n", a, b);
}

static bool show_arch_label(const struct vt_opts *o, const vt_file *f) { return f->nfat_arch > 1 || o->narch; }

static void command_show(const struct vt_opts *o, const vt_file *f, const vt_macho *m) {
    const char *arch = show_arch_label(o, f) ? vt_arch_name(m->cputype, m->cpusubtype) : NULL;
    if (arch)
        printf("%s (architecture %s):\n", o->in_path, arch);
    else
        printf("%s:\n", o->in_path);
    for (uint32_t i = 0; i < m->ncmds; i++) {
        const vt_lc *lc = &m->lc[i];
        switch (lc->cmd) {
        case LCP_LC_VERSION_MIN_MACOSX:
        case LCP_LC_VERSION_MIN_IPHONEOS:
        case LCP_LC_VERSION_MIN_WATCHOS:
        case LCP_LC_VERSION_MIN_TVOS:
            if (o->show == SHOW_ALL || o->show == SHOW_BUILD) {
                printf("Load command %u\n", i);
                print_version_min(m, lc);
            }
            break;
        case LCP_LC_BUILD_VERSION:
            if (o->show == SHOW_ALL || o->show == SHOW_BUILD) {
                printf("Load command %u\n", i);
                print_build_version(m, lc);
            }
            break;
        case LCP_LC_SOURCE_VERSION:
            if (o->show == SHOW_ALL || o->show == SHOW_SOURCE) {
                printf("Load command %u\n", i);
                print_source_version(m, lc);
            }
            break;
        default: break;
        }
    }
    if (o->show == SHOW_SPACE) {
        uint64_t sect = vt_section_offset(m, true);
        printf("  Mach header size:  %5d\n", (int)m->mh_size);
        printf("  Load command size: %5d\n", (int)m->sizeofcmds);
        printf("  Available space:   %5d\n", (int)((int64_t)sect - (int64_t)m->mh_size - (int64_t)m->sizeofcmds));
        printf("  Total:             %5d\n", (int)sect);
    }
}

/* ---- edits ---- */

struct slice_out {
    uint64_t offset, size;
    lcp_image *img; /* the edited image, or NULL: copy the slice as it is */
    uint64_t sect;  /* vtool's first-section offset: new commands + zeros up to it */
};

static void print_no_space(const struct vt_opts *o, const vt_file *f, const vt_macho *m) {
    if (f->nfat_arch > 1 || o->narch) {
        const char *arch = vt_arch_name(m->cputype, m->cpusubtype);
        if (arch)
            fprintf(stderr, "%s error: %s (%s) not enough space to hold load commands\n", o->prog, o->in_path, arch);
        else
            fprintf(stderr, "%s error: %s (%u, %u) not enough space to hold load commands\n", o->prog, o->in_path,
                    m->cputype, m->cpusubtype);
    } else {
        fprintf(stderr, "%s error: %s not enough space to hold load commands\n", o->prog, o->in_path);
    }
}

/* True when a remove edit cannot change the raw commands of m (nothing to
 * drop, no tool to take out): used for images the model refuses but
 * vtool accepts. */
static bool remove_is_noop(const struct vt_opts *o, const vt_macho *m) {
    for (size_t j = 0; j < o->nitems; j++)
        if (o->items[j].kind == LCP_VTOOL_REMOVE_TOOL)
            return false;
    for (uint32_t i = 0; i < m->ncmds; i++) {
        uint32_t cmd = m->lc[i].cmd;
        uint32_t platform = 0;
        if (cmd == LCP_LC_BUILD_VERSION)
            platform = vt_u32(m, (uint64_t)m->lc[i].off + 8);
        else if (lcp_cmd_is_version_min(cmd))
            platform = lcp_version_min_platform(cmd);
        else if (cmd == LCP_LC_SOURCE_VERSION) {
            for (size_t j = 0; j < o->nitems; j++)
                if (o->items[j].kind == LCP_VTOOL_REMOVE_SOURCE)
                    return false;
            continue;
        } else
            continue;
        for (size_t j = 0; j < o->nitems; j++)
            if (o->items[j].kind == LCP_VTOOL_REMOVE_BUILD && o->items[j].platform == platform)
                return false;
    }
    return true;
}

/* For an image the model refuses: true when a set surely cannot fit by
 * vtool's rule (the commands it drops counted, tools it would carry over
 * from the image not counted, so never a false "no space"). */
static bool set_needs_more_than_room(const struct vt_opts *o, const vt_macho *m) {
    uint64_t add = 0, drop = 0;
    bool source = false, is_signed = false;
    for (size_t j = 0; j < o->nitems; j++) {
        const lcp_vtool_item *it = &o->items[j];
        if (it->kind == LCP_VTOOL_SET_BUILD)
            add += it->version_min ? 16 : 24;
        else if (it->kind == LCP_VTOOL_ADD_TOOL)
            add += 8;
        else if (it->kind == LCP_VTOOL_SET_SOURCE) {
            add += 16;
            source = true;
        }
    }
    for (uint32_t i = 0; i < m->ncmds; i++) {
        uint32_t cmd = m->lc[i].cmd;
        if (cmd == LCP_LC_CODE_SIGNATURE)
            is_signed = true;
        else if (cmd == LCP_LC_SOURCE_VERSION && source)
            drop += m->lc[i].cmdsize;
        else if (cmd == LCP_LC_BUILD_VERSION || lcp_cmd_is_version_min(cmd))
            drop += m->lc[i].cmdsize; /* at most: every version command */
    }
    uint64_t sect = vt_section_offset(m, true);
    uint64_t need =
        (uint64_t)m->sizeofcmds + add - (drop < (uint64_t)m->sizeofcmds + add ? drop : 0) + (is_signed ? 0 : 16);
    return sect < m->mh_size || sect - m->mh_size < need;
}

/* Runs the set or remove command on one slice. Returns 0, or -1 after
 * printing vtool's message. */
static int edit_slice(const struct vt_opts *o, const vt_file *f, const vt_macho *m, struct slice_out *so) {
    lcp_image *img = NULL;
    lcp_error err;
    so->offset = m->offset;
    so->size = m->size;
    so->img = NULL;
    if (lcp_image_parse(m->bytes, (size_t)m->mh_size + m->sizeofcmds, m->offset, m->size, &img, &err) != LCP_OK) {
        /* vtool accepts more than the model does (an lc_str out of its
         * command...): fine as long as nothing would change */
        bool remove = o->command == CMD_REMOVE;
        if (remove && remove_is_noop(o, m)) {
            uint64_t sect = vt_section_offset(m, false);
            if (sect >= m->mh_size && sect - m->mh_size >= m->sizeofcmds)
                return 0;
            print_no_space(o, f, m);
            return -1;
        }
        if (!remove && set_needs_more_than_room(o, m)) {
            print_no_space(o, f, m);
            return -1;
        }
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->in_path, err.message);
        return -1;
    }
    lcp_vtool_edit e = {o->items, o->nitems, o->replace};
    lcp_vtool_result res;
    if (lcp_vtool_apply(img, &e, &res, &err) != LCP_OK) {
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->in_path, err.message);
        lcp_image_free(img);
        return -1;
    }
    switch (res.outcome) {
    case LCP_VTOOL_DONE: break;
    case LCP_VTOOL_NO_SPACE:
        print_no_space(o, f, m);
        lcp_image_free(img);
        return -1;
    case LCP_VTOOL_VERSMIN_TOOLS_ARG:
        fprintf(stderr, "%s error: version min load commands do not support tool versions\n", o->prog);
        lcp_image_free(img);
        return -1;
    case LCP_VTOOL_VERSMIN_TOOLS_FILE:
        fprintf(stderr, "%s error: %s version min load commands do not support tool versions\n", o->prog, o->in_path);
        lcp_image_free(img);
        return -1;
    case LCP_VTOOL_NO_BUILD_VERSION: {
        const char *pn = platform_name(res.platform);
        if (pn)
            fprintf(stderr, "%s error: no build verion load command found for platform %s\n", o->prog, pn);
        else
            fprintf(stderr, "%s error: no build verion load command found for platform #%u\n", o->prog, res.platform);
        lcp_image_free(img);
        return -1;
    }
    }
    so->img = img;
    so->sect = res.section_offset;
    return 0;
}

static int cmp_slice(const void *a, const void *b) {
    const struct slice_out *x = a, *y = b;
    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* The output: the input with each edited slice's header area rewritten as
 * vtool does (header, commands, zeros up to the first section); every other
 * byte copied by range. */
static int write_output(const struct vt_opts *o, const vt_file *f, struct slice_out *s, uint32_t n) {
    qsort(s, n, sizeof *s, cmp_slice);
    lcp_plan plan;
    lcp_plan_init(&plan);
    lcp_error err;
    lcp_status st = LCP_OK;
    uint64_t pos = 0;
    for (uint32_t i = 0; i < n && st == LCP_OK; i++) {
        if (s[i].img == NULL)
            continue;
        if (s[i].offset < pos) {
            st = lcp_error_set(&err, LCP_E_UNSUPPORTED, s[i].offset, "slices overlap at offset %llu",
                               (unsigned long long)s[i].offset);
            break;
        }
        st = lcp_plan_add_copy(&plan, pos, s[i].offset - pos, &err);
        uint8_t h[32];
        lcp_image_encode_header(s[i].img, h);
        if (st == LCP_OK)
            st = lcp_plan_add_bytes(&plan, h, s[i].img->header_size, &err);
        if (st == LCP_OK)
            st = lcp_plan_add_bytes(&plan, s[i].img->cmds, s[i].img->sizeofcmds, &err);
        uint64_t end = s[i].offset + s[i].sect;
        if (st == LCP_OK)
            st = lcp_plan_pad_to(&plan, end, &err);
        pos = end;
    }
    if (st == LCP_OK)
        st = lcp_plan_add_copy(&plan, pos, f->len - pos, &err);
    if (st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, o->out_path, o->in_path, &err);
    lcp_plan_release(&plan);
    if (st != LCP_OK) {
        fprintf(stderr, "%s error: %s: %s\n", o->prog, o->out_path, err.message);
        return -1;
    }
    return 0;
}

static bool arch_selected(const struct vt_opts *o, uint32_t cputype, uint32_t cpusubtype) {
    for (uint32_t j = 0; j < o->narch; j++)
        if (o->archs[j].cputype == cputype &&
            (o->archs[j].cpusubtype & ~LCP_CPU_SUBTYPE_MASK) == (cpusubtype & ~LCP_CPU_SUBTYPE_MASK))
            return true;
    return false;
}

static int process(const struct vt_opts *o) {
    vt_file f;
    if (vt_file_read(o->prog, o->in_path, &f) != 0)
        return -1;
    int res = 0;
    for (uint32_t j = 0; j < o->narch; j++) {
        bool found = false;
        for (uint32_t i = 0; i < f.nfat_arch && !found; i++)
            if (o->archs[j].cputype == f.archs[i].cputype &&
                (o->archs[j].cpusubtype & ~LCP_CPU_SUBTYPE_MASK) == (f.archs[i].cpusubtype & ~LCP_CPU_SUBTYPE_MASK))
                found = true;
        if (!found) {
            fprintf(stderr, "%s error: %s file does not contain architecture: %s\n", o->prog, o->in_path,
                    o->archs[j].name);
            res = -1;
        }
    }
    struct slice_out *out = calloc(f.nfat_arch, sizeof *out);
    if (out == NULL) {
        vt_file_release(&f);
        return -1;
    }
    bool signed_any = false;
    for (uint32_t i = 0; res == 0 && i < f.nfat_arch; i++) {
        vt_macho m;
        res = vt_select(o->prog, o->in_path, &f, i, &m);
        if (res != 0)
            break;
        out[i].offset = m.offset;
        out[i].size = m.size;
        for (uint32_t k = 0; k < m.ncmds; k++)
            if (m.lc[k].cmd == LCP_LC_CODE_SIGNATURE)
                signed_any = true;
        if (o->narch == 0 || arch_selected(o, m.cputype, m.cpusubtype)) {
            if (o->command == CMD_SHOW)
                command_show(o, &f, &m);
            else
                res = edit_slice(o, &f, &m, &out[i]);
        }
        vt_macho_release(&m);
    }
    if (res == 0 && (o->command == CMD_SET || o->command == CMD_REMOVE)) {
        if (signed_any)
            fprintf(stderr, "%s warning: code signature will be invalid for %s\n", o->prog, o->out_path);
        fflush(stdout);
        res = write_output(o, &f, out, f.nfat_arch);
    }
    for (uint32_t i = 0; i < f.nfat_arch; i++)
        lcp_image_free(out[i].img);
    free(out);
    vt_file_release(&f);
    return res;
}

/* ---- arguments ---- */

static lcp_vtool_item *new_item(struct vt_opts *o) {
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

/* A new item of command kind `cmd` (CMD_SET or CMD_REMOVE), which may not
 * be mixed with the other kinds; `shown` is the option name vtool prints in
 * that message. */
static int start_item(struct vt_opts *o, enum vt_command cmd, const char *shown, lcp_vtool_item **it) {
    if (o->command != CMD_UNSET && o->command != cmd)
        return usage(o, "option %s cannot be used with -show or %s commands", shown,
                     cmd == CMD_SET ? "-remove" : "-set");
    o->command = cmd;
    *it = new_item(o);
    return *it ? 0 : usage(o, "out of memory");
}

/* "missing OPTION platform" / "unknown platform: X" */
static int read_platform(const struct vt_opts *o, const char *arg, const char *a, uint32_t *platform) {
    if (!arg)
        return usage(o, "missing %s platform", a);
    *platform = platform_id(arg);
    return *platform ? 0 : usage(o, "unknown platform: %s", arg);
}

/* "missing OPTION WHAT" / "unknown tool: X"; what is "tool" or "-tool tool" */
static int read_tool(const struct vt_opts *o, const char *arg, const char *a, const char *what, uint32_t *tool) {
    if (!arg)
        return usage(o, "missing %s %s", a, what);
    *tool = tool_id(arg);
    return *tool ? 0 : usage(o, "unknown tool: %s", arg);
}

/* "missing OPTION WHAT" / "bad NAME: PROG" for an X.Y.Z version */
static int read_version(struct vt_opts *o, const char *arg, const char *a, const char *what, const char *name,
                        uint32_t *version) {
    if (!arg)
        return usage(o, "missing %s %s", a, what);
    return parse_xyz(o, arg, version) ? usage(o, "bad %s: %s", name, o->prog) : 0;
}

static int parse(struct vt_opts *o, int argc, char **argv) {
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
                o->command = CMD_HELP;
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
                if ((rc = start_item(o, CMD_REMOVE, a, &it)) != 0)
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
                if ((rc = start_item(o, CMD_REMOVE, a, &it)) != 0)
                    return rc;
                it->kind = LCP_VTOOL_REMOVE_SOURCE;
            } else if (strcmp(a, "-set-tool") == 0 || strcmp(a, "-set-build-tool") == 0) {
                NEXT();
                lcp_vtool_item *it;
                if ((rc = start_item(o, CMD_SET, a, &it)) != 0)
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
                if ((rc = start_item(o, CMD_SET, a, &it)) != 0)
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
                if ((rc = start_item(o, CMD_SET, *argv ? *argv : "(null)", &it)) != 0)
                    return rc;
                it->kind = LCP_VTOOL_SET_SOURCE;
                if (!*argv)
                    return usage(o, "missing %s version", a);
                if (parse_abcde(o, *argv, &it->source_version))
                    return usage(o, "bad version: %s", o->prog);
            } else if (strcmp(a, "-show") == 0 || strcmp(a, "-show-all") == 0 || strcmp(a, "-show-build") == 0 ||
                       strcmp(a, "-show-build-version") == 0 || strcmp(a, "-show-source") == 0 ||
                       strcmp(a, "-show-source-version") == 0 || strcmp(a, "-show-space") == 0) {
                if (o->command != CMD_UNSET)
                    return usage(o, "option %s cannot be used with other commands", a);
                o->command = CMD_SHOW;
                if (strncmp(a, "-show-build", 11) == 0)
                    o->show = SHOW_BUILD;
                else if (strncmp(a, "-show-source", 12) == 0)
                    o->show = SHOW_SOURCE;
                else if (strcmp(a, "-show-space") == 0)
                    o->show = SHOW_SPACE;
                else
                    o->show = SHOW_ALL;
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
    if (o->command == CMD_UNSET)
        return usage(o, "a -show, -set, or -remove command must be specified");
    if ((o->command == CMD_SET || o->command == CMD_REMOVE) && !o->out_path)
        return usage(o, "one output file must be specified");
    if (o->command == CMD_SHOW && o->out_path)
        return usage(o, "-show commands do not write output");
    for (size_t i = 0; i < o->nitems; i++) {
        if (o->items[i].kind != LCP_VTOOL_SET_BUILD)
            continue;
        for (size_t j = 0; j < i; j++) {
            if (o->items[j].kind != LCP_VTOOL_SET_BUILD || o->items[j].platform != o->items[i].platform)
                continue;
            const char *pn = platform_name(o->items[i].platform);
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
            const char *pn = platform_name(pl), *tn = tool_name(tl);
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

int cmd_vtool(int argc, char **argv) {
    struct vt_opts o;
    memset(&o, 0, sizeof o);
    o.prog = argc > 0 ? argv[0] : "vtool";
    int rc = parse(&o, argc, argv);
    if (rc == 0)
        rc = process(&o) ? 1 : 0;
    free(o.items);
    return rc;
}
