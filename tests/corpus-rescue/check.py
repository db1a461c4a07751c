#!/usr/bin/env python3
"""Checks `lcpatch rescue` over the shared corpus.

For every valid corpus file (MANIFEST.tsv malformed column "no" or
"llvm-rejects") with an x86_64 or arm64 slice: runs `rescue -o OUT`, then
checks the output with an independent reader written here (thin, fat,
fat64, ar archives, fat archives):

  - no legacy slice is left (ppc*, i386, 32-bit ARM...), and no image has an
    LC_CODE_SIGNATURE;
  - every macOS image reads sdk >= 10.9 (LC_BUILD_VERSION platform 1, or
    LC_VERSION_MIN_MACOSX);
  - every image codesign will sign (not MH_OBJECT) passes the preflight: at
    least 16 bytes between the load commands and the first section with file
    bytes, every cmdsize a multiple of 8 (64-bit) or 4 (32-bit), __LINKEDIT
    ending at the end of the slice;
  - every section's bytes are identical to the input's (same architecture,
    same section name);
  - a second rescue says "already rescued" and gives identical bytes;
  - a file for another platform (no version command for macOS, Mac
    Catalyst or DriverKit, some for iOS & co) exits 1, "left alone", with
    no output and no codesign line; a file of objects only (archives, .o)
    ends with "no next step", never a codesign line.
Exit status 1 (rescued, load path errors reported by the audit step) is
accepted when the report says so; the output is checked all the same.
A file rescue refuses with a blocker (exit 3, "blocked") must have written
nothing, and the checker must find the reason itself (a slice without 16
bytes of room once its signature is gone, a misaligned cmdsize, or
__LINKEDIT not last).

usage: check.py LCPATCH SHARED TMPDIR
"""
import os
import struct
import subprocess
import sys

LC_SEGMENT, LC_SEGMENT_64 = 0x1, 0x19
LC_CODE_SIGNATURE = 0x1D
LC_BUILD_VERSION, LC_VERSION_MIN_MACOSX = 0x32, 0x24
# LC_VERSION_MIN_IPHONEOS, _TVOS, _WATCHOS -> PLATFORM_IOS, _TVOS, _WATCHOS
VERSION_MIN_OTHER = {0x25: 2, 0x2F: 3, 0x30: 4}
ON_A_MAC = {1, 6, 10}  # macOS, Mac Catalyst, DriverKit
SDK_109 = (10 << 16) | (9 << 8)
MODERN = {0x01000007, 0x0100000C}  # x86_64, arm64 (any subtype)
ZEROFILL = {0x1, 0xC, 0x12}


class Image:
    """One Mach-O image: header, load commands, sections, linkedit."""

    def __init__(self, data, off, size, member=None):
        self.off, self.size, self.member = off, size, member
        m = data[off:off + 4]
        self.be = m in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf")
        self.is64 = m in (b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe")
        e = ">" if self.be else "<"
        self.e = e
        (_, self.cputype, self.cpusubtype, self.filetype, self.ncmds, self.sizeofcmds,
         self.flags) = struct.unpack_from(e + "7I", data, off)
        self.hsize = 32 if self.is64 else 28
        self.cmds = []  # (cmd, cmdsize, offset within image)
        self.sections = []  # (segname, sectname, fileoff, size, flags)
        self.linkedit_end = None
        self.sdks = []  # sdk of every macOS version command
        self.platforms = []  # the platform of every version command
        p = off + self.hsize
        for _ in range(self.ncmds):
            cmd, cmdsize = struct.unpack_from(e + "2I", data, p)
            self.cmds.append((cmd, cmdsize, p - off))
            if cmd in (LC_SEGMENT, LC_SEGMENT_64):
                is64 = cmd == LC_SEGMENT_64
                segname = data[p + 8:p + 24].rstrip(b"\0").decode("latin1")
                if is64:
                    fileoff, filesize = struct.unpack_from(e + "2Q", data, p + 40)
                    nsects = struct.unpack_from(e + "I", data, p + 64)[0]
                    q = p + 72
                else:
                    fileoff, filesize = struct.unpack_from(e + "2I", data, p + 32)
                    nsects = struct.unpack_from(e + "I", data, p + 48)[0]
                    q = p + 56
                if segname == "__LINKEDIT":
                    self.linkedit_end = fileoff + filesize
                for _ in range(nsects):
                    sect = data[q:q + 16].rstrip(b"\0").decode("latin1")
                    seg = data[q + 16:q + 32].rstrip(b"\0").decode("latin1")
                    if is64:
                        ssize = struct.unpack_from(e + "Q", data, q + 40)[0]
                        soff, flags = struct.unpack_from(e + "I", data, q + 48)[0], \
                            struct.unpack_from(e + "I", data, q + 64)[0]
                        q += 80
                    else:
                        ssize = struct.unpack_from(e + "I", data, q + 36)[0]
                        soff, flags = struct.unpack_from(e + "I", data, q + 40)[0], \
                            struct.unpack_from(e + "I", data, q + 56)[0]
                        q += 68
                    self.sections.append((seg, sect, soff, ssize, flags))
            elif cmd == LC_BUILD_VERSION:
                platform, _, sdk = struct.unpack_from(e + "3I", data, p + 8)
                self.platforms.append(platform)
                if platform == 1:
                    self.sdks.append(sdk)
            elif cmd in VERSION_MIN_OTHER:
                self.platforms.append(VERSION_MIN_OTHER[cmd])
            elif cmd == LC_VERSION_MIN_MACOSX:
                self.platforms.append(1)
                # Apple writes the sdk of LC_VERSION_MIN_* unswapped in
                # big-endian slices: accept either reading.
                sdk = struct.unpack_from(e + "I", data, p + 12)[0]
                sdk_le = struct.unpack_from("<I", data, p + 12)[0]
                self.sdks.append(max(sdk, sdk_le) if self.be else sdk)
            p += cmdsize

    def arch(self):
        return "cputype 0x%x/0x%x" % (self.cputype, self.cpusubtype & 0xFFFFFF)

    def file_sections(self):
        return [s for s in self.sections if s[3] > 0 and (s[4] & 0xFF) not in ZEROFILL]

    def preflight(self, signature_will_go=False):
        """None when codesign can sign it, else the reason."""
        first = min([s[2] for s in self.file_sections()] + [self.size])
        room = first - self.hsize - self.sizeofcmds
        signed = any(c[0] == LC_CODE_SIGNATURE for c in self.cmds)
        if signature_will_go and signed:
            room += 16
        if room < 16:
            return "%d bytes of header space" % room
        align = 8 if self.is64 else 4
        for i, (cmd, cmdsize, _) in enumerate(self.cmds):
            if cmdsize % align:
                return "load command %d cmdsize %d" % (i, cmdsize)
        if self.linkedit_end is None:
            return "no __LINKEDIT"
        if not (signature_will_go and signed) and self.linkedit_end != self.size:
            return "__LINKEDIT ends at %d, slice at %d" % (self.linkedit_end, self.size)
        return None


def images(data):
    """Every Mach-O image: (slice cputype, Image)."""
    out = []

    def macho(off, size, member=None):
        if size >= 28 and data[off:off + 4] in (b"\xfe\xed\xfa\xce", b"\xce\xfa\xed\xfe",
                                               b"\xfe\xed\xfa\xcf", b"\xcf\xfa\xed\xfe"):
            out.append(Image(data, off, size, member))

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
                name = data[body:body + n].rstrip(b"\0").decode("latin1")
                body += n
                blen -= n
            macho(body, blen, name)
            p += 60 + msize + (msize & 1)
        return True

    magic = data[:4]
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        is64 = magic == b"\xca\xfe\xba\xbf"
        n = struct.unpack_from(">I", data, 4)[0]
        for i in range(n):
            if is64:
                ct, cs, off, size = struct.unpack_from(">2I2Q", data, 8 + 32 * i)
            else:
                ct, cs, off, size = struct.unpack_from(">4I", data, 8 + 20 * i)
            if not archive(off, size):
                macho(off, size)
    elif not archive(0, len(data)):
        macho(0, len(data))
    return out


def other_platform(imgs):
    """True when the file is for another platform: some image has a version
    command and none is for a platform that runs on a Mac."""
    seen = [p for i in imgs for p in i.platforms]
    return bool(seen) and not any(p in ON_A_MAC for p in seen)


def check_output(src, dst):
    """Problems of one rescued output (empty list: good)."""
    probs = []
    ins, outs = images(src), images(dst)
    if not outs:
        return ["no Mach-O image in the output"]
    for img in outs:
        where = img.arch() + (" (%s)" % img.member if img.member else "")
        if img.cputype not in MODERN:
            probs.append("%s: legacy slice left" % where)
        if any(c[0] == LC_CODE_SIGNATURE for c in img.cmds):
            probs.append("%s: still signed" % where)
        for sdk in img.sdks:
            if sdk < SDK_109:
                probs.append("%s: sdk 0x%x < 10.9" % (where, sdk))
        if img.filetype not in (1, 0xA):  # objects and dSYMs are not signed
            why = img.preflight()
            if why:
                probs.append("%s: preflight: %s" % (where, why))
        # the same image in the input: same cputype/subtype and member
        twins = [i for i in ins if i.cputype == img.cputype and i.cpusubtype == img.cpusubtype
                 and i.member == img.member]
        if len(twins) != 1:
            probs.append("%s: %d matching input images" % (where, len(twins)))
            continue
        tw = twins[0]
        a = {(s[0], s[1]): s for s in tw.file_sections()}
        b = {(s[0], s[1]): s for s in img.file_sections()}
        if set(a) != set(b):
            probs.append("%s: sections differ" % where)
        for k in a.keys() & b.keys():
            sa, sb = a[k], b[k]
            if src[tw.off + sa[2]:tw.off + sa[2] + sa[3]] != dst[img.off + sb[2]:img.off + sb[2] + sb[3]]:
                probs.append("%s: section %s,%s bytes differ" % (where, k[0], k[1]))
    return probs


def main():
    lcpatch, shared, tmp = sys.argv[1:4]
    corpus = os.path.join(shared, "corpus")
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(corpus, "MANIFEST.tsv"))]
    head, rows = rows[0], rows[1:]
    col = {n: i for i, n in enumerate(head)}
    passed = failed = blocked = skipped = with_findings = left_alone = 0
    for r in rows:
        path = os.path.join(corpus, r[col["path"]])
        if r[col["malformed"]] not in ("no", "llvm-rejects"):
            continue
        archs = r[col["archs"]].split(",")
        if not any(a.startswith("x86_64") or a.startswith("arm64") and a != "arm64_32" for a in archs):
            skipped += 1
            continue
        name = os.path.basename(path)
        out = os.path.join(tmp, name + ".out")
        again = os.path.join(tmp, name + ".again")
        p = subprocess.run([lcpatch, "rescue", "-o", out, path], capture_output=True, text=True)
        src = open(path, "rb").read()
        if other_platform(images(src)):
            # built for iOS & co: reported and left alone, nothing to sign
            if p.returncode != 1 or "left alone" not in p.stdout or os.path.exists(out) \
                    or "codesign" in p.stdout:
                print("FAIL %s: not for macOS, but exit %d, output %s: %s" % (
                    name, p.returncode, "written" if os.path.exists(out) else "not written", p.stdout[:200]))
                failed += 1
            else:
                left_alone += 1
                passed += 1
            continue
        if p.returncode == 3 and "blocked" in p.stdout:
            # a refusal: nothing written, and a reason the checker sees too
            reasons = [i.preflight(signature_will_go=True) for i in images(src)
                       if i.cputype in MODERN and i.filetype not in (1, 0xA)]
            if os.path.exists(out) or not any(reasons):
                print("FAIL %s: blocked, but the checker finds no reason (or an output exists)" % name)
                failed += 1
            else:
                blocked += 1
                passed += 1
            continue
        # exit 1: rescued, but the audit reported load path errors (a corpus
        # file loading /usr/local/lib/...): the output must still be right
        findings_only = p.returncode == 1 and "load path error" in p.stdout
        if p.returncode != 0 and not findings_only:
            print("FAIL %s: exit %d: %s" % (name, p.returncode, (p.stderr or p.stdout).strip()[:300]))
            failed += 1
            continue
        dst = open(out, "rb").read()
        probs = check_output(src, dst)
        # only objects (archives, .o) or dSYMs: nothing to sign, no codesign line
        if all(i.filetype in (1, 0xA) for i in images(dst)) and ("codesign --force" in p.stdout
                                                                 or "no next step" not in p.stdout):
            probs.append("objects only, but the report proposes codesign (or gives no reason)")
        q = subprocess.run([lcpatch, "rescue", "-o", again, out], capture_output=True, text=True)
        if q.returncode != p.returncode or ("already rescued" not in q.stdout
                                            and "nothing for rescue to change" not in q.stdout):
            probs.append("second rescue: exit %d, not 'already rescued'" % q.returncode)
        elif open(again, "rb").read() != dst:
            probs.append("second rescue changed the bytes")
        if probs:
            print("FAIL %s: %s" % (name, "; ".join(probs[:5])))
            failed += 1
        else:
            passed += 1
            with_findings += findings_only
        for f in (out, again):
            if os.path.exists(f):
                os.unlink(f)
    print("corpus-rescue: %d files rescued and checked (%d with load path errors reported), %d refused with a "
          "blocker the checker confirms, %d for another platform left alone, %d without an x86_64/arm64 slice "
          "left out (rescue keeps only those)" % (passed - blocked - left_alone, with_findings, blocked, left_alone, skipped))
    print("corpus-rescue: %d passed, %d failed, 0 skipped" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
