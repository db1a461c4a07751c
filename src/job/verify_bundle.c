/* A bundle read for verification (lcp_cs_bundle_tree, lcpatch/codesign.h):
 * its parts, its resource seal compared with the files, then each nested
 * code the seal names, a nested bundle read the same way, recursively.
 * Nothing is printed: `lcpatch verify` (src/cli/verify_bundle.c) walks the
 * tree, checks each Mach-O file and reports. */
#include "lcpatch/codesign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void tree_read(const char *path, lcp_cs_bundle_tree *t, int depth);

/* The nested code the seal names, under the bundle's base: a folder is a
 * nested bundle, read one level deeper. False when out of memory. */
static bool read_nested(lcp_cs_bundle_tree *t, int depth) {
    if (t->seal.nnested == 0)
        return true;
    t->nested = calloc(t->seal.nnested, sizeof *t->nested);
    if (!t->nested)
        return false;
    for (size_t i = 0; i < t->seal.nnested; i++) {
        lcp_cs_nested_code *n = &t->nested[i];
        size_t len = strlen(t->bundle.base) + strlen(t->seal.nested[i]) + 2;
        if (!(n->path = malloc(len)))
            return false;
        t->nnested++;
        snprintf(n->path, len, "%s/%s", t->bundle.base, t->seal.nested[i]);
        struct stat st;
        if (stat(n->path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (!(n->bundle = calloc(1, sizeof *n->bundle)))
                return false;
            tree_read(n->path, n->bundle, depth + 1);
        }
    }
    return true;
}

static void tree_read(const char *path, lcp_cs_bundle_tree *t, int depth) {
    memset(t, 0, sizeof *t);
    if (depth > LCP_CS_BUNDLE_MAX_NESTING) {
        t->status = lcp_error_set(&t->err, LCP_E_UNSUPPORTED, LCP_NO_OFFSET, "%s: nested code deeper than %d levels",
                                  path, LCP_CS_BUNDLE_MAX_NESTING);
        return;
    }
    t->status = lcp_cs_bundle_open(path, &t->bundle, &t->err);
    if (t->status != LCP_OK) {
        lcp_cs_bundle_release(&t->bundle);
        return;
    }
    t->seal_status = lcp_cs_bundle_check_seal(&t->bundle, &t->seal, &t->seal_err);
    if (!read_nested(t, depth)) {
        lcp_cs_bundle_tree_release(t);
        t->status = lcp_error_set(&t->err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    }
}

lcp_status lcp_cs_bundle_tree_read(const char *path, lcp_cs_bundle_tree *t) {
    tree_read(path, t, 0);
    return t->status;
}

void lcp_cs_bundle_tree_release(lcp_cs_bundle_tree *t) {
    for (size_t i = 0; i < t->nnested; i++) {
        free(t->nested[i].path);
        if (t->nested[i].bundle) {
            lcp_cs_bundle_tree_release(t->nested[i].bundle);
            free(t->nested[i].bundle);
        }
    }
    free(t->nested);
    lcp_cs_seal_report_release(&t->seal);
    lcp_cs_bundle_release(&t->bundle);
    memset(t, 0, sizeof *t);
}
