#!/usr/bin/env python3
"""Generates hostile variants of the fixtures in tests/binaries.

usage: gen.py OUT_DIR FIXTURE...

For each fixture it walks the structure (fat header and fat_arch entries,
archive member headers, every Mach-O image: header, load commands, lc_str
offsets, segments, linkedit data, build-version tools) and writes one file
per mutation to OUT_DIR, named <fixture>.<n>, plus OUT_DIR/MANIFEST with
one line per case: "<file>\t<what was done>". Every mutation makes the file
malformed by the rules of DESIGN.md, so lcpatch must refuse every case:
  - truncation at every structural boundary (header fields, each load
    command's start, cmd/cmdsize/string offset, fat entries, slice starts,
    archive member headers, the end of the load commands, inside the last
    segment);
  - cmdsize 0, 4, unaligned, past sizeofcmds, 0xffffffff;
  - ncmds +1, 2^31, 2^32-1; sizeofcmds 0, less than the commands, past the
    image, 0xffffffff;
  - every lc_str offset 0, inside the fixed part, at cmdsize, 0xffffffff, and
    the string's NUL overwritten;
  - segment nsects 2^32-1, fileoff/filesize past the image;
  - linkedit data (code signature...) past the image; ntools 2^32-1;
  - nfat_arch 0, +1, 2^32-1; fat slice offsets 0, misaligned, overlapping
    the next slice, past EOF, max; sizes past EOF and overlapping; align 31;
  - archive member size past the end, not decimal, bad terminator, huge
    BSD long-name length.
"""
import os
import struct
import sys

REQ = 0x80000000
# commands with an lc_str at byte 8 (and LC_PREBOUND_DYLIB's second at 16)
STR_CMDS = {0x6, 0x7, 0x8, 0xc, 0xd, 0xe, 0xf, 0x10, 0x12, 0x13, 0x14, 0x15,
            0x18 | REQ, 0x1c | REQ, 0x1f | REQ, 0x20, 0x23 | REQ, 0x27}
LINKEDIT = {0x1d, 0x1e, 0x26, 0x29, 0x2b, 0x2e, 0x33 | REQ, 0x34 | REQ}
MH = {0xfeedface: (False, True), 0xcefaedfe: (False, False),
      0xfeedfacf: (True, True), 0xcffaedfe: (True, False)}


class Gen:
    def __init__(self, out, name, data):
        self.out, self.name, self.data = out, name, data
        self.n = 0
        self.manifest = []
        self.seen = set()

    def emit(self, blob, what):
        blob = bytes(blob)
        if blob == self.data or blob in self.seen:
            return
        self.seen.add(blob)
        self.n += 1
        fn = "%s.%d" % (self.name, self.n)
        with open(os.path.join(self.out, fn), "wb") as f:
            f.write(blob)
        self.manifest.append("%s\t%s" % (fn, what))

    def truncate(self, at, what):
        if 8 <= at < len(self.data):
            self.emit(self.data[:at], "truncated at 0x%x (%s)" % (at, what))

    def put(self, off, fmt, value, what):
        b = bytearray(self.data)
        size = struct.calcsize(fmt)
        if off + size > len(b):
            return
        value &= (1 << (8 * size)) - 1
        struct.pack_into(fmt, b, off, value)
        self.emit(b, "%s at 0x%x = 0x%x" % (what, off, value))

    def fill(self, off, n, byte, what):
        b = bytearray(self.data)
        b[off:off + n] = bytes([byte]) * n
        self.emit(b, what)


def image(g, base, size, label):
    d = g.data
    magic = struct.unpack_from(">I", d, base)[0]
    is64, be = MH[magic]
    e = ">" if be else "<"
    u32, u64 = e + "I", e + "Q"
    hs = 32 if is64 else 28
    ncmds, sizeofcmds = struct.unpack_from(e + "II", d, base + 16)
    for at in (4, 8, 16, 20, hs - 1):
        g.truncate(base + at, "%s: mach header" % label)
    g.put(base + 16, u32, ncmds + 1, "%s: ncmds + 1" % label)
    g.put(base + 16, u32, 0x80000000, "%s: ncmds 2^31" % label)
    g.put(base + 16, u32, 0xffffffff, "%s: ncmds 2^32-1" % label)
    if ncmds:
        g.put(base + 20, u32, 0, "%s: sizeofcmds 0" % label)
    g.put(base + 20, u32, 0xffffffff, "%s: sizeofcmds 4 GiB" % label)
    g.put(base + 20, u32, size, "%s: sizeofcmds past the image" % label)
    pos = base + hs
    end_cmds = pos + sizeofcmds
    used = 0
    ends = []  # file offsets (absolute) where segments / linkedit data end
    for i in range(ncmds):
        cmd, cmdsize = struct.unpack_from(e + "II", d, pos)
        lab = "%s: load command %d (0x%x)" % (label, i, cmd)
        for at in (0, 4, 8, cmdsize // 2):
            g.truncate(pos + at, lab)
        g.put(pos + 4, u32, 0, lab + " cmdsize 0")
        g.put(pos + 4, u32, 4, lab + " cmdsize 4")
        g.put(pos + 4, u32, cmdsize + 2, lab + " cmdsize unaligned")
        g.put(pos + 4, u32, end_cmds - pos + 8, lab + " cmdsize past sizeofcmds")
        g.put(pos + 4, u32, 0xffffffff, lab + " cmdsize 2^32-1")
        if cmd in STR_CMDS and cmdsize >= 12:
            off = struct.unpack_from(u32, d, pos + 8)[0]
            for v in (0, 4, cmdsize, 0xffffffff):
                g.put(pos + 8, u32, v, lab + " lc_str offset %d" % v)
            if off < cmdsize:
                g.fill(pos + off, cmdsize - off, 0x41, lab + " lc_str without NUL")
        if cmd in (0x1, 0x19):
            seg64 = cmd == 0x19
            fixed = 72 if seg64 else 56
            if seg64:
                fileoff, filesize = struct.unpack_from(e + "QQ", d, pos + 40)
                g.put(pos + 40, u64, 0xffffffffffffff00, lab + " segment fileoff max")
                g.put(pos + 48, u64, size + 1, lab + " segment filesize past the image")
            else:
                fileoff, filesize = struct.unpack_from(e + "II", d, pos + 32)
                g.put(pos + 32, u32, 0xffffff00, lab + " segment fileoff max")
                g.put(pos + 36, u32, size + 1, lab + " segment filesize past the image")
            g.put(pos + fixed - 8, u32, 0xffffffff, lab + " nsects 2^32-1")
            if filesize:
                ends.append(base + fileoff + filesize)
        if cmd in LINKEDIT and cmdsize >= 16:
            dataoff, datasize = struct.unpack_from(e + "II", d, pos + 8)
            g.put(pos + 8, u32, size + 1 - min(datasize, size), lab + " dataoff + datasize one past the image")
            g.put(pos + 12, u32, 0xffffffff, lab + " datasize 2^32-1")
            if datasize:
                ends.append(base + dataoff + datasize)
        if cmd == 0x32 and cmdsize >= 24:
            g.put(pos + 20, u32, 0xffffffff, lab + " ntools 2^32-1")
        used += cmdsize
        pos += cmdsize
    if ncmds:
        g.put(base + 20, u32, used - 4, "%s: sizeofcmds shorter than the commands" % label)
    g.truncate(end_cmds - 1, "%s: last byte of the load commands" % label)
    # Inside the furthest segment / linkedit data: the image then claims
    # bytes it does not have.
    if ends:
        far = max(ends)
        g.truncate(far - 1, "%s: inside the last segment" % label)
        g.truncate((end_cmds + far) // 2, "%s: inside the segments" % label)


def archive(g, base, size, label):
    d = g.data
    pos = base + 8
    end = base + size
    k = 0
    while pos + 60 <= end:
        h = d[pos:pos + 60]
        try:
            msize = int(h[48:58].decode().strip())
        except ValueError:
            return
        lab = "%s: member %d" % (label, k)
        g.truncate(pos + 30, lab + " header")
        g.truncate(pos + 60, lab + " data")
        b = bytearray(d)
        b[pos + 48:pos + 58] = b"9999999999"
        g.emit(b, lab + " size past the end")
        b = bytearray(d)
        b[pos + 48:pos + 58] = b"12x4      "
        g.emit(b, lab + " size not decimal")
        b = bytearray(d)
        b[pos + 58:pos + 60] = b"XX"
        g.emit(b, lab + " bad header terminator")
        data = pos + 60
        if h[:3] == b"#1/":
            b = bytearray(d)
            b[pos + 3:pos + 16] = b"99999        "
            g.emit(b, lab + " BSD long name length past the member")
        namelen = 0
        if h[:3] == b"#1/":
            namelen = int(h[3:16].decode().strip())
        if msize - namelen >= 4 and struct.unpack_from(">I", d, data + namelen)[0] in MH:
            image(g, data + namelen, msize - namelen, lab)
        pos = data + msize + (msize & 1)
        k += 1


def container(g, base, size, label):
    d = g.data
    if d[base:base + 8] == b"!<arch>\n":
        archive(g, base, size, label)
    elif size >= 4 and struct.unpack_from(">I", d, base)[0] in MH:
        image(g, base, size, label)


def fat(g):
    d = g.data
    magic, n = struct.unpack_from(">II", d, 0)
    is64 = magic == 0xcafebabf
    es = 32 if is64 else 20
    g.truncate(8 + es * n - 1, "fat_arch table")
    for v in (0, n + 1, 0xffffffff):
        g.put(4, ">I", v, "nfat_arch")
    slices = []
    for i in range(n):
        e = 8 + es * i
        if is64:
            off, size, align = struct.unpack_from(">QQI", d, e + 8)
            ofmt, o_at, s_at, a_at = ">Q", e + 8, e + 16, e + 24
        else:
            off, size, align = struct.unpack_from(">III", d, e + 8)
            ofmt, o_at, s_at, a_at = ">I", e + 8, e + 12, e + 16
        slices.append((off, size))
        lab = "fat_arch %d" % i
        g.truncate(e + 10, lab)
        g.truncate(off + 2, lab + " slice start")
        g.truncate(off + size - 1, lab + " slice end")
        g.put(o_at, ofmt, 0, lab + " offset 0 (over the fat header)")
        g.put(o_at, ofmt, off + 1, lab + " offset misaligned")
        g.put(o_at, ofmt, len(d), lab + " offset at EOF")
        g.put(o_at, ofmt, (1 << (64 if is64 else 32)) - 4096, lab + " offset max")
        g.put(s_at, ofmt, len(d), lab + " size past EOF")
        g.put(s_at, ofmt, (1 << (64 if is64 else 32)) - 1, lab + " size max")
        g.put(a_at, ">I", 31, lab + " align 2^31")
        g.put(a_at, ">I", 0xff, lab + " align 255")
        if i > 0:
            po, ps = slices[i - 1]
            g.put(o_at, ofmt, po, lab + " offset = previous slice (overlap)")
            pe = 8 + es * (i - 1)
            g.put(pe + (16 if is64 else 12), ofmt, ps + (off - po), "fat_arch %d size overlaps the next" % (i - 1))
        container(g, off, size, lab)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    lines = []
    for path in sys.argv[2:]:
        with open(path, "rb") as f:
            data = f.read()
        name = os.path.basename(path)
        g = Gen(out, name, data)
        magic = struct.unpack_from(">I", data, 0)[0] if len(data) >= 4 else 0
        if magic in (0xcafebabe, 0xcafebabf) and len(data) >= 8 and struct.unpack_from(">I", data, 4)[0] < 32:
            fat(g)
        else:
            container(g, 0, len(data), name)
        lines += g.manifest
    with open(os.path.join(out, "MANIFEST"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print(len(lines))


if __name__ == "__main__":
    main()
