#!/usr/bin/python3
"""Differential test of our TOML subset parser against Python's tomllib.

valid/          both parse, to the same values
invalid/        both refuse
outside-subset/ tomllib accepts, we refuse with FILE:LINE:COL: message
and for every file: we never accept what tomllib refuses, and never give
a different value.
"""
import argparse, json, os, re, subprocess, sys, tomllib

ERROR_RE = re.compile(r"^.+:\d+:\d+: .+$")


def ours(exe, path):
    p = subprocess.run([exe, path], capture_output=True, text=True, timeout=30)
    if p.returncode < 0 or p.returncode > 1:
        return "crash", p.stderr
    if p.returncode == 1:
        return "error", p.stderr
    return "ok", json.loads(p.stdout)


def theirs(path):
    try:
        with open(path, "rb") as f:
            return "ok", tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        return "error", str(e)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--toml-to-json", required=True)
    ap.add_argument("--corpus", required=True)
    a = ap.parse_args()
    failures = checked = 0
    for kind in ("valid", "invalid", "outside-subset"):
        d = os.path.join(a.corpus, kind)
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            checked += 1
            o, ov = ours(a.toml_to_json, path)
            t, tv = theirs(path)
            problem = None
            if o == "crash":
                problem = "our parser crashed: " + ov.strip()
            elif o == "error" and (len(ov.strip().splitlines()) != 1 or not ERROR_RE.match(ov.strip())):
                problem = "error is not one FILE:LINE:COL line: %r" % ov
            elif o == "ok" and t == "error":
                problem = "we accept what tomllib refuses (%s)" % tv
            elif o == "ok" and ov != tv:
                problem = "different values: ours %r, tomllib %r" % (ov, tv)
            elif kind == "valid" and o != "ok":
                problem = "we refuse a valid document: " + ov.strip()
            elif kind == "valid" and t != "ok":
                problem = "corpus error: tomllib refuses a 'valid' document: " + tv
            elif kind == "invalid" and t != "error":
                problem = "corpus error: tomllib accepts an 'invalid' document"
            elif kind == "outside-subset" and t != "ok":
                problem = "corpus error: tomllib refuses an 'outside-subset' document: " + tv
            elif kind == "outside-subset" and o != "error":
                problem = "we accept a document outside the subset"
            if problem:
                failures += 1
                print("FAIL %s/%s: %s" % (kind, name, problem))
    print("%d documents checked, %d failures" % (checked, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
