#!/usr/bin/env python3
"""Helpers for tests/sign-adhoc/run.sh.

summary LCPATCH FILE: one line per image signature fact, from `lcpatch show
--json` (kind, each CodeDirectory's hash:version:flags:special slots,
identifier, exec segment flags, runtime, the SuperBlob's slot types).

oracle OURS THEIRS: exit 0 when OURS equals THEIRS byte for byte except
inside THEIRS's slot -1 (Info.plist) and slot -3 (resource seal) hashes of
its first CodeDirectory (what depends on the bundle the corpus file came
from), and prints how many bytes differ and where."""
import json
import struct
import subprocess
import sys


def summary(lcpatch, path):
    d = json.loads(subprocess.run([lcpatch, "show", "--json", path], check=True, capture_output=True).stdout)
    for img in d["files"][0]["images"]:
        s = img.get("signature") or {}
        print("kind=%s" % s.get("kind"))
        print("blobs=%s" % ",".join(str(b["type"]) for b in s.get("blobs", [])))
        for cd in s.get("code_directories", []):
            print("cd=%s:0x%x:0x%x:%d" % (cd["hash"], cd["version"], cd["flags"], cd["special_slots"]))
            print("ident=%s" % cd["identifier"])
            print("execflags=0x%x" % (cd["exec_segment"] or {}).get("flags", 0))
            print("runtime=%s" % cd.get("runtime"))
        if s.get("der_entitlements"):
            print("der=%s" % ",".join(s["der_entitlements"]["keys"]))


def oracle(ours, theirs):
    a, b = open(ours, "rb").read(), open(theirs, "rb").read()
    if len(a) != len(b):
        print("sizes differ: %d vs %d" % (len(a), len(b)))
        return 1
    # THEIRS's signature: LC_CODE_SIGNATURE (thin 64-bit little-endian file)
    ncmds, = struct.unpack_from("<I", b, 16)
    off, sig = 32, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from("<II", b, off)
        if cmd == 0x1D:
            sig, = struct.unpack_from("<I", b, off + 8)
        off += size
    count, = struct.unpack_from(">I", b, sig + 8)
    cd = None
    for i in range(count):
        t, o = struct.unpack_from(">II", b, sig + 12 + 8 * i)
        if t == 0:
            cd = sig + o
    hashoff, = struct.unpack_from(">I", b, cd + 16)
    hsize = b[cd + 36]
    allowed = set()
    for slot in (1, 3):
        start = cd + hashoff - slot * hsize
        allowed.update(range(start, start + hsize))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    outside = [i for i in diff if i not in allowed]
    print("%d bytes differ, %d outside slots -1 and -3" % (len(diff), len(outside)))
    for i in outside[:8]:
        print("  0x%x: %02x vs %02x" % (i, a[i], b[i]))
    return 1 if outside else 0


if __name__ == "__main__":
    if sys.argv[1] == "summary":
        summary(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "oracle":
        sys.exit(oracle(sys.argv[2], sys.argv[3]))
    elif sys.argv[1] == "entitlements":
        # the XML entitlements blob of a thin 64-bit file, to stdout
        b = open(sys.argv[2], "rb").read()
        ncmds, = struct.unpack_from("<I", b, 16)
        off = 32
        for _ in range(ncmds):
            cmd, size = struct.unpack_from("<II", b, off)
            if cmd == 0x1D:
                sig, = struct.unpack_from("<I", b, off + 8)
            off += size
        count, = struct.unpack_from(">I", b, sig + 8)
        for i in range(count):
            t, o = struct.unpack_from(">II", b, sig + 12 + 8 * i)
            if t == 5:
                n, = struct.unpack_from(">I", b, sig + o + 4)
                sys.stdout.buffer.write(b[sig + o + 8:sig + o + n])
