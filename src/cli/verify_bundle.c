/* lcpatch verify on a bundle folder: the main executable with the bundle's
 * Info.plist and resource seal bound to its special slots, then the seal
 * (_CodeSignature/CodeResources) against the files, then each nested code
 * the seal names, recursively. */
#include "cli/cli.h"
#include "cli/verify.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_NESTING 16

static int verify_bundle_depth(const char *path, bool json, lcp_json *j, int depth);

static int verify_nested(const char *path, bool json, lcp_json *j, int depth) {
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return verify_bundle_depth(path, json, j, depth + 1);
    if (json) {
        lcp_json_key(j, "images");
        lcp_json_begin_array(j);
    }
    int s = lcp_verify_file(path, json, j, NULL);
    if (json)
        lcp_json_end_array(j);
    return s;
}

static int verify_bundle_depth(const char *path, bool json, lcp_json *j, int depth) {
    lcp_cs_bundle b;
    lcp_error err;
    if (depth > MAX_NESTING) {
        lcp_error_set(&err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: nested code deeper than %d levels", path,
                      MAX_NESTING);
        return lcp_verify_fail(path, &err);
    }
    lcp_status st = lcp_cs_bundle_open(path, &b, &err);
    if (st != LCP_OK) {
        lcp_cs_bundle_release(&b);
        return lcp_verify_fail(path, &err);
    }
    int status = LCP_EXIT_OK;
    if (json) {
        lcp_json_key(j, "executable");
        lcp_json_string(j, b.executable);
        lcp_json_key(j, "images");
        lcp_json_begin_array(j);
    }
    if (b.executable)
        status = lcp_verify_file(b.executable, json, j, &b.ext);
    else {
        if (!json)
            printf("%s: invalid: no main executable (CFBundleExecutable) found\n", path);
        status = LCP_EXIT_FINDINGS;
    }
    if (json)
        lcp_json_end_array(j);
    lcp_cs_seal_report rep;
    st = lcp_cs_bundle_check_seal(&b, &rep, &err);
    if (st != LCP_OK) {
        status = lcp_cli_worse(status, lcp_verify_fail(path, &err));
    }
    if (json) {
        lcp_json_key(j, "resources");
        lcp_json_begin_object(j);
        lcp_json_key(j, "sealed");
        lcp_json_bool(j, rep.sealed);
        lcp_json_key(j, "files_checked");
        lcp_json_uint(j, rep.files_checked);
        lcp_json_key(j, "changes");
        lcp_json_begin_array(j);
    } else if (st == LCP_OK) {
        if (!rep.sealed)
            printf("%s: resources: no _CodeSignature/CodeResources\n", path);
        else if (rep.nchanges == 0)
            printf("%s: resources: valid (%zu sealed entries)\n", path, rep.files_checked);
        else
            printf("%s: resources: a sealed resource is missing or invalid\n", path);
    }
    for (size_t i = 0; i < rep.nchanges; i++) {
        const lcp_cs_change *c = &rep.changes[i];
        if (json) {
            lcp_json_begin_object(j);
            lcp_json_key(j, "kind");
            lcp_json_string(j, lcp_cs_change_name(c->kind));
            lcp_json_key(j, "path");
            lcp_json_string(j, c->path);
            lcp_json_end_object(j);
        } else
            printf("%s: %s: %s/%s\n", path, lcp_cs_change_name(c->kind), b.base, c->path);
    }
    if (rep.nchanges)
        status = lcp_cli_worse(status, LCP_EXIT_FINDINGS);
    if (json) {
        lcp_json_end_array(j);
        lcp_json_end_object(j);
        lcp_json_key(j, "nested");
        lcp_json_begin_array(j);
    }
    /* No CodeResources: the executable's verdict says whether its
     * CodeDirectory sealed one (slot -3 then cannot be checked). */
    for (size_t i = 0; i < rep.nnested; i++) {
        size_t n = strlen(b.base) + strlen(rep.nested[i]) + 2;
        char *full = malloc(n);
        if (!full)
            continue;
        snprintf(full, n, "%s/%s", b.base, rep.nested[i]);
        if (json) {
            lcp_json_begin_object(j);
            lcp_json_key(j, "file");
            lcp_json_string(j, full);
        }
        int s = verify_nested(full, json, j, depth);
        if (json) {
            lcp_json_key(j, "status");
            lcp_json_uint(j, (uint64_t)s);
            lcp_json_end_object(j);
        }
        status = lcp_cli_worse(status, s);
        free(full);
    }
    if (json)
        lcp_json_end_array(j);
    lcp_cs_seal_report_release(&rep);
    lcp_cs_bundle_release(&b);
    return status;
}

int lcp_verify_bundle(const char *path, bool json, lcp_json *j) { return verify_bundle_depth(path, json, j, 0); }
