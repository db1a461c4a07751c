/* lipo's command line (cctools lipo.c main): the flags, their arguments,
 * the checks of their combination, in Apple's order and words, and the
 * usage text. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *lipo_push(const struct lipo *L, void **array, size_t *n, size_t size) {
    void *p = realloc(*array, (*n + 1) * size);
    if (p == NULL) {
        lipo_fatal(L, "out of memory");
        return NULL;
    }
    *array = p;
    return memset((char *)p + (*n)++ * size, 0, size);
}

struct lipo_input *lipo_add_input(struct lipo *L, const char *name) {
    struct lipo_input *in = lipo_push(L, (void **)&L->inputs, &L->ninputs, sizeof *L->inputs);
    if (in)
        in->name = name;
    return in;
}

/* Prints Apple's usage text; returns LIPO_FAIL. */
static int usage(void) {
    fprintf(stderr, "usage: lipo <input_file> <command> [<options> ...]\n"
                    "  command is one of:\n"
                    "    -archs\n"
                    "    -create [-arch_blank <arch_type>]\n"
                    "    -detailed_info\n"
                    "    -extract <arch_type> [-extract <arch_type> ...]\n"
                    "    -extract_family <arch_type> [-extract_family <arch_type> ...]\n"
                    "    -info\n"
                    "    -remove <arch_type> [-remove <arch_type> ...]\n"
                    "    -replace <arch_type> <file_name> [-replace <arch_type> <file_name> ...]\n"
                    "    -thin <arch_type>\n"
                    "    -verify_arch <arch_type> ...\n"
                    "  options are one or more of:\n"
                    "    -arch <arch_type> <input_file>\n"
                    "    -hideARM64\n"
                    "    -output <output_file>\n"
                    "    -segalign <arch_type> <alignment>\n");
    return LIPO_FAIL;
}

static bool get_arch(const char *name, struct lipo_arch *out) {
    out->name = name;
    return lcp_arch_from_name(name, &out->cputype, &out->cpusubtype);
}

/* libstuff's arch_usage, then lipo's usage. */
static int bad_arch(void) {
    fprintf(stderr, "(run 'lcpatch lipo' with one of the architecture names Apple's lipo knows: x86_64, arm64, "
                    "arm64e, i386, ppc, ppc64, armv7, armv7s, ...)\n");
    return usage();
}

/* What a flag does with its arguments, besides setting its bool (TAKE_LIST:
 * its architecture goes into a list, which -replace, -segalign and
 * -verify_arch take on from). */
enum lipo_take { TAKE_NOTHING, TAKE_INPUT, TAKE_BLANK, TAKE_LIST, TAKE_THIN, TAKE_OUTPUT };

#define AT(field) offsetof(struct lipo, field)
#define UNKNOWN "unknown architecture specification flag: %s in specifying "
/* cctools lipo.c main's flags, in its order. */
static const struct lipo_flag {
    const char *name, *abbrev; /* without the '-' */
    size_t sets;               /* AT(the bool it sets), or 0 */
    int nargs;                 /* its arguments (-verify_arch: the first of one or more) */
    bool plural;               /* "missing argument(s)" */
    enum lipo_take take;
    size_t list; /* AT(the list its architecture goes into), or 0 */
    /* Apple's error for an unknown architecture, given the name, the flag
     * as typed and its (up to) two arguments */
    const char *unknown;
} flags[] = {
    {"arch", "a", 0, 2, true, TAKE_INPUT, 0, UNKNOWN "input file %s %s %s"},
    {"arch_blank", NULL, AT(arch_blank), 1, true, TAKE_BLANK, 0, UNKNOWN "input file %s %s"},
    {"archs", NULL, AT(brief), 0, false, TAKE_NOTHING, 0, NULL},
    {"create", "c", AT(create), 0, false, TAKE_NOTHING, 0, NULL},
    {"detailed_info", "d", AT(detailed), 0, false, TAKE_NOTHING, 0, NULL},
    {"extract", "e", AT(extract), 1, false, TAKE_LIST, AT(extracts), UNKNOWN "extract operation: %s %s"},
    {"extract_family", NULL, AT(extract_family), 1, false, TAKE_LIST, AT(extracts), UNKNOWN "extract operation: %s %s"},
    {"hideARM64", NULL, AT(hide_arm64), 0, false, TAKE_NOTHING, 0, NULL},
    {"info", "i", AT(info), 0, false, TAKE_NOTHING, 0, NULL},
    {"output", "o", 0, 1, false, TAKE_OUTPUT, 0, NULL},
    {"remove", "rem", AT(remove), 1, false, TAKE_LIST, AT(removes), UNKNOWN "remove operation: %s %s"},
    {"replace", "rep", AT(replace), 2, true, TAKE_LIST, AT(replaces), UNKNOWN "replace operation: %s %s %s"},
    {"segalign", "s", 0, 2, true, TAKE_LIST, AT(segaligns), UNKNOWN "segment alignment: %s %s %s"},
    {"thin", "t", AT(thin_flag), 1, false, TAKE_THIN, 0, UNKNOWN "thin operation: %s %s"},
    {"verify_arch", NULL, AT(verify), 1, true, TAKE_LIST, AT(verifies), UNKNOWN "-verify_arch operation"},
    {"fat64", NULL, AT(fat64), 0, false, TAKE_NOTHING, 0, NULL},
};

static struct lipo_arch *list_add(struct lipo *L, size_t list) {
    struct lipo_list *l = (struct lipo_list *)((char *)L + list);
    return lipo_push(L, (void **)&l->v, &l->n, sizeof *l->v);
}

/* -segalign's value (hexadecimal) into s->align. */
static int parse_segalign(const struct lipo *L, const char *arg, struct lipo_arch *s) {
    char *end;
    uint32_t value = (uint32_t)strtoul(arg, &end, 16);
    if (*end != '\0')
        return lipo_fatal(L, "argument for -segalign <arch_type> %s not a proper hexadecimal number", arg);
    if (value == 0 || (value & (value - 1)) != 0)
        return lipo_fatal(L, "argument to -segalign <arch_type> %x (hex) must be a non-zero power of two", value);
    if (value > (1u << LIPO_MAX_SECTALIGN))
        return lipo_fatal(L, "argument to -segalign <arch_type> %x (hex) must equal to or less than %x (hex)", value,
                          1u << LIPO_MAX_SECTALIGN);
    for (s->align = 0; (value & 1) != 1; value >>= 1)
        s->align++;
    return 0;
}

/* -verify_arch's architectures: the rest of argv. */
static int parse_verify(struct lipo *L, const char *unknown, int argc, char **argv, int *a) {
    for (; *a < argc; ++*a) {
        struct lipo_arch *v = list_add(L, AT(verifies));
        if (v == NULL)
            return LIPO_FAIL;
        if (!get_arch(argv[*a], v)) {
            lipo_error(L, unknown, argv[*a]);
            return bad_arch();
        }
    }
    return 0;
}

/* One flag at argv[*a]; moves *a past its arguments. */
static int parse_flag(struct lipo *L, int argc, char **argv, int *a) {
    char **v = argv + *a; /* the flag as typed, then its arguments (argv[argc] is NULL) */
    const struct lipo_flag *f = flags;
    while (f < flags + sizeof flags / sizeof flags[0] && strcmp(v[0] + 1, f->name) != 0 &&
           (f->abbrev == NULL || strcmp(v[0] + 1, f->abbrev) != 0))
        f++;
    if (f == flags + sizeof flags / sizeof flags[0])
        return lipo_fatal(L, "unknown flag: %s", v[0]);
    if (f->take == TAKE_THIN && L->thin_flag)
        return lipo_fatal(L, "more than one %s option specified", v[0]);
    if (f->sets)
        *(bool *)((char *)L + f->sets) = true;
    L->extract |= L->extract_family;
    if (*a + f->nargs >= argc) {
        lipo_error(L, "missing argument%s to %s option", f->plural ? "(s)" : "", v[0]);
        return usage();
    }
    *a += f->nargs;
    if (f->list == AT(verifies))
        return parse_verify(L, f->unknown, argc, argv, a);
    struct lipo_arch blank = {0}, *arch = &blank;
    struct lipo_input *in;
    switch (f->take) {
    case TAKE_NOTHING: return 0;
    case TAKE_OUTPUT:
        if (L->output)
            return lipo_fatal(L, "more than one %s option specified", v[0]);
        L->output = v[1];
        return 0;
    case TAKE_INPUT:
        if ((in = lipo_add_input(L, v[2])) == NULL)
            return LIPO_FAIL;
        arch = &in->arch;
        break;
    case TAKE_THIN: arch = &L->thin_arch; break;
    case TAKE_LIST: arch = list_add(L, f->list); break;
    case TAKE_BLANK: break;
    }
    if (arch == NULL)
        return LIPO_FAIL;
    if (!get_arch(v[1], arch)) {
        lipo_error(L, f->unknown, v[1], v[0], v[1], v[2]);
        return bad_arch();
    }
    if (f->take == TAKE_BLANK)
        return lipo_add_blank(L, arch);
    if (f->list == AT(replaces))
        arch->file = v[2];
    return f->list == AT(segaligns) ? parse_segalign(L, v[2], arch) : 0;
}

/* The combination checks of Apple's main, in its order. */
static int check_combination(struct lipo *L) {
    bool writes = L->create || L->thin_flag || L->extract || L->remove || L->replace;
    const char *why = NULL;
    if (!L->info && !L->detailed && !L->brief && !writes && !L->verify)
        why = "one of -create, -thin <arch_type>, -extract <arch_type>, -remove <arch_type>, -replace <arch_type> "
              "<file_name>, -verify_arch <arch_type> ... , -archs, -info, or -detailed_info must be specified";
    else if (writes && L->output == NULL)
        why = "no output file specified";
    else if (L->ninputs == 0)
        why = "no input files specified";
    else if (L->verify && L->ninputs != 1)
        why = "only one input file allowed with -verify_arch";
    else if (L->brief && L->ninputs != 1)
        why = "only one input file allowed with -archs";
    else if (L->create + L->thin_flag + L->extract + L->remove + L->replace + L->info + L->detailed + L->brief +
                 L->verify >
             1)
        why = "only one of -create, -thin <arch_type>, -extract <arch_type>, -remove <arch_type>, -replace "
              "<arch_type> <file_name>, -verify_arch <arch_type> ..., -info, -archs, or -detailed_info can be "
              "specified";
    else if (L->arch_blank && !L->create)
        why = "-arch_blank may only be used with -create";
    else if (L->hide_arm64 && !L->create && !L->replace && !L->remove)
        why = "-hideARM64 may only be used with -create, -remove, or -replace";
    if (why == NULL)
        return 0;
    lipo_error(L, "%s", why);
    return usage();
}

int lipo_parse_args(struct lipo *L, int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        if (argv[a][0] != '-' ? lipo_add_input(L, argv[a]) == NULL : parse_flag(L, argc, argv, &a) != 0)
            return LIPO_FAIL;
    }
    return check_combination(L);
}
