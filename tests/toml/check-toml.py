#!/usr/bin/python3
"""Differential test of our TOML parser (lib/toml.c) against Python's tomllib.

valid/          both parse, to the same values (and toml-to-json prints
                exactly what json.dumps(..., sort_keys=True) prints)
invalid/        both refuse
beyond-limits/  tomllib accepts, we refuse on purpose (see lib/toml.h:
                integers outside int64, a NUL in a key, nesting deeper than
                TOML_MAX_DEPTH, more than TOML_MAX_TABLE_ENTRIES) with one
                "FILE:LINE:COL: message"
and for every file: we never accept what tomllib refuses, never give a
different value, never crash, and every refusal is one well-formed line
that never repeats the document's secrets (corpus strings holding the
marker SECRET).

tomllib's dates and times are compared as their str() (what toml-to-json
prints for them), floats as values (nan equal to nan, -0.0 not 0.0), and
types strictly (1 is not 1.0 nor true).

--suite DIR also runs the toml-test suite's DIR/valid and DIR/invalid trees
(every *.toml below them) with the same rules; a document of valid/ that
tomllib itself refuses (or of invalid/ that it accepts) is reported and
skipped.  A missing DIR is a note, not a failure (it comes from a Debian
package).

Prints one line per failure and a summary; exits 1 on any failure.
"""
import argparse
import datetime
import json
import math
import os
import re
import subprocess
import sys
import tomllib

KINDS = ("valid", "invalid", "beyond-limits")
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


def normalize(v):
    """tomllib's value with dates and times as their str()."""
    if isinstance(v, dict):
        return {k: normalize(x) for k, x in v.items()}
    if isinstance(v, list):
        return [normalize(x) for x in v]
    if isinstance(v, (datetime.date, datetime.time)):  # datetime is a date
        return str(v)
    return v


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b


def theirs(path):
    try:
        with open(path, "rb") as f:
            return "ok", normalize(tomllib.load(f))
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


def check_file(exe, kind, path, their=None):
    with open(path, "rb") as f:
        nlines = f.read().count(b"\n") + 1
    o, ov = ours(exe, path)
    t, tv = their or theirs(path)

    if o == "crash":
        return "our parser failed: " + ov
    if o == "error":
        problem = check_error_line(path, ov, nlines)
        if problem:
            return problem
    if o == "ok" and t == "error":
        return "we accept what tomllib refuses (%s)" % tv
    if o == "ok" and not same(ov[0], tv):
        return "different values: ours %r, tomllib %r" % (ov[0], tv)
    if o == "ok" and ov[1] != json.dumps(tv, sort_keys=True):
        return "same values, but toml-to-json does not print them as json.dumps does: %r" % ov[1]
    if kind == "valid" and t != "ok":
        return "corpus error: tomllib refuses a 'valid' document: " + tv
    if kind == "valid" and o != "ok":
        return "we refuse a valid document: " + ov.strip()
    if kind == "invalid" and t != "error":
        return "corpus error: tomllib accepts an 'invalid' document"
    if kind == "beyond-limits" and t != "ok":
        return "corpus error: tomllib refuses a 'beyond-limits' document: " + tv
    if kind == "beyond-limits" and o != "error":
        return "we accept a document beyond our limits"
    return None


def run_suite(exe, suite):
    """The toml-test suite: (failures, summary lines)."""
    if not os.path.isdir(suite):
        return 0, ["toml-test: %s not found (package golang-github-burntsushi-toml-dev), suite skipped" % suite]
    failures = 0
    passed = {}
    checked = {}
    skipped = {}
    for kind in ("valid", "invalid"):
        top = os.path.join(suite, kind)
        paths = sorted(os.path.join(d, n) for d, _, names in os.walk(top) for n in names if n.endswith(".toml"))
        passed[kind] = checked[kind] = 0
        skipped[kind] = []
        for path in paths:
            rel = os.path.relpath(path, suite)
            their = theirs(path)
            if (their[0] == "ok") != (kind == "valid"):
                skipped[kind].append(rel)
                continue
            checked[kind] += 1
            problem = check_file(exe, kind, path, their)
            if problem:
                failures += 1
                print("FAIL toml-test %s: %s" % (rel, problem))
            else:
                passed[kind] += 1
        if not paths:
            failures += 1
            print("FAIL toml-test %s/: no documents" % kind)
    lines = ["toml-test: %d of %d valid match tomllib, %d of %d invalid refused" % (
        passed["valid"], checked["valid"], passed["invalid"], checked["invalid"])]
    if skipped["valid"]:
        lines.append("toml-test: %d valid documents that tomllib refuses skipped: %s" % (
            len(skipped["valid"]), " ".join(skipped["valid"])))
    if skipped["invalid"]:
        lines.append("toml-test: %d invalid documents that tomllib accepts skipped: %s" % (
            len(skipped["invalid"]), " ".join(skipped["invalid"])))
    return failures, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--toml-to-json", required=True, help="our toml-to-json executable")
    ap.add_argument("--corpus", required=True, help="directory with valid/, invalid/, beyond-limits/")
    ap.add_argument("--suite", help="toml-test's tests/ directory (with valid/ and invalid/)")
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
    if a.suite:
        suite_failures, lines = run_suite(a.toml_to_json, a.suite)
        failures += suite_failures
        for line in lines:
            print(line)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
