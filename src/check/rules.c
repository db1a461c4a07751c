/* The rules of lcpatch check: the notary service's messages word for word
 * (as its log prints them, with the documentation anchors it links), and
 * Gatekeeper's refusals in our words, each with its fix. */
#include "lcpatch/check.h"

#define NOTARY_DOC                                                                                                     \
    "https://developer.apple.com/documentation/security/notarizing_macos_software_before_distribution/"                \
    "resolving_common_notarization_issues"

static const lcp_check_rule_info rules[LCP_CK_NRULES] = {
    [LCP_CK_SDK_TOO_OLD] = {"sdk-too-old", LCP_CHECK_NOTARY, LCP_CHECK_ERROR,
                            "The binary uses an SDK older than the 10.9 SDK.", NOTARY_DOC "#3087723",
                            "lcpatch set-sdk --in-place FILE (or lcpatch rescue), then sign again"},
    [LCP_CK_UNSIGNED] =
        {"unsigned", LCP_CHECK_NOTARY, LCP_CHECK_ERROR, "The binary is not signed.", NOTARY_DOC "#3087721",
         "codesign --force --options runtime --timestamp --sign \"Developer ID Application: ...\" FILE"},
    [LCP_CK_SIG_INVALID] = {"signature-invalid", LCP_CHECK_NOTARY, LCP_CHECK_ERROR,
                            "The signature of the binary is invalid.", NOTARY_DOC "#3087735",
                            "sign again after the last edit (lcpatch sign --linker-signed for a local test; codesign "
                            "--force --options runtime --timestamp --sign \"Developer ID Application: ...\" to ship)"},
    [LCP_CK_NOT_DEVELOPER_ID] = {"not-developer-id", LCP_CHECK_NOTARY, LCP_CHECK_ERROR,
                                 "The binary is not signed with a valid Developer ID certificate.",
                                 NOTARY_DOC "#3087721",
                                 "codesign --force --options runtime --timestamp --sign \"Developer ID Application: "
                                 "...\" FILE"},
    [LCP_CK_NO_TIMESTAMP] = {"no-secure-timestamp", LCP_CHECK_NOTARY, LCP_CHECK_ERROR,
                             "The signature does not include a secure timestamp.", NOTARY_DOC "#3087733",
                             "codesign --force --timestamp ... (a Developer ID signature with Apple's timestamp)"},
    [LCP_CK_NO_RUNTIME] = {"no-hardened-runtime", LCP_CHECK_NOTARY, LCP_CHECK_ERROR,
                           "The executable does not have the hardened runtime enabled.", NOTARY_DOC "#3087724",
                           "codesign --force --options runtime --timestamp --sign \"Developer ID Application: ...\" "
                           "FILE"},
    [LCP_CK_GET_TASK_ALLOW] = {"get-task-allow", LCP_CHECK_NOTARY, LCP_CHECK_ERROR,
                               "The executable requests the com.apple.security.get-task-allow entitlement.",
                               NOTARY_DOC "#3087731",
                               "sign again with entitlements without com.apple.security.get-task-allow (a release "
                               "build)"},
    [LCP_CK_LEGACY_ARCH] = {"legacy-architecture", LCP_CHECK_NOTARY, LCP_CHECK_WARNING,
                            "The binary contains a slice for an architecture macOS no longer runs.", NULL,
                            "lcpatch strip-arch --legacy --in-place FILE (or lcpatch rescue), then sign again"},
    [LCP_CK_LOAD_PATH] = {"load-path", LCP_CHECK_GATEKEEPER, LCP_CHECK_ERROR,
                          "A load path resolves to nothing, or to a file outside the bundle and the system.", NULL,
                          "lcpatch change-dylib OLD @rpath/NAME --in-place FILE (or lcpatch rescue --fix-paths); "
                          "see lcpatch audit"},
    [LCP_CK_LOAD_PATH_WARNING] = {"load-path-warning", LCP_CHECK_GATEKEEPER, LCP_CHECK_WARNING,
                                  "A load path or rpath may not resolve where the app is installed.", NULL,
                                  "see lcpatch audit FILE for the chain and the fix"},
    [LCP_CK_SEAL_ADDED] = {"resource-added", LCP_CHECK_GATEKEEPER, LCP_CHECK_ERROR,
                           "A file was added to the bundle after it was signed (file added).", NULL,
                           "remove the file, or sign the bundle again after adding it"},
    [LCP_CK_SEAL_MODIFIED] = {"resource-modified", LCP_CHECK_GATEKEEPER, LCP_CHECK_ERROR,
                              "A sealed resource changed after the bundle was signed (file modified).", NULL,
                              "restore the file, or sign the bundle again"},
    [LCP_CK_SEAL_MISSING] = {"resource-missing", LCP_CHECK_GATEKEEPER, LCP_CHECK_ERROR,
                             "A sealed resource is missing (file missing).", NULL,
                             "restore the file, or sign the bundle again"},
    [LCP_CK_NAME_NOT_ASCII] = {"name-not-ascii", LCP_CHECK_GATEKEEPER, LCP_CHECK_WARNING,
                               "A file name is not ASCII: a zip or copy round trip can change its Unicode "
                               "normalisation (NFC/NFD) and break the seal.",
                               NULL, "rename it to ASCII before signing, or ship in a disk image"},
    [LCP_CK_NOT_EXECUTABLE] = {"main-not-executable", LCP_CHECK_GATEKEEPER, LCP_CHECK_ERROR,
                               "The bundle's main executable has no execute permission.", NULL,
                               "chmod +x the executable before signing (and keep the mode when archiving)"},
    [LCP_CK_ARM64E] = {"arm64e", LCP_CHECK_GATEKEEPER, LCP_CHECK_WARNING,
                       "An arm64e slice in third-party code: macOS before 26 refuses to run it.", NULL,
                       "build arm64 instead of arm64e (lcpatch strip-arch --remove arm64e when arm64 is there)"},
    [LCP_CK_SYMLINK_OUTSIDE] = {"symlink-outside", LCP_CHECK_GATEKEEPER, LCP_CHECK_ERROR,
                                "A symbolic link in the bundle points outside it.", NULL,
                                "replace the link with the file, or point it inside the bundle"},
};

const lcp_check_rule_info *lcp_check_rule_get(lcp_check_rule rule) {
    return rule < LCP_CK_NRULES ? &rules[rule] : NULL;
}
