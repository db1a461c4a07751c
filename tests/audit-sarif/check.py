#!/usr/bin/env python3
"""audit-sarif: `lcpatch audit --sarif` against the SARIF 2.1.0 JSON schema
(sarif-schema-2.1.0.json, OASIS; the copy shipped in Microsoft's
@microsoft/sarif-multitool-linux 5.7.0 npm package, MIT), and against
`lcpatch audit --json` of the same run: one result per finding, with its
rule, level, file and architecture, and one error notification per file
that could not be read.

Usage: check.py LCPATCH (run from the repository root). Prints
"audit-sarif: N passed, N failed"; exits 1 on a failure."""
import json
import os
import subprocess
import sys

import jsonschema

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = 'tests/binaries'
CASES = [  # arguments after `audit`, and how many files cannot be read
    (['--dlopen', BIN + '/audit/Demo.app'], 0),
    ([BIN + '/audit/Bin.app'], 0),
    (['--dlopen', '--sysroot', BIN + '/audit/sysroot', BIN + '/audit/cfbundle-arm64', BIN + '/audit/dlopen-i386'], 0),
    ([BIN + '/hello-x86_64'], 0),  # clean: no result
    ([BIN], 1),                    # truncated.dylib cannot be read
    # the same file given directly is reported the same way (issue 12, 2.2)
    ([BIN + '/truncated.dylib'], 1),
    ([BIN + '/hello-x86_64', BIN + '/truncated.dylib', BIN + '/no-such-file'], 2),
]


def run(lcpatch, fmt, args):
    p = subprocess.run([lcpatch, 'audit', fmt] + args, capture_output=True, text=True)
    return p.returncode, json.loads(p.stdout)


def problems(lcpatch, validator, args, nfailures):
    rc_s, sarif = run(lcpatch, '--sarif', args)
    rc_j, report = run(lcpatch, '--json', args)
    out = ['schema: %s at %s' % (e.message[:200], '/'.join(map(str, e.absolute_path)))
           for e in validator.iter_errors(sarif)]
    if rc_s != rc_j:
        out.append('exit status %d with --sarif, %d with --json' % (rc_s, rc_j))
    if len(report['failures']) != nfailures:
        out.append('%d failures in --json, want %d' % (len(report['failures']), nfailures))
    if nfailures and rc_j != 3:
        out.append('exit status %d with unreadable files, want 3' % rc_j)
    run0 = sarif['runs'][0]
    rules = [r['id'] for r in run0['tool']['driver']['rules']]
    results, findings = run0['results'], report['findings']
    if len(results) != len(findings):
        out.append('%d results for %d findings' % (len(results), len(findings)))
    for res, f in zip(results, findings):
        uri = res['locations'][0]['physicalLocation']['artifactLocation']['uri']
        want_uri = f['file'] if f['root'] == f['file'] else f['root'].rstrip('/') + '/' + f['file']
        got = (res['ruleId'], rules[res['ruleIndex']], res['level'], uri, res['locations'][0]['logicalLocations'][0]['name'],
               res['properties']['path'])
        want = (f['kind'], f['kind'], f['severity'], want_uri, f['arch'], f['path'])
        if got != want:
            out.append('result %s is not finding %s' % (got, want))
    inv = run0['invocations'][0]
    notes = inv['toolExecutionNotifications']
    if inv['executionSuccessful'] != (not report['failures']) or len(notes) != len(report['failures']):
        out.append('%d notifications (successful: %s) for %d failures' %
                   (len(notes), inv['executionSuccessful'], len(report['failures'])))
    for n, f in zip(notes, report['failures']):
        # the text names the file offset, which --json gives as a number
        text = f['message'] + ('' if f['offset'] is None else ' (file offset 0x%x)' % f['offset'])
        if n['message']['text'] != text or n['properties']['status'] != f['status'] or \
                n['properties']['offset'] != f['offset']:
            out.append('notification %s is not failure %s' % (n, f))
    return out


def main():
    lcpatch = sys.argv[1]
    with open(os.path.join(HERE, 'sarif-schema-2.1.0.json')) as fp:
        schema = json.load(fp)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    passed = failed = 0
    for args, nfailures in CASES:
        errs = problems(lcpatch, validator, args, nfailures)
        if errs:
            failed += 1
            print('FAIL audit-sarif: audit %s' % ' '.join(args))
            for e in errs[:10]:
                print('    ' + e)
        else:
            passed += 1
    print('audit-sarif: %d passed, %d failed, 0 skipped' % (passed, failed))
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
