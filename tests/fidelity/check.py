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


def _slices(data):
    """(offset, size, fat size-field offset or None) of each Mach-O slice."""
    if data[:4] == b"\xca\xfe\xba\xbe":
        n = int.from_bytes(data[4:8], "big")
        return [(int.from_bytes(data[8 + 20 * i + 8:8 + 20 * i + 12], "big"),
                 int.from_bytes(data[8 + 20 * i + 12:8 + 20 * i + 16], "big"), 8 + 20 * i + 12) for i in range(n)]
    return [(0, len(data), None)]


def _signature_fields(data, off):
    """For the image at off: (dataoff, datasize, [offsets of the size fields
    that point at its signature]) or None when it is not signed."""
    magic = data[off:off + 4]
    if magic not in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe"):
        return None
    is64 = magic[0] == 0xcf
    u32 = lambda at: int.from_bytes(data[at:at + 4], "little")
    ncmds, p = u32(off + 16), off + (32 if is64 else 28)
    sig, fields = None, []
    for _ in range(ncmds):
        cmd, cmdsize = u32(p), u32(p + 4)
        if cmd == 0x1d:  # LC_CODE_SIGNATURE: its datasize
            sig = (u32(p + 8), u32(p + 12))
            fields.append((p + 12, 4))
        elif cmd in (0x1, 0x19) and data[p + 8:p + 24].rstrip(b"\0") == b"__LINKEDIT":
            fields += [(p + 32, 8), (p + 48, 8)] if is64 else [(p + 28, 4), (p + 36, 4)]  # vmsize, filesize
        p += max(cmdsize, 8)
    return (sig[0], sig[1], fields) if sig else None


def resigned_ok(lcpatch, got, want):
    """The `resigned` rule: Apple's output (made without CODEDIRECTORY_SUPPORT,
    so a stale signature) and lcpatch's (signed again) hold the same bytes
    outside each signature's data and the size fields that point at it
    (fat_arch.size, LC_CODE_SIGNATURE.datasize, __LINKEDIT vmsize/filesize),
    and every signature lcpatch wrote verifies. Returns None or why not."""
    a, b = _slices(want), _slices(got)
    if len(a) != len(b) or [x[0] for x in a] != [x[0] for x in b]:
        return "slices differ in number or place"
    hdr = 8 + 20 * len(a) if len(a) > 1 or a[0][2] is not None else 0
    wa, wb = bytearray(want[:hdr]), bytearray(got[:hdr])
    for _, _, at in a:
        if at is not None:
            wa[at:at + 4] = wb[at:at + 4] = b"\0\0\0\0"
    if wa != wb:
        return "fat headers differ"
    ends = [hdr]
    for (off, size_a, _), (_, size_b, _) in zip(a, b):
        sa, sb = _signature_fields(want, off), _signature_fields(got, off)
        xa, xb = bytearray(want[off:off + size_a]), bytearray(got[off:off + size_b])
        if sa and sb and sa[0] == sb[0]:
            for at, n in sa[2]:
                xa[at - off:at - off + n] = bytes(n)
            for at, n in sb[2]:
                xb[at - off:at - off + n] = bytes(n)
            del xa[sa[0]:sa[0] + sa[1]]
            del xb[sb[0]:sb[0] + sb[1]]
        if xa != xb:
            return "slice at %d differs outside its signature" % off
        ends.append(off + size_b)
    for lo, hi in zip(ends, [x[0] for x in b] + [len(got)]):
        if any(got[lo:hi]):
            return "non-zero bytes between slices at %d" % lo
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "out.bin")
        open(path, "wb").write(got)
        p = subprocess.run([lcpatch, "verify", "--json", path], capture_output=True, text=True)
    images = json.loads(p.stdout)["files"][0]["images"]
    if not any(i["verdict"] == "valid" for i in images) or any(i["verdict"] == "invalid" for i in images):
        return "the new signature does not verify: %s" % [i["verdict"] for i in images]
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
        elif kind == "resigned":
            want = open(os.path.join(golden, name + ".bin"), "rb").read()
            why = resigned_ok(lcpatch, got, want) if p.returncode == 0 and got else "exit %d" % p.returncode
            if why:
                return "want Apple's output signed again: " + why
        elif kind == "stdout-golden-except-line":
            # Apple's exit status and standard output but for one line
            n = int(right[1])
            want = open(os.path.join(golden, name + ".out"), "rb").read().split(b"\n")
            have = p.stdout.split(b"\n")
            want_rc = int(open(os.path.join(golden, name + ".rc")).read().strip() or 0)
            if p.returncode != want_rc or len(have) != len(want) or \
                    any(a != b for i, (a, b) in enumerate(zip(have, want)) if i != n - 1) or have[n - 1] == want[n - 1]:
                return "want Apple's exit status and standard output but for line %d; got exit %d" % (n, p.returncode)
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
