/* lcpatch audit: the text report, grouped by file and architecture. */
#include "cli/audit_print.h"

#include <string.h>

static bool same_group(const lcp_audit_finding *a, const lcp_audit_finding *b) {
    return strcmp(a->root, b->root) == 0 && strcmp(a->file, b->file) == 0 && strcmp(a->arch, b->arch) == 0 &&
           (a->member == NULL) == (b->member == NULL) && (a->member == NULL || strcmp(a->member, b->member) == 0);
}

void lcp_audit_print_text(FILE *out, const lcp_audit_report *r, bool several_roots) {
    for (size_t i = 0; i < r->nfindings; i++) {
        const lcp_audit_finding *f = &r->findings[i];
        if (i == 0 || !same_group(&r->findings[i - 1], f)) {
            if (i > 0)
                fputc('\n', out);
            if (several_roots && strcmp(f->root, f->file) != 0)
                fprintf(out, "%s: ", f->root);
            fprintf(out, "%s", f->file);
            if (f->member)
                fprintf(out, "(%s)", f->member);
            fprintf(out, " (%s):\n", f->arch);
        }
        fprintf(out, "  %s: %s: ", f->severity == LCP_AUDIT_ERROR ? "error" : "warning", lcp_audit_kind_name(f->kind));
        if (f->index >= 0)
            fprintf(out, "load command %ld %s %s\n", f->index, f->command, f->path);
        else
            fprintf(out, "%s(\"%s\") at 0x%llx\n", f->command, f->path, (unsigned long long)f->address);
        if (f->resolved)
            fprintf(out, "    resolves to: %s\n", f->resolved);
        if (f->via)
            fprintf(out, "    loaded by: %s\n", f->via);
        fprintf(out, "    fix: %s\n", f->hint);
    }
    if (r->nfindings)
        fputc('\n', out);
    fprintf(out, "%zu file%s, %zu Mach-O: %zu error%s, %zu warning%s", r->files, r->files == 1 ? "" : "s",
            r->macho_files, r->errors, r->errors == 1 ? "" : "s", r->warnings, r->warnings == 1 ? "" : "s");
    if (r->nfailures)
        fprintf(out, ", %zu file%s could not be read", r->nfailures, r->nfailures == 1 ? "" : "s");
    fputc('\n', out);
}
