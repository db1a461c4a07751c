/* The native load-path editors' rules over the model (change-dylib,
 * set-id, add-rpath, delete-rpath; see lcpatch/dylib_edit.h): idempotence,
 * and delete-rpath removing every copy of the path. */
#include "lcpatch/dylib_edit.h"

#include "lcpatch/macho.h"

#include <string.h>

bool lcp_name_edit_done(const lcp_image *img, const lcp_name_edit *edit) {
    const char *s;
    /* change-dylib X X: every load of X already reads X */
    if (edit->kind == LCP_NAME_CHANGE && strcmp(edit->old_path, edit->new_path) == 0)
        return true;
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        if (!lcp_image_cmd_string(img, i, &s))
            continue;
        switch (edit->kind) {
        case LCP_NAME_ADD_RPATH:
            if (cmd == LCP_LC_RPATH && strcmp(s, edit->new_path) == 0)
                return true;
            break;
        case LCP_NAME_DELETE_RPATH:
            if (cmd == LCP_LC_RPATH && strcmp(s, edit->old_path) == 0)
                return false;
            break;
        case LCP_NAME_ID:
            if (cmd == LCP_LC_ID_DYLIB && strcmp(s, edit->new_path) != 0)
                return false;
            break;
        case LCP_NAME_CHANGE:
            if ((cmd == LCP_LC_PREBOUND_DYLIB || (lcp_cmd_is_dylib(cmd) && cmd != LCP_LC_ID_DYLIB)) &&
                strcmp(s, edit->old_path) == 0)
                return false;
            break;
        default: break;
        }
    }
    return edit->kind != LCP_NAME_ADD_RPATH;
}

lcp_status lcp_image_edit_name_all(lcp_image *img, const lcp_name_edit *edit, lcp_name_report *r, lcp_error *err) {
    lcp_status st = lcp_image_edit_names(img, edit, 1, 0, r, err);
    /* delete-rpath removes every LC_RPATH with the path (an edit removes
     * the first, as install_name_tool does): repeat while one is left */
    while (st == LCP_OK && edit->kind == LCP_NAME_DELETE_RPATH && !lcp_name_edit_done(img, edit)) {
        lcp_name_report more;
        st = lcp_image_edit_names(img, edit, 1, 0, &more, err);
        r->changed += more.changed;
        lcp_name_report_release(&more);
    }
    return st;
}
