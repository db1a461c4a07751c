/* The private model of the load graph walk (src/audit/graph*.c): the load
 * chain, the walk's state, a lookup's answer, and the functions the graph
 * files share. graph.c tells how the walk goes. */
#ifndef LCP_AUDIT_GRAPH_INTERNAL_H
#define LCP_AUDIT_GRAPH_INTERNAL_H

#include "audit/internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct au_link {
    int node;
    au_image *img;
    const struct au_link *parent; /* the image that loaded this one */
    bool dlopened;                /* loaded by dlopen() from parent */
} au_link;

typedef struct walk {
    au_ctx *ctx;
    int main_node; /* the chain's main executable, or -1 */
    lcp_status st;
} walk;

/* Images of the main executables' graphs, for dlopen's "already loaded". */
typedef struct loaded {
    const au_image *img;
    int main; /* the main executable whose process loads it */
} loaded;

/* An @rpath/ load that no LC_RPATH of its chain resolves, met while no main
 * executable is known: judged once every image's loaders are known. */
typedef struct pending {
    int node;
    au_image *img;
    size_t load; /* index in img->loads */
    char *via;   /* owned: the chain, or NULL when the image was the walk's root */
} pending;

typedef struct graph_state {
    loaded *items;
    size_t n, cap;
    pending *pend;
    size_t npend, cap_pend;
} graph_state;

/* What a load path expands to (au_expand). */
enum expand { EX_HOST, EX_TARGET, EX_UNKNOWN, EX_RELATIVE, EX_RPATH };

/* Where a load path leads (au_lookup_plain, au_lookup_rpath). */
typedef struct lookup {
    au_where where;
    char resolved[4096];
    int node;
    int image;
    char note[512];
    bool loop;
} lookup;

/* graph_lookup.c: where a load path leads. */
bool au_has_prefix_var(const char *p, const char *var);
/* Expands @loader_path (holder's folder) and @executable_path (main's folder). */
enum expand au_expand(const au_ctx *ctx, int holder, int main_node, const char *p, char *out, size_t len);
/* The image of node with this architecture (not an archive member), or -1. */
int au_image_for(const au_ctx *ctx, int node, uint32_t cputype);
/* Resolves a path that does not start with @rpath/. */
void au_lookup_plain(const au_ctx *ctx, int holder, const au_image *img, int main_node, const char *path, lookup *lk);
/* Resolves @rpath/... against the rpath stack of the chain. */
void au_lookup_rpath(const au_ctx *ctx, const au_link *chain, int main_node, const char *path, lookup *lk);

/* graph_image_checks.c: findings of one image that no chain changes. */
lcp_status au_emit(walk *w, const au_link *self, lcp_audit_kind kind, const au_load *l, const char *resolved,
                   const char *via, const char *hint);
lcp_status au_image_checks(walk *w, const au_link *self);

/* graph_hints.c: the "via" chain and the hints of findings. */
char *au_chain_via(const au_ctx *ctx, const au_link *self);
void au_fix_hint(char *hint, size_t len, const lookup *lk, const char *base);
size_t au_chain_rpaths(const au_link *chain, char *buf, size_t len);
int au_node_with_id(const au_ctx *ctx, uint32_t cputype, const char *id);
void au_through_wrapper(char *hint, size_t size, const lcp_dlopen_call *c);

/* graph_state.c: what the walk remembers (loaded images, visits, pending
 * @rpath/ loads). */
bool au_is_loaded(const graph_state *gs, const au_image *img, int main_node);
bool au_loaded_add(graph_state *gs, const au_image *img, int main_node);
const loaded *au_loaded_find(const graph_state *gs, uint32_t cputype, const char *id, int main_node);
uint64_t au_visit_key(const au_link *self, int main_node);
bool au_visited_insert(au_ctx *ctx, uint64_t key);
bool au_pending_add(graph_state *gs, const au_link *self, size_t load, char *via);

/* graph_visit.c: one image in one load chain, and what it loads. */
lcp_status au_visit(walk *w, graph_state *gs, const au_link *self);

#endif
