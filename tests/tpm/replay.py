#!/usr/bin/python3
"""Replays /run/log/systemd/tpm2-measure.log (JSON-SEQ, systemd's record
format) for one PCR: prints "BANK HEX" per bank, each the value
H(...H(0 || d1) || d2 ...) of the digests its records carry; with
--words, the records' content strings instead, one per line; with --check,
also that each digest is the bank's hash of the record's string."""
import hashlib
import json
import sys

path, pcr = sys.argv[1], int(sys.argv[2])
mode = sys.argv[3] if len(sys.argv) > 3 else ""
data = open(path, "rb").read()
records = [json.loads(r) for r in data.split(b"\x1e") if r.strip()]
banks = {}
for rec in records:
    if rec["pcr"] != pcr:
        continue
    assert rec["content_type"] == "systemd"
    word = rec["content"]["string"]
    if mode == "--words":
        print(word, rec["content"]["eventType"])
        continue
    for d in rec["digests"]:
        alg, digest = d["hashAlg"], bytes.fromhex(d["digest"])
        if mode == "--check":
            assert hashlib.new(alg, word.encode()).digest() == digest, (alg, word)
        v = banks.get(alg, bytes(hashlib.new(alg).digest_size))
        banks[alg] = hashlib.new(alg, v + digest).digest()
if mode != "--words":
    for alg in sorted(banks):
        print(alg, banks[alg].hex())
