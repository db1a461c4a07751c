#!/usr/bin/env python3
"""Apple parity gate for CI: runs ../shared/tools/fidelity over the given
operations and passes when every case passes except exactly the known
divergences of tests/fidelity/divergences.tsv (cases where Apple's tool is
wrong), each of which must show lcpatch doing the right thing instead.

usage: check.py --lcpatch ./lcpatch --shared ../shared --only OPS
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def load_divergences():
    out = {}
    with open(os.path.join(HERE, "divergences.tsv")) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            case, right, why = line.rstrip("\n").split("\t")
            out[case] = (right.split(), why)
    return out


def check_right(lcpatch, shared, case, right):
    """Replays one case and checks lcpatch's own (right) result."""
    entry, name = case.split("/")
    golden = os.path.join(shared, "golden", entry)
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
        else:
            return "unknown rule %r" % kind
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lcpatch", default="./lcpatch")
    ap.add_argument("--shared", default="../shared")
    ap.add_argument("--only", required=True)
    a = ap.parse_args()
    lcpatch = os.path.abspath(a.lcpatch)
    shared = os.path.abspath(a.shared)
    ops = [o for o in a.only.split(",") if o]
    p = subprocess.run([sys.executable, os.path.join(shared, "tools", "fidelity"), "--lcpatch", lcpatch,
                        "--only", a.only, "--list-failures"], capture_output=True, text=True)
    sys.stdout.write("".join(l + "\n" for l in p.stdout.splitlines() if not l.startswith(("FAIL", "     "))
                             and not re.match(r"^\d+ passed, \d+ failed$", l)))
    failed = set(re.findall(r"^FAIL (\S+): ", p.stdout, re.M))
    m = re.search(r"^(\d+) passed, (\d+) failed$", p.stdout, re.M)
    if not m:
        print("fidelity: no summary from the fidelity tool:\n" + p.stdout + p.stderr)
        return 1
    passed = int(m.group(1))
    expected = {c: v for c, v in load_divergences().items() if any(o in c for o in ops)}
    problems = []
    for case in sorted(failed - set(expected)):
        problems.append("%s: fails (not a known divergence)" % case)
        for l in p.stdout.splitlines():
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
