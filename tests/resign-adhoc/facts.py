#!/usr/bin/env python3
"""Helpers for tests/resign-adhoc/run.sh.

facts LCPATCH FILE: per image, the signature facts an edit must keep (from
`lcpatch show --json`): kind, identifier, flags, runtime version, hash
types, requirements, XML entitlements, DER entitlement keys, and the
Info.plist (1) and resource-seal (3) slot hashes of every CodeDirectory.

runtime LCPATCH FILE: the runtime version of each CodeDirectory.

diff LCPATCH A B: exit 0 when A and B have the same size and differ only
inside the runtime-version field (4 bytes at 0x58) of B's CodeDirectories;
prints how many bytes differ and how many of them lie outside."""
import json
import subprocess
import sys


def show(lcpatch, path):
    out = subprocess.run([lcpatch, "show", "--json", path], check=True, capture_output=True).stdout
    return json.loads(out)["files"][0]["images"]


def facts(lcpatch, path):
    for img in show(lcpatch, path):
        s = img.get("signature") or {}
        print("kind=%s" % s.get("kind"))
        for cd in s.get("code_directories", []):
            slots = cd.get("special_slot_hashes") or {}
            print("cd=%s ident=%s flags=0x%x runtime=%s slot1=%s slot3=%s" % (
                cd["hash"], cd["identifier"], cd["flags"], cd.get("runtime"), slots.get("1"), slots.get("3")))
        print("requirements=%s" % json.dumps(s.get("requirements"), sort_keys=True))
        print("entitlements=%s" % json.dumps((s.get("entitlements") or {}).get("xml")))
        print("der=%s" % ",".join((s.get("der_entitlements") or {}).get("keys", [])))


def runtime(lcpatch, path):
    for img in show(lcpatch, path):
        for cd in (img.get("signature") or {}).get("code_directories", []):
            print(cd.get("runtime"))


def diff(lcpatch, a_path, b_path):
    a, b = open(a_path, "rb").read(), open(b_path, "rb").read()
    if len(a) != len(b):
        print("sizes differ: %d vs %d" % (len(a), len(b)))
        return 1
    allowed = set()
    for img in show(lcpatch, b_path):
        s = img.get("signature") or {}
        for blob in s.get("blobs", []):
            if blob["type"] == 0 or 0x1000 <= blob["type"] < 0x1005:
                at = s["file_offset"] + blob["offset"] + 0x58
                allowed.update(range(at, at + 4))
    d = [i for i in range(len(a)) if a[i] != b[i]]
    outside = [i for i in d if i not in allowed]
    print("%d bytes differ, %d outside the runtime fields" % (len(d), len(outside)))
    return 1 if outside else 0


if __name__ == "__main__":
    if sys.argv[1] == "facts":
        facts(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "runtime":
        runtime(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "diff":
        sys.exit(diff(sys.argv[2], sys.argv[3], sys.argv[4]))
