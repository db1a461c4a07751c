/* lcpatch verify's report of one PATH (lcp_verify_path): a Mach-O file's
 * images, or for a bundle folder the bundle read by the library
 * (lcp_cs_bundle_tree_read: its parts, the seal compared with the files,
 * the nested code, recursively), then reported in order: the main
 * executable with the bundle's Info.plist and resource seal bound to its
 * special slots, the seal (_CodeSignature/CodeResources), then each nested
 * code the seal names. */
#include "cli/cli.h"
#include "cli/verify.h"

#include <stdio.h>
#include <sys/stat.h>

/* One Mach-O file's "images": [...] under --json; no file (a bundle
 * without a main executable) is a finding. Returns the exit status. */
static int report_images(const char *file, lcp_json *j, const lcp_cs_external *ext) {
    if (j) {
        lcp_json_key(j, "images");
        lcp_json_begin_array(j);
    }
    int s = file ? lcp_verify_file(file, j, ext) : LCP_EXIT_FINDINGS;
    if (j)
        lcp_json_end_array(j);
    return s;
}

static int report_entry(const char *path, const lcp_cs_bundle_tree *tree, lcp_json *j);

static int report_bundle(const char *path, const lcp_cs_bundle_tree *t, lcp_json *j) {
    if (t->status != LCP_OK)
        return lcp_report_fail(path, &t->err);
    const lcp_cs_bundle *b = &t->bundle;
    const lcp_cs_seal_report *rep = &t->seal;
    if (j)
        lcp_json_field_string(j, "executable", b->executable);
    else if (!b->executable)
        printf("%s: invalid: no main executable (CFBundleExecutable) found\n", path);
    int status = report_images(b->executable, j, &b->ext);
    if (t->seal_status != LCP_OK)
        status = lcp_cli_worse(status, lcp_report_fail(path, &t->seal_err));
    if (j) {
        lcp_json_key(j, "resources");
        lcp_json_begin_object(j);
        lcp_json_field_bool(j, "sealed", rep->sealed);
        lcp_json_field_uint(j, "files_checked", rep->files_checked);
        lcp_json_key(j, "changes");
        lcp_json_begin_array(j);
    } else if (t->seal_status == LCP_OK) {
        if (!rep->sealed)
            printf("%s: resources: no _CodeSignature/CodeResources\n", path);
        else if (rep->nchanges == 0)
            printf("%s: resources: valid (%zu sealed entries)\n", path, rep->files_checked);
        else
            printf("%s: resources: a sealed resource is missing or invalid\n", path);
    }
    for (size_t i = 0; i < rep->nchanges; i++) {
        const lcp_cs_change *c = &rep->changes[i];
        if (j) {
            lcp_json_begin_object(j);
            lcp_json_field_string(j, "kind", lcp_cs_change_name(c->kind));
            lcp_json_field_string(j, "path", c->path);
            lcp_json_end_object(j);
        } else
            printf("%s: %s: %s/%s\n", path, lcp_cs_change_name(c->kind), b->base, c->path);
    }
    if (rep->nchanges)
        status = lcp_cli_worse(status, LCP_EXIT_FINDINGS);
    if (j) {
        lcp_json_end_array(j);
        lcp_json_end_object(j);
        lcp_json_key(j, "nested");
        lcp_json_begin_array(j);
    }
    /* No CodeResources: the executable's verdict says whether its
     * CodeDirectory sealed one (slot -3 then cannot be checked). */
    for (size_t i = 0; i < t->nnested; i++)
        status = lcp_cli_worse(status, report_entry(t->nested[i].path, t->nested[i].bundle, j));
    if (j)
        lcp_json_end_array(j);
    return status;
}

/* One path verify reports, a Mach-O file or a bundle (its tree), as the
 * object {"file", its images or its bundle's keys, "status"} under --json:
 * each PATH and each nested code of a bundle. */
static int report_entry(const char *path, const lcp_cs_bundle_tree *tree, lcp_json *j) {
    if (j) {
        lcp_json_begin_object(j);
        lcp_json_field_string(j, "file", path);
    }
    int s = tree ? report_bundle(path, tree, j) : report_images(path, j, NULL);
    if (j) {
        lcp_json_field_uint(j, "status", (uint64_t)s);
        lcp_json_end_object(j);
    }
    return s;
}

int lcp_verify_path(const char *path, lcp_json *j) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return report_entry(path, NULL, j);
    lcp_cs_bundle_tree t;
    lcp_cs_bundle_tree_read(path, &t);
    int status = report_entry(path, &t, j);
    lcp_cs_bundle_tree_release(&t);
    return status;
}
