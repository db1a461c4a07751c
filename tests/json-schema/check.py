#!/usr/bin/env python3
"""Validates captured `lcpatch COMMAND --json` outputs against
docs/schema/COMMAND.schema.json (run by tests/json-schema/run.sh).

usage: check.py SCHEMA_DIR CAPTURE_DIR [REJECT_DIR] [-v]

CAPTURE_DIR holds, per lcpatch run, OUT (its standard output) and OUT.meta,
one line: CASE <tab> COMMAND <tab> EXIT_STATUS [<tab> WANT_STATUS <tab>
WANT_FAILURES]. Each run is one check:
  - a usage error (exit 2) with nothing on standard output is not JSON to
    validate: it is neither passed nor failed (listed with -v);
  - otherwise standard output must be one JSON document that the command's
    schema accepts (a command with --json and no schema fails);
  - the document's "failures" must be empty when the exit status is 0 or 1;
  - when the run states WANT_STATUS and WANT_FAILURES (the suite's own
    invocations), the exit status and the number of failures must match.
REJECT_DIR holds COMMAND.WHY.json documents the schemas must refuse (the
outputs of the bugs this suite guards against: old key names, a status that
lies, a missing "failures"): each one the schema accepts is a failure, so a
schema loosened by mistake is caught.
Prints "json-schema: N passed, N failed"; exits 1 when a check failed.
"""
import glob
import json
import os
import sys

import jsonschema


def load_schemas(schema_dir):
    schemas = {}
    for path in sorted(glob.glob(os.path.join(schema_dir, "*.schema.json"))):
        with open(path, encoding="utf-8") as fh:
            schemas[os.path.basename(path)] = json.load(fh)
    return schemas


def make_validator(schemas, name):
    """A validator for schemas[name], of the draft its "$schema" names
    (2020-12 when it names none: a self-contained draft-07 schema such as
    check's is read as draft-07, not as 2020-12), whose relative $refs
    ("common.schema.json#/$defs/...") resolve among the other files: with the
    referencing library (jsonschema >= 4.18) or RefResolver (Debian 12's
    4.10)."""
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    cls.check_schema(schema)
    try:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
    except ImportError:
        # RefResolver needs an absolute base to join "common.schema.json" to.
        base = "file:///lcpatch/docs/schema/"
        store = {base + n: s for n, s in schemas.items()}
        resolver = jsonschema.RefResolver(base_uri=base + name, referrer=schema, store=store)
        return cls(schema, resolver=resolver)
    registry = Registry().with_resources(
        (n, Resource.from_contents(s, default_specification=DRAFT202012)) for n, s in schemas.items())
    return cls(schema, registry=registry)


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    schema_dir, capture_dir = sys.argv[1], sys.argv[2]
    rest = [a for a in sys.argv[3:] if a != "-v"]
    reject_dir = rest[0] if rest else None
    verbose = "-v" in sys.argv[3:]
    schemas = load_schemas(schema_dir)
    validators = {}
    passed = failed = 0
    # Every schema file is a valid schema of the draft it names (a new one,
    # whatever its draft, is checked before any output meets it).
    for name in sorted(schemas):
        try:
            validators[name] = make_validator(schemas, name)
            passed += 1
            if verbose:
                print("ok   %s is a valid schema" % name)
        except jsonschema.exceptions.SchemaError as e:
            failed += 1
            print("FAIL %s is not a valid schema: %s" % (name, e.message[:300]))
    for meta in sorted(glob.glob(os.path.join(capture_dir, "*.meta"))):
        with open(meta, encoding="utf-8") as fh:
            fields = fh.read().rstrip("\n").split("\t")
        case, command, status = fields[0], fields[1], int(fields[2])
        want = fields[3:5] if len(fields) >= 5 else None
        with open(meta[:-len(".meta")], encoding="utf-8", errors="replace") as fh:
            out = fh.read()
        label = "%s (lcpatch %s, exit %d)" % (case, command, status)
        if status == 2 and not out.strip() and want is None:
            if verbose:
                print("skip %s: usage error, no JSON" % label)
            continue
        problems = []
        name = command + ".schema.json"
        if name not in schemas:
            problems.append("no schema %s in %s" % (name, schema_dir))
        else:
            try:
                doc = json.loads(out)
            except ValueError as e:
                doc = None
                problems.append("standard output is not one JSON document (%s): %r" % (e, out[:200]))
            if doc is not None:
                if name not in validators:
                    validators[name] = make_validator(schemas, name)
                for err in sorted(validators[name].iter_errors(doc), key=lambda e: list(e.absolute_path)):
                    where = "/".join(str(p) for p in err.absolute_path) or "(document)"
                    problems.append("%s: %s" % (where, err.message[:300]))
                nfail = len(doc.get("failures", [])) if isinstance(doc, dict) else 0
                if status in (0, 1) and nfail:
                    problems.append("exit %d with %d failures" % (status, nfail))
                if want is not None:
                    if status != int(want[0]):
                        problems.append("exit %d, want %s" % (status, want[0]))
                    if nfail != int(want[1]):
                        problems.append("%d failures, want %s" % (nfail, want[1]))
        if problems:
            failed += 1
            print("FAIL %s" % label)
            for p in problems[:10]:
                print("     %s" % p)
        else:
            passed += 1
            if verbose:
                print("ok   %s" % label)
    for path in sorted(glob.glob(os.path.join(reject_dir, "*.json"))) if reject_dir else []:
        base = os.path.basename(path)
        name = base.split(".")[0] + ".schema.json"
        label = "reject/%s" % base
        if name not in schemas:
            failed += 1
            print("FAIL %s: no schema %s" % (label, name))
            continue
        if name not in validators:
            validators[name] = make_validator(schemas, name)
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
        if validators[name].is_valid(doc):
            failed += 1
            print("FAIL %s: %s accepts it" % (label, name))
        else:
            passed += 1
            if verbose:
                print("ok   %s: refused" % label)
    print("json-schema: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
