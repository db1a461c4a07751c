/* Unit tests: Info.plist reading, path resolution, the audit of the test
 * bundles in tests/binaries/audit (built by tests/binaries/audit/build.sh),
 * and dlopen path recovery. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "audit/internal.h"
#include "lcpatch/lcpatch.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUDIT_BIN "tests/binaries/audit"

/* ---- Info.plist ---- */

static void reads_xml_plist(void **state) {
    (void)state;
    const char *xml = "<?xml version=\"1.0\"?>\n<plist version=\"1.0\"><dict>\n"
                      "<key>CFBundleName</key><string>x</string>\n"
                      "<key>CFBundleExecutable</key>\n  <!-- a comment -->\n"
                      "  <string>A &amp; B&#x20;&#67;</string>\n</dict></plist>\n";
    char *v = NULL;
    assert_int_equal(lcp_plist_string((const uint8_t *)xml, strlen(xml), "CFBundleExecutable", &v, NULL), LCP_OK);
    assert_string_equal(v, "A & B C");
    free(v);
    assert_int_equal(lcp_plist_string((const uint8_t *)xml, strlen(xml), "CFBundleIdentifier", &v, NULL),
                     LCP_E_NOTFOUND);
    const char *bad = "<key>CFBundleExecutable</key><string>unterminated";
    assert_int_equal(lcp_plist_string((const uint8_t *)bad, strlen(bad), "CFBundleExecutable", &v, NULL),
                     LCP_E_MALFORMED);
    const char *notstr = "<key>CFBundleExecutable</key><integer>3</integer>";
    assert_int_equal(lcp_plist_string((const uint8_t *)notstr, strlen(notstr), "CFBundleExecutable", &v, NULL),
                     LCP_E_MALFORMED);
}

/* plistlib.dumps({"CFBundleExecutable": "Démo ☃", "CFBundleName": "x"},
 * fmt=FMT_BINARY, sort_keys=True): a dictionary of 2, an 18-character key
 * (extended count 0x5f 0x10 0x12), a UTF-16 value (0x66), 1-byte offsets. */
static const uint8_t bplist[] = {
    0x62, 0x70, 0x6c, 0x69, 0x73, 0x74, 0x30, 0x30, 0xd2, 0x01, 0x02, 0x03, 0x04, 0x5f, 0x10, 0x12, 0x43,
    0x46, 0x42, 0x75, 0x6e, 0x64, 0x6c, 0x65, 0x45, 0x78, 0x65, 0x63, 0x75, 0x74, 0x61, 0x62, 0x6c, 0x65,
    0x5c, 0x43, 0x46, 0x42, 0x75, 0x6e, 0x64, 0x6c, 0x65, 0x4e, 0x61, 0x6d, 0x65, 0x66, 0x00, 0x44, 0x00,
    0xe9, 0x00, 0x6d, 0x00, 0x6f, 0x00, 0x20, 0x26, 0x03, 0x51, 0x78, 0x08, 0x0d, 0x22, 0x2f, 0x3c, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3e};

static void reads_binary_plist(void **state) {
    (void)state;
    char *v = NULL;
    assert_int_equal(lcp_plist_string(bplist, sizeof bplist, "CFBundleExecutable", &v, NULL), LCP_OK);
    assert_string_equal(v, "D\xc3\xa9mo \xe2\x98\x83");
    free(v);
    assert_int_equal(lcp_plist_string(bplist, sizeof bplist, "CFBundleName", &v, NULL), LCP_OK);
    assert_string_equal(v, "x");
    free(v);
    assert_int_equal(lcp_plist_string(bplist, sizeof bplist, "Nope", &v, NULL), LCP_E_NOTFOUND);
}

static void refuses_broken_binary_plists(void **state) {
    (void)state;
    uint8_t b[sizeof bplist];
    char *v = NULL;
    /* every truncation fails cleanly */
    for (size_t n = 8; n < sizeof bplist; n++)
        assert_int_not_equal(lcp_plist_string(bplist, n, "CFBundleExecutable", &v, NULL), LCP_OK);
    /* offset table past the end */
    memcpy(b, bplist, sizeof b);
    b[sizeof b - 1] = 0xf0;
    assert_int_equal(lcp_plist_string(b, sizeof b, "CFBundleExecutable", &v, NULL), LCP_E_MALFORMED);
    /* an object offset pointing into the offset table */
    memcpy(b, bplist, sizeof b);
    b[0x3e] = 0x3f;
    assert_int_equal(lcp_plist_string(b, sizeof b, "CFBundleExecutable", &v, NULL), LCP_E_MALFORMED);
    /* top object is not a dictionary */
    memcpy(b, bplist, sizeof b);
    b[8] = 0x51;
    assert_int_equal(lcp_plist_string(b, sizeof b, "CFBundleExecutable", &v, NULL), LCP_E_MALFORMED);
    /* a count far larger than the data */
    memcpy(b, bplist, sizeof b);
    b[8] = 0xdf;
    b[9] = 0x13;
    assert_int_equal(lcp_plist_string(b, sizeof b, "CFBundleExecutable", &v, NULL), LCP_E_MALFORMED);
    assert_null(v);
}

/* ---- resolution ---- */

static void knows_the_shared_cache_prefixes(void **state) {
    (void)state;
    assert_true(lcp_audit_is_system_path("/usr/lib/libSystem.B.dylib"));
    assert_true(lcp_audit_is_system_path("/System/Library/Frameworks/Foundation.framework/Foundation"));
    assert_true(lcp_audit_is_system_path("/System/iOSSupport/usr/lib/swift/libswiftUIKit.dylib"));
    assert_true(lcp_audit_is_system_path("/System/DriverKit/usr/lib/libc++.dylib"));
    assert_false(lcp_audit_is_system_path("/usr/local/lib/libfoo.dylib"));
    assert_false(lcp_audit_is_system_path("/usr/libexec/x"));
    assert_false(lcp_audit_is_system_path("/Library/Frameworks/Mono.framework/Mono"));
    assert_true(au_is_build_location("/opt/homebrew/lib/libssl.dylib"));
    assert_true(au_is_build_location("/Users/bob/build/lib"));
    assert_false(au_is_build_location("/Library/Frameworks/X.framework/X"));
}

/* A scratch tree: root/{lib/liba.dylib, up -> .., loop1 -> loop2 -> loop1,
 * sys -> /usr/lib, away -> ../outside}, outside/libo.dylib. */
static void resolves_host_paths_with_symlinks(void **state) {
    (void)state;
    char tmpl[] = "/tmp/lcp-audit-XXXXXX";
    char *base = mkdtemp(tmpl);
    assert_non_null(base);
    char p[PATH_MAX], q[PATH_MAX];
#define MK(...) (snprintf(p, sizeof p, __VA_ARGS__), p)
    assert_int_equal(mkdir(MK("%s/root", base), 0755), 0);
    assert_int_equal(mkdir(MK("%s/root/lib", base), 0755), 0);
    assert_int_equal(mkdir(MK("%s/outside", base), 0755), 0);
    FILE *f = fopen(MK("%s/root/lib/liba.dylib", base), "w");
    assert_non_null(f);
    fclose(f);
    f = fopen(MK("%s/outside/libo.dylib", base), "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(symlink("..", MK("%s/root/lib/up", base)), 0);
    assert_int_equal(symlink("loop2", MK("%s/root/loop1", base)), 0);
    assert_int_equal(symlink("loop1", MK("%s/root/loop2", base)), 0);
    assert_int_equal(symlink("/usr/lib", MK("%s/root/sys", base)), 0);
    assert_int_equal(symlink("../outside", MK("%s/root/away", base)), 0);

    au_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.root_real = realpath(MK("%s/root", base), NULL);
    assert_non_null(ctx.root_real);
    ctx.root_len = strlen(ctx.root_real);
    ctx.root_is_dir = true;
    au_res r;
    snprintf(q, sizeof q, "%s/lib/up/lib/liba.dylib", ctx.root_real);
    au_resolve_host(&ctx, q, false, &r);
    assert_int_equal(r.where, AU_BUNDLE);
    assert_string_equal(r.path, "lib/liba.dylib");
    /* ".." after a symlink is the physical parent, as the kernel sees it */
    snprintf(q, sizeof q, "%s/lib/up/../root/lib/liba.dylib", ctx.root_real);
    au_resolve_host(&ctx, q, false, &r);
    assert_int_equal(r.where, AU_BUNDLE);
    snprintf(q, sizeof q, "%s/loop1/x.dylib", ctx.root_real);
    au_resolve_host(&ctx, q, false, &r);
    assert_int_equal(r.where, AU_NONE);
    assert_true(r.loop);
    /* an absolute link out of the tree names a path on the user's Mac */
    snprintf(q, sizeof q, "%s/sys/libz.1.dylib", ctx.root_real);
    au_resolve_host(&ctx, q, false, &r);
    assert_int_equal(r.where, AU_SYSTEM);
    assert_string_equal(r.path, "/usr/lib/libz.1.dylib");
    snprintf(q, sizeof q, "%s/away/libo.dylib", ctx.root_real);
    au_resolve_host(&ctx, q, false, &r);
    assert_int_equal(r.where, AU_OUTSIDE);
    assert_string_equal(r.path, "../outside/libo.dylib");
    snprintf(q, sizeof q, "%s/lib/liba.dylib/x", ctx.root_real);
    au_resolve_host(&ctx, q, false, &r);
    assert_int_equal(r.where, AU_NONE);
    snprintf(q, sizeof q, "%s/lib", ctx.root_real);
    au_resolve_host(&ctx, q, true, &r);
    assert_int_equal(r.where, AU_BUNDLE);
    au_resolve_target(&ctx, "/usr/local/lib/libfoo.dylib", false, &r);
    assert_int_equal(r.where, AU_NONE);
    au_resolve_target(&ctx, "/System/Library/Frameworks/AppKit.framework/AppKit", false, &r);
    assert_int_equal(r.where, AU_SYSTEM);
    /* --sysroot: present in a build-machine location is "outside", elsewhere "present" */
    ctx.sysroot_real = strdup(base);
    au_resolve_target(&ctx, "/outside/libo.dylib", false, &r);
    assert_int_equal(r.where, AU_PRESENT);
    free(ctx.sysroot_real);
    free(ctx.root_real);
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
    assert_int_equal(system(cmd), 0);
#undef MK
}

/* ---- the test bundles ---- */

static size_t count(const lcp_audit_report *r, lcp_audit_kind kind, const char *file) {
    size_t n = 0;
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].kind == kind && (file == NULL || strcmp(r->findings[i].file, file) == 0))
            n++;
    return n;
}

static const lcp_audit_finding *find(const lcp_audit_report *r, lcp_audit_kind kind, const char *path) {
    for (size_t i = 0; i < r->nfindings; i++)
        if (r->findings[i].kind == kind && strcmp(r->findings[i].path, path) == 0)
            return &r->findings[i];
    return NULL;
}

static void audits_the_demo_bundle(void **state) {
    (void)state;
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    lcp_audit_options opt = {.jobs = 1};
    lcp_error err;
    assert_int_equal(lcp_audit_path(AUDIT_BIN "/Demo.app", &opt, &r, &err), LCP_OK);
    assert_int_equal(r.files, 8);
    assert_int_equal(r.macho_files, 6);
    assert_int_equal(r.nfailures, 0);
    /* the good chain: Good.framework and libhelper resolve, through Demo's rpath */
    assert_null(find(&r, LCP_AUDIT_DANGLING, "@rpath/Good.framework/Versions/A/Good"));
    assert_null(find(&r, LCP_AUDIT_DANGLING, "@rpath/libhelper.dylib"));
    /* the broken one: once per failing chain */
    assert_int_equal(count(&r, LCP_AUDIT_DANGLING, "Contents/Frameworks/libhelper.dylib"), 2);
    const lcp_audit_finding *f = find(&r, LCP_AUDIT_DANGLING, "@rpath/libbroken.dylib");
    assert_non_null(f);
    assert_string_equal(f->arch, "x86_64");
    assert_string_equal(f->command, "LC_LOAD_DYLIB");
    assert_null(f->resolved);
    assert_string_equal(f->via, "Contents/MacOS/Demo -> Contents/Frameworks/Good.framework/Versions/A/Good");
    /* a separate process: the helper tool is its own main executable */
    assert_string_equal(f[1].via, "Contents/Resources/tool");
    /* the plugin's dlopen() reuses the libhelper Demo loaded: no third chain */
    /* weak, system, build-machine rpath, duplicate, unused, relative, absolute id */
    f = find(&r, LCP_AUDIT_MISSING_WEAK, "@rpath/libmissing.dylib");
    assert_non_null(f);
    assert_int_equal(f->severity, LCP_AUDIT_WARNING);
    assert_null(find(&r, LCP_AUDIT_DANGLING, "/usr/lib/libSystem.B.dylib"));
    assert_non_null(find(&r, LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, "/Users/builder/build/lib"));
    assert_non_null(find(&r, LCP_AUDIT_RPATH_OUTSIDE_BUNDLE, "/opt/homebrew/lib"));
    f = find(&r, LCP_AUDIT_DUPLICATE_RPATH, "@executable_path/../Frameworks");
    assert_non_null(f);
    assert_int_equal(f->index, 9);
    assert_non_null(find(&r, LCP_AUDIT_UNUSED_RPATH, "@loader_path/../Unused"));
    assert_null(find(&r, LCP_AUDIT_UNUSED_RPATH, "@executable_path/../Frameworks"));
    assert_non_null(find(&r, LCP_AUDIT_RELATIVE_PATH, "libbare.dylib"));
    f = find(&r, LCP_AUDIT_ABSOLUTE_ID, "/usr/local/lib/libabs.dylib");
    assert_non_null(f);
    assert_string_equal(f->command, "LC_ID_DYLIB");
    /* the symlink loop and the way out of the bundle */
    f = find(&r, LCP_AUDIT_DANGLING, "@loader_path/../../../../Frameworks/Loop1/libloop.dylib");
    assert_non_null(f);
    assert_non_null(strstr(f->hint, "symlink loop"));
    f = find(&r, LCP_AUDIT_OUTSIDE_BUNDLE, "@loader_path/../../../../../../libout.dylib");
    assert_non_null(f);
    assert_string_equal(f->resolved, "../libout.dylib");
    /* found by magic, not by name */
    assert_non_null(find(&r, LCP_AUDIT_DANGLING, "@executable_path/libnothere.dylib"));
    assert_int_equal(r.errors, 7);
    assert_int_equal(r.warnings, 9);
    /* no dlopen findings unless asked */
    assert_int_equal(count(&r, LCP_AUDIT_DLOPEN, NULL), 0);
    lcp_audit_report_release(&r);
}

static void output_does_not_depend_on_jobs(void **state) {
    (void)state;
    lcp_audit_report a, b;
    lcp_audit_report_init(&a);
    lcp_audit_report_init(&b);
    lcp_audit_options o1 = {.jobs = 1, .dlopen = true}, o2 = {.jobs = 2, .dlopen = true};
    assert_int_equal(lcp_audit_path(AUDIT_BIN, &o1, &a, NULL), LCP_OK);
    assert_int_equal(lcp_audit_path(AUDIT_BIN, &o2, &b, NULL), LCP_OK);
    assert_int_equal(a.nfindings, b.nfindings);
    assert_true(a.nfindings > 20);
    for (size_t i = 0; i < a.nfindings; i++) {
        assert_string_equal(a.findings[i].file, b.findings[i].file);
        assert_string_equal(a.findings[i].path, b.findings[i].path);
        assert_int_equal(a.findings[i].kind, b.findings[i].kind);
        assert_int_equal(a.findings[i].index, b.findings[i].index);
    }
    lcp_audit_report_release(&a);
    lcp_audit_report_release(&b);
}

static void sysroot_turns_dangling_into_outside(void **state) {
    (void)state;
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    lcp_audit_options opt = {.sysroot = AUDIT_BIN "/sysroot"};
    assert_int_equal(lcp_audit_path(AUDIT_BIN "/Demo.app", &opt, &r, NULL), LCP_OK);
    assert_null(find(&r, LCP_AUDIT_DANGLING, "/usr/local/lib/libfoo.dylib"));
    const lcp_audit_finding *f = find(&r, LCP_AUDIT_OUTSIDE_BUNDLE, "/usr/local/lib/libfoo.dylib");
    assert_non_null(f);
    assert_string_equal(f->resolved, "/usr/local/lib/libfoo.dylib");
    lcp_audit_report_release(&r);
}

static void binary_plist_names_the_main_executable(void **state) {
    (void)state;
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    assert_int_equal(lcp_audit_path(AUDIT_BIN "/Bin.app", NULL, &r, NULL), LCP_OK);
    /* the plugin's @rpath/libdep.dylib resolves through Real's LC_RPATH only */
    assert_int_equal(r.nfindings, 0);
    lcp_audit_report_release(&r);
    /* naming the other executable breaks it: --executable is honoured */
    lcp_audit_report_init(&r);
    lcp_audit_options opt = {.executable = AUDIT_BIN "/Bin.app/Contents/MacOS/Decoy"};
    assert_int_equal(lcp_audit_path(AUDIT_BIN "/Bin.app", &opt, &r, NULL), LCP_OK);
    const lcp_audit_finding *f = find(&r, LCP_AUDIT_DANGLING, "@rpath/libdep.dylib");
    assert_non_null(f);
    assert_string_equal(f->file, "Contents/PlugIns/P.bundle/Contents/MacOS/P");
    assert_string_equal(f->via, "Contents/MacOS/Decoy (dlopen)");
    lcp_audit_report_release(&r);
}

static void file_arguments_and_failures(void **state) {
    (void)state;
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_audit_path("tests/binaries/not-macho.class", NULL, &r, &err), LCP_E_NOT_MACHO);
    assert_int_equal(lcp_audit_path("tests/binaries/truncated.dylib", NULL, &r, &err), LCP_E_MALFORMED);
    assert_int_equal(lcp_audit_path("tests/binaries/no-such-file", NULL, &r, &err), LCP_E_IO);
    assert_int_equal(r.nfailures, 0);
    assert_int_equal(lcp_audit_path("tests/binaries/hello-x86_64", NULL, &r, &err), LCP_OK);
    const lcp_audit_finding *f = find(&r, LCP_AUDIT_DANGLING, "@rpath/libdemo.dylib");
    assert_non_null(f);
    assert_string_equal(f->file, "tests/binaries/hello-x86_64");
    assert_int_equal(f->index, 13);
    /* a library audited alone: an @rpath/ load none of its LC_RPATHs
     * resolves is a loader-rpath warning (only its program's can) */
    size_t before = r.nfindings, errors = r.errors;
    assert_int_equal(lcp_audit_path("tests/binaries/libdemo-arm64.dylib", NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfindings, before + 1);
    f = find(&r, LCP_AUDIT_LOADER_RPATH, "@rpath/libweak.dylib");
    assert_non_null(f);
    assert_int_equal(f->severity, LCP_AUDIT_WARNING);
    assert_null(f->via);
    assert_int_equal(r.errors, errors);
    /* a folder with a malformed file: a failure, the rest still audited */
    assert_int_equal(lcp_audit_path("tests/binaries", NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfailures, 1);
    assert_string_equal(r.failures[0].file, "truncated.dylib");
    lcp_audit_report_release(&r);
}

/* lcp_audit_path_recorded: a PATH that cannot be audited is a failure of
 * the report (root = file = PATH), a regular file counted, a missing one
 * not; a PATH that can is audited as lcp_audit_path does. */
static void recorded_paths_fail_into_the_report(void **state) {
    (void)state;
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_audit_path_recorded("tests/binaries/truncated.dylib", NULL, &r, &err), LCP_OK);
    assert_int_equal(lcp_audit_path_recorded("tests/binaries/no-such-file", NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfailures, 2);
    assert_int_equal(r.files, 1);
    assert_string_equal(r.failures[0].root, "tests/binaries/truncated.dylib");
    assert_string_equal(r.failures[0].file, "tests/binaries/truncated.dylib");
    assert_int_equal(r.failures[0].error.status, LCP_E_MALFORMED);
    assert_string_equal(r.failures[1].file, "tests/binaries/no-such-file");
    assert_int_equal(r.failures[1].error.status, LCP_E_IO);
    assert_int_equal(lcp_audit_path_recorded("tests/binaries/hello-x86_64", NULL, &r, &err), LCP_OK);
    assert_int_equal(r.nfailures, 2);
    assert_int_equal(r.files, 2);
    assert_non_null(find(&r, LCP_AUDIT_DANGLING, "@rpath/libdemo.dylib"));
    lcp_audit_report_release(&r);
}

/* ---- dlopen ---- */

/* The calls lcp_dlopen_paths finds in slice 0 of path: exactly want[]
 * ({function, path, via or NULL}), in address order, each with the given
 * bundle flag. */
static void check_calls(const char *path, uint32_t cputype, const char *const (*want)[3], size_t nwant, bool bundle) {
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(path, &f, &err), LCP_OK);
    assert_int_equal(f->slices[0].image->cputype, cputype);
    lcp_dlopen_call *calls;
    size_t n;
    assert_int_equal(lcp_dlopen_paths(&f->src, f->slices[0].image, &calls, &n, &err), LCP_OK);
    assert_int_equal(n, nwant);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(calls[i].function, want[i][0]);
        assert_string_equal(calls[i].path, want[i][1]);
        if (want[i][2])
            assert_string_equal(calls[i].via, want[i][2]);
        else
            assert_null(calls[i].via);
        assert_int_equal(calls[i].bundle, bundle);
        if (i > 0)
            assert_true(calls[i].address > calls[i - 1].address);
    }
    lcp_dlopen_calls_free(calls, n);
    lcp_file_free(f);
}

static void check_dlopen(const char *path, uint32_t cputype) {
    static const char *const want[][3] = {
        {"dlopen", "@rpath/libplugin.dylib", NULL},
        {"dlopen", "/usr/local/lib/libdlfoo.dylib", NULL},
        {"dlopen_preflight", "@loader_path/../Frameworks/Missing.framework/Missing", NULL},
        {"NSAddImage", "/Library/Frameworks/Old.framework/Old", NULL},
        {"NSCreateObjectFileImageFromFile", "@executable_path/plugin.bundle", NULL},
        {"dlopen", "/usr/lib/libz.1.dylib", NULL},
    };
    check_calls(path, cputype, want, sizeof want / sizeof want[0], false);
}

static void recovers_dlopen_paths_x86_64(void **state) {
    (void)state;
    check_dlopen(AUDIT_BIN "/dlopen-x86_64", LCP_CPU_TYPE_X86_64);
}

static void recovers_dlopen_paths_arm64(void **state) {
    (void)state;
    check_dlopen(AUDIT_BIN "/dlopen-arm64", LCP_CPU_TYPE_ARM64);
}

static void recovers_dlopen_paths_arm64_adrp_add(void **state) {
    (void)state;
    check_dlopen(AUDIT_BIN "/dlopen-arm64-O0", LCP_CPU_TYPE_ARM64);
}

static void recovers_dlopen_paths_i386_pic(void **state) {
    (void)state;
    check_dlopen(AUDIT_BIN "/dlopen-i386", LCP_CPU_TYPE_I386);
}

/* CFBundleCreate / CFPlugInCreate of URLs made from a constant CFString
 * (x86_64 and i386: stored addresses; arm64: chained fixups) or C string;
 * the URL that only CFShow sees is not a load. */
static void check_cfbundle(const char *path, uint32_t cputype) {
    static const char *const want[][3] = {
        {"CFBundleCreate", "@executable_path/../PlugIns/Filter.bundle", NULL},
        {"CFPlugInCreate", "/Library/Audio/Plug-Ins/Old.component", NULL},
        {"CFBundleCreate", "/usr/local/lib/Helper.bundle", NULL},
    };
    check_calls(path, cputype, want, sizeof want / sizeof want[0], true);
}

/* A path handed to dlopen through the program's own functions, two deep
 * (load_named -> load_plugin -> dlopen, the second argument of
 * load_plugin, tail calls): found at the outermost call, with its name. */
static void follows_wrappers(void **state) {
    (void)state;
    static const char *const want[][3] = {
        {"dlopen", "/usr/local/lib/libwrapped.dylib", "load_plugin"},
        {"dlopen", "@rpath/libtwice.dylib", "load_named"},
    };
    check_calls(AUDIT_BIN "/wrapper-x86_64", LCP_CPU_TYPE_X86_64, want, 2, false);
    check_calls(AUDIT_BIN "/wrapper-arm64", LCP_CPU_TYPE_ARM64, want, 2, false);
}

/* The same stripped: no symbol names the wrappers, LC_FUNCTION_STARTS
 * says where they start, and they are named sub_<address> after the
 * addresses the unstripped copy's symbols give. */
static void follows_wrappers_when_stripped(void **state) {
    (void)state;
    const char *arch[] = {"x86_64", "arm64"};
    const uint32_t cputype[] = {LCP_CPU_TYPE_X86_64, LCP_CPU_TYPE_ARM64};
    for (size_t a = 0; a < 2; a++) {
        char path[128], plugin[32], named[32];
        snprintf(path, sizeof path, AUDIT_BIN "/wrapper-%s", arch[a]);
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(path, &f, &err), LCP_OK);
        lcp_symtab *t;
        assert_int_equal(lcp_symtab_load(&f->src, f->slices[0].image, &t, &err), LCP_OK);
        uint64_t addr[2] = {0, 0};
        for (size_t i = 0; i < lcp_symtab_count(t); i++) {
            const lcp_symbol *sym = lcp_symtab_symbol(t, i);
            if (strcmp(sym->name, "_load_plugin") == 0)
                addr[0] = sym->addr;
            else if (strcmp(sym->name, "_load_named") == 0)
                addr[1] = sym->addr;
        }
        assert_true(addr[0] != 0 && addr[1] != 0);
        lcp_symtab_free(t);
        lcp_file_free(f);
        snprintf(plugin, sizeof plugin, "sub_%llx", (unsigned long long)addr[0]);
        snprintf(named, sizeof named, "sub_%llx", (unsigned long long)addr[1]);
        const char *const want[][3] = {
            {"dlopen", "/usr/local/lib/libwrapped.dylib", plugin},
            {"dlopen", "@rpath/libtwice.dylib", named},
        };
        snprintf(path, sizeof path, AUDIT_BIN "/wrapper-stripped-%s", arch[a]);
        check_calls(path, cputype[a], want, 2, false);
    }
}

static void recovers_cfbundle_paths(void **state) {
    (void)state;
    check_cfbundle(AUDIT_BIN "/cfbundle-x86_64", LCP_CPU_TYPE_X86_64);
    check_cfbundle(AUDIT_BIN "/cfbundle-arm64", LCP_CPU_TYPE_ARM64);
    check_cfbundle(AUDIT_BIN "/cfbundle-i386", LCP_CPU_TYPE_I386);
}

/* CoreFoundation takes paths literally: @executable_path is a finding even
 * where dyld would find the file; an absolute bundle folder is looked up
 * as a folder (under --sysroot here). */
static void audits_cfbundle_paths(void **state) {
    (void)state;
    lcp_audit_options o = {.jobs = 1, .dlopen = true, .sysroot = AUDIT_BIN "/sysroot"};
    lcp_audit_report r;
    lcp_audit_report_init(&r);
    lcp_error err;
    assert_int_equal(lcp_audit_path(AUDIT_BIN "/cfbundle-arm64", &o, &r, &err), LCP_OK);
    assert_int_equal(r.nfindings, 2);
    assert_int_equal(r.findings[0].kind, LCP_AUDIT_DLOPEN);
    assert_string_equal(r.findings[0].path, "@executable_path/../PlugIns/Filter.bundle");
    assert_non_null(strstr(r.findings[0].hint, "literally"));
    assert_string_equal(r.findings[1].path, "/usr/local/lib/Helper.bundle");
    assert_string_equal(r.findings[1].command, "CFBundleCreate");
    assert_non_null(strstr(r.findings[1].hint, "no bundle folder"));
    lcp_audit_report_release(&r);
}

static void no_dlopen_paths_without_loader_stubs(void **state) {
    (void)state;
    const char *files[] = {"tests/binaries/hello-x86_64", "tests/binaries/hello-ppc", "tests/binaries/signed-arm64"};
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
        lcp_file *f;
        lcp_error err;
        assert_int_equal(lcp_file_open(files[k], &f, &err), LCP_OK);
        lcp_dlopen_call *calls;
        size_t n = 99;
        assert_int_equal(lcp_dlopen_paths(&f->src, f->slices[0].image, &calls, &n, &err), LCP_OK);
        assert_int_equal(n, 0);
        lcp_dlopen_calls_free(calls, n);
        lcp_file_free(f);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_xml_plist),
        cmocka_unit_test(reads_binary_plist),
        cmocka_unit_test(refuses_broken_binary_plists),
        cmocka_unit_test(knows_the_shared_cache_prefixes),
        cmocka_unit_test(resolves_host_paths_with_symlinks),
        cmocka_unit_test(audits_the_demo_bundle),
        cmocka_unit_test(output_does_not_depend_on_jobs),
        cmocka_unit_test(sysroot_turns_dangling_into_outside),
        cmocka_unit_test(binary_plist_names_the_main_executable),
        cmocka_unit_test(file_arguments_and_failures),
        cmocka_unit_test(recorded_paths_fail_into_the_report),
        cmocka_unit_test(recovers_dlopen_paths_x86_64),
        cmocka_unit_test(recovers_dlopen_paths_arm64),
        cmocka_unit_test(recovers_dlopen_paths_arm64_adrp_add),
        cmocka_unit_test(recovers_dlopen_paths_i386_pic),
        cmocka_unit_test(recovers_cfbundle_paths),
        cmocka_unit_test(follows_wrappers),
        cmocka_unit_test(follows_wrappers_when_stripped),
        cmocka_unit_test(audits_cfbundle_paths),
        cmocka_unit_test(no_dlopen_paths_without_loader_stubs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
