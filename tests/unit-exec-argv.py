#!/usr/bin/python3
"""What systemd runs for an Exec*= line of a unit, for one instance:
prints the argv NUL-separated.  As systemd's config_parse_exec does, the
line is split into words (quotes, escapes) first, then the specifiers of
each word are resolved, and their result is not unescaped again: %i is the
escaped instance, %I its unescaping by `systemd-escape --unescape` (the
same rules as systemd's %I), %p the prefix, %n the unit name, %% a '%'.
An unknown specifier or a missing key is an error.  The last KEY= counts.
Then, as systemd does when it runs the line, ${VAR} in a word is replaced
by the value of VAR: the unit's Environment= assignments (specifiers
expanded, the last one wins), overridden by VAR=VALUE arguments; unset: "".

Usage: unit-exec-argv.py UNIT-FILE KEY INSTANCE [VAR=VALUE...]
"""
import os, shlex, subprocess, sys

import re

unit, key, inst = sys.argv[1:4]
prefix = os.path.basename(unit).split("@", 1)[0]
suffix = os.path.basename(unit).rsplit(".", 1)[1]
lines = [l.split("=", 1)[1] for l in open(unit).read().splitlines() if l.startswith(key + "=")]
lines = [l for l in lines if l]  # "KEY=" alone resets the list
if not lines:
    sys.exit("%s: no %s=" % (unit, key))
unescaped = subprocess.run(["systemd-escape", "--unescape", inst], capture_output=True, text=True, check=True).stdout.strip()
spec = {"i": inst, "I": unescaped, "%": "%", "p": prefix, "n": "%s@%s.%s" % (prefix, inst, suffix)}


def expand(word):
    out, i = "", 0
    while i < len(word):
        if word[i] == "%":
            out += spec[word[i + 1]]
            i += 2
        else:
            out += word[i]
            i += 1
    return out


env = {}
for line in open(unit).read().splitlines():
    if line.startswith("Environment="):
        for assignment in shlex.split(line.split("=", 1)[1]):
            name, _, value = assignment.partition("=")
            env[name] = expand(value)
for assignment in sys.argv[4:]:
    name, _, value = assignment.partition("=")
    env[name] = value


def substitute(word):
    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word)


sys.stdout.write("\0".join(substitute(expand(w)) for w in shlex.split(lines[-1])) + "\0")
