/* lcpatch check: the notary service's rules for one Mach-O image (a thin
 * file or a fat slice): its SDK, its signature (present, valid, Developer
 * ID, timestamped, hardened runtime, entitlements) and its architecture.
 * Objects, dSYMs and archive members are not code the notary runs: skipped. */
#include "check/internal.h"

#include <stdio.h>
#include <string.h>

#define SDK_10_9 0x000a0900u

static bool is_legacy(uint32_t cputype) {
    return cputype == LCP_CPU_TYPE_POWERPC || cputype == LCP_CPU_TYPE_POWERPC64 || cputype == LCP_CPU_TYPE_I386 ||
           cputype == LCP_CPU_TYPE_ARM || cputype == LCP_CPU_TYPE_MC680x0 || cputype == LCP_CPU_TYPE_HPPA ||
           cputype == LCP_CPU_TYPE_SPARC;
}

/* Code the notary service checks: executables, libraries, bundles, kexts. */
static bool is_code(uint32_t filetype) {
    return filetype == LCP_MH_EXECUTE || filetype == LCP_MH_DYLIB || filetype == LCP_MH_BUNDLE ||
           filetype == LCP_MH_KEXT_BUNDLE || filetype == LCP_MH_DYLINKER;
}

static void version_text(uint32_t v, char *buf, size_t len) {
    if (v & 0xff)
        snprintf(buf, len, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
    else
        snprintf(buf, len, "%u.%u", v >> 16, (v >> 8) & 0xff);
}

/* The SDK rule: the sdk field of the macOS version command, as the notary
 * reads it; no version command at all reads as an old SDK. Other
 * platforms (iOS...) are not the notary's to judge. */
static void check_sdk(lcp_check_report *r, const char *path, const char *arch, const lcp_image *img) {
    for (size_t i = 0; i < img->ncmds; i++) {
        uint32_t cmd = img->lc[i].cmd;
        uint32_t sdk;
        if (cmd == LCP_LC_BUILD_VERSION) {
            lcp_build_version bv;
            if (!lcp_image_build_version(img, i, &bv))
                continue;
            if (bv.platform != 1) /* PLATFORM_MACOS */
                return;
            sdk = bv.sdk;
        } else if (cmd == LCP_LC_VERSION_MIN_MACOSX) {
            lcp_version_min vm;
            if (!lcp_image_version_min(img, i, &vm))
                continue;
            sdk = vm.sdk;
        } else if (lcp_cmd_is_version_min(cmd)) {
            return; /* iOS, tvOS, watchOS */
        } else {
            continue;
        }
        if (sdk < SDK_10_9) {
            char v[32] = "n/a";
            if (sdk)
                version_text(sdk, v, sizeof v);
            ck_issue(r, LCP_CK_SDK_TOO_OLD, path, arch, "sdk %s in %s", v, lcp_lc_name(cmd));
        }
        return;
    }
    ck_issue(r, LCP_CK_SDK_TOO_OLD, path, arch,
             "no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX: the notary reads no "
             "SDK as an old one");
}

/* <key>com.apple.security.get-task-allow</key> followed by <true/>. */
static bool requests_get_task_allow(const char *xml) {
    static const char key[] = "<key>com.apple.security.get-task-allow</key>";
    const char *k = xml ? strstr(xml, key) : NULL;
    if (k == NULL)
        return false;
    k += sizeof key - 1;
    while (*k == ' ' || *k == '\t' || *k == '\r' || *k == '\n')
        k++;
    return strncmp(k, "<true/>", 7) == 0;
}

static const char *signer_name(const lcp_cs_signature *sig) {
    const lcp_cs_cms *c = &sig->cms;
    if (c->signer < 0 || (size_t)c->signer >= c->ncerts)
        return NULL;
    return c->certs[c->signer].subject_cn;
}

static void check_signature(lcp_check_report *r, const char *path, const char *arch, lcp_file *f, const lcp_image *img,
                            const lcp_cs_external *ext, bool *apple) {
    lcp_cs_signature sig;
    memset(&sig, 0, sizeof sig);
    lcp_cs_result res;
    lcp_error e;
    if (lcp_cs_check(&f->src, img, ext, &sig, &res, &e) != LCP_OK) {
        ck_failure(r, path, &e);
        lcp_cs_signature_release(&sig);
        return;
    }
    if (res.verdict == LCP_CSV_UNSIGNED) {
        ck_issue(r, LCP_CK_UNSIGNED, path, arch, "no LC_CODE_SIGNATURE");
        lcp_cs_signature_release(&sig);
        return;
    }
    if (res.verdict == LCP_CSV_INVALID)
        ck_issue(r, LCP_CK_SIG_INVALID, path, arch, "%s", res.message);
    if (sig.ncds == 0) {
        lcp_cs_signature_release(&sig);
        return;
    }
    const char *kind = lcp_cs_kind(&sig), *signer = signer_name(&sig);
    bool certificate = strcmp(kind, "certificate") == 0;
    *apple = certificate && signer && strcmp(signer, "Software Signing") == 0;
    if (!certificate)
        ck_issue(r, LCP_CK_NOT_DEVELOPER_ID, path, arch, "signed %s",
                 strcmp(kind, "linker-signed") == 0 ? "ad hoc by the linker (linker-signed)" : "ad hoc");
    else if (signer == NULL || strncmp(signer, "Developer ID Application: ", 26) != 0)
        ck_issue(r, LCP_CK_NOT_DEVELOPER_ID, path, arch, "signed by \"%s\"%s", signer ? signer : "?",
                 *apple ? " (Apple's own: a platform binary)" : "");
    if (!certificate || !sig.cms.has_timestamp)
        ck_issue(r, LCP_CK_NO_TIMESTAMP, path, arch, certificate ? "no RFC 3161 timestamp in the CMS" : "no CMS");
    const lcp_cs_codedir *cd = &sig.cds[0];
    if (img->filetype == LCP_MH_EXECUTE && (!(cd->flags & LCP_CS_RUNTIME) || cd->version < LCP_CS_SUPPORTSRUNTIME))
        ck_issue(r, LCP_CK_NO_RUNTIME, path, arch, "CodeDirectory version 0x%x, flags 0x%x (no runtime)", cd->version,
                 cd->flags);
    if (requests_get_task_allow(sig.entitlements_xml))
        ck_issue(r, LCP_CK_GET_TASK_ALLOW, path, arch, "in the entitlements (a debug build)");
    lcp_cs_signature_release(&sig);
}

void ck_macho(lcp_check_report *r, const char *path, lcp_file *f, const lcp_cs_external *ext) {
    for (size_t i = 0; i < f->nslices; i++) {
        const lcp_slice *s = &f->slices[i];
        const lcp_image *img = s->image;
        if (img == NULL || !is_code(img->filetype))
            continue; /* archives and objects are not signed code */
        char buf[64];
        const char *arch = lcp_arch_label(s->cputype, s->cpusubtype, buf, sizeof buf);
        if (is_legacy(s->cputype))
            ck_issue(r, LCP_CK_LEGACY_ARCH, path, arch, "%s", arch);
        check_sdk(r, path, arch, img);
        bool apple = false;
        check_signature(r, path, arch, f, img, ext, &apple);
        if (s->cputype == LCP_CPU_TYPE_ARM64 && (s->cpusubtype & ~LCP_CPU_SUBTYPE_MASK) == LCP_CPU_SUBTYPE_ARM64E &&
            !apple)
            ck_issue(r, LCP_CK_ARM64E, path, arch, NULL);
    }
}
