#!/usr/bin/env python3
"""Checks `lcpatch set-sdk` over the shared corpus.

For every valid corpus file (MANIFEST.tsv malformed column "no" or
"llvm-rejects"): runs `set-sdk -o OUT`, then checks with an independent
reader written here (thin, fat, fat64, ar archives and fat archives) that

  - every macOS image of the output reads sdk >= 10.9 (LC_BUILD_VERSION with
    platform 1, or LC_VERSION_MIN_MACOSX), and every macOS image that had a
    version command still has exactly the same commands, sizes and order;
  - an image without a version command got exactly one appended, at the end;
  - a PowerPC image (ppc, ppc64) is left exactly as it was: the notary
    service refuses PowerPC code whatever its SDK;
  - every byte outside the edited images' mach header and load commands is
    identical to the input (and the file has the same size);
  - a second run changes nothing (idempotent);
  - llvm-objdump-19 --macho --private-headers agrees on every sdk it prints
    (when the manifest says llvm-objdump reads the file);
  - a refused file (exit 3) wrote no output and names the bytes needed/free.

usage: check.py LCPATCH SHARED TMPDIR
"""
import os
import re
import struct
import subprocess
import sys

LC_BUILD_VERSION = 0x32
LC_VERSION_MIN_MACOSX = 0x24
VMIN = {0x24: 1, 0x25: 2, 0x2F: 3, 0x30: 4}
SDK_109 = (10 << 16) | (9 << 8)


def images(data):
    """(offset, size) of every Mach-O image in data, in file order."""
    out = []

    def macho(off, size):
        if size >= 28 and data[off:off + 4] in (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe",
                                               b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"):
            out.append((off, size))
            return True
        return False

    def archive(off, size):
        if data[off:off + 8] != b"!<arch>\n":
            return False
        p, end = off + 8, off + size
        while p + 60 <= end:
            name = data[p:p + 16].decode("latin1").rstrip()
            msize = int(data[p + 48:p + 58].decode("latin1").strip() or 0)
            body, blen = p + 60, msize
            if name.startswith("#1/"):
                n = int(name[3:])
                body += n
                blen -= n
            macho(body, blen)
            p += 60 + msize + (msize & 1)
        return True

    magic = data[:4]
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        fat64 = magic == b"\xca\xfe\xba\xbf"
        n = struct.unpack(">I", data[4:8])[0]
        for i in range(n):
            if fat64:
                ct, cs, o, s, a, r = struct.unpack(">IIQQII", data[8 + 32 * i:8 + 32 * i + 32])
            else:
                ct, cs, o, s, a = struct.unpack(">IIIII", data[8 + 20 * i:8 + 20 * i + 20])
            if not macho(o, s):
                archive(o, s)
    elif not macho(0, len(data)):
        archive(0, len(data))
    return out


def commands(data, off):
    """header size, byte order, [(cmd, cmdsize, bytes)] of the image at off."""
    m = data[off:off + 4]
    be = m in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf")
    is64 = m in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
    e = ">" if be else "<"
    ncmds, sizeofcmds = struct.unpack(e + "II", data[off + 16:off + 24])
    hs = 32 if is64 else 28
    cmds, p = [], off + hs
    for _ in range(ncmds):
        cmd, size = struct.unpack(e + "II", data[p:p + 8])
        cmds.append((cmd, size, data[p:p + size]))
        p += size
    return hs, e, sizeofcmds, cmds


def version_info(e, cmds):
    """[(index, platform, minos, sdk)] of the version commands."""
    out = []
    for i, (cmd, size, b) in enumerate(cmds):
        if cmd == LC_BUILD_VERSION:
            platform, minos, sdk = struct.unpack(e + "III", b[8:20])
            out.append((i, platform, minos, sdk))
        elif cmd in VMIN:
            minos, sdk = struct.unpack(e + "II", b[8:16])
            out.append((i, VMIN[cmd], minos, sdk))
    return out


def check_pair(before, after):
    """Problems (strings) between an input and its set-sdk output."""
    probs = []
    if len(before) != len(after):
        return ["size changed: %d -> %d" % (len(before), len(after))]
    ib, ia = images(before), images(after)
    if ib != ia:
        return ["image layout changed"]
    allowed = []  # (start, end) ranges the edit may touch
    for off, size in ib:
        hs, e, sb, cb = commands(before, off)
        _, _, sa, ca = commands(after, off)
        vb, va = version_info(e, cb), version_info(e, ca)
        allowed.append((off, off + hs + max(sb, sa)))
        cputype = struct.unpack(e + "I", before[off + 4:off + 8])[0]
        if cputype in (18, 0x01000012):  # CPU_TYPE_POWERPC, CPU_TYPE_POWERPC64
            if before[off:off + hs + sb] != after[off:off + hs + sa]:
                probs.append("0x%x: a PowerPC image was edited" % off)
            continue
        mac_b = [v for v in vb if v[1] == 1]
        if vb:
            # same commands, same sizes, same order; only version fields may differ
            if [(c, s) for c, s, _ in cb] != [(c, s) for c, s, _ in ca]:
                probs.append("0x%x: commands changed around an existing version command" % off)
            for (c, s, x), (_, _, y) in zip(cb, ca):
                if c != LC_BUILD_VERSION and c not in VMIN and x != y:
                    probs.append("0x%x: a non-version command changed" % off)
            if mac_b:
                for v in va:
                    if v[1] == 1 and v[3] < SDK_109:
                        probs.append("0x%x: macOS sdk still 0x%x" % (off, v[3]))
            elif cb != ca:
                probs.append("0x%x: an image of another platform was edited" % off)
        else:
            if len(ca) != len(cb) + 1 or ca[:-1] != cb:
                probs.append("0x%x: expected exactly one command appended" % off)
            elif not va or va[0][1] != 1 or va[0][3] < SDK_109 or va[0][0] != len(ca) - 1:
                probs.append("0x%x: appended command is not a macOS version command with sdk >= 10.9" % off)
            if sa != sb + ca[-1][1] if len(ca) == len(cb) + 1 else False:
                probs.append("0x%x: sizeofcmds does not account for the new command" % off)
    # every differing byte lies in an edited image's header + commands
    i, n = 0, len(before)
    while i < n:
        if before[i] != after[i]:
            if not any(a <= i < b for a, b in allowed):
                probs.append("byte 0x%x changed outside any load command area" % i)
                break
        i += 1
    return probs


def objdump_sdks(path):
    """Every sdk llvm-objdump prints for a macOS version command."""
    p = subprocess.run(["llvm-objdump-19", "--macho", "--private-headers", "--arch=all", path],
                       capture_output=True, text=True)
    sdks, cur, platform = [], None, None
    for line in p.stdout.splitlines():
        t = line.split()
        if len(t) >= 2 and t[0] == "cmd":
            cur, platform = t[1], None
        elif len(t) >= 2 and t[0] == "platform":
            platform = t[1]
        elif len(t) >= 2 and t[0] == "sdk" and (cur == "LC_VERSION_MIN_MACOSX" or
                                                (cur == "LC_BUILD_VERSION" and platform in ("macos", "1"))):
            sdks.append(t[1])
    return p.returncode, sdks


def vtuple(s):
    if s == "n/a":
        return (0,)
    return tuple(int(x) for x in s.split("."))


def main():
    lcpatch, shared, tmp = sys.argv[1:4]
    corpus = os.path.join(shared, "corpus")
    rows = open(os.path.join(corpus, "MANIFEST.tsv")).read().splitlines()
    head = rows[0].split("\t")
    col = {k: i for i, k in enumerate(head)}
    passed = failed = 0
    for row in rows[1:]:
        f = row.split("\t")
        if f[col["malformed"]] not in ("no", "llvm-rejects"):
            continue
        path = os.path.join(corpus, f[col["path"]])
        name = os.path.basename(path)
        out = os.path.join(tmp, name + ".out")
        out2 = os.path.join(tmp, name + ".out2")
        p = subprocess.run([lcpatch, "set-sdk", "-o", out, path], capture_output=True, text=True)
        probs = []
        if p.returncode == 3 and "no room" in p.stderr:
            if os.path.exists(out):
                probs.append("refused but wrote an output")
            if not re.search(r"needs \d+ bytes", p.stderr) or not re.search(r"-?\d+ free", p.stderr):
                probs.append("refusal does not name bytes needed and free: " + p.stderr.strip())
            status = "refused"
        elif p.returncode != 0:
            probs.append("exit %d: %s" % (p.returncode, p.stderr.strip()[:200]))
            status = "error"
        else:
            status = "edited"
            before = open(path, "rb").read()
            after = open(out, "rb").read()
            probs += check_pair(before, after)
            q = subprocess.run([lcpatch, "set-sdk", "-o", out2, out], capture_output=True, text=True)
            if q.returncode != 0 or open(out2, "rb").read() != after or "rewritten" in q.stdout or "added" in q.stdout:
                probs.append("second run is not a no-op")
            if f[col["llvm_objdump"]] == "ok":
                rc, sdks = objdump_sdks(out)
                low = [s for s in sdks if vtuple(s) < (10, 9)]
                if rc != 0:
                    probs.append("llvm-objdump-19 failed on the output")
                elif low:
                    probs.append("llvm-objdump-19 reads macOS sdk %s" % ", ".join(low))
        for x in (out, out2):
            if os.path.exists(x):
                os.unlink(x)
        if probs:
            failed += 1
            print("FAIL %s (%s): %s" % (name, status, "; ".join(probs)))
        else:
            passed += 1
    print("corpus-set-sdk: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
