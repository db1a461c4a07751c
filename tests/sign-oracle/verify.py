#!/usr/bin/env python3
"""Independent check of a linker signature (hashlib, not lcpatch's code):
every page hash of the one CodeDirectory of a thin 64-bit little-endian
Mach-O matches the file. usage: verify.py [--identifier] FILE; exit 0
valid, 1 not; --identifier prints the CodeDirectory's identifier."""
import hashlib
import struct
import sys

want_ident = sys.argv[1] == "--identifier"
d = open(sys.argv[-1], "rb").read()
ncmds, sizeofcmds = struct.unpack_from("<II", d, 16)
off, sig = 32, None
for _ in range(ncmds):
    cmd, size = struct.unpack_from("<II", d, off)
    if cmd == 0x1D:
        sig = struct.unpack_from("<II", d, off + 8)
    off += size
if sig is None:
    sys.exit("no LC_CODE_SIGNATURE")
dataoff, datasize = sig
magic, length, count = struct.unpack_from(">III", d, dataoff)
assert magic == 0xFADE0CC0 and length <= datasize and count == 1, "bad SuperBlob"
_, cdoff = struct.unpack_from(">II", d, dataoff + 12)
cd = dataoff + cdoff
(cmagic, _, version, flags, hashoff, _, nspecial, ncode, limit, hsize, htype, _, pshift) = struct.unpack_from(
    ">IIIIIIIIIBBBB", d, cd)
assert cmagic == 0xFADE0C02 and htype == 2 and hsize == 32 and nspecial == 0, "bad CodeDirectory"
if want_ident:
    _, _, _, _, _, identoff = struct.unpack_from(">IIIIII", d, cd)
    print(d[cd + identoff:d.index(b"\0", cd + identoff)].decode())
assert limit == dataoff, "codeLimit %d is not the signature's offset %d" % (limit, dataoff)
page = 1 << pshift
for i in range(ncode):
    want = d[cd + hashoff + 32 * i:cd + hashoff + 32 * (i + 1)]
    if hashlib.sha256(d[i * page:min((i + 1) * page, limit)]).digest() != want:
        sys.exit("page %d (offset 0x%x) does not match its hash" % (i, i * page))
