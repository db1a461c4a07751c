#!/usr/bin/env python3
"""link-i386.py IN.o OUT: a minimal static "linker" for one i386 Mach-O
object compiled by clang-19 (ld64.lld cannot link i386), enough to make an
MH_EXECUTE as the 10.7-era ld64 laid them out:

  __TEXT: __text, __cstring (at the same distance from __text as in the
          object, so the PIC SECTDIFF displacements clang wrote stay right),
          __symbol_stub (S_SYMBOL_STUBS, 6-byte `jmp *ptr`)
  __DATA: __la_symbol_ptr (S_LAZY_SYMBOL_POINTERS)
  __LINKEDIT: nlist symbols, indirect symbol table, string table
  LC_SYMTAB, LC_DYSYMTAB, LC_LOAD_DYLINKER, LC_UNIXTHREAD,
  LC_VERSION_MIN_MACOSX 10.7, LC_LOAD_DYLIB /usr/lib/libSystem.B.dylib

Only what the dlopen fixture needs: pc-relative calls to undefined external
functions (GENERIC_RELOC_VANILLA, pcrel, extern) are bound to stubs; the
section-difference relocations need no change. Deterministic output."""
import struct
import sys

PAGE = 0x1000
BASE = 0x1000  # __TEXT vmaddr (after __PAGEZERO)


def u32(b, o):
    return struct.unpack_from('<I', b, o)[0]


def main():
    data = open(sys.argv[1], 'rb').read()
    magic, cputype, _, filetype, ncmds, _, _ = struct.unpack_from('<7I', data, 0)
    assert magic == 0xfeedface and cputype == 7 and filetype == 1, 'not an i386 object'
    off = 28
    sects, symtab = {}, None
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<2I', data, off)
        if cmd == 1:  # LC_SEGMENT
            nsects = u32(data, off + 48)
            for k in range(nsects):
                s = off + 56 + 68 * k
                name = data[s:s + 16].rstrip(b'\0').decode()
                addr, ssize, soff, _, reloff, nreloc = struct.unpack_from('<6I', data, s + 32)
                sects[name] = (addr, ssize, soff, reloff, nreloc)
        elif cmd == 2:  # LC_SYMTAB
            symtab = struct.unpack_from('<4I', data, off + 8)
        off += size
    symoff, nsyms, stroff, _ = symtab
    names = []
    for i in range(nsyms):
        strx, ntype, nsect, ndesc, nvalue = struct.unpack_from('<IBBhI', data, symoff + 12 * i)
        names.append((data[stroff + strx:data.index(b'\0', stroff + strx)].decode(), ntype, nvalue))

    taddr, tsize, toff, treloff, tnreloc = sects['__text']
    caddr, csize, coff, _, _ = sects['__cstring']
    text = bytearray(data[toff:toff + tsize])
    cstr = data[coff:coff + csize]

    # undefined externals called pc-relatively
    calls, imports = [], []
    for i in range(tnreloc):
        r_address, info = struct.unpack_from('<2I', data, treloff + 8 * i)
        if r_address & 0x80000000:
            continue  # scattered (SECTDIFF pairs): nothing to do
        symnum, pcrel, length, extern, rtype = info & 0xffffff, (info >> 24) & 1, (info >> 25) & 3, (info >> 27) & 1, info >> 28
        if extern and pcrel and length == 2 and rtype == 0:
            name = names[symnum][0]
            if name not in imports:
                imports.append(name)
            calls.append((r_address, name))
    imports.sort()

    # layout
    hdr_room = 0x400
    text_vm = BASE + hdr_room
    cstr_vm = text_vm + (caddr - taddr)
    stub_vm = (cstr_vm + csize + 15) & ~15
    stub_size = 6 * len(imports)
    text_end = stub_vm + stub_size
    text_segsize = (text_end - BASE + PAGE - 1) & ~(PAGE - 1)
    data_vm = BASE + text_segsize
    la_size = 4 * len(imports)
    data_fileoff = text_segsize
    link_fileoff = data_fileoff + PAGE
    link_vm = data_vm + PAGE

    for r_address, name in calls:
        target = stub_vm + 6 * imports.index(name)
        struct.pack_into('<i', text, r_address, target - (text_vm + r_address + 4))
    stubs = b''.join(b'\xff\x25' + struct.pack('<I', data_vm + 4 * i) for i in range(len(imports)))
    lazy = b''.join(struct.pack('<I', stub_vm + 6 * i) for i in range(len(imports)))  # placeholder targets

    # symbols: _main (defined, section 1), then the imports (undefined, ordinal 1)
    strtab = bytearray(b' \0')
    syms = bytearray()
    main_value = next(v for n, t, v in names if n == '_main')
    for name, ntype, nsect, ndesc, value in [('_main', 0x0f, 1, 0, text_vm + main_value - taddr)] + \
            [(n, 0x01, 0, 0x0100, 0) for n in imports]:
        syms += struct.pack('<IBBhI', len(strtab), ntype, nsect, ndesc, value)
        strtab += name.encode() + b'\0'
    while len(strtab) % 4:
        strtab += b'\0'
    indirect = b''.join(struct.pack('<I', 1 + i) for i in range(len(imports))) * 2
    sym_off = link_fileoff
    ind_off = sym_off + len(syms)
    str_off = ind_off + len(indirect)
    link_size = str_off + len(strtab) - link_fileoff

    def section(sect, seg, addr, size, fileoff, align, flags, r1=0, r2=0):
        return struct.pack('<16s16s9I', sect.encode(), seg.encode(), addr, size, fileoff, align, 0, 0, flags, r1, r2)

    def segment(name, vm, vmsize, fileoff, filesize, prot, sections):
        return struct.pack('<2I16s8I', 1, 56 + 68 * len(sections), name.encode(), vm, vmsize, fileoff, filesize,
                           prot, prot, len(sections), 0) + b''.join(sections)

    cmds = [
        segment('__PAGEZERO', 0, BASE, 0, 0, 0, []),
        segment('__TEXT', BASE, text_segsize, 0, text_segsize, 5, [
            section('__text', '__TEXT', text_vm, tsize, hdr_room, 4, 0x80000400),
            section('__cstring', '__TEXT', cstr_vm, csize, cstr_vm - BASE, 0, 0x2),
            section('__symbol_stub', '__TEXT', stub_vm, stub_size, stub_vm - BASE, 1, 0x80000408, 0, 6),
        ]),
        segment('__DATA', data_vm, PAGE, data_fileoff, PAGE, 3, [
            section('__la_symbol_ptr', '__DATA', data_vm, la_size, data_fileoff, 2, 0x7, len(imports)),
        ]),
        segment('__LINKEDIT', link_vm, PAGE, link_fileoff, link_size, 1, []),
        struct.pack('<6I', 2, 24, sym_off, 1 + len(imports), str_off, len(strtab)),
        struct.pack('<20I', 0xb, 80, 0, 0, 0, 1, 1, len(imports), 0, 0, 0, 0, 0, 0, ind_off,
                    2 * len(imports), 0, 0, 0, 0),
        struct.pack('<3I', 0xe, 28, 12) + b'/usr/lib/dyld'.ljust(16, b'\0'),
        struct.pack('<4I', 0x24, 16, 0x000a0700, 0x000a0700),  # LC_VERSION_MIN_MACOSX 10.7
        struct.pack('<6I', 0xc, 52, 24, 2, 0x04010000, 0x00010000) + b'/usr/lib/libSystem.B.dylib'.ljust(28, b'\0'),
        struct.pack('<4I', 0x5, 80, 1, 16) + struct.pack('<16I', *([0] * 10 + [text_vm + main_value - taddr] + [0] * 5)),
    ]
    body = b''.join(cmds)
    header = struct.pack('<7I', 0xfeedface, 7, 3, 2, len(cmds), len(body), 0x85)
    assert 28 + len(body) <= hdr_room
    out = bytearray(link_fileoff + link_size)
    out[0:28 + len(body)] = header + body
    out[hdr_room:hdr_room + tsize] = text
    out[cstr_vm - BASE:cstr_vm - BASE + csize] = cstr
    out[stub_vm - BASE:stub_vm - BASE + stub_size] = stubs
    out[data_fileoff:data_fileoff + la_size] = lazy
    out[sym_off:sym_off + len(syms)] = syms
    out[ind_off:ind_off + len(indirect)] = indirect
    out[str_off:str_off + len(strtab)] = strtab
    open(sys.argv[2], 'wb').write(out)


main()
