/* lcpatch rescue: one command from a legacy library to a file codesign and
 * the notary service accept (the plan is src/edit/rescue.c). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/fix_paths_cli.h"
#include "cli/json.h"
#include "cli/output_opts.h"
#include "lcpatch/audit.h"
#include "lcpatch/rescue.h"
#include "lcpatch/slices.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char rescue_help[] = "usage: lcpatch rescue [--sdk 10.9] [--keep ARCHS] [--dry-run] [--json]\n"
                                  "                      [--fix-paths] [--no-fsync] (-o OUT | --in-place) PATH...\n"
                                  "\n"
                                  "Makes legacy Mach-O files ready for `codesign --options runtime` and the\n"
                                  "notary service, in one step per file, planned completely before anything\n"
                                  "is written (a failure anywhere writes nothing):\n"
                                  "  1. drops the legacy slices (ppc, ppc64, i386, 32-bit ARM...) unless\n"
                                  "     --keep x86_64,arm64 names what to keep; a file with no x86_64 or\n"
                                  "     arm64 slice is refused;\n"
                                  "  2. removes the signature (codesign --remove-signature);\n"
                                  "  3. raises the sdk of every macOS slice to --sdk (default 10.9), in place;\n"
                                  "  4. checks that codesign can sign the result: 16 bytes of header space for\n"
                                  "     LC_CODE_SIGNATURE, aligned cmdsizes, __LINKEDIT last; a blocker stops\n"
                                  "     every write;\n"
                                  "  5. audits the load paths (lcpatch audit's rules) and reports dangling ones;\n"
                                  "     they are not fixed.\n"
                                  "PATH: files, bundles or folders (every Mach-O file inside, archives\n"
                                  "included; folders need --in-place). A file already rescued is left as it\n"
                                  "is (\"already rescued\"). --dry-run prints the plan and writes nothing.\n"
                                  "The report ends with the codesign command to run next.\n"
                                  "--fix-paths (bundles and folders, --in-place): after step 4, rewrite the\n"
                                  "dangling loads whose library is inside the PATH to @rpath/..., add the\n"
                                  "rpath that finds them, delete LC_RPATHs outside it, audit again and report\n"
                                  "what is left (docs/fix-paths.md).\n" LCP_OUTPUT_NO_FSYNC_HELP
                                  "Exit status: 0 done, 1 done but load path errors were reported (left, with\n"
                                  "--fix-paths), 2 usage, 3 an input failed or a blocker was found.\n";

/* One file to rescue and where its result goes. */
typedef struct item {
    const char *root; /* the PATH argument it came from */
    char *path;       /* borrowed from the found-files lists */
    const char *dest; /* output path, or NULL for --dry-run */
    lcp_rescue_file *rf;
    lcp_error err;
    bool failed, written;
    lcp_staged_file *staged;  /* between staging and commit */
    size_t nfindings, errors; /* audit findings that concern the kept slices */
} item;

/* The item a finding is about: root/file (or root itself for a file
 * argument); NULL when rescue did not plan that file (a symlink audit
 * followed, say). */
static item *item_of(item *items, size_t n, const lcp_audit_finding *fd) {
    for (size_t i = 0; i < n; i++) {
        if (strcmp(items[i].root, fd->root) != 0)
            continue;
        const char *p = items[i].path;
        size_t rl = strlen(fd->root);
        if (strcmp(p, fd->file) == 0 && strcmp(fd->file, fd->root) == 0)
            return &items[i];
        if (strncmp(p, fd->root, rl) == 0) {
            const char *rest = p + rl;
            while (*rest == '/')
                rest++;
            if (strcmp(rest, fd->file) == 0)
                return &items[i];
        }
    }
    return NULL;
}

/* True when the finding is about a slice rescue keeps (findings in removed
 * legacy slices go away with them). */
static bool finding_kept(const item *it, const lcp_audit_finding *fd) {
    if (it == NULL || it->rf == NULL)
        return true;
    for (size_t k = 0; k < it->rf->nslices; k++) {
        const lcp_rescue_slice *s = &it->rf->slices[k];
        if (strcmp(s->arch, fd->arch ? fd->arch : "") == 0 && ((s->member == NULL) == (fd->member == NULL)) &&
            (!s->member || strcmp(s->member, fd->member) == 0))
            return !s->removed;
    }
    return true;
}

static void print_finding_text(const lcp_audit_finding *fd) {
    printf("  %-10s %s %s: %s '%s'", "finding", fd->severity == LCP_AUDIT_ERROR ? "error" : "warning",
           lcp_audit_kind_name(fd->kind), fd->command ? fd->command : "?", fd->path ? fd->path : "");
    if (fd->arch)
        printf(" (%s%s%s)", fd->arch, fd->member ? ", " : "", fd->member ? fd->member : "");
    if (fd->via)
        printf(" via %s", fd->via);
    putchar('\n');
    if (fd->hint)
        printf("  %-10s   %s\n", "", fd->hint);
}

static void json_finding(lcp_json *j, const lcp_audit_finding *fd) {
    lcp_json_begin_object(j);
    lcp_json_key(j, "severity");
    lcp_json_string(j, fd->severity == LCP_AUDIT_ERROR ? "error" : "warning");
    lcp_json_key(j, "kind");
    lcp_json_string(j, lcp_audit_kind_name(fd->kind));
    lcp_json_key(j, "arch");
    lcp_json_string(j, fd->arch);
    lcp_json_key(j, "member");
    lcp_json_string(j, fd->member);
    lcp_json_key(j, "command");
    lcp_json_string(j, fd->command);
    lcp_json_key(j, "index");
    lcp_json_int(j, fd->index);
    lcp_json_key(j, "path");
    lcp_json_string(j, fd->path);
    lcp_json_key(j, "resolved");
    lcp_json_string(j, fd->resolved);
    lcp_json_key(j, "via");
    lcp_json_string(j, fd->via);
    lcp_json_key(j, "hint");
    lcp_json_string(j, fd->hint);
    lcp_json_end_object(j);
}

static const char *sdk_action_name(lcp_sdk_action a) {
    switch (a) {
    case LCP_SDK_UNCHANGED: return "unchanged";
    case LCP_SDK_REWRITTEN: return "rewritten in place";
    case LCP_SDK_ADDED_BUILD_VERSION: return "LC_BUILD_VERSION added";
    case LCP_SDK_ADDED_VERSION_MIN: return "LC_VERSION_MIN_MACOSX added";
    case LCP_SDK_OTHER_PLATFORM: return "other platform";
    case LCP_SDK_NO_SPACE: return "no space";
    }
    return "?";
}

/* What happened to the file, for --json (docs/schema/rescue.schema.json):
 * "rescued" only when the output was written, "planned" for --dry-run,
 * "not written" when its plan was good but a failure or blocker elsewhere
 * stopped every write (rescue is all-or-nothing). */
static const char *state_name(const item *it, bool dry_run) {
    if (it->failed)
        return "failed";
    if (it->rf == NULL)
        return "not written"; /* not planned: an earlier failure stopped rescue */
    switch (it->rf->state) {
    case LCP_RESCUE_CHANGED: return it->written ? "rescued" : dry_run ? "planned" : "not written";
    case LCP_RESCUE_ALREADY: return "already rescued";
    case LCP_RESCUE_BLOCKED: return "blocked";
    }
    return "?";
}

static void print_slice_text(const lcp_rescue_file *rf, size_t index) {
    const lcp_rescue_slice *s = &rf->slices[index];
    char label[200], v1[32], v2[32];
    const lcp_slice *fs = index < rf->file->nslices ? &rf->file->slices[index] : NULL;
    if (fs && fs->archive) {
        printf("  %-10s %sarchive of %zu members\n", s->arch, s->removed ? "removed: " : "", fs->archive->nmembers);
        return;
    }
    if (s->member && !s->sdk_checked && !s->removed)
        return; /* not a Mach-O member (the symbol table) */
    if (s->member)
        snprintf(label, sizeof label, "%s(%s)", s->arch, s->member);
    else
        snprintf(label, sizeof label, "%s", s->arch);
    printf("  %-10s ", label);
    if (s->removed) {
        printf("removed\n");
        return;
    }
    const char *sep = "";
    if (s->signature_removed) {
        printf("signature removed");
        sep = "; ";
    }
    if (s->sdk_checked) {
        const lcp_sdk_change *c = &s->sdk;
        if (c->action == LCP_SDK_REWRITTEN || c->action == LCP_SDK_ADDED_BUILD_VERSION ||
            c->action == LCP_SDK_ADDED_VERSION_MIN) {
            const char *name = lcp_lc_name(c->cmd);
            printf("%ssdk %s -> %s (%s, %s)", sep,
                   c->old_sdk || c->action == LCP_SDK_REWRITTEN ? lcp_version_format(c->old_sdk, v1, sizeof v1)
                                                                : "none",
                   lcp_version_format(c->new_sdk, v2, sizeof v2), name ? name : "?", sdk_action_name(c->action));
        } else if (c->action == LCP_SDK_UNCHANGED) {
            printf("%ssdk %s (no change)", sep,
                   lcp_version_format(c->new_sdk ? c->new_sdk : c->old_sdk, v1, sizeof v1));
        } else {
            printf("%ssdk %s", sep, sdk_action_name(c->action));
        }
        sep = "; ";
    }
    if (s->preflight)
        printf("%sheader space left %lld bytes", sep, (long long)s->space_after);
    putchar('\n');
    if (s->note[0])
        printf("  %-10s note: %s\n", "", s->note);
    if (s->blocker[0])
        printf("  %-10s BLOCKER: %s\n", "", s->blocker);
}

static void print_text(item *items, size_t n, bool dry_run, const lcp_audit_report *ar) {
    for (size_t i = 0; i < n; i++) {
        item *it = &items[i];
        if (it->failed) {
            printf("%s: failed (see the error above)\n", it->path);
            continue;
        }
        const lcp_rescue_file *rf = it->rf;
        if (rf->state == LCP_RESCUE_ALREADY && !it->written) {
            printf("%s: already rescued: nothing to change\n", it->path);
            for (size_t f = 0; f < ar->nfindings; f++)
                if (item_of(items, n, &ar->findings[f]) == it && finding_kept(it, &ar->findings[f]))
                    print_finding_text(&ar->findings[f]);
            continue;
        }
        if (rf->state == LCP_RESCUE_BLOCKED)
            printf("%s: blocked (nothing written)\n", it->path);
        else if (dry_run)
            printf("%s -> %s (plan)\n", it->path, it->dest ? it->dest : "(in place)");
        else if (!it->written)
            printf("%s: planned, not written (a failure or blocker elsewhere)\n", it->path);
        else if (rf->state == LCP_RESCUE_ALREADY)
            printf("%s: already rescued: copied unchanged to %s\n", it->path, it->dest);
        else if (strcmp(it->dest, it->path) == 0)
            printf("%s: rescued in place\n", it->path);
        else
            printf("%s -> %s\n", it->path, it->dest);
        for (size_t k = 0; k < rf->nslices; k++)
            print_slice_text(rf, k);
        printf("  %-10s %llu -> %llu bytes (%s)\n", "size", (unsigned long long)rf->size_before,
               (unsigned long long)rf->size_after, rf->thin_output ? "thin" : "fat");
        if (it->nfindings == 0)
            printf("  %-10s none (load paths audited)\n", "findings");
        for (size_t f = 0; f < ar->nfindings; f++)
            if (item_of(items, n, &ar->findings[f]) == it && finding_kept(it, &ar->findings[f]))
                print_finding_text(&ar->findings[f]);
    }
}

static void json_slice(lcp_json *j, const lcp_rescue_slice *s) {
    char v[32];
    lcp_json_begin_object(j);
    lcp_json_key(j, "arch");
    lcp_json_string(j, s->arch);
    lcp_json_key(j, "member");
    lcp_json_string(j, s->member);
    lcp_json_key(j, "removed");
    lcp_json_bool(j, s->removed);
    if (!s->removed) {
        lcp_json_key(j, "signature_removed");
        lcp_json_bool(j, s->signature_removed);
        if (s->sdk_checked) {
            const lcp_sdk_change *c = &s->sdk;
            lcp_json_key(j, "version_command");
            lcp_json_string(j, c->cmd ? lcp_lc_name(c->cmd) : NULL);
            lcp_json_key(j, "sdk_action");
            lcp_json_string(j, sdk_action_name(c->action));
            lcp_json_key(j, "sdk_before");
            lcp_json_string(j, c->cmd_index >= 0 || c->old_sdk ? lcp_version_format(c->old_sdk, v, sizeof v) : NULL);
            lcp_json_key(j, "sdk_after");
            uint32_t after =
                c->action == LCP_SDK_UNCHANGED || c->action == LCP_SDK_OTHER_PLATFORM || c->action == LCP_SDK_NO_SPACE
                    ? c->old_sdk
                    : c->new_sdk;
            lcp_json_string(j, c->cmd_index >= 0 || after ? lcp_version_format(after, v, sizeof v) : NULL);
        }
        lcp_json_key(j, "size_before");
        lcp_json_uint(j, s->size_before);
        lcp_json_key(j, "size_after");
        lcp_json_uint(j, s->size_after);
        lcp_json_key(j, "header_space_left");
        lcp_json_int(j, s->space_after);
        lcp_json_key(j, "blocker");
        lcp_json_string(j, s->blocker[0] ? s->blocker : NULL);
        lcp_json_key(j, "note");
        lcp_json_string(j, s->note[0] ? s->note : NULL);
    }
    lcp_json_end_object(j);
}

/* Quotes a path for sh when it needs it. */
static void print_shell_word(FILE *fp, const char *s) {
    if (s[strcspn(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~")] == '\0' && s[0]) {
        fputs(s, fp);
        return;
    }
    fputc('\'', fp);
    for (; *s; s++) {
        if (*s == '\'')
            fputs("'\\''", fp);
        else
            fputc(*s, fp);
    }
    fputc('\'', fp);
}

static bool is_bundle(const char *p) {
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    static const char *const ext[] = {".app", ".framework", ".bundle", ".plugin", ".appex", ".xpc"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t e = strlen(ext[i]);
        if (n > e && strncmp(p + n - e, ext[i], e) == 0)
            return true;
    }
    return false;
}

/* True when codesign signs this file: some kept image is neither an object
 * (archives) nor a dSYM. */
static bool signable(const lcp_rescue_file *rf) {
    for (size_t i = 0; i < rf->file->nslices && i < rf->nslices; i++) {
        const lcp_image *img = rf->file->slices[i].image;
        if (!rf->slices[i].removed && img && img->filetype != LCP_MH_OBJECT && img->filetype != LCP_MH_DSYM)
            return true;
    }
    return false;
}

/* The next step: sign every output (a bundle's files inside out, then the
 * bundle). Written to a string for JSON and text alike. */
static char *next_step(const item *items, size_t n, char *const *roots, size_t nroots) {
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp == NULL)
        return NULL;
    fputs("codesign --force --options runtime --timestamp --sign \"Developer ID Application: YOUR NAME (TEAMID)\"", fp);
    for (size_t i = 0; i < n; i++) {
        if (items[i].failed || !signable(items[i].rf))
            continue; /* static archives are linked and dSYMs kept aside, not signed */
        fputc(' ', fp);
        print_shell_word(fp, items[i].dest ? items[i].dest : items[i].path);
    }
    for (size_t r = 0; r < nroots; r++)
        if (is_bundle(roots[r])) {
            fputc(' ', fp);
            print_shell_word(fp, roots[r]);
        }
    fclose(fp);
    return buf;
}

static bool parse_keep(const char *v, uint32_t (**keep)[2], size_t *nkeep) {
    char *copy = strdup(v);
    if (copy == NULL)
        return false;
    bool ok = true;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        uint32_t t, s;
        if (!lcp_arch_from_name(tok, &t, &s)) {
            lcp_cli_usage_error("rescue", "unknown architecture '%s' in --keep", tok);
            ok = false;
            break;
        }
        uint32_t(*n)[2] = realloc(*keep, (*nkeep + 1) * sizeof *n);
        if (n == NULL) {
            ok = false;
            break;
        }
        *keep = n;
        (*keep)[*nkeep][0] = t;
        (*keep)[*nkeep][1] = s;
        (*nkeep)++;
    }
    free(copy);
    return ok;
}

int cmd_rescue(int argc, char **argv) {
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    lcp_rescue_options opt;
    lcp_rescue_options_init(&opt);
    uint32_t(*keep)[2] = NULL;
    size_t nkeep = 0;
    bool json = false, dry_run = false, fix_paths = false;
    int i = 1, status = LCP_EXIT_OK;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *a = argv[i];
        if (lcp_cli_is_help(a)) {
            fputs(rescue_help, stdout);
            free(keep);
            return LCP_EXIT_OK;
        }
        int r = lcp_output_opts_parse(&out, "rescue", argc, argv, &i);
        if (r < 0) {
            free(keep);
            return LCP_EXIT_USAGE;
        }
        if (r > 0)
            continue;
        if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-n") == 0)
            dry_run = true;
        else if (strcmp(a, "--fix-paths") == 0)
            fix_paths = true;
        else if (strcmp(a, "--sdk") == 0 || strcmp(a, "--keep") == 0) {
            if (i + 1 >= argc) {
                free(keep);
                return lcp_cli_usage_error("rescue", "%s needs a value", a);
            }
            const char *v = argv[++i];
            if (strcmp(a, "--sdk") == 0) {
                if (!lcp_version_parse(v, &opt.sdk) || opt.sdk < LCP_VERSION(10, 9, 0)) {
                    free(keep);
                    return lcp_cli_usage_error("rescue", "--sdk wants a version of at least 10.9, not '%s'", v);
                }
            } else if (!parse_keep(v, &keep, &nkeep)) {
                free(keep);
                return LCP_EXIT_USAGE;
            }
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else {
            free(keep);
            return lcp_cli_usage_error("rescue", "unknown option '%s'", a);
        }
    }
    opt.keep = (const uint32_t(*)[2])keep;
    opt.nkeep = nkeep;
    char *const *roots = argv + i;
    size_t nroots = (size_t)(argc - i);
    if (nroots == 0) {
        free(keep);
        return lcp_cli_usage_error("rescue", "no PATH given");
    }
    if (!dry_run && lcp_output_opts_check(&out, "rescue", argv + i, argc - i)) {
        free(keep);
        return LCP_EXIT_USAGE;
    }
    if (fix_paths && out.output) {
        free(keep);
        return lcp_cli_usage_error("rescue", "--fix-paths edits bundles in place: use --in-place (or --dry-run)");
    }
    /* Expand folders and bundles into their Mach-O files. */
    item *items = NULL;
    size_t nitems = 0;
    char ***found = calloc(nroots, sizeof *found);
    size_t *nfound = calloc(nroots, sizeof *nfound);
    if (found == NULL || nfound == NULL) {
        fprintf(stderr, "lcpatch: out of memory\n");
        free(found);
        free(nfound);
        free(keep);
        return LCP_EXIT_FAILED;
    }
    for (size_t r = 0; r < nroots && status == LCP_EXIT_OK; r++) {
        lcp_error err;
        struct stat sb;
        if (out.output && stat(roots[r], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            status = lcp_cli_usage_error("rescue", "%s is a folder: rescue it --in-place (or --dry-run)", roots[r]);
            break;
        }
        /* A PATH that cannot be read is a failed item of its own, so that
         * every PATH appears in the report; the others are still planned
         * (and nothing is written, as for any failure). */
        bool root_failed = lcp_rescue_find_files(roots[r], &found[r], &nfound[r], &err) != LCP_OK;
        item *more = realloc(items, (nitems + nfound[r] + 1) * sizeof *items);
        if (more == NULL) {
            status = LCP_EXIT_FAILED;
            break;
        }
        items = more;
        if (root_failed) {
            lcp_cli_fail(&err);
            item *it = &items[nitems++];
            memset(it, 0, sizeof *it);
            it->root = roots[r];
            it->path = roots[r];
            it->failed = true;
            it->err = err;
            continue;
        }
        for (size_t k = 0; k < nfound[r]; k++) {
            item *it = &items[nitems++];
            memset(it, 0, sizeof *it);
            it->root = roots[r];
            it->path = found[r][k];
            it->dest = dry_run && !out.output ? NULL : lcp_output_opts_dest(&out, it->path);
        }
    }
    size_t failures = 0, blocked = 0, audit_errors = 0;
    bool audit_failed = false;
    lcp_audit_report audit;
    lcp_audit_report_init(&audit);
    if (status == LCP_EXIT_OK) {
        /* Plan everything first. */
        for (size_t k = 0; k < nitems; k++) {
            item *it = &items[k];
            if (it->failed) {
                failures++; /* its PATH could not be read */
                continue;
            }
            if (lcp_rescue_plan_file(it->path, &opt, &it->rf, &it->err)) {
                it->failed = true;
                failures++;
                lcp_cli_fail(&it->err); /* with --json too, as every command does */
            } else if (it->rf->state == LCP_RESCUE_BLOCKED)
                blocked++;
        }
        if (failures || blocked)
            status = LCP_EXIT_FAILED;
        /* Step 5: audit the load paths of every root as it stands (rescue
         * changes no load path); report, never fix. */
        for (size_t r = 0; r < nroots; r++) {
            lcp_audit_options ao;
            memset(&ao, 0, sizeof ao);
            lcp_error err;
            if (lcp_audit_path(roots[r], &ao, &audit, &err) != LCP_OK)
                audit_failed = true; /* the plan's own error says more */
        }
        for (size_t f = 0; f < audit.nfindings; f++) {
            item *it = item_of(items, nitems, &audit.findings[f]);
            if (it && finding_kept(it, &audit.findings[f])) {
                it->nfindings++;
                if (audit.findings[f].severity == LCP_AUDIT_ERROR) {
                    it->errors++;
                    audit_errors++;
                }
            }
        }
        /* Then write, only when every plan is good: stage every output
         * first, and replace the files only when all of them were written,
         * so that a full disk halfway through leaves every file as it was. */
        for (size_t k = 0; k < nitems && !dry_run && status == LCP_EXIT_OK; k++) {
            item *it = &items[k];
            /* in place and nothing to do: leave the file alone; -o copies it */
            if (it->rf->state == LCP_RESCUE_ALREADY && !out.output)
                continue;
            lcp_error err;
            if (lcp_output_stage(&out, it->path, &it->rf->plan, &it->rf->file->src, &it->staged, &err)) {
                it->failed = true;
                it->err = err;
                failures++;
                status = lcp_cli_fail(&err);
            }
        }
        for (size_t k = 0; k < nitems; k++) {
            item *it = &items[k];
            if (it->staged == NULL)
                continue;
            lcp_staged_file *sf = it->staged;
            it->staged = NULL;
            if (status != LCP_EXIT_OK) {
                lcp_staged_file_abort(sf);
                continue;
            }
            lcp_error err;
            if (lcp_staged_file_commit(sf, &err)) {
                it->failed = true;
                it->err = err;
                failures++;
                status = lcp_cli_fail(&err);
                continue;
            }
            it->written = true;
        }
    }
    lcp_cli_fix_state *fix = NULL;
    int fix_status = LCP_EXIT_OK;
    if (fix_paths && status == LCP_EXIT_OK)
        fix_status = lcp_cli_fix_paths_run(roots, nroots, dry_run, lcp_output_opts_write_flags(&out), &fix);
    char *step = status == LCP_EXIT_OK ? next_step(items, nitems, roots, nroots) : NULL;
    /* done, but load paths need fixing (with --fix-paths its second audit decides) */
    if (status == LCP_EXIT_OK && audit_errors && !fix_paths)
        status = LCP_EXIT_FINDINGS;
    if (json) {
        lcp_json j;
        lcp_json_init(&j, stdout);
        lcp_json_begin_object(&j);
        lcp_json_key(&j, "dry_run");
        lcp_json_bool(&j, dry_run);
        lcp_json_key(&j, "files");
        lcp_json_begin_array(&j);
        for (size_t k = 0; k < nitems; k++) {
            const item *it = &items[k];
            lcp_json_begin_object(&j);
            lcp_json_key(&j, "file");
            lcp_json_string(&j, it->path);
            lcp_json_key(&j, "output");
            lcp_json_string(&j, it->dest);
            lcp_json_key(&j, "status");
            lcp_json_string(&j, state_name(it, dry_run));
            lcp_json_key(&j, "written");
            lcp_json_bool(&j, it->written);
            if (it->failed) {
                lcp_json_key(&j, "error");
                lcp_json_string(&j, it->err.message);
            }
            if (it->rf) {
                lcp_json_key(&j, "size_before");
                lcp_json_uint(&j, it->rf->size_before);
                lcp_json_key(&j, "size_after");
                lcp_json_uint(&j, it->rf->size_after);
                lcp_json_key(&j, "container");
                lcp_json_string(&j, it->rf->thin_output ? "thin" : "fat");
                lcp_json_key(&j, "slices");
                lcp_json_begin_array(&j);
                for (size_t s = 0; s < it->rf->nslices; s++)
                    json_slice(&j, &it->rf->slices[s]);
                lcp_json_end_array(&j);
                lcp_json_key(&j, "findings");
                lcp_json_begin_array(&j);
                for (size_t f = 0; f < audit.nfindings; f++)
                    if (item_of(items, nitems, &audit.findings[f]) == it && finding_kept(it, &audit.findings[f]))
                        json_finding(&j, &audit.findings[f]);
                lcp_json_end_array(&j);
            }
            lcp_json_end_object(&j);
        }
        lcp_json_end_array(&j);
        lcp_json_key(&j, "failures");
        lcp_json_begin_array(&j);
        for (size_t k = 0; k < nitems; k++)
            if (items[k].failed)
                lcp_json_failure_object(&j, items[k].path, &items[k].err);
        lcp_json_end_array(&j);
        if (fix_paths)
            lcp_cli_fix_paths_json(fix, &j);
        lcp_json_key(&j, "next_step");
        lcp_json_string(&j, step);
        lcp_json_end_object(&j);
        lcp_json_finish(&j);
    } else {
        if (dry_run)
            printf("dry run: nothing is written\n");
        print_text(items, nitems, dry_run, &audit);
        if (audit_errors && fix_paths)
            printf("%zu load path error%s above, before --fix-paths:\n", audit_errors, audit_errors == 1 ? "" : "s");
        else if (audit_errors)
            printf("%zu load path error%s above: rescue does not fix load paths (see lcpatch audit)\n", audit_errors,
                   audit_errors == 1 ? "" : "s");
        if (audit_failed)
            printf("the load paths of some files could not be audited\n");
        if (fix_paths)
            lcp_cli_fix_paths_print(fix);
        if (step)
            printf("next step:\n  %s\n", step);
        else if (nitems)
            printf("nothing written: fix the failures and blockers above, then run rescue again\n");
    }
    free(step);
    lcp_audit_report_release(&audit);
    lcp_cli_fix_paths_free(fix);
    if (fix_status > status)
        status = fix_status;
    for (size_t k = 0; k < nitems; k++)
        lcp_rescue_file_free(items[k].rf);
    free(items);
    for (size_t r = 0; r < nroots; r++)
        lcp_rescue_paths_free(found[r], nfound[r]);
    free(found);
    free(nfound);
    free(keep);
    return status;
}
