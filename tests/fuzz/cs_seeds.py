#!/usr/bin/env python3
"""Seeds for fuzz_codesign: the LC_CODE_SIGNATURE SuperBlob of every slice
of each Mach-O file given (thin or fat), and each blob of it alone, written
to OUT_DIR. Usage: cs_seeds.py OUT_DIR FILE..."""
import os
import struct
import sys

LC_CODE_SIGNATURE = 0x1D


def images(data):
    magic = data[:4]
    if magic in (b"\xca\xfe\xba\xbe", b"\xca\xfe\xba\xbf"):
        n = struct.unpack(">I", data[4:8])[0]
        wide = magic == b"\xca\xfe\xba\xbf"
        for i in range(min(n, 64)):
            if wide:
                off, size = struct.unpack(">QQ", data[8 + i * 32 + 8 : 8 + i * 32 + 24])
            else:
                off, size = struct.unpack(">II", data[8 + i * 20 + 8 : 8 + i * 20 + 16])
            yield data[off : off + size]
    else:
        yield data


def signature(img):
    if len(img) < 28:
        return None
    m = img[:4]
    if m in (b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        e = "<"
    elif m in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf"):
        e = ">"
    else:
        return None
    ncmds = struct.unpack(e + "I", img[16:20])[0]
    off = 32 if m in (b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf") else 28
    for _ in range(min(ncmds, 4096)):
        if off + 8 > len(img):
            return None
        cmd, size = struct.unpack(e + "II", img[off : off + 8])
        if cmd == LC_CODE_SIGNATURE:
            dataoff, datasize = struct.unpack(e + "II", img[off + 8 : off + 16])
            return img[dataoff : dataoff + datasize]
        if size < 8:
            return None
        off += size
    return None


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for path in sys.argv[2:]:
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        try:
            sigs = [signature(img) for img in images(data)]
        except struct.error:
            continue  # truncated or not Mach-O: no seed
        for k, sig in enumerate(sigs):
            if not sig or len(sig) < 12:
                continue
            base = os.path.join(out, "cs-%s-%d" % (os.path.basename(path), k))
            open(base, "wb").write(sig)
            count = struct.unpack(">I", sig[8:12])[0]
            for i in range(min(count, 32)):
                if 12 + 8 * i + 8 > len(sig):
                    break
                t, o = struct.unpack(">II", sig[12 + 8 * i : 20 + 8 * i])
                if o + 8 <= len(sig):
                    length = struct.unpack(">I", sig[o + 4 : o + 8])[0]
                    open("%s-blob%x" % (base, t), "wb").write(sig[o : o + length])


main()
