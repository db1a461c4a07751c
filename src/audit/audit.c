/* lcp_audit_path: walk, scan (threads), find the main executables, walk the
 * load graph, sort the findings. */
#include "audit/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void ctx_release(au_ctx *ctx) {
    for (size_t i = 0; i < ctx->nnodes; i++)
        au_node_release(&ctx->nodes[i]);
    free(ctx->nodes);
    for (size_t i = 0; i < ctx->napps; i++)
        free(ctx->apps[i].rel);
    free(ctx->apps);
    free(ctx->hash);
    free(ctx->visited);
    free(ctx->root_real);
    free(ctx->sysroot_real);
}

static lcp_status add_executable(au_ctx *ctx, const char *exe, lcp_error *err) {
    struct stat sb;
    if (stat(exe, &sb) != 0)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", exe, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: not a regular file", exe);
    ctx->exe_override = au_node_find(ctx, sb.st_dev, sb.st_ino);
    if (ctx->exe_override >= 0)
        return LCP_OK;
    /* outside the audited tree: audited too, named as given */
    char *real = realpath(exe, NULL);
    if (real == NULL)
        return lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: %s", exe, strerror(errno));
    ctx->exe_override = au_node_add(ctx, real, exe, sb.st_dev, sb.st_ino);
    free(real);
    if (ctx->exe_override < 0)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    return LCP_OK;
}

lcp_status lcp_audit_path(const char *path, const lcp_audit_options *opt, lcp_audit_report *r, lcp_error *err) {
    static const lcp_audit_options defaults = {0};
    au_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.opt = opt ? opt : &defaults;
    ctx.report = r;
    ctx.root_given = path;
    ctx.exe_override = -1;
    lcp_status st = LCP_OK;
    if (ctx.opt->sysroot) {
        struct stat sb;
        if (stat(ctx.opt->sysroot, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
            (ctx.sysroot_real = realpath(ctx.opt->sysroot, NULL)) == NULL) {
            st = lcp_error_set(err, LCP_E_IO, LCP_NO_OFFSET, "%s: not a folder", ctx.opt->sysroot);
            goto out;
        }
        if (strcmp(ctx.sysroot_real, "/") == 0)
            ctx.sysroot_real[0] = '\0'; /* "/" + "/usr/lib/x" */
    }
    size_t files_before = r->files;
    if ((st = au_walk(&ctx, err)) != LCP_OK)
        goto out;
    if (ctx.opt->executable && (st = add_executable(&ctx, ctx.opt->executable, err)) != LCP_OK)
        goto out;
    au_find_executables(&ctx); /* before the scan: for a file root it adds the executable */
    if ((st = au_scan(&ctx, err)) != LCP_OK)
        goto out;
    if (!ctx.root_is_dir && !ctx.nodes[0].macho && !ctx.nodes[0].failed) {
        r->files = files_before;
        st = lcp_error_set(err, LCP_E_NOT_MACHO, 0, "%s: not a Mach-O file", path);
        goto out;
    }
    if (!ctx.root_is_dir && ctx.nodes[0].failed) {
        /* the only file: its failure is the root's failure */
        r->files = files_before;
        r->nfailures--;
        lcp_error e = r->failures[r->nfailures].error;
        free(r->failures[r->nfailures].root);
        free(r->failures[r->nfailures].file);
        if (err)
            *err = e;
        st = e.status;
        goto out;
    }
    if (ctx.exe_override >= 0 && !ctx.nodes[ctx.exe_override].macho) {
        st = lcp_error_set(err, LCP_E_NOT_MACHO, 0, "%s: not a Mach-O file", ctx.opt->executable);
        goto out;
    }
    st = au_graph(&ctx, err);
out:
    r->roots++;
    au_report_finish(r);
    ctx_release(&ctx);
    return st;
}

lcp_status lcp_audit_path_recorded(const char *path, const lcp_audit_options *opt, lcp_audit_report *r,
                                   lcp_error *err) {
    lcp_error e;
    lcp_status st = lcp_audit_path(path, opt, r, &e);
    if (st == LCP_OK)
        return LCP_OK;
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
        r->files++;
    if (lcp_audit_report_add_failure(r, path, path, &e) == LCP_OK)
        return LCP_OK;
    if (err)
        *err = e;
    return st;
}
