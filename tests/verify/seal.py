#!/usr/bin/env python3
"""Writes BUNDLE_BASE/_CodeSignature/CodeResources for the files under
BUNDLE_BASE, as codesign does with its default rules (files: SHA-1,
files2: SHA-1 and SHA-256 hashes; .lproj entries optional; nested code by
cdhash, given as NAME=CDHASH_HEX arguments; the main executable and
Info.plist left out). Test helper for tests/verify/run.sh.
Usage: seal.py BUNDLE_BASE MAIN_EXECUTABLE_REL [REL=CDHASH...]"""
import base64
import hashlib
import os
import sys

RULES2 = """\t<key>rules2</key>
\t<dict>
\t\t<key>.*\\.dSYM($|/)</key>
\t\t<dict><key>weight</key><real>11</real></dict>
\t\t<key>^(.*/)?\\.DS_Store$</key>
\t\t<dict><key>omit</key><true/><key>weight</key><real>2000</real></dict>
\t\t<key>^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/</key>
\t\t<dict><key>nested</key><true/><key>weight</key><real>10</real></dict>
\t\t<key>^.*</key>
\t\t<true/>
\t\t<key>^Info\\.plist$</key>
\t\t<dict><key>omit</key><true/><key>weight</key><real>20</real></dict>
\t\t<key>^PkgInfo$</key>
\t\t<dict><key>omit</key><true/><key>weight</key><real>20</real></dict>
\t\t<key>^Resources/</key>
\t\t<dict><key>weight</key><real>20</real></dict>
\t\t<key>^Resources/.*\\.lproj/</key>
\t\t<dict><key>optional</key><true/><key>weight</key><real>1000</real></dict>
\t\t<key>^[^/]+$</key>
\t\t<dict><key>nested</key><true/><key>weight</key><real>10</real></dict>
\t</dict>
"""


def b64(b):
    return base64.b64encode(b).decode()


def main():
    base, main_exe = sys.argv[1], sys.argv[2]
    nested = dict(a.split("=", 1) for a in sys.argv[3:])
    entries = []
    for root, dirs, files in os.walk(base):
        dirs.sort()
        rel_root = os.path.relpath(root, base)
        if rel_root == "_CodeSignature":
            dirs[:] = []
            continue
        for f in sorted(files):
            rel = os.path.normpath(os.path.join(rel_root, f))
            if rel in (main_exe, "Info.plist") or rel.startswith("_CodeSignature/") or f == ".DS_Store":
                continue
            if any(rel == n or rel.startswith(n + "/") for n in nested):
                continue
            entries.append(rel)
    files2 = []
    for rel in sorted(entries + list(nested)):
        if rel in nested:
            files2.append("\t\t<key>%s</key>\n\t\t<dict>\n\t\t\t<key>cdhash</key>\n\t\t\t<data>%s</data>\n"
                          "\t\t\t<key>requirement</key>\n\t\t\t<string>cdhash H\"%s\"</string>\n\t\t</dict>\n"
                          % (rel, b64(bytes.fromhex(nested[rel])), nested[rel]))
            continue
        data = open(os.path.join(base, rel), "rb").read()
        opt = "\t\t\t<key>optional</key>\n\t\t\t<true/>\n" if ".lproj/" in rel else ""
        files2.append("\t\t<key>%s</key>\n\t\t<dict>\n\t\t\t<key>hash</key>\n\t\t\t<data>%s</data>\n"
                      "\t\t\t<key>hash2</key>\n\t\t\t<data>%s</data>\n%s\t\t</dict>\n"
                      % (rel, b64(hashlib.sha1(data).digest()), b64(hashlib.sha256(data).digest()), opt))
    os.makedirs(os.path.join(base, "_CodeSignature"), exist_ok=True)
    with open(os.path.join(base, "_CodeSignature", "CodeResources"), "w") as out:
        out.write('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" '
                  '"http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">\n<dict>\n')
        out.write("\t<key>files</key>\n\t<dict>\n\t</dict>\n\t<key>files2</key>\n\t<dict>\n")
        out.write("".join(files2))
        out.write("\t</dict>\n\t<key>rules</key>\n\t<dict>\n\t\t<key>^.*</key>\n\t\t<true/>\n\t</dict>\n")
        out.write(RULES2)
        out.write("</dict>\n</plist>\n")


main()
