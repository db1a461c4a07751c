#!/usr/bin/env python3
"""Corpus check for `lcpatch show --json` (run by tests/corpus-show/run.sh).

For every row of MANIFEST.tsv, runs `lcpatch show --json FILE` and checks:
  - a valid file (malformed "no" or "llvm-rejects") exits 0 with one JSON
    document whose container, architectures, file types, version commands,
    signatures, header padding and notable load paths agree with the row;
  - a malformed or non-Mach-O file (malformed "yes") exits 3, names the file
    on standard error and prints no half-written JSON;
  - nothing crashes: any other exit status, or a sanitizer report on
    standard error, is a failure.
Where ../shared/golden holds Apple's `vtool -show` output for the file, the
version commands and source version of every slice must agree with it too,
and the header space under vtool's rule with `vtool -show-space`.
Then runs every file in one call: the exit status must be the worst (3) and
the document must hold one entry per file, in order.

Prints one line per failure and "corpus-show: N passed, N failed".
"""
import argparse
import csv
import json
import os
import subprocess
import sys

# Where MANIFEST.tsv's archs column does not use Apple's name: Apple's lipo
# calls CPU_TYPE_MC680x0/CPU_SUBTYPE_MC680x0_ALL "m68k" (golden lipo-info of
# the NeXTSTEP file), and lcpatch prints Apple's names.
MANIFEST_ARCH_ALIASES = {"mc680x0": "m68k"}

SANITIZER_MARKS = ("AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer", "runtime error:")


def short_version(text):
    """'10.5.0' -> '10.5', '10.5.1' stays, as the manifest writes versions."""
    parts = text.split(".")
    if len(parts) == 3 and parts[2] == "0":
        parts = parts[:2]
    return ".".join(parts)


def version_text(vc):
    """A version command of the JSON as the manifest writes it."""
    sdk = "n/a" if vc["sdk"] == "0.0.0" else short_version(vc["sdk"])
    minos = short_version(vc["minos"])
    if vc["cmd"] == "LC_BUILD_VERSION":
        platform = vc["platform"] if vc["platform"] is not None else str(vc["platform_value"])
        return "LC_BUILD_VERSION %s %s/%s" % (platform, minos, sdk)
    return "%s %s/%s" % (vc["cmd"], minos, sdk)


def container_text(doc):
    if doc["container"] == "fat" and doc["slices"] and all(s["content"] == "archive" for s in doc["slices"]):
        return "fat(archives)"
    return doc["container"]


def unique(seq):
    out = []
    for x in seq:
        if x not in out:
            out.append(x)
    return out


def compare(row, doc):
    """Differences between a manifest row and one file's JSON object."""
    problems = []
    images = doc["images"]
    if not images:
        return ["no Mach-O image in the output"]

    got = container_text(doc)
    if got != row["magic"]:
        problems.append("container %s, manifest %s" % (got, row["magic"]))

    if doc["container"] in ("fat", "fat64"):
        archs = [s["arch"] for s in doc["slices"]]
    else:
        archs = unique(i["arch"] for i in images)
    want_archs = [MANIFEST_ARCH_ALIASES.get(a, a) for a in row["archs"].split(",")]
    if archs != want_archs:
        problems.append("archs %s, manifest %s" % (",".join(map(str, archs)), row["archs"]))

    filetypes = unique((i["filetype"] or "").replace("MH_", "").lower() for i in images)
    if filetypes != [row["filetype"]]:
        problems.append("file types %s, manifest %s" % (",".join(filetypes), row["filetype"]))

    # version_command: one text for all images, or "arch=text; arch=text".
    per_image = [(i["arch"], version_text(i["version_commands"][0]) if i["version_commands"] else "none")
                 for i in images]
    want = row["version_command"]
    if "=" in want.split(" ")[0]:
        wanted = dict(part.split("=", 1) for part in want.split("; "))
        for arch, text in per_image:
            if wanted.get(arch) != text:
                problems.append("version command (%s) %s, manifest %s" % (arch, text, wanted.get(arch)))
    else:
        for arch, text in per_image:
            if text != want:
                problems.append("version command (%s) %s, manifest %s" % (arch, text, want))

    signed = [i["arch"] for i in images if i["signature"] is not None]
    if len(signed) == len(images):
        got = "yes"
    elif not signed:
        got = "no"
    else:
        got = "partial(%s)" % ",".join(signed)
    if got != row["signed"]:
        problems.append("signed %s, manifest %s" % (got, row["signed"]))

    # Header padding: the smallest safe free space over the slices.
    want = row["min_header_padding_bytes"]
    if want != "-":
        got = min(i["space"]["free"] for i in images)
        if got != int(want):
            problems.append("header padding %d, manifest %s" % (got, want))

    # Notable load paths: each must be found with its kind.
    paths = set()
    for i in images:
        if i["install_name"]:
            paths.add("id:" + i["install_name"]["name"])
        for d in i["dylibs"]:
            paths.add(d["name"])
            paths.add("%s:%s" % (d["kind"], d["name"]))
        for r in i["rpaths"]:
            paths.add("LC_RPATH=" + r)
    notable = row["notable_load_paths"]
    if notable != "-":
        for p in notable.split(" ; "):
            if p not in paths:
                problems.append("load path %r not shown" % p)
    return problems


def parse_vtool_show(text):
    """Apple's vtool -show output: one list of commands per slice, in order.
    Each command is a dict of the fields vtool printed ("tools" a list)."""
    slices = []
    cmd = None
    for line in text.splitlines():
        if not line.startswith(" ") and line.endswith(":") and not line.startswith("Load command"):
            slices.append([])
            cmd = None
        elif line.startswith("Load command "):
            cmd = {"index": int(line.split()[2]), "tools": []}
            slices[-1].append(cmd)
        elif cmd is not None and line.strip():
            key, _, value = line.strip().partition(" ")
            value = value.strip()
            if key == "tool":
                cmd["tools"].append([value, None])
            elif key == "version" and cmd["tools"]:
                cmd["tools"][-1][1] = value
            else:
                cmd[key] = value
    return slices


def compare_vtool(golden_path, doc):
    """Differences between vtool -show (golden) and the JSON's slices."""
    with open(golden_path, encoding="utf-8", errors="replace") as fh:
        slices = parse_vtool_show(fh.read())
    images = [i for i in doc["images"] if i["member"] is None]
    if len(slices) != len(images):
        return ["vtool -show has %d slices, show %d images" % (len(slices), len(images))]
    problems = []
    for cmds, img in zip(slices, images):
        want = [c for c in cmds if c["cmd"] != "LC_SOURCE_VERSION"]
        got = img["version_commands"]
        if len(want) != len(got):
            problems.append("(%s) %d version commands, vtool %d" % (img["arch"], len(got), len(want)))
            continue
        for w, g in zip(want, got):
            sdk = "n/a" if g["sdk"] == "0.0.0" else short_version(g["sdk"])
            mine = {"index": g["index"], "cmd": g["cmd"], "sdk": sdk}
            theirs = {"index": w["index"], "cmd": w["cmd"], "sdk": w.get("sdk")}
            if g["cmd"] == "LC_BUILD_VERSION":
                mine["platform"] = (g["platform"] or str(g["platform_value"])).upper()
                mine["minos"] = short_version(g["minos"])
                mine["tools"] = [[(t["tool"] or str(t["tool_value"])).upper(), short_version(t["version"])]
                                 for t in g["tools"]]
                theirs.update(platform=w.get("platform"), minos=w.get("minos"), tools=w["tools"])
            else:
                mine["version"] = short_version(g["minos"])
                theirs["version"] = w.get("version")
            if mine != theirs:
                problems.append("(%s) %s, vtool -show %s" % (img["arch"], mine, theirs))
        sv = [c.get("version") for c in cmds if c["cmd"] == "LC_SOURCE_VERSION"]
        if sv[:1] != ([img["source_version"]] if img["source_version"] is not None else []):
            problems.append("(%s) source version %s, vtool -show %s" % (img["arch"], img["source_version"], sv))
    return problems


def compare_vtool_space(golden_path, doc):
    """vtool -show-space (golden) against each slice's space object."""
    want = []
    with open(golden_path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            key, _, value = line.strip().partition(":")
            if key in ("Mach header size", "Load command size", "Available space"):
                if key == "Mach header size":
                    want.append({})
                want[-1][key] = int(value)
    images = [i for i in doc["images"] if i["member"] is None]
    if len(want) != len(images):
        return ["vtool -show-space has %d slices, show %d images" % (len(want), len(images))]
    problems = []
    for w, img in zip(want, images):
        sp = img["space"]
        got = {"Mach header size": sp["header_size"], "Load command size": sp["sizeofcmds"],
               "Available space": sp["vtool_free"]}
        if got != w:
            problems.append("(%s) space %s, vtool -show-space %s" % (img["arch"], got, w))
    return problems


def run(lcpatch, args):
    r = subprocess.run([lcpatch, "show", "--json"] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return r.returncode, r.stdout.decode("utf-8", "replace"), r.stderr.decode("utf-8", "replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lcpatch", required=True)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--golden", help="folder of Apple's outputs (../shared/golden)")
    ap.add_argument("-v", "--verbose", action="store_true")
    opts = ap.parse_args()

    with open(os.path.join(opts.corpus, "MANIFEST.tsv"), newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    passed = failed = 0
    golden_checked = space_checked = 0

    def verdict(name, problems):
        nonlocal passed, failed
        if problems:
            failed += 1
            for p in problems:
                print("FAIL %s: %s" % (name, p))
        else:
            passed += 1
            if opts.verbose:
                print("ok   %s" % name)

    for row in rows:
        path = os.path.join(opts.corpus, row["path"])
        name = os.path.basename(path)
        rc, out, err = run(opts.lcpatch, [path])
        problems = []
        if any(m in err for m in SANITIZER_MARKS):
            problems.append("sanitizer report: " + err.strip().splitlines()[0])
        try:
            doc = json.loads(out)
            entries = doc["files"]
            failures = doc["failures"]
        except (ValueError, KeyError, TypeError) as e:
            doc, entries, failures = None, None, None
            problems.append("standard output is not a show document (%s)" % e)
        if row["malformed"] == "yes":
            if rc != 3:
                problems.append("exit %d, want 3 for a malformed or non-Mach-O file" % rc)
            if path not in err:
                problems.append("no message naming the file on standard error: %r" % err.strip())
            if entries is not None and (entries or len(failures) != 1 or failures[0]["file"] != path):
                problems.append("JSON does not hold exactly one failure (and no file entry)")
        else:
            if rc != 0:
                problems.append("exit %d, want 0: %s" % (rc, err.strip()))
            elif err.strip():
                problems.append("unexpected standard error: %s" % err.strip())
            if entries is not None and rc == 0:
                if len(entries) != 1 or failures:
                    problems.append("JSON does not hold exactly one file entry")
                else:
                    problems.extend(compare(row, entries[0]))
                    g = os.path.join(opts.golden or "", name, "vtool-show.out")
                    grc = os.path.join(opts.golden or "", name, "vtool-show.rc")
                    if opts.golden and os.path.exists(g) and open(grc).read().strip() == "0":
                        golden_checked += 1
                        problems.extend(compare_vtool(g, entries[0]))
                    g = os.path.join(opts.golden or "", name, "vtool-show-space.out")
                    grc = os.path.join(opts.golden or "", name, "vtool-show-space.rc")
                    if opts.golden and os.path.exists(g) and open(grc).read().strip() == "0":
                        space_checked += 1
                        problems.extend(compare_vtool_space(g, entries[0]))
        verdict(name, problems)

    # Every file at once: the others are still shown, the status is the worst.
    paths = [os.path.join(opts.corpus, r["path"]) for r in rows]
    rc, out, err = run(opts.lcpatch, paths)
    problems = []
    want_rc = 3 if any(r["malformed"] == "yes" for r in rows) else 0
    if rc != want_rc:
        problems.append("exit %d, want %d" % (rc, want_rc))
    try:
        doc = json.loads(out)
        good = [e["file"] for e in doc["files"]]
        bad = [e["file"] for e in doc["failures"]]
        want_good = [p for p, r in zip(paths, rows) if r["malformed"] != "yes"]
        want_bad = [p for p, r in zip(paths, rows) if r["malformed"] == "yes"]
        if good != want_good:
            problems.append("the file entries are not one per readable file in order")
        if bad != want_bad:
            problems.append("failures %d, want %d, one per unreadable file in order" % (len(bad), len(want_bad)))
    except (ValueError, KeyError, TypeError) as e:
        problems.append("standard output is not a show document (%s)" % e)
    verdict("all files in one call", problems)

    if opts.golden:
        print("corpus-show: %d files also checked against vtool -show, %d against vtool -show-space"
              % (golden_checked, space_checked))
    print("corpus-show: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
