#!/usr/bin/env python3
"""otool-parity: the load paths lcpatch reads (what `audit` resolves)
against what Apple's `otool -L` printed for the same files
(../shared/golden/*/otool-L.out, 92 runs over the corpus).

For every block otool printed (a thin file, a slice `(architecture A)`,
an archive member `name(member.o)`), the image `lcpatch show --json` gives
for it must list the same dylib paths in the same order: the install name
first for a library, then every LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB,
LC_REEXPORT_DYLIB, LC_LOAD_UPWARD_DYLIB and LC_LAZY_LOAD_DYLIB, with the
same compatibility and current versions. A malformed file (named
malformed-* in the corpus) that lcpatch refuses with exit 3 passes: otool
prints what it can read of it, lcpatch refuses such input by design.

Usage: check.py LCPATCH SHARED (from the repository root). Prints
"otool-parity: N passed, N failed"."""
import json
import os
import re
import subprocess
import sys

HEADER = re.compile(r'^(?P<file>.+?)(?:\((?P<member>[^()]*)\))?(?: \(architecture (?P<arch>[^)]+)\))?:$')
ENTRY = re.compile(r'^\t(?P<path>.+) \(compatibility version (?P<compat>[^,]+), current version (?P<cur>[^,)]+)'
                   r'(?:, (?P<flag>[a-z]+))?\)$')


def otool_blocks(text):
    """[(member, arch, [(path, compat, current)])] in otool's order."""
    blocks = []
    for line in text.splitlines():
        if line.startswith('Archive : '):
            continue
        m = ENTRY.match(line)
        if m and blocks:
            blocks[-1][2].append((m['path'], m['compat'], m['cur']))
            continue
        h = HEADER.match(line)
        if h and not line.startswith('\t'):
            blocks.append((h['member'], h['arch'], []))
    return blocks


def ours(image):
    """The install name, then the loads, with their versions."""
    ids = [image['install_name']] if image.get('install_name') else []
    out = []
    for d in ids + (image.get('dylibs') or []):
        out.append((d['name'], d['compatibility_version'], d['current_version']))
    return out


def main():
    lcpatch, shared = sys.argv[1], sys.argv[2]
    golden, files = os.path.join(shared, 'golden'), os.path.join(shared, 'corpus', 'files')
    passed = failed = refused = 0
    for case in sorted(os.listdir(golden)):
        cmd = os.path.join(golden, case, 'otool-L.cmd')
        if not os.path.isfile(cmd):
            continue
        name = open(cmd).read().splitlines()[-1]
        out = open(os.path.join(golden, case, 'otool-L.out')).read() \
            if os.path.exists(os.path.join(golden, case, 'otool-L.out')) else ''
        p = subprocess.run([lcpatch, 'show', '--json', os.path.join(files, name)], capture_output=True, text=True)
        blocks = otool_blocks(out)
        problems = []
        if p.returncode != 0:
            # malformed files: otool prints what it can read, lcpatch refuses
            # them (exit 3 naming the offset), by design
            if any(b[2] for b in blocks):
                if name.startswith('malformed-') and p.returncode == 3:
                    refused += 1
                else:
                    problems.append('lcpatch refuses the file (%s) but otool listed load paths' % p.stderr.strip()[:200])
        else:
            images = json.loads(p.stdout)['files'][0]['images']
            for member, arch, entries in blocks:
                cands = [im for im in images if (im['member'] == member) and (arch is None or im['arch'] == arch)]
                if not cands:
                    problems.append('no image for otool block member=%s arch=%s' % (member, arch))
                    continue
                got = ours(cands[0])
                if got != entries:
                    problems.append('member=%s arch=%s: otool %s, lcpatch %s' % (member, arch, entries, got))
        if problems:
            failed += 1
            print('FAIL otool-parity: %s' % name)
            for pr in problems[:3]:
                print('    ' + pr[:400])
        else:
            passed += 1
    print('otool-parity: %d malformed files otool read in part and lcpatch refuses (exit 3)' % refused)
    print('otool-parity: %d passed, %d failed, 0 skipped' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
