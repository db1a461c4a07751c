/* Apple vtool's messages for the library's errors, chosen by status and
 * reason (never by the library's prose), with vtool's exact wording
 * (cctools misc/vtool.c file_read, file_select_macho, lcmds_alloc,
 * command_set, command_remove). */
#include "compat/vtool.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void vt_print_open_error(const vt_opts *o, const lcp_error *err) {
    if (err->status == LCP_E_IO) {
        /* Apple's tool opens, then fails its read() on a directory */
        struct stat sb;
        if (stat(o->in_path, &sb) == 0 && S_ISDIR(sb.st_mode))
            fprintf(stderr, "%s error: %s: can't read file: %s\n", o->prog, o->in_path, strerror(EISDIR));
        else
            fprintf(stderr, "%s error: %s: can't open file: %s\n", o->prog, o->in_path,
                    strerror(err->sys_errno ? err->sys_errno : EIO));
        return;
    }
    if (err->status == LCP_E_NOMEM) {
        fprintf(stderr, "%s error: %s: can't read file: %s\n", o->prog, o->in_path, strerror(ENOMEM));
        return;
    }
    /* whatever the container's fault, vtool says this */
    fprintf(stderr, "%s error: %s file is not mach-o\n", o->prog, o->in_path);
}

void vt_print_slice_error(const vt_opts *o, const lcp_file *f, size_t i, const lcp_error *err) {
    const lcp_slice *s = &f->slices[i];
    unsigned ct = s->cputype, cs = s->cpusubtype;
    switch ((int)err->reason) {
    case LCP_R_FAT_ARCH_PAST_END:
        fprintf(stderr, "%s error: %s file #%d for cputype (%u, %u) extends beyond file boundaries (%llu < %u + %u)\n",
                o->prog, o->in_path, (int)i, ct, cs, (unsigned long long)f->src.size, (unsigned)s->offset,
                (unsigned)s->size);
        return;
    case LCP_R_CMDS_PAST_END:
        fprintf(stderr, "%s error: %s file #%d for cputype (%u, %u) load command extend beyond length of file\n",
                o->prog, o->in_path, (int)i, ct, cs);
        return;
    case LCP_R_VTOOL_LC_HEADER_PAST_CMDS:
        fprintf(stderr, "%s error: load command %d extends beyond range\n", o->prog, (int)err->index);
        return;
    case LCP_R_VTOOL_LC_PAST_CMDS:
        fprintf(stderr, "%s error: load command %d (0x%X) extends beyond range\n", o->prog, (int)err->index,
                (unsigned)err->value);
        return;
    case LCP_R_VTOOL_LC_BAD_SIZE:
        /* the cputype of the mach header, not of the fat_arch */
        fprintf(stderr, "%s error: %s file for cputype (%u, %u) load command %d (0x%x) has incorrect size (%d)\n",
                o->prog, o->in_path, (unsigned)err->cputype, (unsigned)err->cpusubtype, (int)err->index,
                (unsigned)(err->value >> 32), (int)(uint32_t)err->value);
        return;
    default: break;
    }
    if (err->status == LCP_E_NOMEM || err->status == LCP_E_IO) {
        fprintf(stderr, "%s error: %s: can't read file: %s\n", o->prog, o->in_path,
                strerror(err->sys_errno               ? err->sys_errno
                         : err->status == LCP_E_NOMEM ? ENOMEM
                                                      : EIO));
        return;
    }
    fprintf(stderr, "%s error: %s file #%d for cputype (%u, %u) is not mach-o\n", o->prog, o->in_path, (int)i, ct, cs);
}

void vt_print_no_space(const vt_opts *o, const lcp_file *f, const lcp_image *img) {
    if (f->nslices > 1 || o->narch) {
        const char *arch = lcp_arch_name(img->cputype, img->cpusubtype);
        if (arch)
            fprintf(stderr, "%s error: %s (%s) not enough space to hold load commands\n", o->prog, o->in_path, arch);
        else
            fprintf(stderr, "%s error: %s (%u, %u) not enough space to hold load commands\n", o->prog, o->in_path,
                    img->cputype, img->cpusubtype);
    } else {
        fprintf(stderr, "%s error: %s not enough space to hold load commands\n", o->prog, o->in_path);
    }
}

void vt_print_outcome(const vt_opts *o, const lcp_vtool_result *res) {
    switch (res->outcome) {
    case LCP_VTOOL_DONE:
    case LCP_VTOOL_NO_SPACE: break; /* vt_print_no_space: it names the slice */
    case LCP_VTOOL_VERSMIN_TOOLS_ARG:
        fprintf(stderr, "%s error: version min load commands do not support tool versions\n", o->prog);
        break;
    case LCP_VTOOL_VERSMIN_TOOLS_FILE:
        fprintf(stderr, "%s error: %s version min load commands do not support tool versions\n", o->prog, o->in_path);
        break;
    case LCP_VTOOL_NO_BUILD_VERSION: {
        /* "verion": Apple's spelling */
        char buf[16];
        fprintf(stderr, "%s error: no build verion load command found for platform %s\n", o->prog,
                vt_name_or_number(vt_platform_name(res->platform), res->platform, buf, sizeof buf));
        break;
    }
    }
}
