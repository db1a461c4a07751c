/* lcpatch rescue: one command from a legacy library to a file codesign and
 * the notary service accept (the plan is src/edit/rescue.c). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/fix_paths_cli.h"
#include "cli/json.h"
#include "cli/output_opts.h"
#include "cli/rescue_adhoc.h"
#include "lcpatch/audit.h"
#include "lcpatch/rescue.h"
#include "lcpatch/slices.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char rescue_help[] =
    "usage: lcpatch rescue [--sdk 10.9] [--keep ARCHS] [--dry-run] [--json] [--fix-paths]\n"
    "                      [--exclude PATH]... [--skip-unrescuable] [--adhoc] [--no-fsync]\n"
    "                      (-o OUT | --in-place) PATH...\n"
    "\n"
    "Makes legacy Mach-O files ready for `codesign --options runtime` and the\n"
    "notary service, in one step per file, planned completely before anything\n"
    "is written (a failure anywhere writes nothing):\n"
    "  1. drops the legacy slices (ppc, ppc64, i386, 32-bit ARM...) unless\n"
    "     --keep x86_64,arm64 names what to keep; a file with no x86_64 or\n"
    "     arm64 slice is refused (blocked);\n"
    "  2. removes the signature (codesign --remove-signature);\n"
    "  3. raises the sdk of every macOS slice to --sdk (default 10.9), in place;\n"
    "  4. checks that codesign can sign the result: 16 bytes of header space for\n"
    "     LC_CODE_SIGNATURE, aligned cmdsizes, __LINKEDIT last; a blocker stops\n"
    "     every write;\n"
    "  5. audits the load paths (lcpatch audit's rules) and reports dangling ones;\n"
    "     they are not fixed. A load path that stops the result from running\n"
    "     (audit's errors, and relative paths, which the hardened runtime\n"
    "     refuses) makes the file \"not ready\" and the exit status 1.\n"
    "PATH: files, bundles or folders (every Mach-O file inside, archives\n"
    "included; folders need --in-place). A file already rescued is left as it\n"
    "is (\"already rescued\"). A file built for iOS, tvOS, watchOS... (no macOS\n"
    "image) is reported and left alone (lcpatch strip-arch, unsign and set-sdk\n"
    "--platform edit it when asked to). A folder with no Mach-O file is\n"
    "reported (exit 1). --dry-run prints the plan and writes nothing.\n"
    "The report ends with the codesign command to run next (none when nothing\n"
    "there is signed: static archives and object files are linked, not signed).\n"
    "--exclude PATH: leave PATH (a file, or every file under a folder) out of\n"
    "the rescue; repeatable; a PATH that matches no file is a usage error.\n"
    "--skip-unrescuable: a file with no x86_64 or arm64 slice, or with a\n"
    "blocker, is reported as blocked and left as it is, and the other files are\n"
    "rescued (exit 1); without it such a file stops every write, and the report\n"
    "says how to exclude it.\n"
    "--fix-paths (bundles and folders, --in-place): after step 4, rewrite the\n"
    "dangling loads whose library is inside the PATH to @rpath/..., add the\n"
    "rpath that finds them, delete LC_RPATHs outside it, audit again and report\n"
    "what is left (docs/fix-paths.md).\n"
    "--adhoc: sign each rescued file ad hoc (as `codesign -s -`, lcpatch sign\n"
    "--adhoc) so that it runs here; distribution still needs codesign's\n"
    "Developer ID signature.\n" LCP_OUTPUT_NO_FSYNC_HELP
    "Exit status: 0 done, 1 done but problems were reported (load path errors,\n"
    "left with --fix-paths; files left alone or skipped; nothing found), 2 usage\n"
    "(-o naming a folder included), 3 an input failed or a blocker was found.\n";

/* One file to rescue and where its result goes. */
typedef struct item {
    const char *root; /* the PATH argument it came from */
    char *path;       /* borrowed from the found-files lists */
    const char *dest; /* output path, or NULL for --dry-run */
    lcp_rescue_file *rf;
    lcp_error err;
    bool failed, written;
    bool skipped;             /* unrescuable, left as it is (--skip-unrescuable) */
    lcp_staged_file *staged;  /* between staging and commit */
    lcp_rescue_adhoc *adhoc;  /* --adhoc: the output signed ad hoc */
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
 * legacy slices go away with them, and files left alone are not signed). */
static bool finding_kept(const item *it, const lcp_audit_finding *fd) {
    if (it == NULL || it->rf == NULL)
        return true;
    if (it->rf->state == LCP_RESCUE_NO_64BIT || it->rf->state == LCP_RESCUE_OTHER_PLATFORM)
        return false; /* left alone: rescue reports why, not its load paths */
    for (size_t k = 0; k < it->rf->nslices; k++) {
        const lcp_rescue_slice *s = &it->rf->slices[k];
        if (strcmp(s->arch, fd->arch ? fd->arch : "") == 0 && ((s->member == NULL) == (fd->member == NULL)) &&
            (!s->member || strcmp(s->member, fd->member) == 0))
            return !s->removed;
    }
    return true;
}

/* True when the finding stops the goal, a program signed with the hardened
 * runtime that runs: audit's errors, and the relative load paths and
 * rpaths that audit only warns about (dyld refuses them in hardened
 * programs, so rescue's verdict cannot be "ready" with one left). */
static bool finding_blocks(const lcp_audit_finding *fd) {
    return fd->severity == LCP_AUDIT_ERROR || fd->kind == LCP_AUDIT_RELATIVE_PATH;
}

static void print_finding_text(const lcp_audit_finding *fd) {
    printf("  %-10s %s %s: %s '%s'", "finding", finding_blocks(fd) ? "error" : "warning", lcp_audit_kind_name(fd->kind),
           fd->command ? fd->command : "?", fd->path ? fd->path : "");
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
    lcp_json_string(j, finding_blocks(fd) ? "error" : "warning");
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
    case LCP_RESCUE_BLOCKED:
    case LCP_RESCUE_NO_64BIT: return "blocked";
    case LCP_RESCUE_OTHER_PLATFORM: return "not macOS";
    }
    return "?";
}

static const char *version_or_na(uint32_t v, char *buf, size_t len) {
    return v ? lcp_version_format(v, buf, len) : "n/a";
}

static void print_slice_text(const lcp_rescue_file *rf, size_t index) {
    const lcp_rescue_slice *s = &rf->slices[index];
    char label[200], v1[32], v2[32];
    const lcp_slice *fs = index < rf->file->nslices ? &rf->file->slices[index] : NULL;
    if (fs && fs->archive) {
        printf("  %-10s %sarchive of %zu members\n", s->arch, s->removed ? "removed: " : "", fs->archive->nmembers);
        return;
    }
    if (s->not_macho)
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
        const char *name = c->cmd ? lcp_lc_name(c->cmd) : NULL;
        /* an sdk field of 0 is "n/a", as show prints it */
        if (c->action == LCP_SDK_REWRITTEN) {
            printf("%ssdk %s -> %s (%s, rewritten in place)", sep, version_or_na(c->old_sdk, v1, sizeof v1),
                   lcp_version_format(c->new_sdk, v2, sizeof v2), name ? name : "?");
        } else if (c->action == LCP_SDK_ADDED_BUILD_VERSION || c->action == LCP_SDK_ADDED_VERSION_MIN) {
            printf("%ssdk none -> %s (%s added)", sep, lcp_version_format(c->new_sdk, v2, sizeof v2),
                   name ? name : "?");
        } else if (c->action == LCP_SDK_UNCHANGED) {
            printf("%ssdk %s (no change)", sep, version_or_na(c->new_sdk ? c->new_sdk : c->old_sdk, v1, sizeof v1));
        } else if (c->action == LCP_SDK_OTHER_PLATFORM) {
            const char *pn = lcp_platform_name(c->platform);
            printf("%ssdk %s (%s %s: left alone)", sep, version_or_na(c->old_sdk, v1, sizeof v1), pn ? pn : "?",
                   name ? name : "?");
        } else {
            printf("%ssdk not raised (%s)", sep, sdk_action_name(c->action));
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

static void print_findings(item *items, size_t n, const item *it, const lcp_audit_report *ar) {
    for (size_t f = 0; f < ar->nfindings; f++)
        if (item_of(items, n, &ar->findings[f]) == it && finding_kept(it, &ar->findings[f]))
            print_finding_text(&ar->findings[f]);
}

/* "; not ready: ..." after the verdict of a file whose load paths stop it
 * from running signed with the hardened runtime. */
static void print_not_ready(const item *it) {
    if (it->errors)
        printf("; not ready: %zu load path error%s below to fix", it->errors, it->errors == 1 ? "" : "s");
    putchar('\n');
}

/* The files rescue leaves alone: no 64-bit slice, another platform, or
 * blocked and skipped; says why and what to do. */
static void print_left_alone(const item *it, size_t nitems, bool skip) {
    const lcp_rescue_file *rf = it->rf;
    if (rf->state == LCP_RESCUE_OTHER_PLATFORM) {
        printf("%s: left alone: %s\n", it->path, rf->reason);
        printf("  %-10s nothing, if it is not meant for a Mac; to edit it anyway use lcpatch strip-arch, unsign\n"
               "  %-10s and set-sdk --platform\n",
               "advice", "");
        return;
    }
    if (skip) {
        printf("%s: blocked, left as it is (--skip-unrescuable)", it->path);
        if (rf->state == LCP_RESCUE_NO_64BIT)
            printf(": %s", rf->reason);
        putchar('\n');
    } else
        printf("%s: blocked (nothing written): %s\n", it->path, rf->reason);
    printf("  %-10s rebuild it for x86_64 or arm64, or remove it", "advice");
    if (skip)
        printf(" before signing\n");
    else if (nitems > 1)
        printf(
            ";\n  %-10s to rescue the other files now, run again with --exclude %s\n  %-10s (or --skip-unrescuable)\n",
            "", it->path, "");
    else
        printf("\n");
}

static void print_text(item *items, size_t n, bool dry_run, bool skip, const lcp_audit_report *ar) {
    for (size_t i = 0; i < n; i++) {
        item *it = &items[i];
        if (it->failed) {
            printf("%s: failed (see the error above)\n", it->path);
            continue;
        }
        const lcp_rescue_file *rf = it->rf;
        if (rf->state == LCP_RESCUE_NO_64BIT || rf->state == LCP_RESCUE_OTHER_PLATFORM) {
            print_left_alone(it, n, skip);
            continue;
        }
        if (rf->state == LCP_RESCUE_ALREADY && !it->written) {
            if (it->errors)
                printf("%s: not ready: nothing for rescue to change, but %zu load path error%s below to fix\n",
                       it->path, it->errors, it->errors == 1 ? "" : "s");
            else
                printf("%s: already rescued: nothing to change\n", it->path);
            print_findings(items, n, it, ar);
            continue;
        }
        if (rf->state == LCP_RESCUE_BLOCKED && it->skipped)
            printf("%s: blocked, left as it is (--skip-unrescuable)\n", it->path);
        else if (rf->state == LCP_RESCUE_BLOCKED)
            printf("%s: blocked (nothing written)\n", it->path);
        else if (dry_run && it->dest == NULL) {
            printf("%s: would be rescued (plan; -o OUT or --in-place writes it)", it->path);
            print_not_ready(it);
        } else if (dry_run && strcmp(it->dest, it->path) == 0) {
            printf("%s: would be rescued in place (plan)", it->path);
            print_not_ready(it);
        } else if (dry_run) {
            printf("%s -> %s (plan)", it->path, it->dest);
            print_not_ready(it);
        } else if (!it->written)
            printf("%s: planned, not written (a failure or blocker elsewhere)\n", it->path);
        else if (rf->state == LCP_RESCUE_ALREADY) {
            printf("%s: already rescued: copied unchanged to %s", it->path, it->dest);
            print_not_ready(it);
        } else if (strcmp(it->dest, it->path) == 0) {
            printf("%s: rescued in place", it->path);
            print_not_ready(it);
        } else {
            printf("%s -> %s", it->path, it->dest);
            print_not_ready(it);
        }
        for (size_t k = 0; k < rf->nslices; k++)
            print_slice_text(rf, k);
        printf("  %-10s %llu -> %llu bytes (%s)\n", "size", (unsigned long long)rf->size_before,
               (unsigned long long)rf->size_after, rf->thin_output ? "thin" : "fat");
        if (rf->state == LCP_RESCUE_BLOCKED && it->skipped)
            printf("  %-10s fix the blocker above (or remove the file) before signing\n", "advice");
        if (it->nfindings == 0)
            printf("  %-10s none (load paths audited)\n", "findings");
        print_findings(items, n, it, ar);
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
    if (rf->state != LCP_RESCUE_CHANGED && rf->state != LCP_RESCUE_ALREADY)
        return false; /* left alone: nothing rescue made to sign */
    for (size_t i = 0; i < rf->file->nslices && i < rf->nslices; i++) {
        const lcp_image *img = rf->file->slices[i].image;
        if (!rf->slices[i].removed && img && img->filetype != LCP_MH_OBJECT && img->filetype != LCP_MH_DSYM)
            return true;
    }
    return false;
}

/* True when some file rescue made or kept is an archive or an object only
 * (what codesign never signs). */
static bool next_step_unsigned(const item *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const lcp_rescue_file *rf = items[i].rf;
        if (!items[i].failed && !items[i].skipped && rf &&
            (rf->state == LCP_RESCUE_CHANGED || rf->state == LCP_RESCUE_ALREADY) && !signable(rf))
            return true;
    }
    return false;
}

/* The next step: sign every output (a bundle's files inside out, then the
 * bundle). Written to a string for JSON and text alike. */
static char *next_step(const item *items, size_t n, char *const *roots, size_t nroots) {
    size_t nsign = 0;
    for (size_t i = 0; i < n; i++)
        nsign += !items[i].failed && !items[i].skipped && signable(items[i].rf);
    if (nsign == 0)
        return NULL; /* archives, objects, files left alone: codesign has nothing to sign */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp == NULL)
        return NULL;
    fputs("codesign --force --options runtime --timestamp --sign \"Developer ID Application: YOUR NAME (TEAMID)\"", fp);
    for (size_t i = 0; i < n; i++) {
        if (items[i].failed || items[i].skipped || !signable(items[i].rf))
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

/* True when path is excl or lies under the folder excl. */
static bool excluded(const char *path, char *const *excl, size_t nexcl, bool *used) {
    for (size_t e = 0; e < nexcl; e++) {
        size_t l = strlen(excl[e]);
        while (l > 1 && excl[e][l - 1] == '/')
            l--;
        if (strncmp(path, excl[e], l) == 0 && (path[l] == '\0' || path[l] == '/')) {
            used[e] = true;
            return true;
        }
    }
    return false;
}

/* -o OUT naming a folder fails at the rename, after the output was written
 * to a temporary file: say it before anything is written. */
static bool output_is_folder(const lcp_output_opts *out) {
    struct stat sb;
    return out->output && stat(out->output, &sb) == 0 && S_ISDIR(sb.st_mode);
}

int cmd_rescue(int argc, char **argv) {
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    lcp_rescue_options opt;
    lcp_rescue_options_init(&opt);
    uint32_t(*keep)[2] = NULL;
    size_t nkeep = 0;
    bool json = false, dry_run = false, fix_paths = false, skip = false, adhoc = false;
    char **excl = NULL; /* --exclude values (borrowed from argv) */
    size_t nexcl = 0;
    bool *excl_used = NULL;
    int i = 1, status = LCP_EXIT_OK;
    item *items = NULL;
    size_t nitems = 0, nroots = 0;
    char ***found = NULL;
    size_t *nfound = NULL;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] != '\0'; i++) {
        const char *a = argv[i];
        if (lcp_cli_is_help(a)) {
            fputs(rescue_help, stdout);
            goto cleanup;
        }
        int r = lcp_output_opts_parse(&out, "rescue", argc, argv, &i);
        if (r < 0) {
            status = LCP_EXIT_USAGE;
            goto cleanup;
        }
        if (r > 0)
            continue;
        if (strcmp(a, "--json") == 0)
            json = true;
        else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-n") == 0)
            dry_run = true;
        else if (strcmp(a, "--fix-paths") == 0)
            fix_paths = true;
        else if (strcmp(a, "--skip-unrescuable") == 0)
            skip = true;
        else if (strcmp(a, "--adhoc") == 0)
            adhoc = true;
        else if (strcmp(a, "--sdk") == 0 || strcmp(a, "--keep") == 0 || strcmp(a, "--exclude") == 0) {
            if (i + 1 >= argc) {
                status = lcp_cli_usage_error("rescue", "%s needs a value", a);
                goto cleanup;
            }
            char *v = argv[++i];
            if (strcmp(a, "--sdk") == 0) {
                if (!lcp_version_parse(v, &opt.sdk)) {
                    status = lcp_cli_usage_error("rescue",
                                                 "--sdk '%s' is not a version (X[.Y[.Z]], X <= 65535, Y, Z <= 255)", v);
                    goto cleanup;
                }
                if (opt.sdk < LCP_VERSION(10, 9, 0)) {
                    status = lcp_cli_usage_error("rescue", "--sdk wants a version of at least 10.9, not '%s'", v);
                    goto cleanup;
                }
            } else if (strcmp(a, "--exclude") == 0) {
                char **n = realloc(excl, (nexcl + 1) * sizeof *n);
                if (n == NULL) {
                    status = LCP_EXIT_FAILED;
                    goto cleanup;
                }
                excl = n;
                excl[nexcl++] = v;
            } else if (!parse_keep(v, &keep, &nkeep)) {
                status = LCP_EXIT_USAGE;
                goto cleanup;
            }
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else {
            status = lcp_cli_usage_error("rescue", "unknown option '%s'", a);
            goto cleanup;
        }
    }
    opt.keep = (const uint32_t(*)[2])keep;
    opt.nkeep = nkeep;
    char *const *roots = argv + i;
    nroots = (size_t)(argc - i);
    if (nroots == 0) {
        status = lcp_cli_usage_error("rescue", "no PATH given");
        goto cleanup;
    }
    if (!dry_run && lcp_output_opts_check(&out, "rescue", argv + i, argc - i)) {
        status = LCP_EXIT_USAGE;
        goto cleanup;
    }
    if (fix_paths && out.output) {
        status = lcp_cli_usage_error("rescue", "--fix-paths edits bundles in place: use --in-place (or --dry-run)");
        goto cleanup;
    }
    if (output_is_folder(&out)) {
        status = lcp_cli_usage_error("rescue", "-o %s is a folder: name the output file (e.g. %s/NAME)", out.output,
                                     out.output);
        goto cleanup;
    }
    for (size_t r = 0; r < nroots; r++) {
        struct stat sb;
        if (out.output && stat(roots[r], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            status = lcp_cli_usage_error("rescue", "%s is a folder: rescue it --in-place (or --dry-run)", roots[r]);
            goto cleanup;
        }
    }
    /* Expand folders and bundles into their Mach-O files. A PATH that
     * cannot be read is a failure like a file that cannot be planned: the
     * others are still planned and reported, and nothing is written. */
    found = calloc(nroots, sizeof *found);
    nfound = calloc(nroots, sizeof *nfound);
    excl_used = calloc(nexcl ? nexcl : 1, sizeof *excl_used);
    if (found == NULL || nfound == NULL || excl_used == NULL) {
        fprintf(stderr, "lcpatch: out of memory\n");
        status = LCP_EXIT_FAILED;
        goto cleanup;
    }
    size_t failures = 0, blocked = 0, audit_errors = 0, left_alone = 0, empty_roots = 0;
    for (size_t r = 0; r < nroots; r++) {
        /* A PATH that cannot be read is a failed item of its own, so that
         * every PATH appears in the report; the others are still planned
         * (and nothing is written, as for any failure). */
        lcp_error err;
        bool root_failed = lcp_rescue_find_files(roots[r], &found[r], &nfound[r], &err) != LCP_OK;
        item *more = realloc(items, (nitems + nfound[r] + 1) * sizeof *items);
        if (more == NULL) {
            fprintf(stderr, "lcpatch: out of memory\n");
            status = LCP_EXIT_FAILED;
            goto cleanup;
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
            failures++;
            continue;
        }
        size_t before = nitems;
        for (size_t k = 0; k < nfound[r]; k++) {
            if (excluded(found[r][k], excl, nexcl, excl_used))
                continue;
            item *it = &items[nitems++];
            memset(it, 0, sizeof *it);
            it->root = roots[r];
            it->path = found[r][k];
            it->dest = dry_run && !out.output && !out.in_place ? NULL : lcp_output_opts_dest(&out, it->path);
        }
        if (nitems == before && nfound[r] == 0) {
            /* a folder with no Mach-O file: nothing to rescue, nothing to sign */
            fprintf(stderr, "lcpatch: %s: no Mach-O file found (nothing to rescue)\n", roots[r]);
            empty_roots++;
        }
    }
    for (size_t e = 0; e < nexcl; e++)
        if (!excl_used[e]) {
            status = lcp_cli_usage_error("rescue", "--exclude %s: no file found under the PATHs is or lies under it",
                                         excl[e]);
            goto cleanup;
        }
    bool audit_failed = false;
    lcp_audit_report audit;
    lcp_audit_report_init(&audit);
    /* Plan everything first. */
    for (size_t k = 0; k < nitems; k++) {
        item *it = &items[k];
        if (it->failed)
            continue; /* its PATH could not be read (counted above) */
        if (lcp_rescue_plan_file(it->path, &opt, &it->rf, &it->err)) {
            it->failed = true;
            failures++;
            lcp_cli_fail(&it->err); /* with --json too, as every command does */
            continue;
        }
        lcp_rescue_state state = it->rf->state;
        if (state == LCP_RESCUE_OTHER_PLATFORM)
            left_alone++;
        else if ((state == LCP_RESCUE_BLOCKED || state == LCP_RESCUE_NO_64BIT) && skip) {
            it->skipped = true;
            left_alone++;
        } else if (state == LCP_RESCUE_BLOCKED || state == LCP_RESCUE_NO_64BIT) {
            blocked++;
            if (state == LCP_RESCUE_NO_64BIT && !json)
                fprintf(stderr, "lcpatch: %s: %s\n", it->path, it->rf->reason);
        }
    }
    if (failures || blocked)
        status = LCP_EXIT_FAILED;
    /* Step 5: audit the load paths of every root as it stands (rescue
     * changes no load path); report, never fix. */
    for (size_t r = 0; r < nroots; r++) {
        lcp_audit_options ao;
        memset(&ao, 0, sizeof ao);
        lcp_error err;
        if (nfound[r] && lcp_audit_path(roots[r], &ao, &audit, &err) != LCP_OK)
            audit_failed = true; /* the plan's own error says more */
    }
    for (size_t f = 0; f < audit.nfindings; f++) {
        item *it = item_of(items, nitems, &audit.findings[f]);
        if (it && finding_kept(it, &audit.findings[f])) {
            it->nfindings++;
            if (finding_blocks(&audit.findings[f])) {
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
        lcp_rescue_state state = it->rf->state;
        if (it->skipped || state == LCP_RESCUE_OTHER_PLATFORM)
            continue; /* left as it is */
        /* in place and nothing to do: leave the file alone; -o copies it */
        if (state == LCP_RESCUE_ALREADY && !out.output)
            continue;
        lcp_error err;
        lcp_status ast =
            adhoc ? lcp_rescue_adhoc_sign(it->rf, lcp_output_opts_dest(&out, it->path), &it->adhoc, &err) : LCP_OK;
        const lcp_plan *pl = it->adhoc ? &it->adhoc->plan : &it->rf->plan;
        const lcp_source *src = it->adhoc ? &it->adhoc->file->src : &it->rf->file->src;
        if (ast || lcp_output_stage(&out, it->path, pl, src, &it->staged, &err)) {
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
    lcp_cli_fix_state *fix = NULL;
    int fix_status = LCP_EXIT_OK;
    if (fix_paths && status == LCP_EXIT_OK)
        fix_status = lcp_cli_fix_paths_run(roots, nroots, dry_run, lcp_output_opts_write_flags(&out), &fix);
    char *step = status == LCP_EXIT_OK ? next_step(items, nitems, roots, nroots) : NULL;
    /* done, but load paths need fixing (with --fix-paths its second audit
     * decides), files were left alone, or a folder held nothing */
    if (status == LCP_EXIT_OK && ((audit_errors && !fix_paths) || left_alone || empty_roots))
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
                char etext[LCP_CLI_ERROR_TEXT_MAX];
                lcp_json_string(&j, lcp_cli_error_text(&it->err, etext, sizeof etext));
            }
            if (it->rf && it->rf->reason[0]) {
                lcp_json_key(&j, "reason");
                lcp_json_string(&j, it->rf->reason);
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
                    if (!it->rf->slices[s].not_macho)
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
        print_text(items, nitems, dry_run, skip, &audit);
        if (audit_errors && fix_paths)
            printf("%zu load path error%s above, before --fix-paths:\n", audit_errors, audit_errors == 1 ? "" : "s");
        else if (audit_errors)
            printf("%zu load path error%s above: rescue does not fix load paths (see lcpatch audit)\n", audit_errors,
                   audit_errors == 1 ? "" : "s");
        if (audit_failed)
            printf("the load paths of some files could not be audited\n");
        if (fix_paths)
            lcp_cli_fix_paths_print(fix);
        if (step && audit_errors && !fix_paths)
            printf("next step, once the load path errors above are fixed:\n  %s\n", step);
        else if (step)
            printf("next step:\n  %s\n", step);
        else if (status == LCP_EXIT_FAILED)
            printf("nothing written: fix the failures and blockers above, then run rescue again\n");
        else if (nitems && next_step_unsigned(items, nitems))
            printf("no next step: static archives, object files and debug symbols (dSYM) are not signed "
                   "(codesign signs the program they belong to)\n");
        else if (nitems)
            printf("no next step: nothing here was rescued to sign\n");
    }
    free(step);
    lcp_audit_report_release(&audit);
    lcp_cli_fix_paths_free(fix);
    if (fix_status > status)
        status = fix_status;
cleanup:
    for (size_t k = 0; k < nitems; k++) {
        lcp_rescue_file_free(items[k].rf);
        lcp_rescue_adhoc_free(items[k].adhoc);
    }
    free(items);
    for (size_t r = 0; found && r < nroots; r++)
        lcp_rescue_paths_free(found[r], nfound[r]);
    free(found);
    free(nfound);
    free(excl);
    free(excl_used);
    free(keep);
    return status;
}
