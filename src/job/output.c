/* Where the outputs go and writing them (see lcpatch/output.h). */
#include "lcpatch/output.h"

#include <sys/stat.h>

void lcp_output_opts_init(lcp_output_opts *o) {
    o->output = NULL;
    o->in_place = false;
    o->no_fsync = false;
    o->no_resign = false;
}

bool lcp_output_same_file(const char *a, const char *b) {
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

unsigned lcp_output_opts_write_flags(const lcp_output_opts *o) { return o->no_fsync ? LCP_WRITE_NO_FSYNC : 0; }

const char *lcp_output_opts_dest(const lcp_output_opts *o, const char *input) {
    return o->in_place || o->output == NULL ? input : o->output;
}

lcp_status lcp_output_stage(const lcp_output_opts *o, const char *input, const lcp_plan *plan, const lcp_source *src,
                            lcp_staged_file **out, lcp_error *err) {
    *out = NULL;
    const char *dest = lcp_output_opts_dest(o, input);
    if (!o->in_place && dest != input && lcp_output_same_file(dest, input))
        return lcp_error_set(err, LCP_E_USAGE, LCP_NO_OFFSET,
                             "%s: -o names the input file; add --in-place to replace it", dest);
    return lcp_plan_stage_file(plan, src, dest, input, lcp_output_opts_write_flags(o), out, err);
}

lcp_status lcp_output_write(const lcp_output_opts *o, const char *input, const lcp_plan *plan, const lcp_source *src,
                            lcp_error *err) {
    lcp_staged_file *sf;
    lcp_status st = lcp_output_stage(o, input, plan, src, &sf, err);
    return st ? st : lcp_staged_file_commit(sf, err);
}
