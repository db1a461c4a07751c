/* lcpatch show: what one file holds, as text for people (show_text.c) or
 * JSON for machines (show_json.c, schema in docs/schema/show.schema.json). Both printers
 * walk the same model and use the helpers below, so that they agree. */
#ifndef LCP_CLI_SHOW_H
#define LCP_CLI_SHOW_H

#include "util/json.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A packed X.Y.Z version (xxxx.yy.zz) as "X.Y.Z", Z always written (dylib
 * and runtime versions); lcp_version_format is vtool's shorter form. */
const char *lcp_show_version(uint32_t v, char *buf, size_t len);
/* The name name_of gives v (a flag bit, a file type, a platform...), or v
 * as a number, in hex ("0x...") or decimal, when it has none. */
const char *lcp_show_name(const char *(*name_of)(uint32_t), uint32_t v, bool hex, char *buf, size_t len);
/* "load", "weak", "reexport", "upward", "lazy" for a dylib command, "id"
 * for LC_ID_DYLIB, NULL otherwise. */
const char *lcp_show_dylib_kind(uint32_t cmd);

/* The load commands both reports list, in this order, and what one of
 * them holds: lcp_show_item_read reads command i as `kind` and says whether it
 * is one, so that the text and the JSON list the same commands. */
enum {
    LCP_SHOW_VERSION,
    LCP_SHOW_SOURCE_VERSION,
    LCP_SHOW_INSTALL_NAME,
    LCP_SHOW_DYLIB,
    LCP_SHOW_RPATH,
    LCP_SHOW_SIGNATURE,
    LCP_SHOW_NKINDS
};
typedef struct lcp_show_item {
    lcp_build_version bv; /* LCP_SHOW_VERSION */
    uint64_t sv;          /* LCP_SHOW_SOURCE_VERSION */
    lcp_dylib d;          /* LCP_SHOW_INSTALL_NAME, LCP_SHOW_DYLIB */
    const char *path;     /* LCP_SHOW_RPATH */
    lcp_linkedit_data ld; /* LCP_SHOW_SIGNATURE */
} lcp_show_item;
bool lcp_show_item_read(const lcp_image *img, size_t i, int kind, lcp_show_item *it);

/* The text report of one opened file. */
void lcp_show_text(FILE *out, const lcp_file *f);
/* The JSON object of one opened file (an element of "files"). */
void lcp_show_json(lcp_json *j, lcp_file *f);
/* The "space" object of an image, the same in show --json and space --json
 * (docs/schema/common.schema.json, $defs/space). */
void lcp_show_json_space(lcp_json *j, const lcp_image *img);
/* The code signature's contents (show_sig.c): text lines after the
 * "signature" line, and the keys added inside the JSON "signature" object. */
void lcp_show_sig_text(FILE *out, const lcp_file *f, const lcp_image *img);
void lcp_show_sig_json(lcp_json *j, const lcp_file *f, const lcp_image *img);

/* The frame of the per-file report commands (show, space, verify): parses
 * `[--json] PATH...`, then calls each once per PATH (j is the open "files"
 * array under --json, else NULL) inside --json's {"files", "failures"}
 * document, and checks that standard output was written. Returns the
 * worst exit status. */
typedef int (*lcp_report_fn)(const char *path, lcp_json *j);
int lcp_report_command(const char *command, const char *help, const char *json_help, int argc, char **argv,
                       lcp_report_fn each);
/* Prints err and, under --json, lists path in the document's failures
 * (every exit 3 names its file there). Returns the exit status. */
int lcp_report_fail(const char *path, const lcp_error *err);

#endif
