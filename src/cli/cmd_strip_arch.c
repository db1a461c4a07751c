/* lcpatch strip-arch: drop legacy (or named) slices of fat files, with
 * lipo's layout rules, so that `lipo -remove`/`-thin` would have written
 * the same bytes. */
#include "cli/cli.h"
#include "cli/options.h"
#include "cli/output_opts.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/edit_files.h"

#include <stdlib.h>
#include <string.h>

static const char strip_help[] =
    "usage: lcpatch strip-arch (--legacy | --remove A,B | --keep A,B) [--keep-fat] [--json]\n"
    "                          [--no-fsync] (-o OUT | --in-place) FILE...\n"
    "\n"
    "Removes slices from fat files, as Apple's lipo -remove does: each remaining\n"
    "slice keeps its alignment, FAT_MAGIC_64 stays, slices are ordered as lipo\n"
    "orders them. When one slice remains the output is that slice alone, byte\n"
    "for byte what `lipo -thin` writes, unless --keep-fat. An architecture name\n"
    "picks its exact architecture when the file has it, else every slice of its\n"
    "CPU type (ppc picks ppc7400).\n"
    "\n" LCP_OUTPUT_NO_FSYNC_HELP "\n"
    "A file with nothing to remove is left as it is (with -o, copied).\n"
    "Several files: every one is read and planned before any is written; when\n"
    "one fails (unreadable, not Mach-O, nothing would be left) nothing is\n"
    "written (\"nothing written: N of M files failed\"), exit 3.\n"
    "Exit status: 0 done, 2 usage, 3 an input failed (nothing written) or the\n"
    "output failed.\n";

static void json_archs(lcp_json *j, const char *key, const lcp_file *f, const bool *keep, bool want) {
    char buf[48];
    lcp_json_key(j, key);
    lcp_json_begin_array(j);
    for (size_t i = 0; f && keep && i < f->nslices; i++)
        if (keep[i] == want)
            lcp_json_string(j, lcp_arch_label(f->slices[i].cputype, f->slices[i].cpusubtype, buf, sizeof buf));
    lcp_json_end_array(j);
}

/* One file's plan: what it keeps, whether it changes. */
struct planned {
    lcp_file *f; /* open until the end: the report names its slices */
    bool *keep;  /* [f->nslices] */
    bool changed, thin;
};

struct strip_run {
    struct planned *pl; /* [nfiles] */
    lcp_select_mode mode;
    const uint32_t (*archs)[2];
    size_t narchs;
    bool keep_fat;
    const char *out; /* -o OUT, or NULL */
};

static lcp_status plan_file(void *ctx, int i, lcp_file *f, lcp_plan *plan, bool *write, bool *keep, lcp_error *err) {
    const struct strip_run *s = ctx;
    struct planned *p = &s->pl[i];
    p->f = f;
    *keep = true; /* freed once reported */
    lcp_status st = LCP_OK;
    p->keep = calloc(f->nslices, sizeof *p->keep);
    lcp_out_slice *os = calloc(f->nslices, sizeof *os);
    if (p->keep == NULL || os == NULL)
        st = lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    if (st == LCP_OK)
        st = lcp_select_slices(f, s->mode, s->archs, s->narchs, p->keep, err);
    if (st == LCP_OK) {
        size_t n;
        lcp_layout_rule rule;
        lcp_kept_slices(f, p->keep, s->keep_fat, os, &n, &rule);
        bool fat = f->kind == LCP_FAT || f->kind == LCP_FAT64;
        /* --keep A on a fat file of A alone still writes what lipo -thin
         * writes: the slice without the fat header */
        p->changed = n != f->nslices || (s->mode == LCP_SELECT_KEEP && fat && rule.thin);
        p->thin = rule.thin;
        if (p->changed)
            st = lcp_layout_file(os, n, &rule, plan, err);
        else
            st = lcp_plan_add_copy(plan, 0, f->src.size, err);
    }
    *write = p->changed || s->out;
    free(os);
    return st;
}

static void report_file(void *ctx, const lcp_write_all *w, int i, const char *path, lcp_json *j) {
    const struct strip_run *s = ctx;
    const struct planned *p = &s->pl[i];
    const lcp_file *f = p->f;
    char buf[48];
    if (j) {
        lcp_json_field_bool(j, "changed", p->changed && lcp_write_all_ok(w));
        json_archs(j, "removed", f, p->keep, false);
        json_archs(j, "kept", f, p->keep, true);
        lcp_json_field_bool(j, "thin", p->changed ? p->thin : f->kind == LCP_THIN || f->kind == LCP_ARCHIVE);
    } else if (!p->changed) {
        printf("%s: nothing to remove\n", path);
    } else {
        printf("%s: removed", path);
        size_t nremoved = 0;
        for (size_t k = 0; k < f->nslices; k++)
            if (!p->keep[k]) {
                printf(" %s", lcp_arch_label(f->slices[k].cputype, f->slices[k].cpusubtype, buf, sizeof buf));
                nremoved++;
            }
        if (nremoved == 0)
            printf(" the fat header");
        printf(", kept");
        for (size_t k = 0; k < f->nslices; k++)
            if (p->keep[k])
                printf(" %s", lcp_arch_label(f->slices[k].cputype, f->slices[k].cpusubtype, buf, sizeof buf));
        printf("%s%s%s\n", p->thin ? " (thin)" : "", s->out ? ", written to " : "", s->out ? s->out : "");
    }
}

int cmd_strip_arch(int argc, char **argv) {
    bool json = false, keep_fat = false;
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    int mode = -1;
    uint32_t(*archs)[2] = NULL;
    size_t narchs = 0;
    enum { OPT_LEGACY = 1, OPT_REMOVE, OPT_KEEP, OPT_KEEP_FAT };
    static const lcp_opt_spec specs[] = {
        {OPT_LEGACY, "--legacy", 0, LCP_OPT_FLAG, 0, NULL,
         "remove ppc, ppc64 (every ppc subtype), i386,\n32-bit ARM (armv6, armv7, armv7s, armv7k...),\nm68k, m88k, "
         "hppa, sparc, i860; a file with\nnothing else is refused (\"no 64-bit slice to keep\")",
         0, 0},
        {OPT_REMOVE, "--remove", 0, LCP_OPT_STRING, 0, "A,B", "remove these architectures (absent ones are\nignored)",
         0, 0},
        {OPT_KEEP, "--keep", 0, LCP_OPT_STRING, 0, "A,B",
         "keep only these architectures (each must be\npresent); one kept slice is written thin even\nwhen nothing "
         "else is removed, as lipo -thin does",
         0, 0},
        {OPT_KEEP_FAT, "--keep-fat", 0, LCP_OPT_FLAG, 0, NULL, "keep a fat header even around a single slice", 0, 0},
        LCP_OPT_JSON_SPEC,
        LCP_OPT_OUTPUT_SPECS,
    };
    static const lcp_opt_command cmd = {"strip-arch", strip_help, specs, LCP_OPT_COUNT(specs), 0};
    lcp_opts op;
    lcp_opts_begin(&op, &cmd, argc, argv);
    int id, status = -1; /* -1 while the options are good */
    while (status < 0 && (id = lcp_opts_next(&op)) > 0) {
        if (lcp_output_opts_take(&o, &op, id))
            continue;
        if (id == LCP_OPT_ID_JSON)
            json = true;
        else if (id == OPT_KEEP_FAT)
            keep_fat = true;
        else if (mode != -1)
            status = lcp_cli_usage_error("strip-arch", "give one of --legacy, --remove and --keep");
        else {
            mode = id == OPT_LEGACY ? LCP_SELECT_LEGACY : id == OPT_REMOVE ? LCP_SELECT_REMOVE : LCP_SELECT_KEEP;
            int r = mode == LCP_SELECT_LEGACY ? 0 : lcp_cli_parse_archs("strip-arch", op.value, "", &archs, &narchs);
            if (r != 0)
                status = r < 0 ? LCP_EXIT_FAILED : r;
            else if (mode != LCP_SELECT_LEGACY && narchs == 0)
                status = lcp_cli_usage_error("strip-arch", "empty architecture list");
        }
    }
    int first = op.first;
    if (status < 0 && op.status >= 0)
        status = op.status;
    else if (status < 0 && mode == -1)
        status = lcp_cli_usage_error("strip-arch", "give one of --legacy, --remove A,B and --keep A,B");
    else if (status < 0 && lcp_output_opts_check(&o, "strip-arch", argv + first, argc - first))
        status = LCP_EXIT_USAGE;
    if (status >= 0) {
        free(archs);
        return status;
    }
    int nfiles = argc - first;
    struct planned *pl = calloc((size_t)nfiles, sizeof *pl);
    if (pl == NULL) {
        free(archs);
        fputs("lcpatch: out of memory\n", stderr);
        return LCP_EXIT_FAILED;
    }
    struct strip_run run = {pl,       (lcp_select_mode)mode,       (const uint32_t(*)[2])archs, narchs,
                            keep_fat, o.in_place ? NULL : o.output};
    /* plan every file (and stage its output), write, then report what happened */
    status = lcp_write_all_run("strip-arch", &o, json, argv + first, nfiles, plan_file, report_file, &run);
    for (int i = 0; i < nfiles; i++) {
        free(pl[i].keep);
        lcp_file_free(pl[i].f);
    }
    free(pl);
    free(archs);
    return status;
}

/* DESIGN.md's names for the same job: remove-arch A,B; strip-legacy;
 * thin A; extract A,B (a fat file of those slices). Each is strip-arch
 * with the matching option in front of the rest of its arguments. */
static int alias(int argc, char **argv, const char *opt, bool takes_archs, bool keep_fat) {
    if (argc >= 2 && lcp_cli_is_help(argv[1])) {
        printf("usage: lcpatch %s%s [--json] [--no-fsync] (-o OUT | --in-place) FILE...\n"
               "is `lcpatch strip-arch %s%s%s`: see 'lcpatch strip-arch --help'.\n",
               argv[0], takes_archs ? " A[,B...]" : "", opt, takes_archs ? " A[,B...]" : "",
               keep_fat ? " --keep-fat" : "");
        return LCP_EXIT_OK;
    }
    if (takes_archs && argc < 2)
        return lcp_cli_usage_error(argv[0], "name the architectures (A or A,B)");
    char **v = calloc((size_t)argc + 3, sizeof *v);
    if (v == NULL)
        return LCP_EXIT_FAILED;
    int n = 0, i = 1;
    v[n++] = (char *)"strip-arch";
    v[n++] = (char *)opt;
    if (takes_archs)
        v[n++] = argv[i++];
    /* extract implies --keep-fat: given again by the user, it is not "given twice" */
    bool user_keep_fat = false;
    for (int k = i; k < argc && strcmp(argv[k], "--") != 0; k++)
        user_keep_fat |= strcmp(argv[k], "--keep-fat") == 0;
    if (keep_fat && !user_keep_fat)
        v[n++] = (char *)"--keep-fat";
    while (i < argc)
        v[n++] = argv[i++];
    int r = cmd_strip_arch(n, v);
    free(v);
    return r;
}

int cmd_remove_arch(int argc, char **argv) { return alias(argc, argv, "--remove", true, false); }
int cmd_strip_legacy(int argc, char **argv) { return alias(argc, argv, "--legacy", false, false); }
int cmd_thin(int argc, char **argv) { return alias(argc, argv, "--keep", true, false); }
int cmd_extract(int argc, char **argv) { return alias(argc, argv, "--keep", true, true); }
