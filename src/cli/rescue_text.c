/* rescue's text report: per file, what was done to each slice, the load
 * path findings, and the next step; printed once every write is done. */
#include "cli/cli.h"
#include "cli/rescue_cli.h"

#include <stdio.h>
#include <string.h>

static void print_finding_text(const lcp_audit_finding *fd) {
    printf("  %-10s %s %s: %s '%s'", "finding", lcp_rescue_finding_blocks(fd) ? "error" : "warning",
           lcp_audit_kind_name(fd->kind), fd->command ? fd->command : "?", fd->path ? fd->path : "");
    if (fd->arch)
        printf(" (%s%s%s)", fd->arch, fd->member ? ", " : "", fd->member ? fd->member : "");
    if (fd->via)
        printf(" via %s", fd->via);
    putchar('\n');
    if (fd->hint)
        printf("  %-10s   %s\n", "", fd->hint);
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
            printf("%ssdk not raised (%s)", sep, rescue_sdk_action_name(c->action));
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

static void print_findings(lcp_rescue_item *items, size_t n, const lcp_rescue_item *it, const lcp_audit_report *ar) {
    for (size_t f = 0; f < ar->nfindings; f++)
        if (lcp_rescue_item_of(items, n, &ar->findings[f]) == it)
            print_finding_text(&ar->findings[f]);
}

/* "; not ready: ..." after the verdict of a file whose load paths stop it
 * from running signed with the hardened runtime. */
static void print_not_ready(const lcp_rescue_item *it) {
    if (it->errors)
        printf("; not ready: %zu load path error%s below to fix", it->errors, it->errors == 1 ? "" : "s");
    putchar('\n');
}

/* The files rescue leaves alone: no 64-bit slice, another platform, or
 * blocked and skipped; says why and what to do. */
static void print_left_alone(const lcp_rescue_item *it, size_t nitems, bool skip) {
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

static void print_text(lcp_rescue_item *items, size_t n, bool dry_run, bool skip, const lcp_audit_report *ar) {
    for (size_t i = 0; i < n; i++) {
        lcp_rescue_item *it = &items[i];
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
        if (rf->state == LCP_RESCUE_BLOCKED)
            printf("%s: blocked%s\n", it->path,
                   it->skipped ? ", left as it is (--skip-unrescuable)" : " (nothing written)");
        else if (!dry_run && !it->written)
            printf("%s: planned, not written (a failure or blocker elsewhere)\n", it->path);
        else {
            if (dry_run && it->dest == NULL)
                printf("%s: would be rescued (plan; -o OUT or --in-place writes it)", it->path);
            else if (dry_run && strcmp(it->dest, it->path) == 0)
                printf("%s: would be rescued in place (plan)", it->path);
            else if (dry_run)
                printf("%s -> %s (plan)", it->path, it->dest);
            else if (rf->state == LCP_RESCUE_ALREADY)
                printf("%s: already rescued: copied unchanged to %s", it->path, it->dest);
            else if (strcmp(it->dest, it->path) == 0)
                printf("%s: rescued in place", it->path);
            else
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

void rescue_print_text(const struct rescue_report *r) {
    const struct rescue_args *a = r->args;
    lcp_rescue_item *items = r->items;
    size_t nitems = r->nitems;
    if (a->dry_run)
        printf("dry run: nothing is written\n");
    print_text(items, nitems, a->dry_run, a->skip, r->audit);
    if (r->audit_errors && a->fix_paths)
        printf("%zu load path error%s above, before --fix-paths:\n", r->audit_errors, r->audit_errors == 1 ? "" : "s");
    else if (r->audit_errors)
        printf("%zu load path error%s above: rescue does not fix load paths (see lcpatch audit)\n", r->audit_errors,
               r->audit_errors == 1 ? "" : "s");
    if (r->audit_failed)
        printf("the load paths of some files could not be audited\n");
    if (a->fix_paths)
        lcp_cli_fix_paths_print(r->fix);
    if (r->step && r->audit_errors && !a->fix_paths)
        printf("next step, once the load path errors above are fixed:\n  %s\n", r->step);
    else if (r->step)
        printf("next step:\n  %s\n", r->step);
    else if (r->status == LCP_EXIT_FAILED)
        printf("nothing written: fix the failures and blockers above, then run rescue again\n");
    else if (nitems && lcp_rescue_items_unsigned(items, nitems))
        printf("no next step: static archives, object files and debug symbols (dSYM) are not signed "
               "(codesign signs the program they belong to)\n");
    else if (nitems)
        printf("no next step: nothing here was rescued to sign\n");
}
