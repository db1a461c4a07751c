/* The facts rescue's text and JSON reports share: which file a finding is
 * about, whether it counts, what happened to a file, and the next step. */
#include "cli/rescue_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The item a finding is about: root/file (or root itself for a file
 * argument); NULL when rescue did not plan that file (a symlink audit
 * followed, say). */
rescue_item *rescue_item_of(rescue_item *items, size_t n, const lcp_audit_finding *fd) {
    for (size_t i = 0; i < n; i++)
        if (lcp_rescue_finding_of(items[i].root, items[i].path, fd))
            return &items[i];
    return NULL;
}

const char *rescue_sdk_action_name(lcp_sdk_action a) {
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
const char *rescue_state_name(const rescue_item *it, bool dry_run) {
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

/* True when some file rescue made or kept is an archive or an object only
 * (what codesign never signs). */
bool rescue_next_step_unsigned(const rescue_item *items, size_t n) {
    for (size_t i = 0; i < n; i++) {
        const lcp_rescue_file *rf = items[i].rf;
        if (!items[i].failed && !items[i].skipped && rf &&
            (rf->state == LCP_RESCUE_CHANGED || rf->state == LCP_RESCUE_ALREADY) && !lcp_rescue_signable(rf))
            return true;
    }
    return false;
}

/* The next step: sign every output (a bundle's files inside out, then the
 * bundle). Written to a string for JSON and text alike. */
char *rescue_next_step(const rescue_item *items, size_t n, char *const *roots, size_t nroots) {
    size_t nsign = 0;
    for (size_t i = 0; i < n; i++)
        nsign += !items[i].failed && !items[i].skipped && lcp_rescue_signable(items[i].rf);
    if (nsign == 0)
        return NULL; /* archives, objects, files left alone: codesign has nothing to sign */
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    if (fp == NULL)
        return NULL;
    fputs("codesign --force --options runtime --timestamp --sign \"Developer ID Application: YOUR NAME (TEAMID)\"", fp);
    for (size_t i = 0; i < n; i++) {
        if (items[i].failed || items[i].skipped || !lcp_rescue_signable(items[i].rf))
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
