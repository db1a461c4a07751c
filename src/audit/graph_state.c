/* What the graph walk remembers: the images each main executable's process
 * has loaded (dlopen's "already loaded"), the (image, rpath context) pairs
 * already visited, and the @rpath/ loads judged at the end. */
#include "audit/graph_internal.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"
#include "util/path.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool au_is_loaded(const graph_state *gs, const au_image *img, int main_node) {
    for (size_t i = 0; i < gs->n; i++)
        if (gs->items[i].img == img && gs->items[i].main == main_node)
            return true;
    return false;
}

bool au_loaded_add(graph_state *gs, const au_image *img, int main_node) {
    if (au_is_loaded(gs, img, main_node))
        return true;
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 32;
        loaded *l = realloc(gs->items, cap * sizeof *l);
        if (l == NULL)
            return false;
        gs->items = l;
        gs->cap = cap;
    }
    gs->items[gs->n++] = (loaded){img, main_node};
    return true;
}

/* An image the main executable's process has loaded under this install name. */
const loaded *au_loaded_find(const graph_state *gs, uint32_t cputype, const char *id, int main_node) {
    for (size_t i = 0; i < gs->n; i++)
        if (gs->items[i].main == main_node && gs->items[i].img->cputype == cputype && gs->items[i].img->id &&
            strcmp(gs->items[i].img->id, id) == 0)
            return &gs->items[i];
    return NULL;
}

/* The context key of a visit: the image, the chain images with rpaths, the main. */
uint64_t au_visit_key(const au_link *self, int main_node) {
    uint64_t h = 1469598103934665603ull;
#define MIX(v) (h = (h ^ (uint64_t)(v)) * 1099511628211ull)
    MIX((uintptr_t)self->img);
    MIX(main_node + 2);
    for (const au_link *l = self->parent; l; l = l->parent) {
        if (l->img->nrpaths)
            MIX((uintptr_t)l->img);
        if (l->dlopened)
            MIX(0x5a5a5a5aull);
    }
#undef MIX
    return h ? h : 1;
}

bool au_visited_insert(au_ctx *ctx, uint64_t key) {
    if ((ctx->visited_len + 1) * 2 > ctx->visited_cap) {
        size_t cap = ctx->visited_cap ? ctx->visited_cap * 2 : 1024;
        uint64_t *v = calloc(cap, sizeof *v);
        if (v == NULL)
            return false;
        for (size_t i = 0; i < ctx->visited_cap; i++) {
            if (ctx->visited[i] == 0)
                continue;
            size_t k = (size_t)(ctx->visited[i] & (cap - 1));
            while (v[k])
                k = (k + 1) & (cap - 1);
            v[k] = ctx->visited[i];
        }
        free(ctx->visited);
        ctx->visited = v;
        ctx->visited_cap = cap;
    }
    size_t k = (size_t)(key & (ctx->visited_cap - 1));
    while (ctx->visited[k]) {
        if (ctx->visited[k] == key)
            return false;
        k = (k + 1) & (ctx->visited_cap - 1);
    }
    ctx->visited[k] = key;
    ctx->visited_len++;
    return true;
}

bool au_pending_add(graph_state *gs, const au_link *self, size_t load, char *via) {
    if (gs->npend == gs->cap_pend) {
        size_t cap = gs->cap_pend ? gs->cap_pend * 2 : 16;
        pending *p = realloc(gs->pend, cap * sizeof *p);
        if (p == NULL) {
            free(via);
            return false;
        }
        gs->pend = p;
        gs->cap_pend = cap;
    }
    gs->pend[gs->npend++] = (pending){self->node, self->img, load, via};
    return true;
}
