/* lcpatch verify: what `codesign --verify --strict` checks that can be
 * checked without a keychain, per slice: every code page and special slot
 * hash of every CodeDirectory, the CodeDirectory hash the CMS signs, and
 * for a bundle its resource seal and nested code (verify_bundle.c). The
 * certificate chain is reported by name, never evaluated. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/json.h"
#include "cli/verify.h"
#include "lcpatch/codesign.h"

#include <string.h>

static const char verify_help[] = "usage: lcpatch verify [--json] PATH...\n"
                                  "\n"
                                  "Verifies the code signature of every slice of each PATH (a Mach-O file, or\n"
                                  "a bundle: .app, .framework, .bundle, .appex, .kext...), as codesign --verify\n"
                                  "--strict does without a keychain: every code page hash and every special\n"
                                  "slot hash (Info.plist, requirements, resource seal, entitlements) of every\n"
                                  "CodeDirectory, alternates included; the CodeDirectory hash that the CMS\n"
                                  "signs (messageDigest, and the cdhashes list) and the CMS signature itself;\n"
                                  "for a bundle, _CodeSignature/CodeResources (files added, modified,\n"
                                  "missing) and the nested code it seals. Each slice is valid, invalid (with\n"
                                  "the first bad page and its file offset, or the slot) or unsigned.\n"
                                  "\n"
                                  "Certificate trust is NOT evaluated: the chain is printed by name (signer,\n"
                                  "issuers), but whether Apple's roots are trusted, a certificate is revoked\n"
                                  "or expired is for a keychain (codesign, spctl) to say.\n"
                                  "\n"
                                  "Exit status: 0 every slice valid, 1 a slice invalid or unsigned, 2 usage\n"
                                  "error, 3 a PATH could not be read (not Mach-O, malformed, I/O).\n";

/* The words of the report for the library's verdicts and problems. */
static const char *const verdict_names[] = {
    [LCP_CSV_VALID] = "valid", [LCP_CSV_INVALID] = "invalid", [LCP_CSV_UNSIGNED] = "unsigned"};
static const char *const problem_names[] = {[LCP_CSP_OK] = NULL,         [LCP_CSP_BAD_PAGE] = "page",
                                            [LCP_CSP_BAD_SLOT] = "slot", [LCP_CSP_BAD_CODEDIR] = "code-directory",
                                            [LCP_CSP_BAD_CMS] = "cms",   [LCP_CSP_BAD_FORMAT] = "format"};

static void text_line(FILE *out, const char *label, const lcp_cs_signature *sig, const lcp_cs_result *res) {
    fprintf(out, "%s: %s", label, verdict_names[res->verdict]);
    if (res->verdict != LCP_CSV_VALID) { /* invalid: why, and where when it is a place in the file */
        if (res->verdict == LCP_CSV_INVALID)
            fprintf(out, ": %s", res->message);
        if (res->verdict == LCP_CSV_INVALID && res->file_offset != LCP_NO_OFFSET)
            fprintf(out, " (file offset 0x%llx)", (unsigned long long)res->file_offset);
        fputc('\n', out);
        return;
    }
    fprintf(out, " (%s, identifier \"%s\", %zu code %s, %llu pages, %u slots", lcp_cs_kind(sig), sig->cds[0].identifier,
            sig->ncds, sig->ncds == 1 ? "directory" : "directories", (unsigned long long)res->pages_checked,
            res->slots_checked);
    if (res->cms_checked)
        fputs(", CMS signs the CodeDirectory", out);
    fputs(")\n", out);
    if (res->unsealed_external) {
        const char *sep = "  not checked: ";
        for (uint32_t k = 1; k < 32; k++)
            if (res->unsealed_external & (1u << k)) {
                fprintf(out, "%s%s", sep, lcp_cs_slot_name(k));
                sep = ", ";
            }
        fputs(" (sealed outside this file: verify its bundle)\n", out);
    }
    size_t idx[8];
    size_t n = lcp_cs_cms_chain(&sig->cms, idx, 8);
    if (n) {
        fputs("  signed by", out);
        for (size_t i = 0; i < n; i++) {
            const char *cn = sig->cms.certs[idx[i]].subject_cn;
            fprintf(out, "%s\"%s\"", i ? " <- " : " ", cn ? cn : "?");
        }
        fputs(" (chain not evaluated)\n", out);
        if (sig->cms.has_timestamp)
            fprintf(out, "  timestamp %s\n", sig->cms.timestamp_time[0] ? sig->cms.timestamp_time : "(undecoded)");
    }
}

static void json_image(lcp_json *j, const char *arch, const lcp_cs_signature *sig, const lcp_cs_result *res) {
    lcp_json_begin_object(j);
    lcp_json_field_string(j, "arch", arch);
    lcp_json_field_string(j, "verdict", verdict_names[res->verdict]);
    bool signed_ok = res->verdict != LCP_CSV_UNSIGNED && sig->ncds > 0;
    lcp_json_field_string(j, "kind", signed_ok ? lcp_cs_kind(sig) : NULL);
    lcp_json_field_string(j, "identifier", signed_ok ? sig->cds[0].identifier : NULL);
    lcp_json_field_string(j, "problem", problem_names[res->problem]);
    lcp_json_field_string(j, "message", res->verdict == LCP_CSV_VALID ? NULL : res->message);
    lcp_json_field_uint_if(j, "code_directory", res->verdict == LCP_CSV_INVALID && res->problem != LCP_CSP_BAD_FORMAT,
                           res->cd_slot);
    lcp_json_field_uint_if(j, "page", res->problem == LCP_CSP_BAD_PAGE, res->page);
    lcp_json_field_uint_if(j, "slot", res->problem == LCP_CSP_BAD_SLOT, res->slot);
    lcp_json_field_uint_if(j, "file_offset", res->verdict == LCP_CSV_INVALID && res->file_offset != LCP_NO_OFFSET,
                           res->file_offset);
    lcp_json_field_uint(j, "pages_checked", res->pages_checked);
    lcp_json_field_uint(j, "slots_checked", res->slots_checked);
    lcp_json_field_bool(j, "cms_checked", res->cms_checked);
    lcp_json_key(j, "not_checked");
    lcp_json_begin_array(j);
    for (uint32_t k = 1; k < 32; k++)
        if (res->unsealed_external & (1u << k))
            lcp_json_string(j, lcp_cs_slot_name(k));
    lcp_json_end_array(j);
    lcp_json_key(j, "chain");
    lcp_json_begin_array(j);
    size_t idx[8];
    size_t n = signed_ok ? lcp_cs_cms_chain(&sig->cms, idx, 8) : 0;
    for (size_t i = 0; i < n; i++)
        lcp_json_string(j, sig->cms.certs[idx[i]].subject_cn);
    lcp_json_end_array(j);
    lcp_json_key(j, "timestamp");
    lcp_json_string(j,
                    signed_ok && sig->cms.has_timestamp && sig->cms.timestamp_time[0] ? sig->cms.timestamp_time : NULL);
    lcp_json_end_object(j);
}

typedef struct visit_ctx {
    lcp_json *j; /* NULL: text */
    const lcp_cs_external *ext;
    int status;
    lcp_error err;
    bool failed;
} visit_ctx;

static int visit(void *vctx, lcp_file *f, size_t slice_index, lcp_member *member, lcp_image *img) {
    visit_ctx *c = vctx;
    char label[1200], abuf[48];
    lcp_cs_signature sig;
    lcp_cs_result res;
    lcp_status st = lcp_cs_check(&f->src, img, c->ext, &sig, &res, &c->err);
    if (st != LCP_OK) {
        lcp_cs_signature_release(&sig);
        lcp_error_prefix(&c->err, "%s", lcp_cli_image_label(f, slice_index, member, img, label, sizeof label));
        c->failed = true;
        return 1;
    }
    if (c->j)
        json_image(c->j, lcp_arch_label(img->cputype, img->cpusubtype, abuf, sizeof abuf), &sig, &res);
    else
        text_line(stdout, lcp_cli_image_label(f, slice_index, member, img, label, sizeof label), &sig, &res);
    if (res.verdict != LCP_CSV_VALID)
        c->status = lcp_cli_worse(c->status, LCP_EXIT_FINDINGS);
    lcp_cs_signature_release(&sig);
    return 0;
}

/* Verifies every image of one Mach-O file; ext seals what lies outside it
 * (a bundle's Info.plist and CodeResources) or is NULL. Returns the exit
 * status; JSON goes into the caller's open "images" array. */
int lcp_verify_file(const char *path, lcp_json *j, const lcp_cs_external *ext) {
    lcp_file *f;
    lcp_error err;
    if (lcp_file_open(path, &f, &err) != LCP_OK)
        return lcp_report_fail(path, &err);
    visit_ctx c = {j, ext, LCP_EXIT_OK, {0}, false};
    lcp_file_visit_images(f, visit, &c); /* a failure stops it, kept in c */
    lcp_file_free(f);
    if (c.failed)
        return lcp_cli_worse(c.status, lcp_report_fail(path, &c.err));
    return c.status;
}

int cmd_verify(int argc, char **argv) {
    return lcp_report_command("verify", verify_help, "one JSON document on standard output\n(docs/verify.md)", argc,
                              argv, lcp_verify_path);
}
