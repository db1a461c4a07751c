/* lcpatch show: what one file holds, as text for people (show_text.c) or
 * JSON for machines (show_json.c, schema in docs/show.md). Both printers
 * walk the same model and use the helpers below, so that they agree. */
#ifndef LCP_CLI_SHOW_H
#define LCP_CLI_SHOW_H

#include "cli/json.h"
#include "lcpatch/lcpatch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A packed X.Y.Z version (xxxx.yy.zz) as "X.Y.Z"; when `short_form`, the
 * way vtool prints it: "X.Y", or "X.Y.Z" when Z is not 0. */
const char *lcp_show_version(uint32_t v, bool short_form, char *buf, size_t len);
/* An LC_SOURCE_VERSION (A24.B10.C10.D10.E10) as otool prints it: "A.B",
 * then ".C.D.E" down to the last non-zero part. */
const char *lcp_show_source_version(uint64_t v, char *buf, size_t len);
/* "load", "weak", "reexport", "upward", "lazy" for a dylib command, "id"
 * for LC_ID_DYLIB, NULL otherwise. */
const char *lcp_show_dylib_kind(uint32_t cmd);
/* "thin", "fat", "fat64" or "archive". */
const char *lcp_show_container(const lcp_file *f);

/* The text report of one opened file. */
void lcp_show_text(FILE *out, const lcp_file *f);
/* The JSON object of one opened file (an element of "files"). */
void lcp_show_json(lcp_json *j, const lcp_file *f);
/* The code signature's contents (show_sig.c): text lines after the
 * "signature" line, and the keys added inside the JSON "signature" object. */
void lcp_show_sig_text(FILE *out, const lcp_file *f, const lcp_image *img);
void lcp_show_sig_json(lcp_json *j, const lcp_file *f, const lcp_image *img);
/* The JSON object of a file that could not be read. */
void lcp_show_json_error(lcp_json *j, const char *path, const lcp_error *err);

#endif
