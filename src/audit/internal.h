/* The audit's internal model, shared by the src/audit files (not public).
 *
 * One audit run (au_ctx) owns: the files found by the walk (au_node), the
 * Mach-O images of each (au_image, with the load paths copied out so that
 * no file stays open), the .app bundles found, and a hash from (dev, ino)
 * to node. Everything is released by au_ctx_release. */
#ifndef LCP_AUDIT_INTERNAL_H
#define LCP_AUDIT_INTERNAL_H

#include "lcpatch/audit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One path-bearing command of an image (a dylib load or an LC_RPATH). */
typedef struct au_load {
    uint32_t cmd;
    uint32_t index; /* load command index */
    char *path;     /* owned copy, exactly as stored */
    /* Chain-independent resolution (@loader_path, @executable_path of a
     * fixed main, absolute paths): computed once. */
    bool done;
    int state;      /* au_where */
    char *resolved; /* owned */
    int node;       /* resolved node, or -1 */
    size_t image;   /* resolved image index in that node */
    char *note;     /* owned: why a candidate was refused, or NULL */
} au_load;

typedef struct au_image {
    size_t slice_index;
    char *member; /* owned archive member name, or NULL */
    uint32_t cputype, cpusubtype, filetype;
    char arch[48];
    au_load *loads; /* dylib loads (not LC_ID_DYLIB), in command order */
    size_t nloads;
    au_load *rpaths;
    size_t nrpaths;
    bool *rpath_used;
    char *id; /* LC_ID_DYLIB name, owned, or NULL */
    long id_index;
    lcp_dlopen_call *calls;
    size_t ncalls;
    bool visited;
    bool in_main_graph; /* reached from a main executable */
    bool has_loader;    /* a load of another image in the tree resolves to it */
} au_image;

typedef struct au_node {
    char *rel;   /* relative to root_real ("" never: a file root uses its base name) */
    char *label; /* what findings call it: rel, or the argument as given */
    dev_t dev;
    ino_t ino;
    bool macho;
    bool failed;
    bool report;      /* findings of this node are reported (a file root: only the file) */
    lcp_error *error; /* owned, when failed */
    au_image *images;
    size_t nimages;
} au_node;

typedef struct au_app {
    char *rel; /* the .app folder relative to root_real ("" for the root) */
    int exe;   /* node index of its main executable, or -1 */
} au_app;

typedef enum au_where {
    AU_NONE,    /* resolves nowhere */
    AU_BUNDLE,  /* a file inside the audited root */
    AU_SYSTEM,  /* a dyld shared cache path (or the /usr/lib fallback) */
    AU_PRESENT, /* present under --sysroot, in a system location */
    AU_OUTSIDE, /* present, but outside the bundle and not a system location */
    AU_UNKNOWN  /* cannot be decided (no main executable known) */
} au_where;

typedef struct au_ctx {
    const lcp_audit_options *opt;
    lcp_audit_report *report;
    const char *root_given;
    char *root_real; /* realpath of the root folder (a file root: its folder) */
    size_t root_len;
    bool root_is_dir;
    bool report_all;  /* a folder root: every node is reported */
    bool bundle_root; /* root_real is the audited folder or a bundle around the file */
    au_node *nodes;
    size_t nnodes, cap_nodes;
    au_app *apps;
    size_t napps, cap_apps;
    int exe_override; /* node index of --executable, or -1 */
    size_t *hash;     /* open addressing: node index + 1, 0 = empty */
    size_t hash_cap;
    char *sysroot_real;
    /* graph */
    uint64_t *visited; /* hash set of (image, context) keys, 0 = empty */
    size_t visited_cap, visited_len;
    size_t visits;
} au_ctx;

/* walk.c: fills ctx->nodes, ctx->apps and the hash. */
lcp_status au_walk(au_ctx *ctx, lcp_error *err);
int au_node_find(const au_ctx *ctx, dev_t dev, ino_t ino);
/* Appends a node; returns its index or -1 (out of memory). */
int au_node_add(au_ctx *ctx, const char *rel, const char *label, dev_t dev, ino_t ino);
/* root_real + "/" + rel into buf. */
bool au_host_path(const au_ctx *ctx, const char *rel, char *buf, size_t len);

/* scan.c: opens every node in parallel and copies its images out. */
lcp_status au_scan(au_ctx *ctx, lcp_error *err);
void au_node_release(au_node *n);

/* apps.c: the main executable of every .app found. */
void au_find_executables(au_ctx *ctx);

/* resolve.c */
typedef struct au_res {
    au_where where;
    char path[4096]; /* BUNDLE: relative to root; OUTSIDE in the bundle's tree: relative (../x); else absolute */
    int node;        /* BUNDLE: the node, or -1 when the file is not one we scanned */
    bool loop;       /* a symlink loop was met */
} au_res;
/* A path on this machine (an expansion inside the audited tree). */
void au_resolve_host(const au_ctx *ctx, const char *path, bool want_dir, au_res *out);
/* An absolute path as the user's Mac would see it. */
void au_resolve_target(const au_ctx *ctx, const char *path, bool want_dir, au_res *out);
/* out->path: path relative to the root ("../x" when outside it). */
void au_host_label(const au_ctx *ctx, const char *path, au_res *out);
/* True for build-machine locations (/usr/local/, /opt/, /Users/, ...). */
bool au_is_build_location(const char *path);

/* graph.c (with graph_*.c, graph_internal.h): every finding. */
lcp_status au_graph(au_ctx *ctx, lcp_error *err);

/* report.c */
lcp_status au_add_finding(au_ctx *ctx, const au_node *n, const au_image *img, lcp_audit_kind kind, const char *command,
                          long index, uint64_t address, const char *path, const char *resolved, const char *via,
                          const char *hint);
lcp_status au_add_failure(au_ctx *ctx, const char *file, const lcp_error *e);
void au_report_finish(lcp_audit_report *r);

#endif
