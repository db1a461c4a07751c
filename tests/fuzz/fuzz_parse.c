/* libFuzzer harness: any bytes -> a validated model or a clean error.
 * Checks beyond "no sanitizer report": an error has a non-empty message and
 * a known status; a parsed model can be walked with every decoder, cloned,
 * and re-emitted unchanged through an output plan; the dlopen path recovery
 * (symbols, disassembly, CFString records, chained fixups) reads only
 * inside the input. */
#include "fuzz_common.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int reemit_image(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    (void)ctx;
    (void)slice;
    (void)m;
    lcp_image *copy;
    if (lcp_image_clone(img, &copy, NULL) != LCP_OK)
        abort();
    /* Re-validating the commands the parser accepted must succeed. */
    if (lcp_image_set_commands(copy, img->cmds, img->sizeofcmds, img->ncmds, NULL) != LCP_OK)
        abort();
    lcp_plan p;
    lcp_plan_init(&p);
    lcp_error err;
    if (lcp_plan_add_image(&p, copy, copy->size, &err) == LCP_OK) {
        uint8_t *out;
        size_t len;
        if (lcp_plan_write_memory(&p, &f->src, &out, &len, &err) == LCP_OK) {
            /* The unchanged image comes back byte for byte. */
            if (len != img->size || memcmp(out, f->src.mem + img->offset, len) != 0)
                abort();
            free(out);
        }
    }
    lcp_plan_release(&p);
    lcp_image_free(copy);
    return 0;
}

static int find_loaded_paths(void *ctx, lcp_file *f, size_t slice, lcp_member *m, lcp_image *img) {
    (void)ctx;
    (void)slice;
    (void)m;
    lcp_dlopen_call *calls;
    size_t n;
    if (lcp_dlopen_paths(&f->src, img, &calls, &n, NULL) == LCP_OK)
        lcp_dlopen_calls_free(calls, n);
    /* the function starts of every image (dlopen_paths reads them only for
     * x86_64 and arm64) */
    uint64_t *starts;
    if (lcp_function_starts(&f->src, img, &starts, &n, NULL) == LCP_OK)
        free(starts);
    /* the first and last pointer of every segment, rebased or chained */
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_segment seg;
        uint64_t t;
        if (lcp_image_segment(img, i, &seg) && seg.filesize >= 8) {
            (void)lcp_image_pointer_at(&f->src, img, seg.vmaddr, &t);
            (void)lcp_image_pointer_at(&f->src, img, seg.vmaddr + seg.filesize - 8, &t);
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > LCP_FUZZ_MAX_LEN)
        return 0;
    lcp_file *f = NULL;
    lcp_error err;
    memset(&err, 0, sizeof err);
    lcp_status st = lcp_file_open_memory(data, size, "fuzz", &f, &err);
    if (st != LCP_OK) {
        if (f != NULL || err.status != st || err.message[0] == '\0' || st > LCP_E_NOMEM)
            abort();
        if (st != LCP_E_NOT_MACHO && st != LCP_E_MALFORMED)
            abort(); /* in memory, nothing else can fail */
        return 0;
    }
    unsigned sink = 0;
    lcp_file_visit_images(f, lcp_fuzz_walk_image, &sink);
    lcp_file_visit_images(f, reemit_image, NULL);
    lcp_file_visit_images(f, find_loaded_paths, NULL);
    lcp_file_free(f);
    return (int)(sink & 0);
}
