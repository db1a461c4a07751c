#!/usr/bin/env python3
"""Apple parity gate for CI: runs ../shared/tools/fidelity over the given
operations, in every golden set (../shared/golden, and ../shared/golden-sign:
codesign_allocate -a/-A/-p), and passes when every case passes except exactly
the known divergences of tests/fidelity/divergences.tsv (cases where Apple's
tool is wrong), each of which must show lcpatch doing the right thing instead.

usage: check.py [--lcpatch ./lcpatch] [--shared ../shared] [--only OPS]

OPS is a comma-separated list of subsets (`fidelity --only`); without
--only, every subset listed in .ci/fidelity-ops (those at full parity).
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIDELITY_OPS = os.path.join(HERE, "..", "..", ".ci", "fidelity-ops")


def gated_ops():
    """The subsets of .ci/fidelity-ops, one a line, # comments."""
    with open(FIDELITY_OPS) as f:
        return ",".join(l.strip() for l in f if l.strip() and not l.startswith("#"))


GOLDEN_SETS = ("golden", "golden-sign")


def load_divergences():
    out = {}
    with open(os.path.join(HERE, "divergences.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            case, right, why = line.rstrip("\n").split("\t")
            out[case] = (right.split(), why)
    return out


def macho_slices(data):
    """[(offset, size)] of the Mach-O images of a thin or fat file (fat32 or
    fat64, as written by Apple's tools: big-endian header)."""
    magic = data[:4]
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        is64 = magic[3] == 0xbf
        n = int.from_bytes(data[4:8], "big")
        out = []
        for i in range(n):
            e = 8 + i * (32 if is64 else 20)
            if is64:
                out.append((int.from_bytes(data[e + 8:e + 16], "big"), int.from_bytes(data[e + 16:e + 24], "big")))
            else:
                out.append((int.from_bytes(data[e + 8:e + 12], "big"), int.from_bytes(data[e + 12:e + 16], "big")))
        return out
    return [(0, len(data))]


def signature_fields(image):
    """(dataoff or None, [(start, end)] of the fields that size the
    signature: LC_CODE_SIGNATURE's datasize, __LINKEDIT's vmsize and
    filesize) of one little-endian Mach-O image."""
    magic = image[:4]
    if magic not in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return None, []
    is64 = magic[0] == 0xcf
    le = lambda a, b: int.from_bytes(image[a:b], "little")
    ncmds, at = le(16, 20), 32 if is64 else 28
    dataoff, fields = None, []
    for _ in range(ncmds):
        cmd, size = le(at, at + 4), le(at + 4, at + 8)
        if cmd == 0x1d:  # LC_CODE_SIGNATURE
            dataoff = le(at + 8, at + 12)
            fields.append((at + 12, at + 16))
        elif cmd in (0x19, 0x1) and image[at + 8:at + 24].rstrip(b"\0") == b"__LINKEDIT":
            if is64:  # vmsize at 32, filesize at 48
                fields += [(at + 32, at + 40), (at + 48, at + 56)]
            else:
                fields += [(at + 28, at + 32), (at + 36, at + 40)]
        at += size
    return dataoff, fields


def resigned_right(lcpatch, got, want, data_in):
    """The `resigned` rule: lcpatch re-signed the linker-signed slices that
    Apple's tool (built without CODEDIRECTORY_SUPPORT) left with a stale
    signature. Every byte outside each slice's signature data, and outside
    the size fields that point at it (LC_CODE_SIGNATURE datasize, __LINKEDIT
    vmsize and filesize, the fat_arch size), is Apple's; the new signatures
    are valid (`lcpatch verify`) and the slices unsigned in the input stay
    unsigned."""
    gs, ws = macho_slices(got), macho_slices(want)
    if len(gs) != len(ws) or any(g[0] != w[0] for g, w in zip(gs, ws)):
        return "the slices are not where Apple's are"
    if len(gs) > 1:  # the fat header but for the sizes
        entry = 32 if want[3] == 0xbf else 20
        for i in range(len(ws)):
            e = 8 + i * entry
            size_at = (e + 16, e + 24) if entry == 32 else (e + 12, e + 16)
            if got[e:size_at[0]] != want[e:size_at[0]] or got[size_at[1]:e + entry] != want[size_at[1]:e + entry]:
                return "fat_arch %d differs from Apple's beyond its size" % i
        if got[:8] != want[:8]:
            return "the fat header differs from Apple's"
    covered = 8 + len(ws) * (32 if want[3:4] == b"\xbf" else 20) if len(ws) > 1 else 0
    for (off, _), (_, gsize), (_, wsize) in zip(ws, gs, ws):
        if got[covered:off] != want[covered:off]:
            return "the bytes before the slice at %d differ from Apple's" % off
        g, w = bytearray(got[off:off + gsize]), bytearray(want[off:off + wsize])
        dataoff, fields = signature_fields(bytes(w))
        gdataoff, gfields = signature_fields(bytes(g))
        if dataoff is None:
            if g != w:
                return "the unsigned slice at %d differs from Apple's" % off
        else:
            if gdataoff != dataoff or gfields != fields:
                return "the slice at %d: its signature is not where Apple's is" % off
            for a, b in fields:
                g[a:b] = w[a:b]
            if g[:dataoff] != w[:dataoff]:
                first = next(i for i in range(dataoff) if g[i] != w[i])
                return "the slice at %d differs from Apple's at %d, outside the signature" % (off, first)
        covered = off + max(gsize, wsize)
    with tempfile.TemporaryDirectory() as tmp:
        verdicts = []
        for name, data in (("in", data_in), ("out", got)):
            path = os.path.join(tmp, name)
            with open(path, "wb") as f:
                f.write(data)
            p = subprocess.run([lcpatch, "verify", "--json", path], capture_output=True, text=True, timeout=60)
            try:
                images = json.loads(p.stdout)["files"][0]["images"]
            except (ValueError, KeyError, IndexError):
                return "lcpatch verify gave no report: " + p.stderr.strip()
            verdicts.append([(i["arch"], i["verdict"], i["kind"]) for i in images])
    vin, vout = verdicts
    if [v[0] for v in vin] != [v[0] for v in vout]:
        return "lcpatch verify names other slices in the output"
    for (arch, was, kind), (_, now, nkind) in zip(vin, vout):
        if (was == "unsigned") != (now == "unsigned"):
            return "%s: %s in the input, %s in the output" % (arch, was, now)
        if now != "unsigned" and now != "valid":
            return "%s: the re-signed slice does not verify (%s)" % (arch, now)
    if not any(v[2] == "linker-signed" for v in vout):
        return "no slice of the output is linker-signed"
    return None


def check_right(lcpatch, shared, case, right):
    """Replays one case and checks lcpatch's own (right) result."""
    entry, name = case.split("/")
    golden = next((os.path.join(shared, g, entry) for g in GOLDEN_SETS
                   if os.path.exists(os.path.join(shared, g, entry, name + ".cmd"))),
                  os.path.join(shared, "golden", entry))
    corpus = os.path.join(shared, "corpus", "files")
    argv = open(os.path.join(golden, name + ".cmd")).read().splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.bin")
        inplace_path = os.path.join(golden, name + ".inplace")
        inplace = open(inplace_path).read().strip() if os.path.exists(inplace_path) else ""
        if inplace:  # the tool edits its operand: start from a copy of the input
            shutil.copyfile(os.path.join(corpus, inplace), out)
        args = [lcpatch] + [out if a == "@OUT" else a for a in argv]
        p = subprocess.run(args, cwd=corpus, capture_output=True, timeout=60)
        src = inplace or (argv[argv.index("-i") + 1] if "-i" in argv else argv[-1])
        data_in = open(os.path.join(corpus, src), "rb").read()
        got = open(out, "rb").read() if os.path.exists(out) else None
        kind = right[0]
        if kind == "refused":
            if p.returncode != int(right[1]) or got is not None or not p.stderr:
                return "want exit %s, a message and no output; got exit %d, output %s" % (
                    right[1], p.returncode, "written" if got is not None else "none")
        elif kind == "same-as-input":
            if p.returncode != 0 or got != data_in:
                return "want exit 0 and the input unchanged; got exit %d" % p.returncode
        elif kind == "golden-except":
            a, b = int(right[1]), int(right[2])
            want = bytearray(open(os.path.join(golden, name + ".bin"), "rb").read())
            want[a:b] = data_in[a:b]
            if p.returncode != 0 or got != bytes(want):
                return "want exit 0 and Apple's output with bytes [%d, %d) kept; got exit %d" % (a, b, p.returncode)
        elif kind == "golden-patch":
            at, patch = int(right[1]), bytes.fromhex(right[2])
            want = bytearray(open(os.path.join(golden, name + ".bin"), "rb").read())
            want[at:at + len(patch)] = patch
            if p.returncode != 0 or got != bytes(want):
                return "want exit 0 and Apple's output with bytes %s at %d; got exit %d" % (right[2], at, p.returncode)
        elif kind == "grows-golden":
            want = open(os.path.join(golden, name + ".bin"), "rb").read()
            magic = got[:4] if got else b""
            header = 32 if magic in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf") else 28
            big = magic[:1] == b"\xfe"
            sizeofcmds = int.from_bytes(got[20:24], "big" if big else "little") if got and len(got) >= 24 else -1
            if p.returncode != 0 or not got.startswith(want) or len(got) <= len(want) or \
                    len(got) != header + sizeofcmds:
                return "want exit 0 and Apple's truncated output completed to header + sizeofcmds; got exit %d" % (
                    p.returncode)
        elif kind == "stdout-golden-except-line":
            # Apple's exit status and standard output but for one line
            n = int(right[1])
            want = open(os.path.join(golden, name + ".out"), "rb").read().split(b"\n")
            have = p.stdout.split(b"\n")
            want_rc = int(open(os.path.join(golden, name + ".rc")).read().strip() or 0)
            if p.returncode != want_rc or len(have) != len(want) or \
                    any(a != b for i, (a, b) in enumerate(zip(have, want)) if i != n - 1) or have[n - 1] == want[n - 1]:
                return "want Apple's exit status and standard output but for line %d; got exit %d" % (n, p.returncode)
        elif kind == "resigned":
            want = open(os.path.join(golden, name + ".bin"), "rb").read()
            if p.returncode != 0 or got is None:
                return "want exit 0 and a re-signed output; got exit %d" % p.returncode
            why = resigned_right(lcpatch, got, want, data_in)
            if why:
                return "re-signed: " + why
        else:
            return "unknown rule %r" % kind
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lcpatch", default="./lcpatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--only", help="subsets, comma-separated (default: those of .ci/fidelity-ops)")
    a = ap.parse_args()
    if not a.only:
        a.only = gated_ops()
        print("fidelity: subsets of .ci/fidelity-ops: " + a.only)
    lcpatch = os.path.abspath(a.lcpatch)
    shared = os.path.abspath(a.shared)
    ops = [o for o in a.only.split(",") if o]
    failed = set()
    passed = 0
    listing = ""
    for g in GOLDEN_SETS:
        gdir = os.path.join(shared, g)
        if not os.path.isdir(gdir):
            print("fidelity: %s not present: its cases are skipped" % gdir)
            continue
        p = subprocess.run([sys.executable, os.path.join(shared, "tools", "fidelity"), "--lcpatch", lcpatch,
                            "--golden", gdir, "--only", a.only, "--list-failures"], capture_output=True, text=True)
        print("== %s" % g)
        sys.stdout.write("".join(l + "\n" for l in p.stdout.splitlines() if not l.startswith(("FAIL", "     "))
                                 and not re.match(r"^\d+ passed, \d+ failed$", l)))
        failed |= set(re.findall(r"^FAIL (\S+): ", p.stdout, re.M))
        listing += p.stdout
        m = re.search(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
        if not m:
            print("fidelity: no summary from the fidelity tool:\n" + p.stdout + p.stderr)
            return 1
        passed += int(m.group(1))
    expected = {c: v for c, v in load_divergences().items() if any(o in c for o in ops)}
    problems = []
    for case in sorted(failed - set(expected)):
        problems.append("%s: fails (not a known divergence)" % case)
        for l in listing.splitlines():
            if l.startswith("FAIL " + case + ":"):
                problems[-1] += "\n    " + l
    for case in sorted(set(expected) - failed):
        problems.append("%s: listed as a divergence but now matches Apple's wrong result" % case)
    for case in sorted(set(expected) & failed):
        why = check_right(lcpatch, shared, case, expected[case][0])
        if why:
            problems.append("%s: not the right result: %s" % (case, why))
        else:
            passed += 1
            print("divergence ok: %s (%s)" % (case, " ".join(expected[case][0])))
    for pr in problems:
        print("FAIL fidelity: " + pr)
    print("fidelity: %d passed, %d failed" % (passed, len(problems)))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
