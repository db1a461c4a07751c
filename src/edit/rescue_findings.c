/* Rescue's reading of step 5 (the audit of the PATHs, lcp_audit_path) and
 * of what codesign will sign, over the plans (see lcpatch/rescue.h). */
#include "lcpatch/rescue.h"

#include "lcpatch/macho.h"

#include <string.h>

bool lcp_rescue_finding_of(const char *root, const char *path, const lcp_audit_finding *fd) {
    if (strcmp(root, fd->root) != 0)
        return false;
    size_t rl = strlen(fd->root);
    if (strcmp(path, fd->file) == 0 && strcmp(fd->file, fd->root) == 0)
        return true;
    if (strncmp(path, fd->root, rl) != 0)
        return false;
    const char *rest = path + rl;
    while (*rest == '/')
        rest++;
    return strcmp(rest, fd->file) == 0;
}

bool lcp_rescue_finding_kept(const lcp_rescue_file *rf, const lcp_audit_finding *fd) {
    if (rf == NULL)
        return true;
    if (rf->state == LCP_RESCUE_NO_64BIT || rf->state == LCP_RESCUE_OTHER_PLATFORM)
        return false; /* left alone: rescue reports why, not its load paths */
    for (size_t k = 0; k < rf->nslices; k++) {
        const lcp_rescue_slice *s = &rf->slices[k];
        if (strcmp(s->arch, fd->arch ? fd->arch : "") == 0 && ((s->member == NULL) == (fd->member == NULL)) &&
            (!s->member || strcmp(s->member, fd->member) == 0))
            return !s->removed;
    }
    return true;
}

bool lcp_rescue_finding_blocks(const lcp_audit_finding *fd) {
    return fd->severity == LCP_AUDIT_ERROR || fd->kind == LCP_AUDIT_RELATIVE_PATH;
}

bool lcp_rescue_signable(const lcp_rescue_file *rf) {
    if (rf->state != LCP_RESCUE_CHANGED && rf->state != LCP_RESCUE_ALREADY)
        return false; /* left alone: nothing rescue made to sign */
    for (size_t i = 0; i < rf->file->nslices && i < rf->nslices; i++) {
        const lcp_image *img = rf->file->slices[i].image;
        if (!rf->slices[i].removed && img && img->filetype != LCP_MH_OBJECT && img->filetype != LCP_MH_DSYM)
            return true;
    }
    return false;
}
