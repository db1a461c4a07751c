/* lcpatch set-sdk: every macOS slice (and archive member) ends with an sdk of
 * at least the requested version (10.9 by default), the edit that needs no
 * header space chosen whenever there is one (lcp_version_raise_sdk). */
#include "cli/cli.h"
#include "cli/edit_files.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/options.h"
#include "cli/output_opts.h"

#include <string.h>

static const char set_sdk_help[] =
    "usage: lcpatch set-sdk [--sdk V] [--minos V] [--platform P] [--arch A]... [--json]\n"
    "                       [--no-fsync] [--no-resign] (-o OUT | --in-place) FILE...\n"
    "\n"
    "Raises the sdk recorded in every slice and archive member of platform P\n"
    "(macos by default) to at least V (10.9 by default: the notary service\n"
    "rejects anything older). --minos also sets the minimum OS version. --arch\n"
    "limits the edit to the named architectures (repeatable).\n"
    "\n"
    "Space rules: an existing LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX is\n"
    "rewritten in place (same size, same place: no header space needed). Only a\n"
    "slice without any version command gets a new one: an LC_BUILD_VERSION (24\n"
    "bytes) when it fits before the first section together with 16 bytes kept\n"
    "for the LC_CODE_SIGNATURE codesign adds (not needed when already signed),\n"
    "else an LC_VERSION_MIN_MACOSX (16 bytes) under the same rule, else the file\n"
    "is refused (nothing written) with the bytes needed and free. Slices of\n"
    "other platforms, and PowerPC slices (ppc, ppc64: the notary service refuses\n"
    "them whatever their SDK; strip-arch --legacy removes them), are reported\n"
    "and left alone. Slices already at or above V\n"
    "are left alone: a second run changes nothing (--in-place then does not\n"
    "rewrite the file). Every byte outside the edited load commands is kept\n"
    "(but for a renewed signature).\n"
    "\n" LCP_OUTPUT_RESIGN_HELP "\n" LCP_OUTPUT_NO_FSYNC_HELP "\n" LCP_OUTPUT_ALL_OR_NOTHING_HELP
    "Exit status: 0 done, 2 usage, 3 the input failed, or a slice has no room.\n";

enum { OPT_SDK = 1, OPT_MINOS, OPT_PLATFORM, OPT_ARCH };

static const lcp_opt_spec set_sdk_specs[] = {
    {OPT_SDK, "--sdk", 0, LCP_OPT_VERSION, 0, "V", "the sdk to raise to (10.9)", 0, 0},
    {OPT_MINOS, "--minos", 0, LCP_OPT_VERSION, 0, "V", "set the minimum OS version too", 0, 0},
    {OPT_PLATFORM, "--platform", 0, LCP_OPT_PLATFORM, 0, "P", "the platform whose slices are raised (macos)", 0, 0},
    {OPT_ARCH, "--arch", 0, LCP_OPT_ARCH, LCP_OPT_REPEAT, "A", "only the slices of architecture A", 0, 0},
    LCP_OPT_JSON_SPEC,
    LCP_OPT_OUTPUT_SPECS,
    LCP_OPT_NO_RESIGN_SPEC,
};

static const lcp_opt_command set_sdk_command = {"set-sdk", set_sdk_help, set_sdk_specs, LCP_OPT_COUNT(set_sdk_specs),
                                                0};

#define MAX_ARCHS 32

struct sdk_ctx {
    lcp_sdk_request req;
    uint32_t archs[MAX_ARCHS][2];
    size_t narchs;
    lcp_edit_files e; /* the per-file loop's state */
};

static const char *action_name(lcp_sdk_action a) {
    switch (a) {
    case LCP_SDK_UNCHANGED: return "unchanged";
    case LCP_SDK_REWRITTEN: return "rewritten";
    case LCP_SDK_ADDED_BUILD_VERSION:
    case LCP_SDK_ADDED_VERSION_MIN: return "added";
    case LCP_SDK_OTHER_PLATFORM: return "other-platform";
    case LCP_SDK_NO_SPACE: return "no-space";
    }
    return "?";
}

static bool arch_wanted(const struct sdk_ctx *c, const lcp_image *img) {
    if (c->narchs == 0)
        return true;
    for (size_t i = 0; i < c->narchs; i++)
        if (lcp_arch_matches(img->cputype, img->cpusubtype, c->archs[i][0], c->archs[i][1]))
            return true;
    return false;
}

/* vtool's way: 0 reads "n/a" */
static const char *fmt_version(uint32_t v, char *buf, size_t len) {
    return v ? lcp_version_format(v, buf, len) : "n/a";
}

static void json_version(lcp_json *j, const char *key, uint32_t minos, uint32_t sdk) {
    char a[32], b[32];
    lcp_json_key(j, key);
    if (minos == 0 && sdk == 0) {
        lcp_json_null(j);
        return;
    }
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "minos", lcp_version_format(minos, a, sizeof a));
    lcp_json_field_string(j, "sdk", lcp_version_format(sdk, b, sizeof b));
    lcp_json_end_object(j);
}

/* Why a slice is not looked at: not asked for, or PowerPC code, which the
 * notary service refuses whatever its SDK (strip it instead). */
enum skip { NOT_SKIPPED, SKIP_ARCH, SKIP_PPC };

/* What the visitor did to one image: printed once the write is done. */
struct sdk_record {
    char label[1024]; /* "file (arch)" */
    char arch[48];
    bool in_member;
    char member[1024]; /* the archive member's name when in_member */
    lcp_sdk_change r;
    enum skip skipped;
};

static void print_record(const void *rec, lcp_json *json) {
    const struct sdk_record *x = rec;
    const char *label = x->label, *arch = x->arch;
    const char *member = x->in_member ? x->member : NULL;
    const lcp_sdk_change *r = &x->r;
    enum skip skipped = x->skipped;
    char b[4][32];
    const char *cmd = r->cmd ? lcp_lc_name(r->cmd) : NULL;
    const char *platform = r->platform ? lcp_platform_name(r->platform) : NULL;
    char pbuf[16];
    if (r->platform && !platform) {
        snprintf(pbuf, sizeof pbuf, "%u", r->platform);
        platform = pbuf;
    }
    if (json) {
        lcp_json *j = json;
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "arch", arch);
        lcp_json_field_string(j, "member", member);
        lcp_json_field_string(j, "action",
                              skipped == SKIP_PPC    ? "skipped-ppc"
                              : skipped == SKIP_ARCH ? "skipped-arch"
                                                     : action_name(r->action));
        lcp_json_field_string(j, "command", skipped ? NULL : cmd);
        lcp_json_field_string(j, "platform", skipped ? NULL : platform);
        json_version(j, "before", skipped ? 0 : r->old_minos, skipped ? 0 : r->old_sdk);
        json_version(j, "after", skipped ? 0 : r->new_minos, skipped ? 0 : r->new_sdk);
        lcp_json_field_int(j, "free_before", r->free_before);
        lcp_json_field_int(j, "free_after", r->free_after);
        if (r->action == LCP_SDK_NO_SPACE && !skipped) {
            lcp_json_field_uint(j, "needed", r->needed);
        }
        lcp_json_end_object(j);
        return;
    }
    if (skipped == SKIP_PPC) {
        printf("%s: PowerPC slice: left alone (the notary service refuses PowerPC code whatever its SDK: remove it "
               "with lcpatch strip-arch --legacy)\n",
               label);
        return;
    }
    if (skipped) {
        printf("%s: not selected by --arch, left alone\n", label);
        return;
    }
    const char *m0 = fmt_version(r->old_minos, b[0], sizeof b[0]);
    const char *s0 = fmt_version(r->old_sdk, b[1], sizeof b[1]);
    const char *m1 = fmt_version(r->new_minos, b[2], sizeof b[2]);
    const char *s1 = fmt_version(r->new_sdk, b[3], sizeof b[3]);
    switch (r->action) {
    case LCP_SDK_UNCHANGED:
        printf("%s: %s %s minos %s sdk %s: unchanged (already at or above the request)\n", label, cmd, platform, m0,
               s0);
        break;
    case LCP_SDK_REWRITTEN:
        if (r->old_minos != r->new_minos)
            printf("%s: %s %s minos %s -> %s, sdk %s -> %s (rewritten in place)\n", label, cmd, platform, m0, m1, s0,
                   s1);
        else
            printf("%s: %s %s minos %s, sdk %s -> %s (rewritten in place)\n", label, cmd, platform, m0, s0, s1);
        break;
    case LCP_SDK_ADDED_BUILD_VERSION:
    case LCP_SDK_ADDED_VERSION_MIN:
        printf("%s: no version command: added %s %s minos %s sdk %s (%lld bytes free left)\n", label, cmd, platform, m1,
               s1, (long long)r->free_after);
        break;
    case LCP_SDK_OTHER_PLATFORM:
        printf("%s: platform %s (%s): left alone\n", label, platform ? platform : "?", cmd);
        break;
    case LCP_SDK_NO_SPACE: break; /* reported as an error */
    }
}

static int visit(void *ctx_, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    struct sdk_ctx *c = ctx_;
    struct sdk_record x;
    memset(&x, 0, sizeof x);
    lcp_cli_image_label(f, slice_index, member, img, x.label, sizeof x.label);
    char abuf[48];
    snprintf(x.arch, sizeof x.arch, "%s", lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf));
    x.in_member = member != NULL;
    if (member)
        snprintf(x.member, sizeof x.member, "%s", member->name);
    if (!arch_wanted(c, img))
        x.skipped = SKIP_ARCH;
    else if (img->cputype == LCP_CPU_TYPE_POWERPC || img->cputype == LCP_CPU_TYPE_POWERPC64)
        x.skipped = SKIP_PPC;
    if (x.skipped)
        return lcp_edit_files_record(&c->e, &x) ? 0 : 1;
    lcp_error err;
    lcp_status st = lcp_version_raise_sdk(img, &c->req, &x.r, &err);
    if (!lcp_edit_files_record(&c->e, &x))
        return 1;
    if (st != LCP_OK) {
        lcp_edit_files_fail(&c->e, &err, x.label);
        return 0; /* report every slice, write nothing */
    }
    bool edited = x.r.action == LCP_SDK_REWRITTEN || x.r.action == LCP_SDK_ADDED_BUILD_VERSION ||
                  x.r.action == LCP_SDK_ADDED_VERSION_MIN;
    if (edited && !lcp_edit_files_add(&c->e, img, x.label, lcp_edit_files_stale(&c->e, f, member, img)))
        return 1;
    return 0;
}

int cmd_set_sdk(int argc, char **argv) {
    struct sdk_ctx c;
    memset(&c, 0, sizeof c);
    c.e.command = "set-sdk";
    c.e.print = print_record;
    c.e.record_size = sizeof(struct sdk_record);
    c.req.sdk = LCP_VERSION(10, 9, 0);
    c.req.platform = LCP_PLATFORM_MACOS;
    bool json = false;
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    lcp_opts p;
    lcp_opts_begin(&p, &set_sdk_command, argc, argv);
    int id;
    while ((id = lcp_opts_next(&p)) > 0) {
        if (lcp_output_opts_take(&out, &p, id))
            continue;
        switch (id) {
        case LCP_OPT_ID_JSON: json = true; break;
        case OPT_SDK: c.req.sdk = p.version; break;
        case OPT_MINOS: c.req.minos = p.version; break;
        case OPT_PLATFORM: c.req.platform = p.platform; break;
        case OPT_ARCH:
            if (c.narchs == MAX_ARCHS)
                return lcp_cli_usage_error("set-sdk", "too many --arch options");
            c.archs[c.narchs][0] = p.cputype;
            c.archs[c.narchs++][1] = p.cpusubtype;
            break;
        }
    }
    if (p.status >= 0)
        return p.status;
    int i = p.first;
    if (lcp_output_opts_check(&out, "set-sdk", argv + i, argc - i))
        return LCP_EXIT_USAGE;
    int status = lcp_edit_files_run(&c.e, &out, json, true, argv + i, argc - i, visit, &c, NULL);
    lcp_edit_files_release(&c.e);
    return status;
}
