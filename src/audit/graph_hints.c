/* The words of graph findings: the "via" load chain, the rpaths a chain
 * tried, the image an absolute path names, and the hints' suffixes. */
#include "audit/graph_internal.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The loaders of self, outermost first: "A -> B", with " (dlopen)" after
 * an image that dlopen()ed the next one; NULL when self has no loader. */
char *au_chain_via(const au_ctx *ctx, const au_link *self) {
    const au_link *stack[64];
    size_t n = 0;
    for (const au_link *l = self->parent; l && n < 64; l = l->parent)
        stack[n++] = l;
    if (n == 0)
        return NULL;
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(ctx->nodes[stack[i]->node].label) + 16;
    char *s = malloc(len);
    if (s == NULL)
        return NULL;
    size_t o = 0;
    s[0] = '\0';
    for (size_t i = n; i-- > 0;) {
        const au_link *child = i > 0 ? stack[i - 1] : self;
        o += (size_t)snprintf(s + o, len - o, "%s%s%s", o ? " -> " : "", ctx->nodes[stack[i]->node].label,
                              child->dlopened ? " (dlopen)" : "");
    }
    return s;
}

void au_fix_hint(char *hint, size_t len, const lookup *lk, const char *base) {
    int n = snprintf(hint, len, "%s", base);
    if (lk->note[0] && n >= 0 && (size_t)n < len)
        n += snprintf(hint + n, len - (size_t)n, " (refused: %s)", lk->note);
    if (lk->loop && n >= 0 && (size_t)n < len)
        snprintf(hint + n, len - (size_t)n, " (a symlink loop is on the way)");
}

/* The distinct LC_RPATHs of the chain, "A, B" (at most len bytes), for
 * hints; returns how many. */
size_t au_chain_rpaths(const au_link *chain, char *buf, size_t len) {
    size_t n = 0, o = 0;
    buf[0] = '\0';
    for (const au_link *l = chain; l; l = l->parent)
        for (size_t k = 0; k < l->img->nrpaths; k++) {
            const char *p = l->img->rpaths[k].path;
            bool seen = false;
            for (const au_link *m = chain; m && !seen; m = m == l ? NULL : m->parent)
                for (size_t j = 0; j < (m == l ? k : m->img->nrpaths) && !seen; j++)
                    seen = strcmp(m->img->rpaths[j].path, p) == 0;
            if (seen)
                continue;
            if (o < len)
                o += (size_t)snprintf(buf + o, len - o, "%s%s", n ? ", " : "", p);
            n++;
        }
    return n;
}

/* A scanned image with this install name and architecture, or -1. */
int au_node_with_id(const au_ctx *ctx, uint32_t cputype, const char *id) {
    for (size_t n = 0; n < ctx->nnodes; n++)
        for (size_t i = 0; i < ctx->nodes[n].nimages; i++) {
            const au_image *img = &ctx->nodes[n].images[i];
            if (img->id && img->member == NULL && img->cputype == cputype && strcmp(img->id, id) == 0)
                return (int)n;
        }
    return -1;
}

/* A path handed to the loader through the program's own function: the
 * call at the finding's address is to that function; say so. */
void au_through_wrapper(char *hint, size_t size, const lcp_dlopen_call *c) {
    size_t n = strlen(hint);
    if (c->via && n < size)
        snprintf(hint + n, size - n, " (the call here is to %.200s(), which passes the path on to %s())", c->via,
                 c->function);
}
