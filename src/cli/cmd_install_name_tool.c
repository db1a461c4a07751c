/* lcpatch install_name_tool: Apple's install_name_tool (cctools
 * misc/install_name_tool.c): its arguments, its messages, its exit codes,
 * and its in-place edit of the operand. The edits themselves are
 * lcp_image_edit_names; this file reproduces the order in which Apple's
 * tool checks, reports and writes, including its refusal of big-endian
 * slices (see swap_check below). Extensions: -prepend_rpath and
 * -delete_all_rpaths (llvm-install-name-tool's), -h/--help. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "lcpatch/dylib_edit.h"
#include "util/reader.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char int_help[] = "usage: lcpatch install_name_tool [-change old new] ... [-rpath old new] ...\n"
                               "           [-add_rpath new] ... [-prepend_rpath new] ... [-delete_rpath old] ...\n"
                               "           [-delete_all_rpaths] [-id name] input\n"
                               "\n"
                               "Apple's install_name_tool, on Linux and macOS: edits the install names and\n"
                               "LC_RPATH commands of every slice of input, in place, with Apple's header-space\n"
                               "rule, messages and exit codes. See lcpatch-install_name_tool(1).\n";

struct itool {
    const char *prog; /* argv[0], as Apple's tool names itself */
    const char *input;
    lcp_name_edit *edits;
    size_t nedits;
    int errors;
};

static void err_msg(struct itool *t, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* cctools error(): "error: prog: message" */
static void err_msg(struct itool *t, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "error: %s: ", t->prog);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    t->errors++;
}

static int usage(struct itool *t) {
    fprintf(stderr,
            "Usage: %s [-change old new] ... [-rpath old new] ... [-add_rpath new] ... "
            "[-delete_rpath old] ... [-id name] input\n",
            t->prog);
    return 1;
}

static const char *arch_of(const lcp_image *img, char *buf, size_t len) {
    return lcp_arch_label(img->cputype, img->cpusubtype, buf, len);
}

/* ---- Apple's container checks (ofile.c), for its messages ---- */

/* Reproduces the fat-header checks of cctools' ofile_map that come before
 * lcpatch's own parser would speak, so that the message is Apple's.
 * Returns false (after printing) when the file is refused. */
static bool apple_fat_check(struct itool *t, const lcp_file *f_or_null, const char *path) {
    (void)f_or_null;
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return true;
    uint8_t h[8];
    bool ok = true;
    if (fread(h, 1, 8, fp) == 8) {
        uint32_t magic, n;
        lcp_get_u32(h, 8, 0, true, &magic);
        lcp_get_u32(h, 8, 4, true, &n);
        if (magic == LCP_FAT_MAGIC || magic == LCP_FAT_MAGIC_64) {
            bool is64 = magic == LCP_FAT_MAGIC_64;
            size_t esz = is64 ? 32 : 20;
            fseek(fp, 0, SEEK_END);
            long fsize = ftell(fp);
            if (n == 0) {
                err_msg(t, "fat file: %s malformed (contains zero architecture types)", path);
                ok = false;
            } else if ((uint64_t)n * esz + 8 > (uint64_t)fsize) {
                err_msg(
                    t, "fat file: %s truncated or malformed (fat_arch%s structs would extend past the end of the file)",
                    path, is64 ? "_64" : "");
                ok = false;
            } else {
                uint8_t e[32];
                for (uint32_t i = 0; i < n && ok; i++) {
                    if (fseek(fp, (long)(8 + (uint64_t)i * esz), SEEK_SET) != 0 || fread(e, 1, esz, fp) != esz)
                        break;
                    uint32_t ct, cs, o32 = 0, s32 = 0;
                    uint64_t off, size;
                    lcp_get_u32(e, esz, 0, true, &ct);
                    lcp_get_u32(e, esz, 4, true, &cs);
                    if (is64) {
                        lcp_get_u64(e, esz, 8, true, &off);
                        lcp_get_u64(e, esz, 16, true, &size);
                    } else {
                        lcp_get_u32(e, esz, 8, true, &o32);
                        lcp_get_u32(e, esz, 12, true, &s32);
                        off = o32;
                        size = s32;
                    }
                    if (off > (uint64_t)fsize || size > (uint64_t)fsize - off) {
                        err_msg(t,
                                "fat file: %s truncated or malformed (offset plus size of cputype (%d) cpusubtype "
                                "(%d) extends past the end of the file)",
                                path, (int)ct, (int)(cs & ~0xff000000u));
                        ok = false;
                    }
                }
            }
        }
    }
    fclose(fp);
    return ok;
}

/* lcpatch's parser refused the file: say it as Apple's checkout would
 * (for the cases whose wording we know), exit status 1. */
static void report_open_failure(struct itool *t, const lcp_error *e) {
    const char *m = e->message;
    if (e->status == LCP_E_IO) {
        err_msg(t, "can't open file: %s (%s)", t->input, strerror(e->sys_errno ? e->sys_errno : EIO));
        return;
    }
    if (e->status == LCP_E_NOT_MACHO) {
        err_msg(t, "input file: %s is not a Mach-O file", t->input);
        return;
    }
    if (strstr(m, "sizeofcmds") && strstr(m, "extends past the end of the image")) {
        fprintf(stderr,
                "%s: object: %s truncated or malformed object (load commands extend past the end of the file)\n",
                t->prog, t->input);
    } else if (strstr(m, "cannot fit in sizeofcmds")) {
        fprintf(stderr,
                "%s: object: %s truncated or malformed object (load command 0 extends past the end all load commands "
                "in the file)\n",
                t->prog, t->input);
    } else if (strstr(m, "extends past sizeofcmds")) {
        fprintf(stderr,
                "%s: object: %s truncated or malformed object (load command 0 extends past the end of the file)\n",
                t->prog, t->input);
    } else {
        /* lcpatch's own words where Apple's are not reproduced. */
        fprintf(stderr, "%s: object: %s truncated or malformed object (%s)\n", t->prog, t->input, m);
    }
    t->errors++;
}

/* Apple's checkout refuses load commands it does not know. */
static bool unknown_commands_check(struct itool *t, lcp_file *f) {
    for (size_t s = 0; s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image;
        if (!img)
            continue;
        for (size_t i = 0; i < img->ncmds; i++)
            if (!lcp_lc_name(img->lc[i].cmd)) {
                fprintf(stderr, "%s: object: %s malformed object (unknown load command %zu)\n", t->prog, t->input, i);
                t->errors++;
                return false;
            }
    }
    return true;
}

/* ---- the big-endian write (swap_check) ----
 *
 * Apple's write_on_input_safely() swaps the headers of a slice whose byte
 * order is not the host's back before writing, but hands
 * swap_object_headers() a pointer 64 bytes past the mach header (it adds
 * sizeof(mh), a pointer, to a struct load_command pointer) instead of the
 * load commands. On a little-endian Mac every big-endian (PowerPC) slice
 * thus has its "load commands" read from the middle of the first real one,
 * and the tool stops with "malformed load command 0". The checks below
 * replay that walk over the edited commands as they lie in the host's
 * memory (fields little-endian, strings and names as bytes). */

/* Kind of the 4 bytes at byte f of command i: 0 a 32-bit field, 1 the low
 * and 2 the high half of a 64-bit field, 3 raw bytes. */
static int field_kind(const lcp_image *img, size_t i, uint32_t f) {
    uint32_t cmd = img->lc[i].cmd;
    if (f < 8)
        return 0;
    if (cmd == LCP_LC_SEGMENT) {
        if (f < 24)
            return 3;
        if (f < 56)
            return 0;
        uint32_t r = (f - 56) % 68;
        return r < 32 ? 3 : 0;
    }
    if (cmd == LCP_LC_SEGMENT_64) {
        if (f < 24)
            return 3;
        if (f < 56)
            return (f - 24) % 8 == 0 ? 1 : 2;
        if (f < 72)
            return 0;
        uint32_t r = (f - 72) % 80;
        if (r < 32)
            return 3;
        if (r < 48)
            return (r - 32) % 8 == 0 ? 1 : 2;
        return 0;
    }
    if (cmd == LCP_LC_UUID)
        return 3;
    const char *s;
    if (lcp_image_cmd_string(img, i, &s)) {
        uint32_t soff = (uint32_t)((const uint8_t *)s - lcp_image_command_bytes(img, i));
        if (f >= soff)
            return 3;
    }
    return 0;
}

/* The little-endian host word at byte `at` of the edited command area;
 * false past the commands (Apple's walk would read file data there). */
static bool host_word(const lcp_image *img, uint64_t at, uint32_t *out) {
    if (at + 4 > img->sizeofcmds)
        return false;
    /* commands are in offset order: binary search (the walk may be long) */
    size_t lo = 0, hi = img->ncmds;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uint64_t)img->lc[mid].offset + img->lc[mid].cmdsize <= at)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < img->ncmds) {
        size_t i = lo;
        const lcp_load_command *lc = &img->lc[i];
        if (at >= lc->offset) {
            uint32_t f = (uint32_t)(at - lc->offset);
            const uint8_t *c = lcp_image_command_bytes(img, i);
            int k = field_kind(img, i, f);
            if (k == 3)
                return lcp_get_u32(c, lc->cmdsize, f, false, out);
            if (k == 0)
                return lcp_get_u32(c, lc->cmdsize, f, img->big_endian, out);
            uint64_t v;
            if (!lcp_get_u64(c, lc->cmdsize, k == 1 ? f : f - 4, img->big_endian, &v))
                return false;
            *out = k == 1 ? (uint32_t)v : (uint32_t)(v >> 32);
            return true;
        }
    }
    return false;
}

/* Returns false (after printing Apple's two messages) when Apple's walk
 * fails; true when it would pass or cannot be predicted (lcpatch then
 * writes the correct file). */
static bool swap_check(struct itool *t, const lcp_image *img) {
    uint32_t mult = img->is64 ? 8 : 4;
    uint64_t start = 64 - img->header_size, p = start;
    const char *what = NULL;
    uint32_t i;
    for (i = 0; i < img->ncmds && !what; i++) {
        uint32_t cmd, cmdsize;
        if (!host_word(img, p, &cmd) || !host_word(img, p + 4, &cmdsize))
            return true;
        if (cmdsize % mult != 0)
            what = mult == 4 ? "malformed load command %u (cmdsize not a multiple of 4)"
                             : "malformed load command %u (cmdsize not a multiple of 8)";
        else if (p - start + cmdsize > img->sizeofcmds)
            what = "truncated or malformed load command %u (extends past the end of the all load commands)";
        else if (cmdsize == 0)
            what = "malformed load command %u (cmdsize is zero)";
        else if (cmd != LCP_LC_SYMTAB && cmd != LCP_LC_DYSYMTAB && lcp_lc_name(cmd) != NULL)
            return true; /* its per-command checks are not replayed */
        else if (cmd == LCP_LC_SYMTAB && cmdsize != 24)
            what = "malformed load commands (LC_SYMTAB command %u has incorrect cmdsize";
        else if (cmd == LCP_LC_DYSYMTAB && cmdsize != 80)
            what = "malformed load commands (LC_DYSYMTAB command %u has incorrect cmdsize";
        else if (lcp_lc_name(cmd) == NULL)
            return true;
        if (!what)
            p += cmdsize;
    }
    if (!what)
        return true;
    fprintf(stderr, "error: %s: in swap_object_headers(): ", t->prog);
    fprintf(stderr, what, i - 1);
    fprintf(stderr, "\nfatal error: %s: internal error: swap_object_headers() failed\n", t->prog);
    return false;
}

/* ---- one image ---- */

static void edit_image(struct itool *t, const lcp_file *f, lcp_image *img) {
    char abuf[64];
    const char *arch = arch_of(img, abuf, sizeof abuf);
    (void)f;
    lcp_name_report rep;
    lcp_error e;
    lcp_status st = lcp_image_edit_names(img, t->edits, t->nedits, LCP_NAME_APPLE_LIMIT, &rep, &e);
    if (st != LCP_OK && rep.nproblems == 0) {
        err_msg(t, "%s (for architecture %s): %s", t->input, arch, e.message);
        lcp_name_report_release(&rep);
        return;
    }
    for (size_t k = 0; k < rep.nproblems; k++) {
        const lcp_name_problem *p = &rep.problems[k];
        const lcp_name_edit *ed = &t->edits[p->edit];
        const char *existing = NULL;
        switch (p->kind) {
        case LCP_NAME_DUPLICATE_RPATH:
            lcp_image_cmd_string(img, p->command, &existing);
            err_msg(t,
                    "for: %s (for architecture %s) option \"%s %s\" would duplicate path, file already has "
                    "LC_RPATH for: %s",
                    t->input, arch, lcp_name_edit_option(ed->kind), ed->new_path, existing ? existing : "");
            break;
        case LCP_NAME_RPATH_NOT_FOUND:
            if (ed->kind == LCP_NAME_RPATH)
                err_msg(t,
                        "no LC_RPATH load command with path: %s found in: %s (for architecture %s), required for "
                        "specified option \"-rpath %s %s\"",
                        ed->old_path, t->input, arch, ed->old_path, ed->new_path);
            else
                err_msg(t,
                        "no LC_RPATH load command with path: %s found in: %s (for architecture %s), required for "
                        "specified option \"-delete_rpath %s\"",
                        ed->old_path, t->input, arch, ed->old_path);
            break;
        case LCP_NAME_NO_SPACE:
            err_msg(t,
                    "changing install names or rpaths can't be redone for: %s (for architecture %s) because larger "
                    "updated load commands do not fit (the program must be relinked, and you may need to use "
                    "-headerpad or -headerpad_max_install_names)",
                    t->input, arch);
            break;
        }
    }
    lcp_name_report_release(&rep);
}

/* ---- arguments ---- */

static bool add_edit(struct itool *t, lcp_name_edit e) {
    char msg[1024];
    if (!lcp_name_edit_conflicts(t->edits, t->nedits, &e, msg, sizeof msg)) {
        err_msg(t, "%s", msg);
        return false;
    }
    lcp_name_edit *n = realloc(t->edits, (t->nedits + 1) * sizeof *n);
    if (!n) {
        err_msg(t, "out of memory");
        return false;
    }
    t->edits = n;
    t->edits[t->nedits++] = e;
    return true;
}

static int parse(struct itool *t, int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        lcp_name_edit e = {LCP_NAME_CHANGE, NULL, NULL};
        int nargs = -1;
        if (strcmp(a, "-id") == 0)
            e.kind = LCP_NAME_ID, nargs = 1;
        else if (strcmp(a, "-change") == 0)
            e.kind = LCP_NAME_CHANGE, nargs = 2;
        else if (strcmp(a, "-rpath") == 0)
            e.kind = LCP_NAME_RPATH, nargs = 2;
        else if (strcmp(a, "-add_rpath") == 0)
            e.kind = LCP_NAME_ADD_RPATH, nargs = 1;
        else if (strcmp(a, "-prepend_rpath") == 0)
            e.kind = LCP_NAME_PREPEND_RPATH, nargs = 1;
        else if (strcmp(a, "-delete_rpath") == 0)
            e.kind = LCP_NAME_DELETE_RPATH, nargs = 1;
        else if (strcmp(a, "-delete_all_rpaths") == 0)
            e.kind = LCP_NAME_DELETE_ALL_RPATHS, nargs = 0;
        if (nargs < 0) {
            if (t->input != NULL) {
                err_msg(t, "more than one input file specified (%s and %s)", a, t->input);
                return usage(t);
            }
            t->input = a;
            continue;
        }
        if (i + nargs >= argc) {
            err_msg(t, e.kind == LCP_NAME_ID ? "missing argument to: %s option" : "missing argument(s) to: %s option",
                    a);
            return usage(t);
        }
        if (e.kind == LCP_NAME_CHANGE || e.kind == LCP_NAME_RPATH)
            e.old_path = argv[i + 1], e.new_path = argv[i + 2];
        else if (e.kind == LCP_NAME_DELETE_RPATH)
            e.old_path = argv[i + 1];
        else if (nargs == 1)
            e.new_path = argv[i + 1];
        if (!add_edit(t, e))
            return usage(t);
        i += nargs;
    }
    if (t->input == NULL || t->nedits == 0)
        return usage(t);
    return 0;
}

/* ---- the write: every slice's new header, everything else copied ---- */

static lcp_status write_back(struct itool *t, lcp_file *f, lcp_error *e) {
    lcp_plan plan;
    lcp_plan_init(&plan);
    lcp_status st = LCP_OK;
    for (size_t s = 0; s < f->nslices && st == LCP_OK; s++) {
        const lcp_slice *sl = &f->slices[s];
        if (sl->offset > plan.size)
            st = lcp_plan_add_copy(&plan, plan.size, sl->offset - plan.size, e);
        const lcp_image *img = sl->image;
        uint64_t end = (uint64_t)img->header_size + img->sizeofcmds;
        if (st == LCP_OK && end > img->size) {
            /* Nothing bounded the header (no section, no segment with file
             * bytes). Apple's tool writes only the image's size of the new
             * header and load commands: a file whose commands run past its
             * end. A thin file simply grows to hold them all; a fat slice
             * cannot grow in place. */
            if (f->kind != LCP_THIN)
                st = lcp_error_set(e, LCP_E_NOSPACE, img->offset,
                                   "%s: the updated load commands (%llu bytes) do not fit in the slice (%llu bytes)",
                                   t->input, (unsigned long long)end, (unsigned long long)img->size);
            else
                st = lcp_plan_add_image(&plan, img, end, e);
        } else if (st == LCP_OK)
            st = lcp_plan_add_image(&plan, img, img->size, e);
    }
    if (st == LCP_OK && f->src.size > plan.size)
        st = lcp_plan_add_copy(&plan, plan.size, f->src.size - plan.size, e);
    /* Apple's tool does not replace a symbolic link: it writes its target. */
    char resolved[PATH_MAX];
    const char *target = realpath(t->input, resolved) ? resolved : t->input;
    if (st == LCP_OK)
        st = lcp_plan_write_file(&plan, &f->src, target, t->input, e);
    lcp_plan_release(&plan);
    return st;
}

int cmd_install_name_tool(int argc, char **argv) {
    if (argc == 2 && lcp_cli_is_help(argv[1])) {
        fputs(int_help, stdout);
        return 0;
    }
    struct itool t = {argc > 0 ? argv[0] : "install_name_tool", NULL, NULL, 0, 0};
    int rc = parse(&t, argc, argv);
    if (rc != 0) {
        free(t.edits);
        return rc;
    }
    lcp_file *f = NULL;
    lcp_error e;
    if (!apple_fat_check(&t, NULL, t.input)) {
        free(t.edits);
        return 1;
    }
    if (lcp_file_open_flags(t.input, LCP_PARSE_APPLE_LC_STR, &f, &e) != LCP_OK) {
        report_open_failure(&t, &e);
        free(t.edits);
        return 1;
    }
    rc = 1;
    if (!unknown_commands_check(&t, f))
        goto out;
    /* process(): every slice in order; a non-Mach-O one ends the run. */
    for (size_t s = 0; s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image;
        if (!img) {
            err_msg(&t, "input file: %s is not a Mach-O file", t.input);
            goto out;
        }
        if (img->filetype == LCP_MH_DYLIB_STUB) {
            fprintf(stderr,
                    "fatal error: %s: input file: %s is Mach-O dynamic shared library stub file and can't be changed\n",
                    t.prog, t.input);
            goto out;
        }
        edit_image(&t, f, img);
    }
    if (t.errors)
        goto out;
    /* The signature of a changed file no longer matches: say so, per slice. */
    for (size_t s = 0; s < f->nslices; s++) {
        lcp_image *img = f->slices[s].image;
        if (lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) < 0)
            continue;
        char abuf[64];
        if (f->kind == LCP_THIN)
            fprintf(stderr, "%s: warning: changes being made to the file will invalidate the code signature in: %s\n",
                    t.prog, t.input);
        else
            fprintf(stderr,
                    "%s: warning: changes being made to the file will invalidate the code signature in: %s (for "
                    "architecture %s)\n",
                    t.prog, t.input, arch_of(img, abuf, sizeof abuf));
    }
    for (size_t s = 0; s < f->nslices; s++)
        if (f->slices[s].image->big_endian && !swap_check(&t, f->slices[s].image))
            goto out;
    if (write_back(&t, f, &e) != LCP_OK) {
        fprintf(stderr, "fatal error: %s: %s\n", t.prog, e.message);
        goto out;
    }
    rc = 0;
out:
    lcp_file_free(f);
    free(t.edits);
    return rc;
}
