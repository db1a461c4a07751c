/* A minimal writer used by the fault-injection suite while (and after) the
 * real writer commands land: it goes through exactly the path every lcpatch
 * writer uses (cli/output_opts -> lcp_plan_write_file -> util/outfile).
 *
 *   fault_writer (-o OUT | --in-place) FILE
 *
 * A thin image gets an LC_RPATH "@loader_path/fault" appended in its header
 * padding (pieces: header and command bytes, zeros, a copied range); any
 * other file is copied whole. Exit 0 done, 2 usage, 3 failure (message on
 * stderr), like lcpatch. */
#include "cli/cli.h"
#include "cli/output_opts.h"
#include "lcpatch/lcpatch.h"

#include <stdlib.h>
#include <string.h>

static const char rpath[] = "@loader_path/fault";

static lcp_status add_rpath(lcp_image *img, lcp_error *err) {
    uint32_t align = img->is64 ? 8 : 4;
    uint32_t cmdsize = (uint32_t)((12 + sizeof rpath + align - 1) / align * align);
    size_t used = img->ncmds ? (size_t)img->lc[img->ncmds - 1].offset + img->lc[img->ncmds - 1].cmdsize : 0;
    lcp_space sp;
    lcp_image_space(img, &sp);
    if (sp.edit_free + (int64_t)(img->sizeofcmds - used) < (int64_t)cmdsize)
        return lcp_error_set(err, LCP_E_NOSPACE, img->offset, "no room for an LC_RPATH");
    uint8_t *b = calloc(1, used + cmdsize);
    if (b == NULL)
        return lcp_error_set(err, LCP_E_NOMEM, LCP_NO_OFFSET, "out of memory");
    memcpy(b, img->cmds, used);
    uint32_t f[3] = {LCP_LC_RPATH, cmdsize, 12};
    for (int i = 0; i < 3; i++)
        for (int k = 0; k < 4; k++)
            b[used + 4 * (size_t)i + (size_t)k] = (uint8_t)(img->big_endian ? f[i] >> (24 - 8 * k) : f[i] >> (8 * k));
    memcpy(b + used + 12, rpath, sizeof rpath);
    lcp_status st = lcp_image_set_commands(img, b, used + cmdsize, img->ncmds + 1, err);
    free(b);
    return st;
}

int main(int argc, char **argv) {
    lcp_output_opts out;
    lcp_output_opts_init(&out);
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        int r = lcp_output_opts_parse(&out, "fault_writer", argc, argv, &i);
        if (r < 0)
            return LCP_EXIT_USAGE;
        if (r == 0)
            return lcp_cli_usage_error("fault_writer", "unknown option '%s'", argv[i]);
    }
    if (lcp_output_opts_check(&out, "fault_writer", argv + i, argc - i))
        return LCP_EXIT_USAGE;
    int status = 0;
    for (; i < argc; i++) {
        lcp_file *f;
        lcp_error err;
        if (lcp_file_open(argv[i], &f, &err) != LCP_OK) {
            status = lcp_cli_fail(&err);
            continue;
        }
        lcp_plan p;
        lcp_plan_init(&p);
        lcp_status st;
        if (f->kind == LCP_THIN && f->slices[0].image) {
            st = add_rpath(f->slices[0].image, &err);
            if (st == LCP_OK)
                st = lcp_plan_add_image(&p, f->slices[0].image, f->src.size, &err);
        } else {
            st = lcp_plan_add_copy(&p, 0, f->src.size, &err);
        }
        if (st == LCP_OK)
            st = lcp_output_write(&out, argv[i], &p, &f->src, &err);
        if (st != LCP_OK)
            status = lcp_cli_fail(&err);
        lcp_plan_release(&p);
        lcp_file_free(f);
    }
    return status;
}
