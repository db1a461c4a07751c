/* lcpatch sign: write an ad-hoc signature: the linker's kind
 * (--linker-signed, byte for byte what ld64.lld or ld64 writes:
 * lcp_sign_linker_file) or codesign's (--adhoc, what `codesign -s -`
 * writes: lcp_sign_adhoc_file). */
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/output_opts.h"
#include "lcpatch/sign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char sign_help[] = "usage: lcpatch sign --linker-signed[=ld64|=ld64.lld] [--identifier ID] [--no-fsync]\n"
                                "                    (-o OUT | --in-place) FILE...\n"
                                "       lcpatch sign --adhoc [--identifier ID] [--options runtime]\n"
                                "                    [--entitlements FILE] [--no-fsync] (-o OUT | --in-place) FILE...\n"
                                "\n"
                                "--adhoc signs as `codesign -s -` does: a SHA-256 CodeDirectory over 4 KiB\n"
                                "pages (and a SHA-1 one first when the deployment target predates\n"
                                "SHA-256: macOS 10.11.4, iOS/tvOS 11, watchOS 4, or none), flags adhoc\n"
                                "(+ runtime with --options runtime, the runtime version being the sdk),\n"
                                "an empty requirement set, the entitlements as XML and (executables) DER,\n"
                                "an empty CMS; the room codesign reserves. The identifier defaults as\n"
                                "codesign's: __info_plist's CFBundleIdentifier, else the file name\n"
                                "without its extension, plus -<UUID hex> when it has no dot.\n"
                                "\n"
                                "--linker-signed signs as the linker does (ld64, ld64.lld):\n"
                                "one SHA-256 CodeDirectory over 4 KiB pages, flags adhoc and\n"
                                "linker-signed, the __TEXT exec segment, no requirements, no entitlements.\n"
                                "An old signature is replaced. The identifier is the install name's last\n"
                                "component for a dylib, else the output file's name (the linker names it\n"
                                "after -o), unless --identifier gives one: an unsigned ld64.lld output\n"
                                "re-signed under its link name is the linker's file again, byte for\n"
                                "byte. ld64's layout of the same signature (no padding) with\n"
                                "--linker-signed=ld64; ld64.lld's (16-byte padding) by default.\n"
                                "-o takes one FILE.\n"
                                "A FILE that is a folder is a bundle (App.app, Foo.framework):\n"
                                "--adhoc --in-place signs its nested code inside out (Frameworks/,\n"
                                "PlugIns/, Helpers/, XPCServices/, MacOS/...), writes\n"
                                "_CodeSignature/CodeResources with codesign's default rules, then signs\n"
                                "the main executable bound to Info.plist and the seal.\n" LCP_OUTPUT_NO_FSYNC_HELP
                                "Exit status: 0 done, 2 usage, 3 the input or the output failed (no room\n"
                                "for LC_CODE_SIGNATURE in the header padding, say).\n";

/* The whole of a small file (entitlements), owned by the caller. */
static bool read_small_file(const char *path, uint8_t **out, size_t *len) {
    FILE *fp = fopen(path, "rb");
    long size = -1;
    if (fp && fseek(fp, 0, SEEK_END) == 0)
        size = ftell(fp);
    uint8_t *b = NULL;
    bool ok = fp && size >= 0 && size <= (16L << 20) && fseek(fp, 0, SEEK_SET) == 0 &&
              (b = malloc((size_t)size + 1)) != NULL && fread(b, 1, (size_t)size, fp) == (size_t)size;
    int e = errno;
    if (fp)
        fclose(fp);
    if (!ok) {
        fprintf(stderr, "lcpatch sign: %s: %s\n", path, size > (16L << 20) ? "larger than 16 MiB" : strerror(e));
        free(b);
        return false;
    }
    *out = b;
    *len = (size_t)size;
    return true;
}

int cmd_sign(int argc, char **argv) {
    lcp_output_opts o;
    lcp_output_opts_init(&o);
    bool linker = false, adhoc = false, runtime = false;
    const char *entitlements = NULL;
    lcp_sign_flavor flavor = LCP_SIGN_LLD;
    const char *ident = NULL;
    int first = 1;
    for (; first < argc && argv[first][0] == '-' && argv[first][1] != '\0'; first++) {
        const char *a = argv[first];
        if (lcp_cli_is_help(a)) {
            fputs(sign_help, stdout);
            return LCP_EXIT_OK;
        }
        int r = lcp_output_opts_parse(&o, "sign", argc, argv, &first);
        if (r < 0)
            return LCP_EXIT_USAGE;
        if (r > 0)
            continue;
        if (strcmp(a, "--linker-signed") == 0 || strcmp(a, "--linker-signed=ld64.lld") == 0) {
            linker = true;
        } else if (strcmp(a, "--linker-signed=ld64") == 0) {
            linker = true;
            flavor = LCP_SIGN_LD64;
        } else if (strcmp(a, "--identifier") == 0) {
            if (first + 1 >= argc || argv[first + 1][0] == '\0')
                return lcp_cli_usage_error("sign", "--identifier needs a value");
            ident = argv[++first];
        } else if (strcmp(a, "--adhoc") == 0) {
            adhoc = true;
        } else if (strcmp(a, "--options") == 0) {
            if (first + 1 >= argc || strcmp(argv[first + 1], "runtime") != 0)
                return lcp_cli_usage_error("sign", "--options takes one value: runtime");
            runtime = true;
            first++;
        } else if (strcmp(a, "--options=runtime") == 0) {
            runtime = true;
        } else if (strcmp(a, "--entitlements") == 0) {
            if (first + 1 >= argc || argv[first + 1][0] == '\0')
                return lcp_cli_usage_error("sign", "--entitlements needs a file");
            entitlements = argv[++first];
        } else if (strcmp(a, "--") == 0) {
            first++;
            break;
        } else {
            return lcp_cli_usage_error("sign", "unknown option '%s'", a);
        }
    }
    if (linker == adhoc)
        return lcp_cli_usage_error("sign", "say which signature: --adhoc or --linker-signed (one of them)");
    if (linker && (runtime || entitlements))
        return lcp_cli_usage_error("sign", "--options and --entitlements go with --adhoc (the linker writes neither)");
    if (lcp_output_opts_check(&o, "sign", argv + first, argc - first))
        return LCP_EXIT_USAGE;
    uint8_t *ent = NULL;
    size_t ent_len = 0;
    if (entitlements && !read_small_file(entitlements, &ent, &ent_len))
        return LCP_EXIT_FAILED;
    int status = LCP_EXIT_OK;
    for (int i = first; i < argc; i++) {
        const char *path = argv[i], *dest = lcp_output_opts_dest(&o, path);
        lcp_file *f = NULL;
        lcp_error err;
        struct stat sb;
        lcp_adhoc_opts ao = {ident, path, runtime, ent, ent_len, NULL, 0, NULL, 0};
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            /* a folder is a bundle: nested code, the resource seal, the main
             * executable (lcp_sign_bundle_adhoc) */
            if (!adhoc || !o.in_place) {
                status = lcp_cli_worse(status, lcp_cli_usage_error("sign",
                                                                   "%s: a bundle is signed with --adhoc "
                                                                   "--in-place",
                                                                   path));
                continue;
            }
            if (lcp_sign_bundle_adhoc(path, &ao, lcp_output_opts_write_flags(&o), &err)) {
                status = lcp_cli_worse(status, lcp_cli_fail(&err));
                continue;
            }
            printf("%s: signed (adhoc bundle: nested code, _CodeSignature/CodeResources, main executable)\n", path);
            continue;
        }
        lcp_plan plan;
        lcp_plan_init(&plan);
        lcp_sign_opts so = {ident, dest, flavor};
        lcp_status st = lcp_file_open(path, &f, &err);
        if (st == LCP_OK)
            st = adhoc ? lcp_sign_adhoc_file(f, &ao, &plan, &err) : lcp_sign_linker_file(f, &so, &plan, &err);
        if (st == LCP_OK)
            st = lcp_output_write(&o, path, &plan, &f->src, &err);
        lcp_plan_release(&plan);
        lcp_file_free(f);
        if (st) {
            status = lcp_cli_worse(status, lcp_cli_fail(&err));
            continue;
        }
        printf("%s: signed (%s)%s%s\n", path, adhoc ? "adhoc" : "linker-signed", o.in_place ? "" : ", written to ",
               o.in_place ? "" : dest);
    }
    free(ent);
    return status;
}
