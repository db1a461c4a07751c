/* lcpatch: editing the version load commands of one image
 * (LC_BUILD_VERSION, LC_VERSION_MIN_*, LC_SOURCE_VERSION).
 *
 * Two families of edits, both pure functions on an lcp_image: they build the
 * new load commands in the image's byte order and install them with
 * lcp_image_set_commands. A failed edit leaves the image exactly as it was.
 * Writing the result is the caller's business (lcp_plan_add_image, or the
 * byte ranges of lcp_version_apply's result for Apple's exact layout).
 *
 *  - lcp_vtool_apply: Apple vtool's -set-* / -remove-* semantics, rule for
 *    rule (cctools misc/vtool.c command_set / command_remove): which commands
 *    are dropped, that the new ones go after every kept command, the space
 *    check against the first section's file offset, and the 16 bytes a set
 *    command keeps free for a future LC_CODE_SIGNATURE on an unsigned image.
 *
 *  - lcp_version_raise_sdk: what notarization needs and what `lcpatch
 *    set-sdk` and `lcpatch rescue` use: the sdk of the image's version
 *    command raised to at least a given value, in place whenever possible. */
#ifndef LCPATCH_VERSION_H
#define LCPATCH_VERSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lcpatch/error.h"
#include "lcpatch/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions as numbers ---- */

/* X.Y.Z packed as xxxx.yy.zz (LC_BUILD_VERSION, LC_VERSION_MIN_*). */
#define LCP_VERSION(x, y, z) (((uint32_t)(x) << 16) | ((uint32_t)(y) << 8) | (uint32_t)(z))

/* Parses "X[.Y[.Z]]" with vtool's limits (X <= 65535, Y and Z <= 255).
 * Returns false on more than three components, a component out of range or
 * characters that are not digits. */
bool lcp_version_parse(const char *s, uint32_t *out);
/* "10.9" or "10.9.1" (vtool's way: no ".0" third component) into buf. */
const char *lcp_version_format(uint32_t v, char *buf, size_t len);
/* A source version (LC_SOURCE_VERSION: A.B.C.D.E packed 24.10.10.10.10)
 * as "A.B", with C, D and E up to the last that is not zero, as otool and
 * vtool print it, into buf (29 bytes hold the longest). */
const char *lcp_source_version_format(uint64_t v, char *buf, size_t len);

/* ---- Apple vtool edits ---- */

typedef enum lcp_vtool_item_kind {
    LCP_VTOOL_SET_BUILD,     /* -set-build-version / -set-version-min */
    LCP_VTOOL_SET_SOURCE,    /* -set-source-version */
    LCP_VTOOL_ADD_TOOL,      /* -tool / -set-build-tool */
    LCP_VTOOL_REMOVE_BUILD,  /* -remove-build-version */
    LCP_VTOOL_REMOVE_SOURCE, /* -remove-source-version */
    LCP_VTOOL_REMOVE_TOOL    /* -remove-build-tool */
} lcp_vtool_item_kind;

typedef struct lcp_vtool_item {
    lcp_vtool_item_kind kind;
    uint32_t platform;       /* PLATFORM_* */
    uint32_t tool;           /* ADD_TOOL, REMOVE_TOOL */
    uint32_t version;        /* SET_BUILD: minos; ADD_TOOL: the tool's version */
    uint32_t sdk;            /* SET_BUILD */
    uint64_t source_version; /* SET_SOURCE: a24.b10.c10.d10.e10 */
    bool version_min;        /* SET_BUILD: an LC_VERSION_MIN_* instead of LC_BUILD_VERSION */
} lcp_vtool_item;

/* One vtool invocation's edits, in command-line order. Set and remove
 * items are never mixed (vtool refuses that on its command line). */
typedef struct lcp_vtool_edit {
    const lcp_vtool_item *items;
    size_t nitems;
    bool replace; /* -replace: a set drops every version command */
} lcp_vtool_edit;

typedef enum lcp_vtool_outcome {
    LCP_VTOOL_DONE = 0,
    LCP_VTOOL_NO_SPACE,           /* the new commands do not fit: nothing changed */
    LCP_VTOOL_VERSMIN_TOOLS_ARG,  /* a -tool for a platform set with -set-version-min */
    LCP_VTOOL_VERSMIN_TOOLS_FILE, /* a tool for a platform the image has an LC_VERSION_MIN_* for */
    LCP_VTOOL_NO_BUILD_VERSION    /* a tool for a platform with no build version anywhere */
} lcp_vtool_outcome;

typedef struct lcp_vtool_result {
    lcp_vtool_outcome outcome;
    uint32_t platform;       /* NO_BUILD_VERSION: the platform */
    uint64_t section_offset; /* where the room ends: the lower of vtool's rule and the safe rule */
    uint64_t new_sizeofcmds;
    uint64_t needed; /* NO_SPACE: bytes the new commands (and reserve) need */
    bool changed;    /* the commands differ from the input's */
} lcp_vtool_result;

/* Applies a vtool edit to img. Returns LCP_OK with res->outcome ==
 * LCP_VTOOL_DONE when the image was edited (img's commands replaced), and
 * LCP_OK with another outcome (img unchanged) when vtool would refuse: the
 * caller prints vtool's message for it. Other statuses are failures of the
 * edit itself (no memory, a result lcp_image_set_commands rejects, a first
 * section inside the mach header); img is unchanged then too. */
lcp_status lcp_vtool_apply(lcp_image *img, const lcp_vtool_edit *e, lcp_vtool_result *res, lcp_error *err);

/* ---- raising the SDK (set-sdk, rescue) ---- */

typedef struct lcp_sdk_request {
    uint32_t sdk;      /* the lowest acceptable sdk, e.g. LCP_VERSION(10, 9, 0) */
    uint32_t minos;    /* 0: leave minos alone; else set it to this value */
    uint32_t platform; /* the platform to edit (LCP_PLATFORM_MACOS) */
} lcp_sdk_request;

typedef enum lcp_sdk_action {
    LCP_SDK_UNCHANGED,           /* already at or above the request */
    LCP_SDK_REWRITTEN,           /* fields of the existing command(s), same size, same place */
    LCP_SDK_ADDED_BUILD_VERSION, /* no version command: a 24-byte LC_BUILD_VERSION appended */
    LCP_SDK_ADDED_VERSION_MIN,   /* no version command, no room for 24+16: a 16-byte LC_VERSION_MIN_* */
    LCP_SDK_OTHER_PLATFORM,      /* the image is for another platform: left alone */
    LCP_SDK_NO_SPACE             /* nothing fits: left alone (status LCP_E_NOSPACE) */
} lcp_sdk_action;

typedef struct lcp_sdk_change {
    lcp_sdk_action action;
    uint32_t cmd;                /* the version command after the edit (or the one found) */
    long cmd_index;              /* its index, -1 when there is none */
    uint32_t platform;           /* the image's platform (0 when it has no version command) */
    uint32_t old_minos, old_sdk; /* 0 when there was no version command */
    uint32_t new_minos, new_sdk;
    int64_t free_before; /* header space before and after (lcp_space.edit_free) */
    int64_t free_after;
    uint32_t needed; /* NO_SPACE: bytes a new command needs (incl. the signature reserve) */
} lcp_sdk_change;

/* Raises the sdk of img's version command for req->platform to at least
 * req->sdk (and sets minos to req->minos when it is non-zero). A raised
 * sdk is never left below the command's (resulting) minos: an arm64 slice
 * with minos 11.0 and no sdk gets sdk 11.0, not 10.9.
 *
 * Contract:
 *  - An image with one or more version commands for req->platform (an
 *    LC_BUILD_VERSION with that platform, or the LC_VERSION_MIN_* of that
 *    platform) is edited in place: same commands, same sizes, same order;
 *    only the minos/sdk fields change. No header space is needed.
 *  - An image whose version commands are all for other platforms is left
 *    alone: LCP_OK, action LCP_SDK_OTHER_PLATFORM.
 *  - An image with no version command gets one appended after the others:
 *    an LC_BUILD_VERSION (24 bytes, no tools) when 24 bytes plus 16 for a
 *    future LC_CODE_SIGNATURE (unless it already has one) fit before the
 *    first section, else an LC_VERSION_MIN_* (16 bytes; macOS, iOS, tvOS
 *    and watchOS only) under the same reserve rule, else nothing:
 *    LCP_E_NOSPACE with action LCP_SDK_NO_SPACE, `needed` and free_before
 *    filled and the message naming them. Its minos is req->minos, else
 *    10.4 for macOS on Intel and PowerPC, 11.0 for macOS on arm64 (the
 *    sdk then at least 11.0 too), and the requested sdk otherwise.
 *  - Idempotent: an image already at or above the request is LCP_SDK_UNCHANGED
 *    and untouched.
 *  - On any failure img is unchanged. report may be NULL. */
lcp_status lcp_version_raise_sdk(lcp_image *img, const lcp_sdk_request *req, lcp_sdk_change *report, lcp_error *err);

#ifdef __cplusplus
}
#endif
#endif
