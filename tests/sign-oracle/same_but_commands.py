#!/usr/bin/env python3
"""The ld64.lld oracle for an edit that keeps Apple's command order (vtool
appends the new LC_BUILD_VERSION after the others, where ld64.lld puts it
among them): GOT must be ld64.lld's link LINK byte for byte except the load
commands, which must be ld64.lld's in another order (taken from GOT),
and the hashes of the pages they lie
in, which must be those pages' SHA-256 (hashlib, not lcpatch's code).
usage: same_but_commands.py GOT LINK; exit 0 when so, 1 (and why) if not."""
import hashlib
import struct
import sys

got, link = (open(p, "rb").read() for p in sys.argv[1:3])
if len(got) != len(link):
    sys.exit("sizes differ: %d, ld64.lld's %d" % (len(got), len(link)))
ncmds, sizeofcmds = struct.unpack_from("<II", got, 16)
if struct.unpack_from("<II", link, 16) != (ncmds, sizeofcmds):
    sys.exit("ncmds/sizeofcmds differ from ld64.lld's")
end = 32 + sizeofcmds


def commands(d):
    off, out = 32, []
    for _ in range(ncmds):
        size = struct.unpack_from("<I", d, off + 4)[0]
        out.append(d[off:off + size])
        off += size
    return out


if sorted(commands(got)) != sorted(commands(link)):
    sys.exit("the load commands are not ld64.lld's")
sig = next((struct.unpack_from("<II", c, 8) for c in commands(got) if c[:4] == b"\x1d\0\0\0"), None)
if sig is None:
    sys.exit("no LC_CODE_SIGNATURE")
want = bytearray(link)
want[:end] = got[:end]
dataoff = sig[0]
_, cdoff = struct.unpack_from(">II", want, dataoff + 12)
cd = dataoff + cdoff
hashoff, = struct.unpack_from(">I", want, cd + 16)
page = 1 << want[cd + 39]
for i in range((end + page - 1) // page):
    h = hashlib.sha256(want[i * page:min((i + 1) * page, dataoff)]).digest()
    want[cd + hashoff + 32 * i:cd + hashoff + 32 * (i + 1)] = h
if bytes(want) != got:
    first = next(i for i in range(len(got)) if got[i] != want[i])
    sys.exit("differs from ld64.lld's link at offset 0x%x" % first)
