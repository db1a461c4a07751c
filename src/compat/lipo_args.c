/* lipo's command line (cctools lipo.c main): the flags, their arguments,
 * and the checks of their combination, in Apple's order and words. */
#include "compat/lipo.h"

#include "lcpatch/macho.h"

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

static bool get_arch(const char *name, struct lipo_arch *out) {
    out->name = name;
    return lcp_arch_from_name(name, &out->cputype, &out->cpusubtype);
}

/* libstuff's arch_usage, then lipo's usage. */
static int bad_arch(void) {
    fprintf(stderr, "(run 'lcpatch lipo' with one of the architecture names Apple's lipo knows: x86_64, arm64, "
                    "arm64e, i386, ppc, ppc64, armv7, armv7s, ...)\n");
    return lipo_usage();
}

static int missing(const struct lipo *L, const char *flag, bool plural) {
    lipo_error(L, "missing argument%s to %s option", plural ? "(s)" : "", flag);
    return lipo_usage();
}

/* Appends an architecture named by argv to list; LIPO_FAIL on a bad name. */
static int add_arch(struct lipo *L, struct lipo_arch **list, size_t *n, const char *name, const char *what,
                    const char *flag) {
    struct lipo_arch *e = lipo_push(L, (void **)list, n, sizeof **list);
    if (e == NULL)
        return LIPO_FAIL;
    if (!get_arch(name, e)) {
        lipo_error(L, "unknown architecture specification flag: %s in specifying %s operation: %s %s", name, what, flag,
                   name);
        return bad_arch();
    }
    return 0;
}

static int parse_segalign(struct lipo *L, char **argv, int a) {
    struct lipo_arch *s = lipo_push(L, (void **)&L->segaligns, &L->nsegaligns, sizeof *s);
    if (s == NULL)
        return LIPO_FAIL;
    if (!get_arch(argv[a + 1], s)) {
        lipo_error(L, "unknown architecture specification flag: %s in specifying segment alignment: %s %s %s",
                   argv[a + 1], argv[a], argv[a + 1], argv[a + 2]);
        return bad_arch();
    }
    char *end;
    uint32_t value = (uint32_t)strtoul(argv[a + 2], &end, 16);
    if (*end != '\0')
        return lipo_fatal(L, "argument for -segalign <arch_type> %s not a proper hexadecimal number", argv[a + 2]);
    if (value == 0 || (value & (value - 1)) != 0)
        return lipo_fatal(L, "argument to -segalign <arch_type> %x (hex) must be a non-zero power of two", value);
    if (value > (1u << LIPO_MAX_SECTALIGN))
        return lipo_fatal(L, "argument to -segalign <arch_type> %x (hex) must equal to or less than %x (hex)", value,
                          1u << LIPO_MAX_SECTALIGN);
    for (s->align = 0; (value & 1) != 1; value >>= 1)
        s->align++;
    return 0;
}

/* One flag at argv[*a]; moves *a past its arguments. */
static int parse_flag(struct lipo *L, int argc, char **argv, int *a) {
    const char *arg = argv[*a], *p = arg + 1;
    int rc = 0;
    if (strcmp(p, "arch") == 0 || strcmp(p, "a") == 0) {
        if (*a + 2 >= argc)
            return missing(L, arg, true);
        struct lipo_input *in = lipo_add_input(L, argv[*a + 2]);
        if (in == NULL)
            return LIPO_FAIL;
        if (!get_arch(argv[*a + 1], &in->arch)) {
            lipo_error(L, "unknown architecture specification flag: %s in specifying input file %s %s %s", argv[*a + 1],
                       arg, argv[*a + 1], argv[*a + 2]);
            return bad_arch();
        }
        *a += 2;
    } else if (strcmp(p, "arch_blank") == 0) {
        L->arch_blank = true;
        struct lipo_arch af;
        if (*a + 1 >= argc)
            return missing(L, arg, true);
        if (!get_arch(argv[*a + 1], &af)) {
            lipo_error(L, "unknown architecture specification flag: %s in specifying input file %s %s", argv[*a + 1],
                       arg, argv[*a + 1]);
            return bad_arch();
        }
        if ((rc = lipo_add_blank(L, &af)) != 0)
            return rc;
        *a += 1;
    } else if (strcmp(p, "archs") == 0) {
        L->brief = true;
    } else if (strcmp(p, "create") == 0 || strcmp(p, "c") == 0) {
        L->create = true;
    } else if (strcmp(p, "detailed_info") == 0 || strcmp(p, "d") == 0) {
        L->detailed = true;
    } else if (strcmp(p, "extract") == 0 || strcmp(p, "extract_family") == 0 || strcmp(p, "e") == 0) {
        L->extract = true;
        if (strcmp(p, "extract_family") == 0)
            L->extract_family = true;
        if (*a + 1 >= argc)
            return missing(L, arg, false);
        rc = add_arch(L, &L->extracts, &L->nextracts, argv[*a + 1], "extract", arg);
        *a += 1;
    } else if (strcmp(p, "hideARM64") == 0) {
        L->hide_arm64 = true;
    } else if (strcmp(p, "info") == 0 || strcmp(p, "i") == 0) {
        L->info = true;
    } else if (strcmp(p, "output") == 0 || strcmp(p, "o") == 0) {
        if (*a + 1 >= argc)
            return missing(L, arg, false);
        if (L->output)
            return lipo_fatal(L, "more than one %s option specified", arg);
        L->output = argv[++*a];
    } else if (strcmp(p, "remove") == 0 || strcmp(p, "rem") == 0) {
        L->remove = true;
        if (*a + 1 >= argc)
            return missing(L, arg, false);
        rc = add_arch(L, &L->removes, &L->nremoves, argv[*a + 1], "remove", arg);
        *a += 1;
    } else if (strcmp(p, "replace") == 0 || strcmp(p, "rep") == 0) {
        L->replace = true;
        if (*a + 2 >= argc)
            return missing(L, arg, true);
        struct lipo_arch *r = lipo_push(L, (void **)&L->replaces, &L->nreplaces, sizeof *r);
        if (r == NULL)
            return LIPO_FAIL;
        r->file = argv[*a + 2];
        if (!get_arch(argv[*a + 1], r)) {
            lipo_error(L, "unknown architecture specification flag: %s in specifying replace operation: %s %s %s",
                       argv[*a + 1], arg, argv[*a + 1], argv[*a + 2]);
            return bad_arch();
        }
        *a += 2;
    } else if (strcmp(p, "segalign") == 0 || strcmp(p, "s") == 0) {
        if (*a + 2 >= argc)
            return missing(L, arg, true);
        rc = parse_segalign(L, argv, *a);
        *a += 2;
    } else if (strcmp(p, "thin") == 0 || strcmp(p, "t") == 0) {
        if (L->thin_flag)
            return lipo_fatal(L, "more than one %s option specified", arg);
        L->thin_flag = true;
        if (*a + 1 >= argc)
            return missing(L, arg, false);
        if (!get_arch(argv[*a + 1], &L->thin_arch)) {
            lipo_error(L, "unknown architecture specification flag: %s in specifying thin operation: %s %s",
                       argv[*a + 1], arg, argv[*a + 1]);
            return bad_arch();
        }
        *a += 1;
    } else if (strcmp(p, "verify_arch") == 0) {
        L->verify = true;
        if (*a + 1 >= argc)
            return missing(L, arg, true);
        for (++*a; *a < argc; ++*a) {
            struct lipo_arch *v = lipo_push(L, (void **)&L->verifies, &L->nverifies, sizeof *v);
            if (v == NULL)
                return LIPO_FAIL;
            if (!get_arch(argv[*a], v)) {
                lipo_error(L, "unknown architecture specification flag: %s in specifying -verify_arch operation",
                           argv[*a]);
                return bad_arch();
            }
        }
    } else if (strcmp(p, "fat64") == 0) {
        L->fat64 = true;
    } else {
        return lipo_fatal(L, "unknown flag: %s", arg);
    }
    return rc;
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
    return lipo_usage();
}

int lipo_parse_args(struct lipo *L, int argc, char **argv) {
    for (int a = 1; a < argc; a++) {
        if (argv[a][0] != '-' ? lipo_add_input(L, argv[a]) == NULL : parse_flag(L, argc, argv, &a) != 0)
            return LIPO_FAIL;
    }
    return check_combination(L);
}
