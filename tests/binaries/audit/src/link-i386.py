#!/usr/bin/env python3
"""link-i386.py IN.o OUT: a minimal static "linker" for one i386 Mach-O
object compiled by clang-19 (ld64.lld cannot link i386), enough to make an
MH_EXECUTE as the 10.7-era ld64 laid them out:

  __TEXT: __text, __cstring (at the same distance from __text as in the
          object), __symbol_stub (S_SYMBOL_STUBS, 6-byte `jmp *ptr`)
  __DATA: __la_symbol_ptr (S_LAZY_SYMBOL_POINTERS), then, when the object
          has them, __nl_symbol_ptr (its __pointers: S_NON_LAZY_SYMBOL_POINTERS)
          and __cfstring (CFSTR records)
  __LINKEDIT: nlist symbols, indirect symbol table, string table
  LC_SYMTAB, LC_DYSYMTAB, LC_LOAD_DYLINKER, LC_UNIXTHREAD,
  LC_VERSION_MIN_MACOSX 10.7, LC_LOAD_DYLIB of libSystem (and of
  CoreFoundation when the object imports a CF symbol)

Only what the dlopen fixtures need: pc-relative calls to undefined external
functions (GENERIC_RELOC_VANILLA, pcrel, extern) are bound to stubs; the PIC
section differences (GENERIC_RELOC_[LOCAL_]SECTDIFF + PAIR) in __text are
recomputed for the sections' new addresses; in __cfstring, pointers to
__cstring are moved with it and the class reference (an import) is left 0,
as dyld would bind it. Deterministic output."""
import struct
import sys

PAGE = 0x1000
BASE = 0x1000  # __TEXT vmaddr (after __PAGEZERO)
CF = '/System/Library/Frameworks/CoreFoundation.framework/Versions/A/CoreFoundation'


def u32(b, o):
    return struct.unpack_from('<I', b, o)[0]


def main():
    data = open(sys.argv[1], 'rb').read()
    magic, cputype, _, filetype, ncmds, _, _ = struct.unpack_from('<7I', data, 0)
    assert magic == 0xfeedface and cputype == 7 and filetype == 1, 'not an i386 object'
    off = 28
    sects, order, symtab, indirectoff = {}, [], None, 0
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<2I', data, off)
        if cmd == 1:  # LC_SEGMENT
            nsects = u32(data, off + 48)
            for k in range(nsects):
                s = off + 56 + 68 * k
                name = data[s:s + 16].rstrip(b'\0').decode()
                addr, ssize, soff, _, reloff, nreloc, _, r1 = struct.unpack_from('<8I', data, s + 32)
                sects[name] = (addr, ssize, soff, reloff, nreloc, r1)
                order.append(name)
        elif cmd == 2:  # LC_SYMTAB
            symtab = struct.unpack_from('<4I', data, off + 8)
        elif cmd == 0xb:  # LC_DYSYMTAB
            indirectoff = u32(data, off + 56)
        off += size
    symoff, nsyms, stroff, _ = symtab
    names = []
    for i in range(nsyms):
        strx, ntype, nsect, ndesc, nvalue = struct.unpack_from('<IBBhI', data, symoff + 12 * i)
        names.append((data[stroff + strx:data.index(b'\0', stroff + strx)].decode(), ntype, nvalue))

    def contents(name):
        addr, size, soff = sects[name][:3]
        return bytearray(data[soff:soff + size]) if name in sects else bytearray()

    taddr, tsize, toff, treloff, tnreloc, _ = sects['__text']
    caddr, csize = sects['__cstring'][:2]
    text, cstr = contents('__text'), contents('__cstring')
    has_cf = '__cfstring' in sects
    has_nl = '__pointers' in sects
    cfs = contents('__cfstring') if has_cf else bytearray()
    nl_names = []
    if has_nl:
        _, nlsize, _, _, _, r1 = sects['__pointers']
        nl_names = [names[u32(data, indirectoff + 4 * (r1 + k))][0] for k in range(nlsize // 4)]

    # undefined externals called pc-relatively; section differences
    calls, imports, diffs = [], [], []
    i = 0
    while i < tnreloc:
        r_address, info = struct.unpack_from('<2I', data, treloff + 8 * i)
        if r_address & 0x80000000:  # scattered: [LOCAL_]SECTDIFF then PAIR
            rtype = (r_address >> 24) & 0xf
            assert rtype in (2, 4), 'unexpected scattered relocation'
            pair = u32(data, treloff + 8 * (i + 1) + 4)
            diffs.append((r_address & 0xffffff, info, pair))
            i += 2
            continue
        symnum, pcrel, length, extern, rtype = info & 0xffffff, (info >> 24) & 1, (info >> 25) & 3, (info >> 27) & 1, info >> 28
        if extern and pcrel and length == 2 and rtype == 0:
            name = names[symnum][0]
            if name not in imports:
                imports.append(name)
            calls.append((r_address, name))
        i += 1
    imports.sort()
    data_imports = sorted(set(nl_names) - set(imports))
    cf_class = '___CFConstantStringClassReference'
    symbols_imported = imports + data_imports + ([cf_class] if has_cf else [])

    # layout
    hdr_room = 0x800 if has_cf else 0x400  # room for the load commands (CoreFoundation's adds 104 bytes)
    text_vm = BASE + hdr_room
    cstr_vm = text_vm + (caddr - taddr)
    stub_vm = (cstr_vm + csize + 15) & ~15
    stub_size = 6 * len(imports)
    text_end = stub_vm + stub_size
    text_segsize = (text_end - BASE + PAGE - 1) & ~(PAGE - 1)
    data_vm = BASE + text_segsize
    la_size = 4 * len(imports)
    nl_vm = data_vm + la_size
    cfs_vm = (nl_vm + 4 * len(nl_names) + 3) & ~3
    data_end = cfs_vm + len(cfs)
    assert data_end - data_vm <= PAGE
    data_fileoff = text_segsize
    link_fileoff = data_fileoff + PAGE
    link_vm = data_vm + PAGE

    moved = {'__text': text_vm, '__cstring': cstr_vm, '__pointers': nl_vm, '__cfstring': cfs_vm}

    def new_addr(a):
        for name in order:
            addr, size = sects[name][:2]
            if addr <= a < addr + size:
                return moved[name] + (a - addr)
        raise ValueError('address %#x in no section' % a)

    for r_address, name in calls:
        target = stub_vm + 6 * imports.index(name)
        struct.pack_into('<i', text, r_address, target - (text_vm + r_address + 4))
    for r_address, value, pair in diffs:
        old = struct.unpack_from('<i', text, r_address)[0]
        struct.pack_into('<i', text, r_address, old + (new_addr(value) - value) - (new_addr(pair) - pair))
    if has_cf:
        _, _, _, creloff, cnreloc, _ = sects['__cfstring']
        for k in range(cnreloc):
            r_address, info = struct.unpack_from('<2I', data, creloff + 8 * k)
            assert not r_address & 0x80000000
            symnum, extern = info & 0xffffff, (info >> 27) & 1
            if extern:
                assert names[symnum][0] == cf_class
                struct.pack_into('<I', cfs, r_address, 0)  # bound by dyld
            else:
                old = u32(cfs, r_address)
                struct.pack_into('<I', cfs, r_address, new_addr(old))
    stubs = b''.join(b'\xff\x25' + struct.pack('<I', data_vm + 4 * i) for i in range(len(imports)))
    lazy = b''.join(struct.pack('<I', stub_vm + 6 * i) for i in range(len(imports)))  # placeholder targets

    # symbols: _main (defined, section 1), then the imports (undefined; the
    # library ordinal in n_desc: 1 libSystem, 2 CoreFoundation)
    def ordinal(name):
        return 0x0200 if name.startswith(('_CF', '_kCF', '___CF')) else 0x0100
    strtab = bytearray(b' \0')
    syms = bytearray()
    main_value = next(v for n, t, v in names if n == '_main')
    for name, ntype, nsect, ndesc, value in [('_main', 0x0f, 1, 0, text_vm + main_value - taddr)] + \
            [(n, 0x01, 0, ordinal(n), 0) for n in symbols_imported]:
        syms += struct.pack('<IBBhI', len(strtab), ntype, nsect, ndesc, value)
        strtab += name.encode() + b'\0'
    while len(strtab) % 4:
        strtab += b'\0'
    index = {n: 1 + k for k, n in enumerate(symbols_imported)}
    indirect = b''.join(struct.pack('<I', index[n]) for n in imports) * 2 + \
        b''.join(struct.pack('<I', index[n]) for n in nl_names)
    nindirect = len(indirect) // 4
    sym_off = link_fileoff
    ind_off = sym_off + len(syms)
    str_off = ind_off + len(indirect)
    link_size = str_off + len(strtab) - link_fileoff

    def section(sect, seg, addr, size, fileoff, align, flags, r1=0, r2=0):
        return struct.pack('<16s16s9I', sect.encode(), seg.encode(), addr, size, fileoff, align, 0, 0, flags, r1, r2)

    def segment(name, vm, vmsize, fileoff, filesize, prot, sections):
        return struct.pack('<2I16s8I', 1, 56 + 68 * len(sections), name.encode(), vm, vmsize, fileoff, filesize,
                           prot, prot, len(sections), 0) + b''.join(sections)

    def dylib(path):
        name = path.encode().ljust((len(path) + 4) & ~3, b'\0')
        return struct.pack('<6I', 0xc, 24 + len(name), 24, 2, 0x04010000, 0x00010000) + name

    data_sections = [section('__la_symbol_ptr', '__DATA', data_vm, la_size, data_fileoff, 2, 0x7, len(imports))]
    if has_nl:
        data_sections.append(section('__nl_symbol_ptr', '__DATA', nl_vm, 4 * len(nl_names),
                                     data_fileoff + (nl_vm - data_vm), 2, 0x6, 2 * len(imports)))
    if has_cf:
        data_sections.append(section('__cfstring', '__DATA', cfs_vm, len(cfs), data_fileoff + (cfs_vm - data_vm), 2, 0))
    cmds = [
        segment('__PAGEZERO', 0, BASE, 0, 0, 0, []),
        segment('__TEXT', BASE, text_segsize, 0, text_segsize, 5, [
            section('__text', '__TEXT', text_vm, tsize, hdr_room, 4, 0x80000400),
            section('__cstring', '__TEXT', cstr_vm, csize, cstr_vm - BASE, 0, 0x2),
            section('__symbol_stub', '__TEXT', stub_vm, stub_size, stub_vm - BASE, 1, 0x80000408, 0, 6),
        ]),
        segment('__DATA', data_vm, PAGE, data_fileoff, PAGE, 3, data_sections),
        segment('__LINKEDIT', link_vm, PAGE, link_fileoff, link_size, 1, []),
        struct.pack('<6I', 2, 24, sym_off, 1 + len(symbols_imported), str_off, len(strtab)),
        struct.pack('<20I', 0xb, 80, 0, 0, 0, 1, 1, len(symbols_imported), 0, 0, 0, 0, 0, 0, ind_off,
                    nindirect, 0, 0, 0, 0),
        struct.pack('<3I', 0xe, 28, 12) + b'/usr/lib/dyld'.ljust(16, b'\0'),
        struct.pack('<4I', 0x24, 16, 0x000a0700, 0x000a0700),  # LC_VERSION_MIN_MACOSX 10.7
        dylib('/usr/lib/libSystem.B.dylib'),
    ]
    if any(ordinal(n) == 0x0200 for n in symbols_imported):
        cmds.append(dylib(CF))
    cmds.append(struct.pack('<4I', 0x5, 80, 1, 16) + struct.pack('<16I', *([0] * 10 + [text_vm + main_value - taddr] + [0] * 5)))
    body = b''.join(cmds)
    header = struct.pack('<7I', 0xfeedface, 7, 3, 2, len(cmds), len(body), 0x85)
    assert 28 + len(body) <= hdr_room
    out = bytearray(link_fileoff + link_size)
    out[0:28 + len(body)] = header + body
    out[hdr_room:hdr_room + tsize] = text
    out[cstr_vm - BASE:cstr_vm - BASE + csize] = cstr
    out[stub_vm - BASE:stub_vm - BASE + stub_size] = stubs
    out[data_fileoff:data_fileoff + la_size] = lazy
    out[data_fileoff + (cfs_vm - data_vm):data_fileoff + (cfs_vm - data_vm) + len(cfs)] = cfs
    out[sym_off:sym_off + len(syms)] = syms
    out[ind_off:ind_off + len(indirect)] = indirect
    out[str_off:str_off + len(strtab)] = strtab
    open(sys.argv[2], 'wb').write(out)


main()
