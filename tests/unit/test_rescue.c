/* Unit tests: the rescue plan (rescue.c) on the fixtures. Expected facts
 * come from tests/binaries/README.md (slice layout, signatures, versions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "lcpatch/lcpatch.h"
#include "lcpatch/rescue.h"

#define BIN "tests/binaries/"

static lcp_rescue_file *plan(const char *path, const lcp_rescue_options *o) {
    lcp_rescue_options def;
    lcp_rescue_options_init(&def);
    lcp_rescue_file *rf;
    lcp_error err;
    if (lcp_rescue_plan_file(path, o ? o : &def, &rf, &err) != LCP_OK)
        fail_msg("%s", err.message);
    return rf;
}

/* The plan's output, parsed (the bytes stay in *bytes: free both). */
static lcp_file *output(const lcp_rescue_file *rf, uint8_t **bytes) {
    size_t len;
    lcp_error err;
    if (lcp_plan_write_memory(&rf->plan, &rf->file->src, bytes, &len, &err) != LCP_OK)
        fail_msg("%s", err.message);
    lcp_file *f;
    if (lcp_file_open_memory(*bytes, len, "out", &f, &err) != LCP_OK)
        fail_msg("%s", err.message);
    return f;
}

static uint32_t macos_sdk(const lcp_image *img) {
    for (size_t i = 0; i < img->ncmds; i++) {
        lcp_version_min vm;
        lcp_build_version bv;
        if (img->lc[i].cmd == LCP_LC_VERSION_MIN_MACOSX && lcp_image_version_min(img, i, &vm))
            return vm.sdk;
        if (lcp_image_build_version(img, i, &bv) && bv.platform == LCP_PLATFORM_MACOS)
            return bv.sdk;
    }
    return 0;
}

static void legacy_fat_becomes_thin_unsigned_10_9(void **state) {
    (void)state;
    lcp_rescue_file *rf = plan(BIN "legacy-fat.dylib", NULL);
    assert_int_equal(rf->state, LCP_RESCUE_CHANGED);
    assert_int_equal(rf->nslices, 3);
    assert_true(rf->slices[0].removed); /* ppc7400 */
    assert_true(rf->slices[1].removed); /* i386 */
    const lcp_rescue_slice *x = &rf->slices[2];
    assert_false(x->removed);
    assert_string_equal(x->arch, "x86_64");
    assert_true(x->signature_removed);
    assert_int_equal(x->sdk.old_sdk, LCP_VERSION(10, 5, 0));
    assert_int_equal(x->sdk.new_sdk, LCP_VERSION(10, 9, 0));
    assert_int_equal(x->sdk.action, LCP_SDK_REWRITTEN);
    assert_true(x->preflight);
    assert_string_equal(x->blocker, "");
    assert_true(rf->thin_output);
    /* README: x86_64 slice at 20480, 4320 bytes; signature at 4128 (192 bytes). */
    assert_int_equal(rf->size_before, 24800);
    assert_int_equal(rf->size_after, 4128);
    uint8_t *bytes;
    lcp_file *out = output(rf, &bytes);
    assert_int_equal(out->kind, LCP_THIN);
    const lcp_image *img = out->slices[0].image;
    assert_int_equal(img->cputype, LCP_CPU_TYPE_X86_64);
    assert_true(lcp_image_find(img, LCP_LC_CODE_SIGNATURE, 0) < 0);
    assert_int_equal(macos_sdk(img), LCP_VERSION(10, 9, 0));
    /* Everything after the load commands is the input slice's bytes. */
    const lcp_image *in = rf->file->slices[2].image;
    uint64_t from = in->header_size + in->sizeofcmds;
    uint8_t *orig = malloc(4128);
    assert_non_null(orig);
    assert_int_equal(lcp_source_read(&rf->file->src, 20480, orig, 4128, NULL), LCP_OK);
    assert_memory_equal(bytes + from, orig + from, 4128 - from);
    /* The load commands differ only by the signature command and the sdk. */
    assert_int_equal(img->ncmds, in->ncmds - 1);
    assert_int_equal(img->sizeofcmds, in->sizeofcmds - 16);
    char why[256];
    assert_true(lcp_rescue_preflight(img, 4128, why, sizeof why));
    free(orig);
    lcp_file_free(out);
    free(bytes);
    lcp_rescue_file_free(rf);
}

static void second_rescue_changes_nothing(void **state) {
    (void)state;
    lcp_rescue_file *rf = plan(BIN "legacy-fat.dylib", NULL);
    char path[] = "/tmp/lcpatch-test-rescue-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    lcp_error err;
    assert_int_equal(lcp_plan_write_file(&rf->plan, &rf->file->src, path, NULL, &err), LCP_OK);
    lcp_rescue_file_free(rf);
    rf = plan(path, NULL);
    assert_int_equal(rf->state, LCP_RESCUE_ALREADY);
    assert_false(rf->slices[0].signature_removed);
    assert_int_equal(rf->slices[0].sdk.action, LCP_SDK_UNCHANGED);
    assert_true(lcp_plan_is_identity(&rf->plan, &rf->file->src));
    lcp_rescue_file_free(rf);
    unlink(path);
}

static void keep_names_what_stays(void **state) {
    (void)state;
    const uint32_t keep[2][2] = {{LCP_CPU_TYPE_X86, 3}, {LCP_CPU_TYPE_X86_64, 3}};
    lcp_rescue_options o;
    lcp_rescue_options_init(&o);
    o.keep = keep;
    o.nkeep = 2;
    o.sdk = LCP_VERSION(10, 13, 0);
    lcp_rescue_file *rf = plan(BIN "legacy-fat.dylib", &o);
    assert_true(rf->slices[0].removed);
    assert_false(rf->slices[1].removed);
    assert_false(rf->thin_output);
    uint8_t *bytes;
    lcp_file *out = output(rf, &bytes);
    assert_int_equal(out->kind, LCP_FAT);
    assert_int_equal(out->nslices, 2);
    for (size_t i = 0; i < 2; i++) {
        assert_true(lcp_image_find(out->slices[i].image, LCP_LC_CODE_SIGNATURE, 0) < 0);
        assert_int_equal(macos_sdk(out->slices[i].image), LCP_VERSION(10, 13, 0));
        assert_int_equal(out->slices[i].offset % 4096, 0); /* 2^12 kept */
    }
    lcp_file_free(out);
    free(bytes);
    lcp_rescue_file_free(rf);
    /* An architecture the file does not hold. */
    const uint32_t arm[1][2] = {{LCP_CPU_TYPE_ARM64, 0}};
    o.keep = arm;
    o.nkeep = 1;
    lcp_error err;
    assert_int_not_equal(lcp_rescue_plan_file(BIN "legacy-fat.dylib", &o, &rf, &err), LCP_OK);
    assert_null(rf);
    /* nor in a thin file */
    assert_int_equal(lcp_rescue_plan_file(BIN "libold-x86_64.dylib", &o, &rf, &err), LCP_E_NOTFOUND);
    assert_null(rf);
}

static void refusals_and_blockers(void **state) {
    (void)state;
    lcp_rescue_options o;
    lcp_rescue_options_init(&o);
    lcp_rescue_file *rf;
    lcp_error err;
    /* no 64-bit slice: planned as nothing, with the reason (the CLI refuses
     * it, or skips it with --skip-unrescuable) */
    rf = plan(BIN "hello-i386", NULL);
    assert_int_equal(rf->state, LCP_RESCUE_NO_64BIT);
    assert_non_null(strstr(rf->reason, "no x86_64 or arm64 slice"));
    assert_int_equal(rf->nslices, 0);
    assert_int_equal(rf->plan.npieces, 0);
    lcp_rescue_file_free(rf);
    assert_int_equal(lcp_rescue_plan_file(BIN "not-macho.class", &o, &rf, &err), LCP_E_NOT_MACHO);
    assert_int_not_equal(lcp_rescue_plan_file(BIN "truncated.dylib", &o, &rf, &err), LCP_OK);
    /* nospace.dylib: 0 bytes of padding, no room for LC_CODE_SIGNATURE. */
    rf = plan(BIN "nospace.dylib", NULL);
    assert_int_equal(rf->state, LCP_RESCUE_BLOCKED);
    assert_int_equal(rf->blockers, 1);
    assert_non_null(strstr(rf->slices[0].blocker, "needs 16"));
    lcp_rescue_file_free(rf);
}

static void preflight_rules(void **state) {
    (void)state;
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "libold-x86_64.dylib", &f, &err), LCP_OK);
    lcp_image *img;
    assert_int_equal(lcp_image_clone(f->slices[0].image, &img, &err), LCP_OK);
    char why[256];
    assert_true(lcp_rescue_preflight(img, 4192, why, sizeof why));
    assert_false(lcp_rescue_preflight(img, 4192 + 16, why, sizeof why));
    assert_non_null(strstr(why, "__LINKEDIT ends at offset 4192"));
    /* LC_LOAD_DYLIB /usr/lib/libSystem.B.dylib (51 bytes used of 56) shortened
     * by 4 bytes: still valid Mach-O, but not 8-aligned. */
    long id = lcp_image_find(img, LCP_LC_LOAD_DYLIB, 0);
    assert_true(id >= 0);
    uint32_t at = img->lc[id].offset, size = img->lc[id].cmdsize;
    uint8_t *cmds = malloc(img->sizeofcmds);
    assert_non_null(cmds);
    memcpy(cmds, img->cmds, at + size - 4);
    memcpy(cmds + at + size - 4, img->cmds + at + size, img->sizeofcmds - at - size);
    uint32_t ns = size - 4;
    memcpy(cmds + at + 4, &ns, 4); /* little-endian host and file */
    if (lcp_image_set_commands(img, cmds, img->sizeofcmds - 4, img->ncmds, &err) != LCP_OK)
        fail_msg("%s", err.message);
    assert_false(lcp_rescue_preflight(img, 4192, why, sizeof why));
    assert_non_null(strstr(why, "not a multiple of 8"));
    free(cmds);
    lcp_image_free(img);
    lcp_file_free(f);
}

static void archives_member_by_member(void **state) {
    (void)state;
    lcp_rescue_file *rf = plan(BIN "fat-archive.a", NULL);
    assert_int_equal(rf->state, LCP_RESCUE_CHANGED);
    assert_int_equal(rf->size_after, rf->size_before);
    size_t raised = 0;
    for (size_t i = 0; i < rf->nslices; i++)
        raised += rf->slices[i].sdk_checked && rf->slices[i].sdk.action == LCP_SDK_REWRITTEN;
    assert_int_equal(raised, 4); /* two objects in each of two archives */
    uint8_t *bytes;
    lcp_file *out = output(rf, &bytes);
    size_t members = 0, differing = 0;
    for (size_t s = 0; s < out->nslices; s++) {
        const lcp_archive *ar = out->slices[s].archive;
        assert_non_null(ar);
        for (size_t m = 0; m < ar->nmembers; m++) {
            if (ar->members[m].image == NULL)
                continue;
            members++;
            /* at least 10.9, and never below the member's minos (10.13, 11.0) */
            assert_true(macos_sdk(ar->members[m].image) >= LCP_VERSION(10, 13, 0));
        }
    }
    assert_int_equal(members, 4);
    /* Only sdk fields changed: 4 bytes per member at most. */
    uint8_t *orig = malloc(rf->size_before);
    assert_non_null(orig);
    assert_int_equal(lcp_source_read(&rf->file->src, 0, orig, rf->size_before, NULL), LCP_OK);
    for (size_t i = 0; i < rf->size_before; i++)
        differing += orig[i] != bytes[i];
    assert_true(differing > 0 && differing <= 4 * 4);
    free(orig);
    lcp_file_free(out);
    free(bytes);
    lcp_rescue_file_free(rf);
}

static void finds_macho_files_by_magic(void **state) {
    (void)state;
    char **paths;
    size_t n;
    lcp_error err;
    assert_int_equal(lcp_rescue_find_files("tests/binaries", &paths, &n, &err), LCP_OK);
    bool legacy = false, archive = false;
    for (size_t i = 0; i < n; i++) {
        assert_null(strstr(paths[i], "README"));
        assert_null(strstr(paths[i], "build.sh"));
        assert_null(strstr(paths[i], "not-macho.class")); /* 0xcafebabe with 52 "slices" */
        legacy = legacy || strstr(paths[i], "legacy-fat.dylib");
        archive = archive || strstr(paths[i], "libstatic.a");
        if (i)
            assert_true(strcmp(paths[i - 1], paths[i]) < 0);
    }
    assert_true(legacy && archive);
    lcp_rescue_paths_free(paths, n);
    assert_int_equal(lcp_rescue_find_files("tests/binaries/no-such", &paths, &n, &err), LCP_E_IO);
}

/* hello-x86_64 with the platform of its LC_BUILD_VERSION set to `platform`,
 * written to a temporary file (path in `tmp`). */
static void hello_for_platform(uint32_t platform, char *tmp, size_t len) {
    lcp_file *f;
    lcp_error err;
    assert_int_equal(lcp_file_open(BIN "hello-x86_64", &f, &err), LCP_OK);
    const lcp_image *img = f->slices[0].image;
    size_t at = 0;
    for (size_t i = 0; i < img->ncmds && at == 0; i++)
        if (img->lc[i].cmd == LCP_LC_BUILD_VERSION)
            at = 32 + img->lc[i].offset + 8; /* mach_header_64, then cmd, cmdsize, platform */
    assert_true(at > 0);
    size_t size = (size_t)f->src.size;
    uint8_t *b = malloc(size);
    assert_non_null(b);
    assert_int_equal(lcp_source_read(&f->src, 0, b, size, NULL), LCP_OK);
    lcp_file_free(f);
    for (int k = 0; k < 4; k++)
        b[at + (size_t)k] = (uint8_t)(platform >> (8 * k)); /* little-endian */
    snprintf(tmp, len, "/tmp/lcpatch-test-rescue-XXXXXX");
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b, size), (ssize_t)size);
    close(fd);
    free(b);
}

static void other_platforms_left_alone(void **state) {
    (void)state;
    char tmp[64];
    /* iOS: nothing planned, the platform named */
    hello_for_platform(LCP_PLATFORM_IOS, tmp, sizeof tmp);
    lcp_rescue_file *rf = plan(tmp, NULL);
    assert_int_equal(rf->state, LCP_RESCUE_OTHER_PLATFORM);
    assert_int_equal(rf->platform, LCP_PLATFORM_IOS);
    assert_non_null(strstr(rf->reason, "built for ios"));
    assert_int_equal(rf->plan.npieces, 0);
    lcp_rescue_file_free(rf);
    unlink(tmp);
    /* Mac Catalyst runs on a Mac: rescued like macOS (its sdk is not macOS's) */
    hello_for_platform(LCP_PLATFORM_MACCATALYST, tmp, sizeof tmp);
    rf = plan(tmp, NULL);
    assert_true(rf->state == LCP_RESCUE_ALREADY || rf->state == LCP_RESCUE_CHANGED);
    lcp_rescue_file_free(rf);
    unlink(tmp);
}

static void archive_symbol_table_is_not_a_slice(void **state) {
    (void)state;
    lcp_rescue_file *rf = plan(BIN "libstatic.a", NULL);
    size_t not_macho = 0;
    for (size_t i = 0; i < rf->nslices; i++) {
        const lcp_rescue_slice *s = &rf->slices[i];
        if (s->member && strncmp(s->member, "__.SYMDEF", 9) == 0)
            assert_true(s->not_macho);
        not_macho += s->not_macho;
    }
    assert_int_equal(not_macho, 1);
    lcp_rescue_file_free(rf);
}

/* Which audit findings are about which planned file and kept slice, and
 * which stop the hardened runtime. */
static void findings_of_the_kept_slices(void **state) {
    (void)state;
    lcp_audit_finding fd;
    memset(&fd, 0, sizeof fd);
    fd.root = (char *)"dir";
    fd.file = (char *)"sub/lib.dylib";
    assert_true(lcp_rescue_finding_of("dir", "dir/sub/lib.dylib", &fd));
    assert_true(lcp_rescue_finding_of("dir", "dir//sub/lib.dylib", &fd));
    assert_false(lcp_rescue_finding_of("dir", "dir/lib.dylib", &fd));
    assert_false(lcp_rescue_finding_of("other", "dir/sub/lib.dylib", &fd));
    fd.root = fd.file = (char *)"a.dylib"; /* a file argument */
    assert_true(lcp_rescue_finding_of("a.dylib", "a.dylib", &fd));
    lcp_rescue_file *rf = plan(BIN "legacy-fat.dylib", NULL); /* ppc7400, i386 removed; x86_64 kept */
    fd.arch = (char *)"i386";
    assert_false(lcp_rescue_finding_kept(rf, &fd));
    fd.arch = (char *)"x86_64";
    assert_true(lcp_rescue_finding_kept(rf, &fd));
    assert_true(lcp_rescue_finding_kept(NULL, &fd));
    assert_true(lcp_rescue_signable(rf));
    lcp_rescue_file_free(rf);
    fd.severity = LCP_AUDIT_WARNING;
    fd.kind = LCP_AUDIT_RELATIVE_PATH;
    assert_true(lcp_rescue_finding_blocks(&fd));
    fd.kind = LCP_AUDIT_DANGLING;
    assert_false(lcp_rescue_finding_blocks(&fd));
    fd.severity = LCP_AUDIT_ERROR;
    assert_true(lcp_rescue_finding_blocks(&fd));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(legacy_fat_becomes_thin_unsigned_10_9),
        cmocka_unit_test(second_rescue_changes_nothing),
        cmocka_unit_test(keep_names_what_stays),
        cmocka_unit_test(refusals_and_blockers),
        cmocka_unit_test(preflight_rules),
        cmocka_unit_test(archives_member_by_member),
        cmocka_unit_test(finds_macho_files_by_magic),
        cmocka_unit_test(other_platforms_left_alone),
        cmocka_unit_test(archive_symbol_table_is_not_a_slice),
        cmocka_unit_test(findings_of_the_kept_slices),
    };
    return cmocka_run_group_tests_name("rescue", tests, NULL, NULL);
}
