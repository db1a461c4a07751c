#!/usr/bin/env python3
"""Hostile fat headers (issue 12, item 2.3).

From a few valid fat fixtures, writes variants of the fat header: every byte
of every fat_arch field (cputype, cpusubtype, offset, size, align) changed
(its low bit flipped; the field's top byte also set to 0xff), each fat_arch
relabelled as another one (one architecture listed twice), and nfat_arch one
more, large and huge. Every native command that
reads a file runs on each variant:

  * a variant that an independent check below (written from the format, not
    from lcpatch) finds malformed must be refused by every command with exit
    3 and a message that names a file offset (0x...), and nothing written;
  * a variant that is valid may be accepted or refused (a slice removed by a
    relabelling is simply not there to thin), but never with a crash;
  * whatever a command writes must read back (`lcpatch show`) and, when
    llvm-objdump-19 is installed, be accepted by
    `llvm-objdump-19 --macho --private-headers` (skipped, saying so, else).

Prints "fat-hostile: N passed, N failed, N skipped"; exits 1 on a failure.
"""
import argparse
import concurrent.futures
import os
import shutil
import struct
import subprocess
import sys
import tempfile

FIXTURES = ["legacy-fat.dylib", "fat64.dylib", "fat-archive.a"]
SUBTYPE_MASK = 0xFF000000
MH_MAGICS = {0xFEEDFACE: (False, ">"), 0xCEFAEDFE: (False, "<"), 0xFEEDFACF: (True, ">"), 0xCFFAEDFE: (True, "<")}


def fat_entries(b):
    """(is64, nfat, [(entry_offset, cputype, cpusubtype, offset, size, align)])."""
    magic, nfat = struct.unpack_from(">II", b, 0)
    is64 = magic == 0xCAFEBABF
    esize = 32 if is64 else 20
    out = []
    for i in range(nfat):
        at = 8 + i * esize
        if at + esize > len(b):
            break
        if is64:
            ct, cs, off, size, align = struct.unpack_from(">IIQQI", b, at)
        else:
            ct, cs, off, size, align = struct.unpack_from(">IIIII", b, at)
        out.append((at, ct, cs, off, size, align))
    return is64, nfat, out


def image_ok(b, off, size, ct, cs):
    """The slice at [off, off+size) is a Mach-O image labelled (ct, cs):
    its header and load commands and every segment's file range fit."""
    if size < 28:
        return False
    magic = struct.unpack_from(">I", b, off)[0]
    if magic not in MH_MAGICS:
        return False
    is64, e = MH_MAGICS[magic]
    hs = 32 if is64 else 28
    if size < hs:
        return False
    mct, mcs, _ft, ncmds, sizeofcmds = struct.unpack_from(e + "IIIII", b, off + 4)
    if mct != ct or (mcs & ~SUBTYPE_MASK) != (cs & ~SUBTYPE_MASK):
        return False
    if hs + sizeofcmds > size:
        return False
    p = off + hs
    end = p + sizeofcmds
    for _ in range(ncmds):
        if p + 8 > end:
            return False
        cmd, cmdsize = struct.unpack_from(e + "II", b, p)
        if cmdsize < 8 or p + cmdsize > end:
            return False
        if cmd == 0x19 and cmdsize >= 72:  # LC_SEGMENT_64
            fileoff, filesize = struct.unpack_from(e + "QQ", b, p + 40)
            if fileoff + filesize > size:
                return False
        elif cmd == 0x1 and cmdsize >= 56:  # LC_SEGMENT
            fileoff, filesize = struct.unpack_from(e + "II", b, p + 32)
            if fileoff + filesize > size:
                return False
        p += cmdsize
    return True


def valid(b, orig):
    """Whether a variant is a valid fat file, by the format's rules. `orig`
    is the fixture: an archive slice is valid only where and as large as it
    was (its members are not re-checked here)."""
    is64, nfat, ents = fat_entries(b)
    if nfat == 0 or (not is64 and nfat > 32):
        return False
    esize = 32 if is64 else 20
    table_end = 8 + nfat * esize
    if table_end > len(b) or len(ents) != nfat:
        return False
    _, _, oents = fat_entries(orig)
    archives = {(o[3], o[4]): (o[1], o[2]) for o in oents if orig[o[3]:o[3] + 8] == b"!<arch>\n"}
    ranges = []
    seen = set()
    for _at, ct, cs, off, size, align in ents:
        if off + size > len(b) or off < table_end or size == 0:
            return False
        if align > 31 or off % (1 << align):
            return False
        key = (ct, cs & ~SUBTYPE_MASK)
        if key in seen:
            return False
        seen.add(key)
        ranges.append((off, size))
        if b[off:off + 8] == b"!<arch>\n":
            want = archives.get((off, size))
            if want is None or want[0] != ct or (want[1] & ~SUBTYPE_MASK) != (cs & ~SUBTYPE_MASK):
                return False
        elif not image_ok(b, off, size, ct, cs):
            return False
    ranges.sort()
    for (o1, s1), (o2, _s2) in zip(ranges, ranges[1:]):
        if o2 < o1 + s1:
            return False
    return True


def variants(name, b):
    """(label, bytes) for every hostile change of the fat header of b."""
    is64, nfat, ents = fat_entries(b)
    fields = [("cputype", 0, 4), ("cpusubtype", 4, 4)]
    if is64:
        fields += [("offset", 8, 8), ("size", 16, 8), ("align", 24, 4)]
    else:
        fields += [("offset", 8, 4), ("size", 12, 4), ("align", 16, 4)]
    seen = {bytes(b)}
    for i, (at, *_rest) in enumerate(ents):
        for field, fo, width in fields:
            # every byte's low bit flipped; the field's top byte also set
            # to 0xff (huge offsets, sizes and alignments, unknown cputypes)
            changes = [(k, "^01", lambda x: x ^ 0x01) for k in range(width)] + [(0, "=ff", lambda x: 0xFF)]
            for k, how, fn in changes:
                v = bytearray(b)
                v[at + fo + k] = fn(v[at + fo + k])
                if bytes(v) not in seen:
                    seen.add(bytes(v))
                    yield "%s fat_arch %d %s byte %d %s" % (name, i, field, k, how), bytes(v)
        for j, (atj, *_r) in enumerate(ents):
            if j != i:  # fat_arch i relabelled as fat_arch j: listed twice
                v = bytearray(b)
                v[at:at + 8] = b[atj:atj + 8]
                yield "%s fat_arch %d labelled as fat_arch %d" % (name, i, j), bytes(v)
    for n in (nfat + 1, 33, 0x7FFFFFFF, 0xFFFFFFFF):
        v = bytearray(b)
        struct.pack_into(">I", v, 4, n)
        yield "%s nfat_arch %d" % (name, n), bytes(v)


# The writers skip the fsync: the outputs are read back at once and thrown
# away, and 2 x 4 writers x ~500 variants of fsync dominate the run.
COMMANDS = [
    ["show"],
    ["space"],
    ["rescue", "--dry-run"],
    ["rescue", "--no-fsync", "-o", "OUT"],
    ["audit"],
    ["set-sdk", "--no-fsync", "-o", "OUT"],
    ["strip-arch", "--legacy", "--no-fsync", "-o", "OUT"],
    ["unsign", "--no-fsync", "-o", "OUT"],
    ["thin", "x86_64", "--no-fsync", "-o", "OUT"],
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lcpatch", required=True)
    ap.add_argument("--binaries", required=True)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    objdump = shutil.which("llvm-objdump-19")
    passed = failed = skipped = 0
    if objdump is None:
        print("fat-hostile: llvm-objdump-19 not installed: outputs are re-read by lcpatch only (apt-get install llvm-19)")
        skipped += 1
    tmp = tempfile.mkdtemp(prefix="fat-hostile.")
    counts = {"variants": 0, "malformed": 0, "accepted_by_show": 0}

    def run(argv):
        return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)

    def check(n, fx, orig, label, data):
        """Runs every command on one variant; returns (label, good, problems, accepted_by_show)."""
        good = valid(data, orig)
        d = os.path.join(tmp, str(n))
        os.mkdir(d)
        src = os.path.join(d, "in" + os.path.splitext(fx)[1])
        with open(src, "wb") as fp:
            fp.write(data)
        problems = []
        shown = False
        for cmd in COMMANDS:
            out = os.path.join(d, "out")
            if os.path.exists(out):
                os.unlink(out)
            argv = [args.lcpatch] + [out if a == "OUT" else a for a in cmd] + [src]
            r = run(argv)
            text = (r.stderr + r.stdout).decode("utf-8", "replace")
            what = " ".join(cmd)
            if cmd == ["show"] and r.returncode == 0:
                shown = True
            if r.returncode not in (0, 1, 3):
                problems.append("%s: exit %d: %s" % (what, r.returncode, text[-300:]))
                continue
            if not good:
                if r.returncode != 3:
                    problems.append("%s: accepted a malformed file (exit %d)" % (what, r.returncode))
                elif "offset 0x" not in text:
                    problems.append("%s: refused without naming an offset: %s" % (what, text[:300]))
                if os.path.exists(out):
                    problems.append("%s: wrote output for a malformed file" % what)
                continue
            if os.path.exists(out):
                back = run([args.lcpatch, "show", out])
                if back.returncode != 0:
                    problems.append("%s: output does not read back: %s" % (what, back.stderr.decode()[:300]))
                if objdump:
                    o = run([objdump, "--macho", "--private-headers", out])
                    if o.returncode != 0:
                        problems.append("%s: llvm-objdump-19 rejects the output: %s" % (what, o.stderr.decode()[:300]))
        if good and objdump:
            # the check must not call valid what llvm-objdump refuses
            o = run([objdump, "--macho", "--private-headers", src])
            if o.returncode != 0:
                problems.append("the check calls it valid but llvm-objdump-19 refuses it: %s" % o.stderr.decode()[:300])
        shutil.rmtree(d, ignore_errors=True)
        return label, good, problems, shown

    try:
        jobs = []
        for fx in FIXTURES:
            orig = open(os.path.join(args.binaries, fx), "rb").read()
            assert valid(orig, orig), fx + ": the fixture itself fails the check"
            for label, data in [(fx + " unchanged", orig)] + list(variants(fx, orig)):
                jobs.append((len(jobs), fx, orig, label, data))
        # one process per core: the variants are independent
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            results = list(pool.map(lambda j: check(*j), jobs))
        for label, good, problems, shown in results:
            counts["variants"] += 1
            counts["malformed"] += not good
            counts["accepted_by_show"] += shown
            if problems:
                failed += 1
                print("FAIL %s (%s):" % (label, "valid" if good else "malformed"))
                for p in problems:
                    print("  " + p)
            else:
                passed += 1
                if args.verbose:
                    print("ok   %s (%s)" % (label, "valid" if good else "malformed"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("fat-hostile: %d variants (%d malformed), %d accepted by show, each run through %d commands" %
          (counts["variants"], counts["malformed"], counts["accepted_by_show"], len(COMMANDS)))
    print("fat-hostile: %d passed, %d failed, %d skipped" % (passed, failed, skipped))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
