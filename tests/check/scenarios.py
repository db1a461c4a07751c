#!/usr/bin/env python3
"""lcpatch check scenarios. Each builds a tree with known defects in a
temporary folder (from the fixtures of tests/binaries and, when ../shared
is there, real corpus files), runs `lcpatch check --json`, and compares the
set of (code, path, architecture) with the expected set exactly: nothing
missing, nothing more. The same run in --sarif must validate against the
SARIF 2.1.0 schema (tests/audit-sarif) and carry the same results, and the
text report must name every problem and end with the verdict line.

The expectations are written from what each file is, not from lcpatch's
output: e.g. tests/binaries/calls-x86_64 is an unsigned x86_64 executable
built for macOS 13, so a bundle holding it has exactly one notary problem,
"unsigned"."""
import hashlib
import base64
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.join(ROOT, "tests", "binaries")
CORPUS = os.path.join(ROOT, "..", "shared", "corpus", "files")
SCHEMA = os.path.join(ROOT, "tests", "audit-sarif", "sarif-schema-2.1.0.json")
JSON_SCHEMA = os.path.join(ROOT, "docs", "schema", "check.schema.json")
LCPATCH = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(ROOT, "lcpatch")

INFO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict>
<key>CFBundleExecutable</key><string>App</string>
<key>CFBundleIdentifier</key><string>com.example.app</string>
</dict></plist>
"""


def app(tmp, name="App.app", exe="calls-x86_64"):
    """A minimal .app: Info.plist and the main executable (a copy of a fixture)."""
    root = os.path.join(tmp, name)
    os.makedirs(os.path.join(root, "Contents", "MacOS"))
    with open(os.path.join(root, "Contents", "Info.plist"), "w") as f:
        f.write(INFO)
    shutil.copy(os.path.join(BIN, exe), os.path.join(root, "Contents", "MacOS", "App"))
    os.chmod(os.path.join(root, "Contents", "MacOS", "App"), 0o755)
    return root


def seal(root, files, rules=("^Resources/",)):
    """_CodeSignature/CodeResources naming files {relative path: bytes}."""
    entries = "".join("<key>%s</key><dict><key>hash2</key><data>%s</data></dict>" % (
        p, base64.b64encode(hashlib.sha256(b).digest()).decode()) for p, b in sorted(files.items()))
    rule_xml = "".join("<key>%s</key><true/>" % r for r in rules)
    os.makedirs(os.path.join(root, "Contents", "_CodeSignature"))
    with open(os.path.join(root, "Contents", "_CodeSignature", "CodeResources"), "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict>'
                "<key>files</key><dict/><key>files2</key><dict>%s</dict>"
                "<key>rules</key><dict/><key>rules2</key><dict>%s</dict></dict></plist>\n" % (entries, rule_xml))


# Each scenario: (name, builder(tmp) -> PATH, expected {(code, path, arch)}, needs corpus)
def s_unsigned_app(tmp):
    return app(tmp)


def s_not_executable(tmp):
    root = app(tmp)
    os.chmod(os.path.join(root, "Contents", "MacOS", "App"), 0o644)
    return root


def s_symlink_outside(tmp):
    root = app(tmp)
    os.makedirs(os.path.join(root, "Contents", "Resources"))
    os.symlink("../../../elsewhere/data", os.path.join(root, "Contents", "Resources", "data"))
    os.symlink("../MacOS/App", os.path.join(root, "Contents", "Resources", "inside"))
    return root


def s_sealed(tmp):
    root = app(tmp)
    res = os.path.join(root, "Contents", "Resources")
    os.makedirs(res)
    seal(root, {"Resources/a.txt": b"original\n", "Resources/c.txt": b"gone\n", "Resources/d.txt": b"same\n"})
    with open(os.path.join(res, "a.txt"), "wb") as f:
        f.write(b"changed after signing\n")
    with open(os.path.join(res, "b.txt"), "wb") as f:
        f.write(b"added after signing\n")
    with open(os.path.join(res, "d.txt"), "wb") as f:
        f.write(b"same\n")
    return root


def s_names(tmp):
    root = os.path.join(tmp, "names")
    os.makedirs(root)
    for n in ("caf\u00e9.txt", "cafe\u0301.txt", "plain.txt", "\u65e5\u672c.txt"):
        with open(os.path.join(root, n), "w") as f:
            f.write("x")
    return root


def s_zip_jar(tmp):
    """A JNI library inside a jar inside a zip: the notary opens both."""
    jar = io.BytesIO()
    with zipfile.ZipFile(jar, "w") as z:
        z.write(os.path.join(BIN, "libold-x86_64.dylib"), "native/libold.dylib")
        z.writestr("META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n")
    path = os.path.join(tmp, "release.zip")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("lib/app.jar", jar.getvalue())
        z.write(os.path.join(BIN, "libdemo-arm64.dylib"), "lib/libdemo.dylib")
    return path


def s_adhoc_tool(tmp):
    shutil.copy(os.path.join(BIN, "signed-arm64"), os.path.join(tmp, "tool"))
    return os.path.join(tmp, "tool")


def s_rescued_signed(tmp):
    """The rescue of a 2009-style library, signed ad hoc by lcpatch: what is
    left for codesign with a Developer ID identity to fix."""
    r = os.path.join(tmp, "rescued.dylib")
    out = os.path.join(tmp, "libDodo.dylib")
    for args in (["rescue", "-o", r, os.path.join(BIN, "legacy-fat.dylib")], ["sign", "--linker-signed", "-o", out, r]):
        subprocess.run([LCPATCH] + args, check=True, capture_output=True)
    os.unlink(r)
    return out


def s_rescued_adhoc(tmp):
    """The same library through `rescue --adhoc` (codesign's ad-hoc
    signature, SHA-1 + SHA-256 for its 10.5 deployment target)."""
    out = os.path.join(tmp, "libDodo.dylib")
    subprocess.run([LCPATCH, "rescue", "--adhoc", "-o", out, os.path.join(BIN, "legacy-fat.dylib")], check=True,
                   capture_output=True)
    return out


def corpus(name):
    def build(tmp):
        shutil.copy(os.path.join(CORPUS, name), os.path.join(tmp, name))
        return os.path.join(tmp, name)
    return build


A = "App.app/Contents/MacOS/App"
SCENARIOS = [
    # an unsigned executable (calls-x86_64: macOS 13 SDK, LC_MAIN, loads only libSystem)
    ("unsigned app", s_unsigned_app, {("unsigned", A, "x86_64")}, False),
    ("main executable mode 0644", s_not_executable,
     {("unsigned", A, "x86_64"), ("main-not-executable", "App.app", None)}, False),
    ("symlink leaving the bundle", s_symlink_outside,
     {("unsigned", A, "x86_64"), ("symlink-outside", "App.app/Contents/Resources/data", None)}, False),
    ("resources changed after sealing", s_sealed,
     {("unsigned", A, "x86_64"), ("resource-modified", "App.app/Contents/Resources/a.txt", None),
      ("resource-added", "App.app/Contents/Resources/b.txt", None),
      ("resource-missing", "App.app/Contents/Resources/c.txt", None)}, False),
    ("file names: NFC, NFD, CJK, ASCII", s_names,
     {("name-not-ascii", "names/caf\u00e9.txt", None), ("name-not-ascii", "names/cafe\u0301.txt", None),
      ("name-not-ascii", "names/\u65e5\u672c.txt", None)}, False),
    # libold: unsigned, LC_VERSION_MIN_MACOSX sdk 10.6; libdemo: linker-signed arm64 dylib (ld64.lld)
    ("a JNI library in a jar in a zip", s_zip_jar,
     {("unsigned", "release.zip/lib/app.jar/native/libold.dylib", "x86_64"),
      ("sdk-too-old", "release.zip/lib/app.jar/native/libold.dylib", "x86_64"),
      ("not-developer-id", "release.zip/lib/libdemo.dylib", "arm64"),
      ("no-secure-timestamp", "release.zip/lib/libdemo.dylib", "arm64")}, False),
    # ad hoc (linker-signed) arm64 executable: not Developer ID, no timestamp, no runtime
    ("linker-signed executable", s_adhoc_tool,
     {("not-developer-id", "tool", "arm64"), ("no-secure-timestamp", "tool", "arm64"),
      ("no-hardened-runtime", "tool", "arm64")}, False),
    # rescued (x86_64 only, sdk 10.9, no old signature), then signed ad hoc
    ("rescue output signed ad hoc by lcpatch", s_rescued_signed,
     {("not-developer-id", "libDodo.dylib", "x86_64"), ("no-secure-timestamp", "libDodo.dylib", "x86_64")}, False),
    # the same through rescue --adhoc: only what a Developer ID signature fixes
    ("rescue --adhoc output", s_rescued_adhoc,
     {("not-developer-id", "libDodo.dylib", "x86_64"), ("no-secure-timestamp", "libDodo.dylib", "x86_64")}, False),
    # VMware's libexpat: Developer ID with a timestamp, but no version command; i386 slice
    ("Developer ID library with no version command", corpus("i386-x86_64-fat-dylib-libexpat-signed-novers.radare2"),
     {("sdk-too-old", "i386-x86_64-fat-dylib-libexpat-signed-novers.radare2", "i386"),
      ("sdk-too-old", "i386-x86_64-fat-dylib-libexpat-signed-novers.radare2", "x86_64"),
      ("legacy-architecture", "i386-x86_64-fat-dylib-libexpat-signed-novers.radare2", "i386")}, True),
    # Apple's own ls (Software Signing, 10.7): a platform binary, no timestamp, no runtime, old SDK
    ("Apple-signed platform binary", corpus("x86_64-thin-execute-ls-signed-vmin10.7.binarysamples"),
     {("not-developer-id", "x86_64-thin-execute-ls-signed-vmin10.7.binarysamples", "x86_64"),
      ("no-secure-timestamp", "x86_64-thin-execute-ls-signed-vmin10.7.binarysamples", "x86_64"),
      ("no-hardened-runtime", "x86_64-thin-execute-ls-signed-vmin10.7.binarysamples", "x86_64"),
      ("sdk-too-old", "x86_64-thin-execute-ls-signed-vmin10.7.binarysamples", "x86_64")}, True),
]


def run(args):
    p = subprocess.run([LCPATCH, "check"] + args, capture_output=True)
    return p.returncode, p.stdout.decode("utf-8", "surrogateescape"), p.stderr.decode("utf-8", "surrogateescape")


def main():
    try:
        import jsonschema
        with open(SCHEMA) as f:
            sarif_schema = json.load(f)
        with open(JSON_SCHEMA) as f:
            json_schema = json.load(f)
    except ImportError:
        jsonschema = None
    passed = failed = skipped = 0
    have_corpus = os.path.isdir(CORPUS)
    for name, build, want, needs_corpus in SCENARIOS:
        if needs_corpus and not have_corpus:
            print("SKIP check: %s: ../shared/corpus is not present" % name)
            skipped += 1
            continue
        problems = []
        with tempfile.TemporaryDirectory() as tmp:
            path = build(tmp)
            rc, out, err = run(["--json", path])
            doc = json.loads(out)
            if jsonschema is not None:
                try:
                    jsonschema.validate(doc, json_schema)
                except jsonschema.ValidationError as e:
                    problems.append("JSON does not validate against docs/schema/check.schema.json: %s" % e.message)
            got = {(i["code"], i["path"], i["architecture"]) for i in doc["issues"]}
            for x in sorted(want - got, key=str):
                problems.append("missing %s" % (x,))
            for x in sorted(got - want, key=str):
                problems.append("unexpected %s" % (x,))
            errors = any(i["severity"] == "error" for i in doc["issues"])
            if rc != (1 if errors else 0) or doc["failures"]:
                problems.append("exit %d, failures %s (stderr %r)" % (rc, doc["failures"], err))
            if doc["status"] != ("Invalid" if errors else "Accepted"):
                problems.append("status %s" % doc["status"])
            rc2, sarif, _ = run(["--sarif", path])
            s = json.loads(sarif)
            if jsonschema is not None:
                try:
                    jsonschema.validate(s, sarif_schema)
                except jsonschema.ValidationError as e:
                    problems.append("SARIF does not validate: %s" % e.message)
            results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"])
                       for r in s["runs"][0]["results"]}
            from urllib.parse import quote
            if results != {(c, quote(p, safe="/-._~")) for c, p, _ in got} or rc2 != rc:
                problems.append("SARIF results differ from JSON issues")
            rc3, text, _ = run([path])
            for i in doc["issues"]:
                if i["message"] not in text or i["path"] not in text:
                    problems.append("text report lacks %s at %s" % (i["code"], i["path"]))
            last = text.rstrip("\n").split("\n")[-1]
            verdict = "not ready for notarization" if errors else "ready to sign and notarize"
            if rc3 != rc or not last.endswith(verdict):
                problems.append("text verdict %r (exit %d)" % (last, rc3))
        if problems:
            failed += 1
            print("FAIL check: %s" % name)
            for p in problems:
                print("    " + p)
        else:
            passed += 1
    # A file that cannot be read: exit 3, and every report says so.
    for args in (["--json"], ["--sarif"], []):
        rc, out, err = run(args + [os.path.join(BIN, "truncated.dylib")])
        ok = rc == 3 and "0x14" in err
        if args == ["--json"]:
            doc = json.loads(out)
            ok = ok and doc["status"] == "Invalid" and len(doc["failures"]) == 1 and doc["failures"][0]["offset"] == 0x14
        elif args == ["--sarif"]:
            inv = json.loads(out)["runs"][0]["invocations"][0]
            ok = ok and inv["executionSuccessful"] is False and len(inv["toolExecutionNotifications"]) == 1
        else:
            ok = ok and out.rstrip().endswith("not ready for notarization")
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL check: unreadable file %s: exit %d, %r" % (" ".join(args) or "text", rc, out[-300:]))
    if jsonschema is None:
        print("SKIP check: JSON and SARIF schema validation: python3-jsonschema is not installed")
        skipped += 1
    print("check: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
