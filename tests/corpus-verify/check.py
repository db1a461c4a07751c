#!/usr/bin/env python3
"""`lcpatch verify` and `lcpatch show` on the signed files of the corpus.

1. Every file MANIFEST.tsv calls signed verifies valid, slice by slice,
   except where EXPECT says why not (with the problem verify must name);
   "partial(ARCH)" files: the other slices are unsigned; malformed files are
   unreadable (exit 3).
2. The signer, its OU and the chain printed by verify and show are those of
   the certificates in the CMS, as `openssl pkcs7 -print_certs` and
   `openssl x509 -subject -issuer` read them; the Apple ("Software
   Signing"), Developer ID Application, Apple Development and iPhone
   Developer signed files are named in SIGNERS and must be seen; signing
   time and timestamp presence agree with `openssl cms -cmsout -print`.
3. Byte flips (tests/verify/flip.py): pages, code slots and special slots
   of every signed file (under 4 MB), every header byte of the CodeDirectories
   of the SIGNERS files.
Prints "corpus-verify: N passed, N failed"."""
import argparse
import csv
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# Files that do not verify, and why (the problem verify must report).
EXPECT = {
    # An iOS jailbreak-era pseudo-signature (ldid): a CodeDirectory without
    # the adhoc flag and no CMS. codesign calls it invalid too; the kernel
    # only runs it from a trust cache.
    "arm-thin-execute-bash-signed.binarysamples": ("invalid", "cms", "not ad hoc, but the signature holds no CMS"),
}

# The certificate-signed files, with the signer's common name.
SIGNERS = {
    "x86_64-arm64e-fat-execute-ls-signed.radare2": "Software Signing",
    "i386-x86_64-fat-dylib-libexpat-signed-novers.radare2": "Developer ID Application: VMware, Inc. (EG7KH642X6)",
    "x86_64-arm64-fat-kext-IOKitTest-signed.rizin": "Apple Development: Florian Maerkl (YR6CB9RHCY)",
    "armv7-armv7s-arm64-fat-execute-helloworld-signed.binarysamples": "iPhone Developer: Nicholas Starke (759RKATQVB)",
}

passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL corpus-verify: " + what)


def run(args):
    return subprocess.run(args, capture_output=True)


def cms_blobs(path):
    """The CMS of every signed slice (None for slices without one)."""
    data = open(path, "rb").read()
    out = []
    offs = [(0, len(data))]
    if data[:4] == b"\xca\xfe\xba\xbe":
        n = struct.unpack(">I", data[4:8])[0]
        offs = [struct.unpack(">II", data[8 + i * 20 + 8 : 8 + i * 20 + 16]) for i in range(n)]
    for off, _ in offs:
        m = data[off : off + 4]
        e = "<" if m in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe") else ">"
        hdr = 32 if m in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf") else 28
        ncmds = struct.unpack(e + "I", data[off + 16 : off + 20])[0]
        p, cms = off + hdr, None
        for _ in range(ncmds):
            cmd, size = struct.unpack(e + "II", data[p : p + 8])
            if cmd == 0x1D:
                dataoff = struct.unpack(e + "I", data[p + 8 : p + 12])[0]
                s = off + dataoff
                count = struct.unpack(">I", data[s + 8 : s + 12])[0]
                for i in range(count):
                    t, o = struct.unpack(">II", data[s + 12 + 8 * i : s + 20 + 8 * i])
                    if t == 0x10000:
                        length = struct.unpack(">I", data[s + o + 4 : s + o + 8])[0]
                        if length > 8:
                            cms = data[s + o + 8 : s + o + length]
            p += size
        out.append(cms)
    return out


def openssl_certs(cms, tmp):
    """[(subject fields, issuer fields)] of the certificates in the CMS."""
    der = os.path.join(tmp, "cms.der")
    open(der, "wb").write(cms)
    r = run(["openssl", "pkcs7", "-inform", "DER", "-in", der, "-print_certs"])
    pems = re.findall(rb"-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", r.stdout, re.S)
    certs = []
    for pem in pems:
        r = subprocess.run(["openssl", "x509", "-noout", "-subject", "-issuer", "-nameopt", "multiline,utf8"],
                           input=pem, capture_output=True)
        text = r.stdout.decode("utf-8", "replace")
        parts = re.split(r"^issuer=", text, flags=re.M)

        def fields(t):
            return dict(re.findall(r"^\s+(\w+)\s+= (.*)$", t, re.M))

        certs.append((fields(parts[0]), fields(parts[1]) if len(parts) > 1 else {}))
    return certs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lcpatch", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(a.corpus, "MANIFEST.tsv")), delimiter="\t"))
    signed = [r for r in rows if r["signed"] not in ("no", "-", "")]
    seen = set()
    flips = []
    with tempfile.TemporaryDirectory() as tmp:
        for row in signed:
            path = os.path.join(a.corpus, row["path"])
            name = os.path.basename(path)
            r = run([a.lcpatch, "verify", "--json", path])
            if row["malformed"] != "no":
                check(r.returncode == 3, "%s: malformed, verify should exit 3, got %d" % (name, r.returncode))
                continue
            doc = json.loads(r.stdout)
            imgs = doc["files"][0]["images"]
            check(len(imgs) > 0, "%s: no image verified" % name)
            partial = re.match(r"partial\((.*)\)", row["signed"])
            exp = EXPECT.get(name)
            for img in imgs:
                if exp:
                    ok = img["verdict"] == exp[0] and img["problem"] == exp[1] and exp[2] in (img["message"] or "")
                    check(ok, "%s (%s): want %s, got %s: %s" % (name, img["arch"], exp, img["verdict"], img["message"]))
                elif partial and img["arch"] not in partial.group(1).split(","):
                    check(img["verdict"] == "unsigned", "%s (%s): want unsigned, got %s" % (name, img["arch"], img["verdict"]))
                else:
                    check(img["verdict"] == "valid", "%s (%s): want valid, got %s: %s" % (name, img["arch"], img["verdict"], img["message"]))
            status = 0 if all(i["verdict"] == "valid" for i in imgs) else 1
            check(r.returncode == status, "%s: exit %d, want %d" % (name, r.returncode, status))
            # The certificates, against openssl.
            show = json.loads(run([a.lcpatch, "show", "--json", path]).stdout)
            for k, cms in enumerate(cms_blobs(path)):
                if cms is None:
                    continue
                certs = openssl_certs(cms, tmp)
                issuers = {c[1].get("commonName") for c in certs}
                leaves = [c for c in certs if c[0].get("commonName") not in issuers]
                check(len(leaves) == 1, "%s slice %d: openssl finds %d leaf certificates" % (name, k, len(leaves)))
                if len(leaves) != 1:
                    continue
                leaf = leaves[0]
                sig = show["files"][0]["images"][k]["signature"]
                signer = sig["cms"]["signer"]
                check(signer["subject_cn"] == leaf[0].get("commonName"),
                      "%s slice %d: signer %r, openssl %r" % (name, k, signer["subject_cn"], leaf[0].get("commonName")))
                check(signer["subject_ou"] == leaf[0].get("organizationalUnitName"),
                      "%s slice %d: OU %r, openssl %r" % (name, k, signer["subject_ou"], leaf[0].get("organizationalUnitName")))
                check(signer["issuer_cn"] == leaf[1].get("commonName"),
                      "%s slice %d: issuer %r, openssl %r" % (name, k, signer["issuer_cn"], leaf[1].get("commonName")))
                ours = sorted(c["subject_cn"] for c in sig["cms"]["certificates"])
                theirs = sorted(c[0].get("commonName") for c in certs)
                check(ours == theirs, "%s slice %d: certificates %s, openssl %s" % (name, k, ours, theirs))
                chain = imgs[k]["chain"]
                check(chain and chain[0] == leaf[0].get("commonName"), "%s slice %d: verify chain %s" % (name, k, chain))
                if name in SIGNERS:
                    check(signer["subject_cn"] == SIGNERS[name], "%s: signer %r, want %r" % (name, signer["subject_cn"], SIGNERS[name]))
                    seen.add(name)
                der = os.path.join(tmp, "cms.der")
                open(der, "wb").write(cms)
                printed = run(["openssl", "cms", "-cmsout", "-print", "-inform", "DER", "-in", der]).stdout.decode("utf-8", "replace")
                check(("signingTime" in printed) == (sig["cms"]["signing_time"] is not None),
                      "%s slice %d: signing time %r, openssl %s one" % (name, k, sig["cms"]["signing_time"], "prints" if "signingTime" in printed else "has no"))
                has_ts = "id-smime-aa-timeStampToken" in printed
                check(has_ts == (sig["cms"]["timestamp"] is not None),
                      "%s slice %d: timestamp %r, openssl %s one" % (name, k, sig["cms"]["timestamp"], "prints" if has_ts else "has no"))
            if os.path.getsize(path) < (4 << 20):
                flips.append((path, name in SIGNERS))
        for name in SIGNERS:
            check(name in seen, "%s: signer never checked (not in MANIFEST as signed?)" % name)
        for header in (False, True):
            files = [p for p, h in flips if h == header]
            r = run([sys.executable, os.path.join(HERE, "..", "verify", "flip.py"), a.lcpatch, tmp]
                    + (["--header"] if header else []) + files)
            out = r.stdout.decode()
            for line in out.splitlines():
                if line.startswith("FAIL"):
                    print(line)
            m = re.search(r"(\d+) passed, (\d+) failed", out)
            check(m is not None and r.returncode == 0, "flip.py%s: %s" % (" --header" if header else "", out[-300:] + r.stderr.decode()[-300:]))
            if m:
                global passed
                passed += int(m.group(1))
    print("corpus-verify: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


sys.exit(main())
