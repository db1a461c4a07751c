#!/usr/bin/env python3
"""Byte-flip checks for `lcpatch verify`, independent of lcpatch's reader
(the Mach-O and the SuperBlob are parsed here with struct):

  - a byte flipped in code page k of a slice: verify reports that slice
    invalid, problem "page", page k, at the page's file offset;
  - a byte flipped in code slot k of CodeDirectory j: problem "page", page k,
    code_directory j's slot (the stored hash no longer matches the page);
  - a byte flipped in special slot k: problem "slot", slot k, except the
    slots sealed outside the file (1 Info.plist, 3 resource seal) of a file
    verified without its bundle: then a CMS-signed slice is invalid through
    the CMS (the CodeDirectory's hash changed) and an ad hoc one cannot tell
    (its verdict names the slot as not checked);
  - with --header: a byte flipped anywhere in the fixed part of a
    CMS-signed CodeDirectory (identifier and team id included): invalid.

Every flipped copy goes to TMPDIR; one `verify --json` run checks them all.
Usage: flip.py LCPATCH TMPDIR [--pages N] [--slots N] [--header] FILE...
Prints one FAIL line per failed check and "N passed, N failed"."""
import json
import os
import struct
import subprocess
import sys

LC_CODE_SIGNATURE = 0x1D
CMS_SLOT = 0x10000


def slices(data):
    magic = data[:4]
    if magic == b"\xca\xfe\xba\xbe" or magic == b"\xca\xfe\xba\xbf":
        wide = magic == b"\xca\xfe\xba\xbf"
        n = struct.unpack(">I", data[4:8])[0]
        for i in range(n):
            if wide:
                off, size = struct.unpack(">QQ", data[8 + i * 32 + 8 : 8 + i * 32 + 24])
            else:
                off, size = struct.unpack(">II", data[8 + i * 20 + 8 : 8 + i * 20 + 16])
            yield off, size
    else:
        yield 0, len(data)


def image_info(data, off):
    m = data[off : off + 4]
    e = "<" if m in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe") else ">"
    is64 = m in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf")
    ncmds, sizeofcmds = struct.unpack(e + "II", data[off + 16 : off + 24])
    hdr = 32 if is64 else 28
    p = off + hdr
    sig = None
    for _ in range(ncmds):
        cmd, size = struct.unpack(e + "II", data[p : p + 8])
        if cmd == LC_CODE_SIGNATURE:
            sig = struct.unpack(e + "II", data[p + 8 : p + 16])
        p += size
    return hdr + sizeofcmds, sig


def codedirs(data, sigoff):
    magic, length, count = struct.unpack(">III", data[sigoff : sigoff + 12])
    cds, has_cms = [], False
    for i in range(count):
        t, o = struct.unpack(">II", data[sigoff + 12 + 8 * i : sigoff + 20 + 8 * i])
        if t == CMS_SLOT:
            has_cms = struct.unpack(">I", data[sigoff + o + 4 : sigoff + o + 8])[0] > 8
        if t == 0 or 0x1000 <= t < 0x1005:
            b = sigoff + o
            f = struct.unpack(">IIIIIIIIIBBBB", data[b : b + 40])
            cds.append(
                dict(slot=t, at=b, flags=f[3], hash_offset=f[4], nspecial=f[6], ncode=f[7],
                     code_limit=f[8], hash_size=f[9], page_shift=f[12]))
    cds.sort(key=lambda c: c["slot"])
    return cds, has_cms


def main():
    args = sys.argv[1:]
    lcpatch, tmp = args[0], args[1]
    args = args[2:]
    npages, nslots, header = 4, 4, False
    files = []
    while args:
        a = args.pop(0)
        if a == "--pages":
            npages = int(args.pop(0))
        elif a == "--slots":
            nslots = int(args.pop(0))
        elif a == "--header":
            header = True
        else:
            files.append(a)
    cases = []  # (copy path, slice index, expectation dict, description)
    for path in files:
        data = open(path, "rb").read()
        for si, (soff, ssize) in enumerate(slices(data)):
            lc_end, sig = image_info(data, soff)
            if not sig:
                continue
            cds, has_cms = codedirs(data, soff + sig[0])
            primary = cds[0]
            page = 1 << primary["page_shift"] if primary["page_shift"] else primary["code_limit"]
            n = primary["ncode"]
            picks = sorted(set([0, 1, n // 2, n - 1] + list(range(0, n, max(1, n // max(npages, 1))))[:npages]))
            for k in picks:
                if k < 0 or k >= n:
                    continue
                start = soff + k * page
                end = min(soff + primary["code_limit"], start + page)
                at = max(start, soff + lc_end) if k == 0 else start
                at = min(at + (k * 37) % max(1, end - at), end - 1)
                if at < start or at >= end:
                    continue
                cases.append((path, si, at, dict(problem="page", page=k, file_offset=start),
                              "page %d byte 0x%x" % (k, at)))
            for cd in cds:
                hs = cd["hash_size"]
                slots = sorted(set([0, cd["ncode"] - 1] + list(range(0, cd["ncode"], max(1, cd["ncode"] // max(nslots, 1))))[:nslots]))
                for k in slots:
                    at = cd["at"] + cd["hash_offset"] + k * hs + (k % hs)
                    cases.append((path, si, at, dict(problem="page", page=k, code_directory=cd["slot"]),
                                  "CD 0x%x code slot %d" % (cd["slot"], k)))
                for k in range(1, cd["nspecial"] + 1):
                    at = cd["at"] + cd["hash_offset"] - k * hs
                    slot = data[at : at + hs]
                    if slot == b"\0" * hs:
                        continue
                    if k in (1, 3):
                        # An __info_plist section seals slot 1 inside the file:
                        # then the slot itself is reported.
                        exp = dict(problem=("cms", "slot")) if has_cms else dict(verdict="valid", not_checked=True)
                    else:
                        exp = dict(problem="slot", slot=k, code_directory=cd["slot"])
                    cases.append((path, si, at + 3, exp, "CD 0x%x special slot -%d" % (cd["slot"], k)))
                if header and has_cms:
                    fixed_end = cd["hash_offset"] - cd["nspecial"] * hs
                    for b in range(0, fixed_end):
                        cases.append((path, si, cd["at"] + b, dict(verdict="invalid"),
                                      "CD 0x%x header byte %d" % (cd["slot"], b)))
    cache = {}
    passed = failed = 0
    batch = 200
    for s in range(0, len(cases), batch):
        paths = []
        for i in range(s, min(s + batch, len(cases))):
            path, si, at = cases[i][:3]
            if path not in cache:
                cache = {path: open(path, "rb").read()}
            b = bytearray(cache[path])
            b[at] ^= 0x01
            paths.append(os.path.join(tmp, "flip-%d" % i))
            open(paths[-1], "wb").write(b)
        r = subprocess.run([lcpatch, "verify", "--json"] + paths, capture_output=True, text=True)
        try:
            doc = json.loads(r.stdout)
        except ValueError:
            print("FAIL verify --json did not print JSON (exit %d): %s" % (r.returncode, r.stderr[:300]))
            return 1
        for i, entry in zip(range(s, s + batch), doc["files"]):
            path, si, at, exp, desc = cases[i]
            imgs = entry["images"]
            got = imgs[si] if si < len(imgs) else None
            ok = got is not None
            if ok:
                if exp.get("verdict"):
                    ok = got["verdict"] == exp["verdict"]
                else:
                    want = exp["problem"] if isinstance(exp["problem"], tuple) else (exp["problem"],)
                    ok = got["verdict"] == "invalid" and got["problem"] in want
                for key in ("page", "slot", "code_directory", "file_offset"):
                    if ok and key in exp:
                        ok = got[key] == exp[key]
                if ok and exp.get("not_checked"):
                    ok = len(got["not_checked"]) > 0
            if ok:
                passed += 1
            else:
                failed += 1
                print("FAIL %s slice %d: %s: want %s, got %s" % (path, si, desc, exp, got and {
                    k: got[k] for k in ("verdict", "problem", "page", "slot", "code_directory", "file_offset", "message")}))
        for p in paths:
            os.unlink(p)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


sys.exit(main())
