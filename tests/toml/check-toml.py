#!/usr/bin/python3
"""Differential test of our TOML subset parser against Python's tomllib.

valid/           both parse, to the same values (and toml-to-json prints
                 exactly what json.dumps(..., sort_keys=True) prints)
invalid/         both refuse
outside-subset/  tomllib accepts, we refuse with one "FILE:LINE:COL: message"
and for every file: we never accept what tomllib refuses, never give a
different value, never crash, and every refusal is one well-formed line
that never repeats the document's secrets (corpus strings holding the
marker SECRET).

Prints one line per failure and a summary; exits 1 on any failure.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tomllib

KINDS = ("valid", "invalid", "outside-subset")
SECRET_MARKER = "SECRET"


def ours(exe, path):
    try:
        p = subprocess.run([exe, path], capture_output=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "crash", "timed out"
    stderr = p.stderr.decode("utf-8", "replace")
    if p.returncode not in (0, 1):
        return "crash", "exit status %d: %s" % (p.returncode, stderr.strip())
    if p.returncode == 1:
        return "error", stderr
    try:
        text = p.stdout.decode("ascii")
        return "ok", (json.loads(text), text.rstrip("\n"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        return "crash", "output is not ASCII JSON: %s" % e


def theirs(path):
    try:
        with open(path, "rb") as f:
            return "ok", tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return "error", str(e)


def check_error_line(path, message, nlines):
    """None when message is one 'PATH:LINE:COL: text' line, else a problem."""
    lines = message.rstrip("\n").split("\n")
    if len(lines) != 1:
        return "error is %d lines, not one: %r" % (len(lines), message)
    m = re.fullmatch(re.escape(path) + r":(\d+):(\d+): (.+)", lines[0])
    if not m:
        return "error is not 'FILE:LINE:COL: message': %r" % lines[0]
    line, col = int(m.group(1)), int(m.group(2))
    if line < 1 or col < 1 or line > nlines:
        return "error position %d:%d outside the document (%d lines)" % (line, col, nlines)
    if SECRET_MARKER in m.group(3):
        return "error message quotes the document: %r" % lines[0]
    return None


def check_file(exe, kind, path):
    with open(path, "rb") as f:
        nlines = f.read().count(b"\n") + 1
    o, ov = ours(exe, path)
    t, tv = theirs(path)

    if o == "crash":
        return "our parser failed: " + ov
    if o == "error":
        problem = check_error_line(path, ov, nlines)
        if problem:
            return problem
    if o == "ok" and t == "error":
        return "we accept what tomllib refuses (%s)" % tv
    if o == "ok" and ov[0] != tv:
        return "different values: ours %r, tomllib %r" % (ov[0], tv)
    if o == "ok" and ov[1] != json.dumps(tv, sort_keys=True):
        return "same values, but toml-to-json does not print them as json.dumps does: %r" % ov[1]
    if kind == "valid" and t != "ok":
        return "corpus error: tomllib refuses a 'valid' document: " + tv
    if kind == "valid" and o != "ok":
        return "we refuse a valid document: " + ov.strip()
    if kind == "invalid" and t != "error":
        return "corpus error: tomllib accepts an 'invalid' document"
    if kind == "outside-subset" and t != "ok":
        return "corpus error: tomllib refuses an 'outside-subset' document: " + tv
    if kind == "outside-subset" and o != "error":
        return "we accept a document outside the subset"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--toml-to-json", required=True, help="our toml-to-json executable")
    ap.add_argument("--corpus", required=True, help="directory with valid/, invalid/, outside-subset/")
    a = ap.parse_args()

    failures = 0
    counts = {}
    for kind in KINDS:
        d = os.path.join(a.corpus, kind)
        names = sorted(n for n in os.listdir(d) if n.endswith(".toml"))
        counts[kind] = len(names)
        if not names:
            failures += 1
            print("FAIL %s/: no documents" % kind)
        for name in names:
            problem = check_file(a.toml_to_json, kind, os.path.join(d, name))
            if problem:
                failures += 1
                print("FAIL %s/%s: %s" % (kind, name, problem))
    print("%d documents checked (%s), %d failures" % (
        sum(counts.values()), ", ".join("%d %s" % (counts[k], k) for k in KINDS), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
