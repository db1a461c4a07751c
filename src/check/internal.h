/* lcpatch check's internals: the report builders shared by the walk
 * (walk.c), the archive reader (archive.c) and the image rules (image.c). */
#ifndef LCP_CHECK_INTERNAL_H
#define LCP_CHECK_INTERNAL_H

#include "lcpatch/check.h"
#include "lcpatch/codesign.h"
#include "lcpatch/file.h"
#include "lcpatch/macho.h"
#include "lcpatch/names.h"

#include <sys/types.h>

/* Adds an issue; detail is printf-formatted (NULL for none). False when out
 * of memory. */
bool ck_issue(lcp_check_report *r, lcp_check_rule rule, const char *path, const char *arch, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 5, 6)))
#endif
    ;
bool ck_failure(lcp_check_report *r, const char *path, const lcp_error *e);
/* "a/b" (b appended with one '/'), heap-allocated; NULL when out of memory. */
char *ck_join(const char *a, const char *b);

/* The notary rules for every image of an opened Mach-O file, whose notary
 * path is `path`; ext (may be NULL) holds what a bundle seals outside the
 * image (its Info.plist and resource seal) for a main executable. */
void ck_macho(lcp_check_report *r, const char *path, lcp_file *f, const lcp_cs_external *ext);

/* Reads a .zip, .jar or flat .pkg (xar) at `data` (or, when data is NULL,
 * the file `fs_path`) and checks every Mach-O inside, named path/member. */
void ck_archive(lcp_check_report *r, const char *path, const char *fs_path, const uint8_t *data, size_t len, int depth);
/* True for the names of archives the notary opens. */
bool ck_is_archive_name(const char *name);
/* True when the first bytes are a Mach-O, fat or ar magic. */
bool ck_is_macho_magic(const uint8_t *b, size_t n);
/* The name rule: warns when name is not ASCII (says whether it holds
 * decomposed or precomposed characters). */
void ck_name(lcp_check_report *r, const char *path, const char *name);

/* A Mach-O file the walk found: checked by the pool into its own report,
 * merged into the walk's in walk order. */
typedef struct ck_task {
    char *path, *fs_path;       /* owned */
    const lcp_cs_external *ext; /* its bundle's sealed data, or NULL */
    lcp_check_report sub;
    /* A file with more than one name (hard links) is read and hashed once:
     * its inode, and twin = 1 + the index of the task that checks it for
     * this one (0: checked here) */
    bool linked;
    dev_t dev;
    ino_t ino;
    size_t twin;
} ck_task;

/* Opens and checks every task, on `jobs` threads (0: one per CPU), then
 * appends their issues and failures to r in task order. */
void ck_run_tasks(lcp_check_report *r, ck_task *tasks, size_t n, unsigned jobs);

/* The tree: files, bundles, symlinks and names under fs_root, reported
 * under notary path `path`; its Mach-O files checked on `jobs` threads. */
lcp_status ck_walk(lcp_check_report *r, const char *path, const char *fs_root, unsigned jobs, lcp_error *err);

#endif
