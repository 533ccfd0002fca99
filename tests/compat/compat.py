#!/usr/bin/python3
"""Compatibility vectors made independently of our C code.

The Python side implements the Citadel formats from DESIGN.md with PyNaCl
(ed25519, scrypt, secretbox), `mkfs.ext4 -d` and `veritysetup format`, and
checks both directions: realmfsctl reads what Python made, Python (PyNaCl,
tomllib, veritysetup, debugfs) reads what realmfsctl made.

One line per check, "ok: ..." or "FAIL: ...", then a summary.
Exit 0 all ok, 1 a check failed, 77 (skip) when PyNaCl, veritysetup or
mkfs.ext4/debugfs are missing, or when not root (realmfsctl verify needs a
loop device; a package build may run as a user).
"""
import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

try:
    import nacl.exceptions
    import nacl.pwhash
    import nacl.secret
    import nacl.signing
    import nacl.utils
except ImportError:
    print("skip: python3-nacl missing")
    sys.exit(77)

OPSLIMIT, MEMLIMIT = 524288, 16777216
BLOCK = 4096
FLAG_HASH_TREE = 0x02
STATUS_NEW = 1
TIMEOUT = 60
# Metainfo key order as Citadel-style writers emit it (DESIGN.md).
KEY_ORDER = ["image-type", "realmfs-name", "realmfs-owner", "channel", "version", "timestamp",
             "nblocks", "shasum", "verity-salt", "verity-root"]
HEX64 = re.compile(r"[0-9a-f]{64}")
# struct verity_sb: signature 8, version 4, hash_type 4, uuid 16, algorithm 32,
# data_block_size 4, hash_block_size 4, data_blocks 8, salt_size 2, pad 6, salt 256
SB_SALT_OFFSET = 88

passed = 0
failures = 0


def one_line(s):
    if isinstance(s, bytes):
        s = s.decode(errors="replace")
    return " | ".join(l for l in str(s).strip().splitlines() if l.strip())[:400]


def check(cond, what, detail=""):
    global passed, failures
    if cond:
        passed += 1
        print("ok: " + what, flush=True)
    else:
        failures += 1
        d = one_line(detail)
        print("FAIL: %s%s" % (what, (" -- " + d) if d else ""), flush=True)
    return bool(cond)


def run(*args, input=None):
    try:
        return subprocess.run([str(a) for a in args], capture_output=True, timeout=TIMEOUT, input=input)
    except subprocess.TimeoutExpired:
        return subprocess.CompletedProcess(args, -1, b"", b"timed out after %d s" % TIMEOUT)
    except OSError as e:
        return subprocess.CompletedProcess(args, -1, b"", str(e).encode())


def rc_detail(p):
    return "exit %s, stdout %r, stderr %s" % (p.returncode, p.stdout[:200], one_line(p.stderr))


def exactly_one_line(b):
    return b.endswith(b"\n") and b.count(b"\n") == 1 and len(b.strip()) > 0


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


# ---- the formats, written from DESIGN.md ----

def keyring_encrypt(seed, passphrase):
    salt = nacl.utils.random(32)
    nonce = nacl.utils.random(24)
    key = nacl.pwhash.scrypt.kdf(32, passphrase, salt, opslimit=OPSLIMIT, memlimit=MEMLIMIT)
    plain = b'[keypairs]\nrealmfs-user = "%s"\n' % seed.hex().encode()
    box = nacl.secret.SecretBox(key).encrypt(plain, nonce)  # nonce || mac || ciphertext
    assert bytes(box[:24]) == nonce
    return salt + bytes(box)


def keyring_plaintext(data, passphrase):
    """Decrypts a keyring file; raises nacl.exceptions.CryptoError on a wrong passphrase."""
    salt, nonce, ct = data[:32], data[32:56], data[56:]
    key = nacl.pwhash.scrypt.kdf(32, passphrase, salt, opslimit=OPSLIMIT, memlimit=MEMLIMIT)
    return nacl.secret.SecretBox(key).decrypt(ct, nonce)


def keyring_seed(data, passphrase):
    doc = tomllib.loads(keyring_plaintext(data, passphrase).decode())
    return bytes.fromhex(doc["keypairs"]["realmfs-user"])


def public_key(seed):
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def make_header(metainfo, seed, status=STATUS_NEW, flags=FLAG_HASH_TREE):
    assert 0 < len(metainfo) <= 4024
    sig = nacl.signing.SigningKey(seed).sign(metainfo).signature if seed else bytes(64)
    h = b"SGOS" + bytes([status, flags]) + len(metainfo).to_bytes(2, "big") + metainfo + sig
    return h + bytes(BLOCK - len(h))


def parse_header(h):
    if len(h) < BLOCK or h[:4] != b"SGOS":
        raise ValueError("bad magic or short header")
    n = int.from_bytes(h[6:8], "big")
    if not 0 < n <= 4024:
        raise ValueError("metainfo length %d" % n)
    return h[4], h[5], h[8:8 + n], h[8 + n:8 + n + 64], h[8 + n + 64:BLOCK]


def toml_value(v):
    return str(v) if isinstance(v, int) else '"%s"' % v


def metainfo_text(pairs):
    """One `key = value` per line, in the order given (a list of (key, value))."""
    return "".join("%s = %s\n" % (k, toml_value(v)) for k, v in pairs).encode()


def mkfs(body, src, nblocks):
    with open(body, "wb") as f:
        f.truncate(nblocks * BLOCK)
    p = run("mkfs.ext4", "-q", "-F", "-d", src, "-b", "4096", body, nblocks)
    if p.returncode != 0:
        raise RuntimeError("mkfs.ext4: " + one_line(p.stderr))


def verity_format(body, nblocks, salt, uuid=None):
    args = ["veritysetup", "format", "--hash-offset=%d" % (nblocks * BLOCK), "--data-blocks=%d" % nblocks,
            "--salt=" + salt, "--hash=sha256", "--data-block-size=4096", "--hash-block-size=4096", "--format=1"]
    if uuid:
        args.append("--uuid=" + uuid)
    p = run(*args, body, body)
    m = re.search(rb"Root hash:\s*([0-9a-f]{64})", p.stdout)
    if p.returncode != 0 or not m:
        raise RuntimeError("veritysetup format: " + rc_detail(p))
    return m.group(1).decode()


def make_image(outdir, name, seed, src, nblocks=1024, owner=True, extra=(), minimal=False):
    """Builds outdir/NAME-realmfs.img the way DESIGN.md describes it; returns (path, metainfo bytes)."""
    body = os.path.join(outdir, name + ".body")
    mkfs(body, src, nblocks)
    with open(body, "rb") as f:
        shasum = hashlib.sha256(f.read(nblocks * BLOCK)).hexdigest()
    salt = os.urandom(32).hex()
    root = verity_format(body, nblocks, salt)
    if minimal:
        # What Citadel's own `seal` writes (libcitadel generate_sealed_metainfo).
        pairs = [("image-type", "realmfs"), ("realmfs-name", name), ("nblocks", nblocks),
                 ("channel", "realmfs-user"), ("verity-salt", salt), ("verity-root", root)]
    else:
        pairs = [("image-type", "realmfs"), ("realmfs-name", name)]
        if owner:
            pairs.append(("realmfs-owner", name))
        pairs += [("channel", "realmfs-user"), ("version", 1), ("timestamp", str(int(time.time()))),
                  ("nblocks", nblocks), ("shasum", shasum), ("verity-salt", salt), ("verity-root", root)]
    pairs += list(extra)
    meta = metainfo_text(pairs)
    img = os.path.join(outdir, name + "-realmfs.img")
    with open(img, "wb") as out:
        out.write(make_header(meta, seed))
        out.write(read(body))
    os.unlink(body)
    return img, meta


def make_citadel_built_image(outdir, name, seed, src, channel, nblocks=1024):
    """What Citadel's image builder writes (citadel-tool mkimage build.rs):
    the data padded to 4096, `veritysetup format DATA HASHFILE` (its own
    defaults, random salt, the tree in a separate file that is not kept),
    then header (status 0, flags 0: no hash tree) and data, nothing after;
    metainfo in the builder's order.  Returns (path, metainfo dict)."""
    body = os.path.join(outdir, name + ".data")
    hashfile = os.path.join(outdir, name + ".verity")
    mkfs(body, src, nblocks)
    with open(body, "rb") as f:
        shasum = hashlib.sha256(f.read()).hexdigest()
    p = run("veritysetup", "format", body, hashfile)
    out = p.stdout.decode(errors="replace")
    root = re.search(r"Root hash:\s*([0-9a-f]{64})", out)
    salt = re.search(r"Salt:\s*([0-9a-f]{64})", out)
    if p.returncode != 0 or not root or not salt:
        raise RuntimeError("veritysetup format: " + rc_detail(p))
    os.unlink(hashfile)
    pairs = [("image-type", "realmfs"), ("realmfs-name", name), ("channel", channel), ("version", 1),
             ("timestamp", time.strftime("%Y%m%d%H%M")), ("nblocks", nblocks), ("shasum", shasum),
             ("verity-salt", salt.group(1)), ("verity-root", root.group(1))]
    meta = metainfo_text(pairs)
    img = os.path.join(outdir, name + "-realmfs.img")
    with open(img, "wb") as f:
        f.write(make_header(meta, seed, status=0, flags=0))
        f.write(read(body))
    os.unlink(body)
    return img, dict(pairs)


def python_verify(img, pks, work):
    """Independent verification of an image; returns (problems, metainfo dict, body path)."""
    raw = read(img)
    problems = []
    try:
        status, flags, meta, sig, pad = parse_header(raw[:BLOCK])
    except ValueError as e:
        return ["header: %s" % e], {}, None
    if any(pad):
        problems.append("header padding not zero")
    if not any(sig):
        problems.append("unsigned")
    good = False
    for pk in pks:
        try:
            nacl.signing.VerifyKey(pk).verify(meta, sig)
            good = True
        except nacl.exceptions.BadSignatureError:
            pass
    if not good:
        problems.append("signature does not verify")
    try:
        m = tomllib.loads(meta.decode())
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return problems + ["metainfo TOML: %s" % e], {}, None
    base = os.path.basename(img)
    name = base[:-len("-realmfs.img")] if base.endswith("-realmfs.img") else None
    if m.get("realmfs-name") != name:
        problems.append("realmfs-name %r != file name %r" % (m.get("realmfs-name"), name))
    if m.get("image-type") != "realmfs":
        problems.append("image-type %r" % m.get("image-type"))
    n = m.get("nblocks")
    if type(n) is not int or n <= 0:
        return problems + ["nblocks %r" % n], m, None
    if len(raw) < BLOCK + n * BLOCK + BLOCK:
        return problems + ["image too short for nblocks and a hash area"], m, None
    if "shasum" in m and hashlib.sha256(raw[BLOCK:BLOCK + n * BLOCK]).hexdigest() != m["shasum"]:
        problems.append("shasum")
    for k in ("verity-salt", "verity-root"):
        if not isinstance(m.get(k), str) or not HEX64.fullmatch(m[k]):
            return problems + ["%s %r" % (k, m.get(k))], m, None
    body = os.path.join(work, "verify-%s.body" % base)
    write(body, raw[BLOCK:])
    p = run("veritysetup", "verify", "--hash-offset=%d" % (n * BLOCK), "--data-blocks=%d" % n,
            body, body, m["verity-root"])
    if p.returncode != 0:
        problems.append("veritysetup verify: " + rc_detail(p))
    p = run("veritysetup", "dump", "--hash-offset=%d" % (n * BLOCK), body)
    dump = p.stdout.decode(errors="replace")
    want = {"Hash type": "1", "Data blocks": str(n), "Data block size": "4096", "Hash block size": "4096",
            "Hash algorithm": "sha256", "Salt": m["verity-salt"]}
    got = dict((k.strip(), v.strip()) for k, _, v in (l.partition(":") for l in dump.splitlines()))
    for k, v in want.items():
        if got.get(k) != v:
            problems.append("superblock %s: %r, expected %r" % (k, got.get(k), v))
    return problems, m, body


def flip(src, dst, off):
    shutil.copy(src, dst)
    with open(dst, "r+b") as f:
        f.seek(off)
        b = f.read(1)
        f.seek(off)
        f.write(bytes([b[0] ^ 0x01]))


def debugfs(body, request):
    return run("debugfs", "-R", request, body)


# ---- the checks ----

class Ctx:
    pass


def section_setup(c):
    w = c.work
    c.pw = b"compat passphrase"
    c.pwfile = os.path.join(w, "pass")
    write(c.pwfile, c.pw + b"\n")
    c.wrongfile = os.path.join(w, "wrong")
    write(c.wrongfile, b"nope\n")
    c.seed = os.urandom(32)
    c.pk = public_key(c.seed)
    c.kr = os.path.join(w, "py-keyring")
    write(c.kr, keyring_encrypt(c.seed, c.pw))
    c.src = os.path.join(w, "src")
    os.makedirs(os.path.join(c.src, "etc"))
    write(os.path.join(c.src, "etc", "motd"), b"made by python\n")
    write(os.path.join(c.src, "blob"), os.urandom(200000))
    write(os.path.join(c.src, "hello.txt"), b"hello realm\n")
    os.symlink("etc/motd", os.path.join(c.src, "motd-link"))


def section_a(c):
    ctl = c.ctl
    p = run(ctl, "keyring", "show-public", "--keyring", c.kr, "--passphrase-file", c.pwfile)
    check(p.returncode == 0 and p.stdout == (c.pk.hex() + "\n").encode(),
          "A: show-public of a PyNaCl keyring prints its ed25519 public key", rc_detail(p))
    p = run(ctl, "keyring", "show-public", "--keyring", c.kr, "--passphrase-file", c.wrongfile)
    check(p.returncode == 1 and p.stdout == b"", "A: wrong passphrase: exit 1, nothing on stdout", rc_detail(p))
    # Passphrase file = content minus ONE trailing newline: "x\n\n" means "x\n".
    kr = os.path.join(c.work, "py-keyring-nl")
    write(kr, keyring_encrypt(c.seed, b"ends in newline\n"))
    f2, f1 = os.path.join(c.work, "pass-nl2"), os.path.join(c.work, "pass-nl1")
    write(f2, b"ends in newline\n\n")
    write(f1, b"ends in newline\n")
    p2 = run(ctl, "keyring", "show-public", "--keyring", kr, "--passphrase-file", f2)
    p1 = run(ctl, "keyring", "show-public", "--keyring", kr, "--passphrase-file", f1)
    check(p2.returncode == 0 and p2.stdout == (c.pk.hex() + "\n").encode() and p1.returncode == 1,
          "A: passphrase file loses exactly one trailing newline",
          "two newlines: %s; one newline: %s" % (rc_detail(p2), rc_detail(p1)))


def section_b(c):
    ctl = c.ctl
    d = os.path.join(c.work, "kr-dir")
    os.makedirs(d)
    kr2 = os.path.join(d, "keyring")
    p = run(ctl, "keyring", "init", "--keyring", kr2, "--passphrase-file", c.pwfile)
    if not check(p.returncode == 0 and os.path.isfile(kr2), "B: keyring init", rc_detail(p)):
        return
    data = read(kr2)
    try:
        plain = keyring_plaintext(data, c.pw)
        doc = tomllib.loads(plain.decode())
        hexseed = doc["keypairs"]["realmfs-user"]
        ok = (isinstance(hexseed, str) and HEX64.fullmatch(hexseed) is not None
              and len(data) == 32 + 24 + 16 + len(plain))
        detail = "plaintext %r, file %d bytes" % (plain.decode(errors="replace")[:20] + "...", len(data))
    except (nacl.exceptions.CryptoError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError) as e:
        ok, detail, hexseed = False, repr(e), None
    if not check(ok, "B: PyNaCl decrypts our keyring; TOML [keypairs] realmfs-user is 64 lowercase hex", detail):
        return
    seed2 = bytes.fromhex(hexseed)
    p = run(ctl, "keyring", "show-public", "--keyring", kr2, "--passphrase-file", c.pwfile)
    check(p.returncode == 0 and p.stdout == (public_key(seed2).hex() + "\n").encode(),
          "B: public key derived by PyNaCl equals show-public", rc_detail(p))
    mode = os.stat(kr2).st_mode & 0o777
    check(mode == 0o600, "B: keyring file mode 0600", "mode %o" % mode)
    p = run(ctl, "keyring", "init", "--keyring", kr2, "--passphrase-file", c.wrongfile)
    check(p.returncode == 1 and read(kr2) == data, "B: init refuses to overwrite an existing keyring (exit 1)",
          rc_detail(p))
    newfile = os.path.join(c.work, "new")
    write(newfile, b"second passphrase")
    p = run(ctl, "keyring", "passwd", "--keyring", kr2, "--passphrase-file", c.pwfile,
            "--new-passphrase-file", newfile)
    data2 = read(kr2)
    try:
        newseed = keyring_seed(data2, b"second passphrase")
    except Exception as e:  # noqa: BLE001 - reported as a failure
        newseed = repr(e)
    try:
        keyring_plaintext(data2, c.pw)
        oldfails = False
    except nacl.exceptions.CryptoError:
        oldfails = True
    check(p.returncode == 0 and newseed == seed2 and oldfails,
          "B: passwd: PyNaCl decrypts with the new passphrase, same seed; old passphrase fails",
          "%s; seed same %s; old fails %s" % (rc_detail(p), newseed == seed2, oldfails))
    mode = os.stat(kr2).st_mode & 0o777
    left = sorted(os.listdir(d))
    check(mode == 0o600 and left == ["keyring"], "B: after passwd: mode 0600, no temporary files left",
          "mode %o, directory %s" % (mode, left))


def section_self(c):
    """The Python verifier must accept the Python image and reject a tampered one."""
    imgdir = os.path.join(c.work, "pyimg")
    os.makedirs(imgdir)
    c.img, c.meta = make_image(imgdir, "pyimage", c.seed, c.src)
    c.m = tomllib.loads(c.meta.decode())
    problems, _, body = python_verify(c.img, [c.pk], c.work)
    p = debugfs(body, "cat /hello.txt") if body else None
    check(not problems and p and p.stdout == b"hello realm\n",
          "self: Python verifier accepts the Python-made image (signature, shasum, veritysetup verify, superblock)",
          "; ".join(problems))
    d = os.path.join(c.work, "self-flip")
    os.makedirs(d)
    bad = os.path.join(d, "pyimage-realmfs.img")
    flip(c.img, bad, BLOCK + 5 * BLOCK + 17)
    problems, _, _ = python_verify(bad, [c.pk], c.work)
    check(any(x.startswith("veritysetup verify") for x in problems) and any(x == "shasum" for x in problems),
          "self: Python verifier rejects a flipped data byte", "; ".join(problems))


def section_c(c):
    ctl, img, pk, meta, m = c.ctl, c.img, c.pk, c.meta, c.m
    n = m["nblocks"]
    p = run(ctl, "inspect", "--json", img)
    try:
        j = json.loads(p.stdout)
        jm = j["metainfo"]
        diffs = [k for k in set(jm) | set(m)
                 if k not in jm or k not in m or jm[k] != m[k] or type(jm[k]) is not type(m[k])]
        ok = (p.returncode == 0 and not diffs and j["signed"] is True and j["status"] == STATUS_NEW
              and j["flags"] == FLAG_HASH_TREE and type(j["status"]) is int and type(j["flags"]) is int)
        check(ok, "C: inspect --json shows exactly the metainfo written (types too), signed, status, flags",
              "differing keys %s; signed %r status %r flags %r" % (sorted(diffs), j.get("signed"),
                                                                   j.get("status"), j.get("flags")))
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        check(False, "C: inspect --json output", "%r; %s" % (e, rc_detail(p)))
    p = run(ctl, "verify", "--public-key", pk.hex(), img)
    check(p.returncode == 0, "C: verify accepts the Python-made image with its key", rc_detail(p))
    p = run(ctl, "verify", "--public-key", os.urandom(32).hex(), img)
    check(p.returncode == 1, "C: verify with another key: exit 1", rc_detail(p))
    p = run(ctl, "verify", "--public-key", os.urandom(32).hex(), "--public-key", pk.hex(), img)
    check(p.returncode == 0, "C: verify with two keys, the right one second: exit 0", rc_detail(p))

    hash_area = BLOCK + n * BLOCK
    size = os.path.getsize(img)
    regions = [
        ("header metainfo (inside the shasum value)", 8 + meta.index(b"shasum = ") + 12),
        ("signature", 8 + len(meta) + 5),
        ("data area", BLOCK + (n // 2) * BLOCK + 99),
        ("hash area, first tree block after the superblock", hash_area + BLOCK + 3),
        ("hash area, last tree block", size - BLOCK + 3),
        ("hash area, zero spare tail of the top tree block", hash_area + BLOCK + 2048),
        ("verity superblock salt (disagrees with signed metainfo)", hash_area + SB_SALT_OFFSET),
    ]
    for i, (region, off) in enumerate(regions):
        d = os.path.join(c.work, "flip-%d" % i)
        os.makedirs(d)
        bad = os.path.join(d, "pyimage-realmfs.img")
        flip(img, bad, off)
        p = run(ctl, "verify", "--public-key", pk.hex(), bad)
        check(p.returncode == 1 and exactly_one_line(p.stderr),
              "C: flipped byte in %s: exit 1, exactly one line on stderr" % region, rc_detail(p))

    d = os.path.join(c.work, "unsigned")
    os.makedirs(d)
    u = os.path.join(d, "pyimage-realmfs.img")
    with open(u, "wb") as f:
        f.write(make_header(meta, None))
        f.write(read(img)[BLOCK:])
    p = run(ctl, "verify", "--public-key", pk.hex(), u)
    check(p.returncode == 1, "C: unsigned (zero signature) image: exit 1", rc_detail(p))
    p = run(ctl, "inspect", "--json", u)
    try:
        signed = json.loads(p.stdout)["signed"]
    except (ValueError, KeyError, TypeError) as e:
        signed = repr(e)
    check(signed is False, "C: inspect --json of the unsigned image says signed false", rc_detail(p))
    d = os.path.join(c.work, "renamed")
    os.makedirs(d)
    r = os.path.join(d, "other-realmfs.img")
    shutil.copy(img, r)
    p = run(ctl, "verify", "--public-key", pk.hex(), r)
    check(p.returncode == 1, "C: image renamed to another NAME: exit 1", rc_detail(p))

    # Optional realmfs-owner absent, an unknown key present (kept and ignored).
    d = os.path.join(c.work, "extra")
    os.makedirs(d)
    ximg, xmeta = make_image(d, "extra", c.seed, c.src, nblocks=512, owner=False,
                             extra=[("x-future-key", "kept")])
    p = run(ctl, "verify", "--public-key", pk.hex(), ximg)
    check(p.returncode == 0, "C: no realmfs-owner and an unknown key: verify exit 0", rc_detail(p))
    p = run(ctl, "inspect", "--json", ximg)
    try:
        jm = json.loads(p.stdout)["metainfo"]
        ok = jm == tomllib.loads(xmeta.decode())
    except (ValueError, KeyError, TypeError) as e:
        ok, jm = False, repr(e)
    check(ok, "C: inspect --json keeps the unknown key", "metainfo %r" % (jm,))
    c.ximg = ximg

    # The sealed metainfo Citadel's own `seal` writes: no version, timestamp, shasum.
    d = os.path.join(c.work, "citadel")
    os.makedirs(d)
    cimg, _ = make_image(d, "minimal", c.seed, c.src, nblocks=512, minimal=True)
    p = run(ctl, "verify", "--public-key", pk.hex(), cimg)
    check(p.returncode == 0, "C: Citadel-sealed metainfo (no version/timestamp/shasum): verify exit 0",
          rc_detail(p))


def section_c_sign(c):
    """realmfsctl sign on a Python-made image; Python checks the result."""
    ctl = c.ctl
    before = tomllib.loads(parse_header(read(c.ximg)[:BLOCK])[2].decode())
    p = run(ctl, "sign", "--keyring", c.kr, "--passphrase-file", c.pwfile, c.ximg)
    problems, m2, _ = python_verify(c.ximg, [c.pk], c.work)
    check(p.returncode == 0 and not problems and m2.get("version") == before["version"] + 1
          and m2.get("verity-salt") != before["verity-salt"] and m2.get("shasum") == before["shasum"],
          "C: realmfsctl sign of a Python-made image: version + 1, new salt, Python verifies",
          "%s; %s" % (rc_detail(p), "; ".join(problems)))
    check(m2.get("x-future-key") == "kept", "C: sign keeps the unknown metainfo key",
          "metainfo after sign: %r" % (m2,))


def section_d(c):
    ctl = c.ctl
    outdir = os.path.join(c.work, "cimg")
    os.makedirs(outdir)
    cimg = os.path.join(outdir, "cimage-realmfs.img")
    t0 = int(time.time())
    p = run(ctl, "create", "--name", "cimage", "--from", c.src, "--keyring", c.kr, "--passphrase-file", c.pwfile,
            cimg)
    t1 = int(time.time())
    if not check(p.returncode == 0 and os.path.isfile(cimg), "D: realmfsctl create with a PyNaCl keyring",
                 rc_detail(p)):
        return
    c.cimg = cimg
    problems, m, body = python_verify(cimg, [c.pk], c.work)
    check(not problems, "D: Python verifies our image: signature (PyNaCl key), name, shasum, "
          "veritysetup verify, superblock salt/sha256/4096/4096/format 1", "; ".join(problems))
    c.cm = m
    if not m:
        return
    ts = m.get("timestamp")
    # SOURCE_DATE_EPOCH (set by dpkg-buildpackage) replaces the clock, exactly
    sde = os.environ.get("SOURCE_DATE_EPOCH")
    ts_ok = (isinstance(ts, str) and ts.isdigit()
             and (int(ts) == int(sde) if sde else t0 - 5 <= int(ts) <= t1 + 5))
    types_ok = (m.get("image-type") == "realmfs" and m.get("realmfs-name") == "cimage"
                and m.get("channel") == "realmfs-user" and type(m.get("version")) is int
                and ts_ok
                and type(m.get("nblocks")) is int
                and all(isinstance(m.get(k), str) and HEX64.fullmatch(m[k])
                        for k in ("shasum", "verity-salt", "verity-root")))
    check(types_ok, "D: our metainfo: documented keys and TOML types (strings, ints, 64 lowercase hex)", repr(m))
    if body is None:
        return
    p = debugfs(body, "ls -l /")
    listing = p.stdout.decode(errors="replace")
    names = set(re.findall(r"\s(\S+)\s*$", listing, re.M))
    want = {"etc", "blob", "hello.txt", "motd-link"}
    check(want <= names, "D: debugfs ls -l / lists the files given to create --from",
          "missing %s in %s" % (sorted(want - names), one_line(listing)))
    p = debugfs(body, "cat /etc/motd")
    check(p.stdout == b"made by python\n", "D: debugfs cat /etc/motd gives the same content", rc_detail(p))
    out = os.path.join(c.work, "blob.out")
    p = debugfs(body, "dump /blob " + out)
    check(os.path.exists(out) and read(out) == read(os.path.join(c.src, "blob")),
          "D: debugfs dump of a 200 kB binary file is identical", rc_detail(p))
    p = debugfs(body, "stat /motd-link")
    check(b"Fast link dest: \"etc/motd\"" in p.stdout or b"etc/motd" in p.stdout,
          "D: symlink kept", one_line(p.stdout))

    # Our hash area must be exactly what veritysetup format writes for the same data, salt and UUID.
    n = m["nblocks"]
    p = run("veritysetup", "dump", "--hash-offset=%d" % (n * BLOCK), body)
    um = re.search(rb"UUID:\s*(\S+)", p.stdout)
    ref = os.path.join(c.work, "ref.body")
    ours = read(body)
    write(ref, ours[:n * BLOCK])
    try:
        root = verity_format(ref, n, m["verity-salt"], um.group(1).decode() if um else None)
        refb = read(ref)
        check(um and root == m["verity-root"] and refb == ours,
              "D: our hash area is byte-identical to veritysetup format's (same salt and UUID)",
              "root %s vs %s; lengths %d vs %d; first difference at %s" % (
                  root, m["verity-root"], len(refb), len(ours),
                  next((i for i, (a, b) in enumerate(zip(refb, ours)) if a != b), "none")))
    except RuntimeError as e:
        check(False, "D: veritysetup format reference", str(e))

    p = run(ctl, "sign", "--keyring", c.kr, "--passphrase-file", c.pwfile, cimg)
    problems, m2, _ = python_verify(cimg, [c.pk], c.work)
    check(p.returncode == 0 and not problems and m2.get("version") == m["version"] + 1
          and m2.get("verity-salt") != m["verity-salt"] and m2.get("verity-root") != m["verity-root"]
          and m2.get("shasum") == m["shasum"] and m2.get("nblocks") == n,
          "D: after sign: version + 1, new salt and root, same data, Python verifies",
          "%s; %s" % (rc_detail(p), "; ".join(problems)))
    p = run(ctl, "verify", "--public-key", c.pk.hex(), cimg)
    check(p.returncode == 0, "D: realmfsctl verify accepts its own re-signed image", rc_detail(p))

    # --channel ends up in the metainfo.
    chdir = os.path.join(c.work, "chan")
    os.makedirs(chdir)
    chimg = os.path.join(chdir, "chan-realmfs.img")
    p = run(ctl, "create", "--name", "chan", "--from", c.src, "--channel", "test-channel", "--keyring", c.kr,
            "--passphrase-file", c.pwfile, chimg)
    problems, m3, _ = python_verify(chimg, [c.pk], c.work) if p.returncode == 0 else (["create failed"], {}, None)
    check(p.returncode == 0 and not problems and m3.get("channel") == "test-channel",
          "D: create --channel C writes channel = C, Python verifies", "%s; %s" % (rc_detail(p), problems))

    bad = os.path.join(chdir, "other-realmfs.img")
    p = run(ctl, "create", "--name", "chan2", "--from", c.src, "--keyring", c.kr, "--passphrase-file",
            c.pwfile, bad)
    check(p.returncode in (1, 2) and not os.path.exists(bad),
          "D: create refuses an OUT not named NAME-realmfs.img, writes nothing", rc_detail(p))


def section_e(c):
    if not getattr(c, "cimg", None):
        check(False, "E: no image from realmfsctl create to compare")
        return
    raw = read(c.cimg)[:BLOCK]
    try:
        status, flags, cmeta, sig, pad = parse_header(raw)
    except ValueError as e:
        check(False, "E: our header parses", str(e))
        return
    check(raw[:4] == b"SGOS" and status == STATUS_NEW and flags == FLAG_HASH_TREE
          and int.from_bytes(raw[6:8], "big") == len(cmeta) and any(sig) and not any(pad),
          "E: our header: SGOS, status 1 (new), flags 0x02 (hash-tree, as Citadel's seal sets), big-endian "
          "length, signature right after metainfo, zero padding",
          "status %d flags %#x len %d" % (status, flags, len(cmeta)))
    rebuilt = make_header(cmeta, c.seed, status, flags)
    check(rebuilt == raw, "E: PyNaCl header for our metainfo is byte-identical to ours")
    m = tomllib.loads(cmeta.decode())
    order = [k for k in KEY_ORDER if k in m] + [k for k in m if k not in KEY_ORDER]
    py_meta = metainfo_text([(k, m[k]) for k in order])
    check(py_meta == cmeta, "E: Python's metainfo text for our values (documented order, one key a line) "
          "is byte-identical to ours", "ours %r" % cmeta[:160])


def section_t(c):
    """Tree-less images, as Citadel's builder writes them ([K] 1)."""
    ctl, w = c.ctl, c.work
    d = os.path.join(w, "treeless")
    os.makedirs(d)
    img, m = make_citadel_built_image(d, "citadel", c.seed, c.src, "realmfs-user")
    size = os.path.getsize(img)
    check(size == BLOCK + 1024 * BLOCK and read(img)[5] == 0, "T: the builder's image: header + data, flags 0",
          "size %d" % size)
    pk = c.pk.hex()
    p = run(ctl, "inspect", "--json", img)
    try:
        js = json.loads(p.stdout)
    except ValueError:
        js = {}
    check(p.returncode == 0 and js.get("hash-tree") is False and js.get("metainfo", {}).get("verity-root") == m["verity-root"],
          "T: inspect reads it: hash-tree false, the signed verity-root", rc_detail(p))
    before = read(img)
    p = run(ctl, "verify", "--public-key", pk, img)
    check(p.returncode == 0, "T: verify computes the root of the data and accepts it", rc_detail(p))
    check(read(img) == before, "T: verify does not write the image")
    bad = os.path.join(d, "bad")
    os.makedirs(bad)
    badimg = os.path.join(bad, "citadel-realmfs.img")
    flip(img, badimg, BLOCK + 600 * BLOCK + 17)
    p = run(ctl, "verify", "--public-key", pk, badimg)
    check(p.returncode == 1 and exactly_one_line(p.stderr) and b"not the signed verity-root" in p.stderr,
          "T: one flipped data byte: verify refuses, one line", rc_detail(p))
    # the tree attach would append is exactly what veritysetup makes for that salt
    body = os.path.join(d, "body")
    write(body, before[BLOCK:])
    root = verity_format(body, 1024, m["verity-salt"])
    check(root == m["verity-root"], "T: veritysetup format with the signed salt gives the signed root again",
          "%s vs %s" % (root, m["verity-root"]))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--realmfsctl", required=True, help="path to the realmfsctl binary")
    ap.add_argument("--workdir", help="scratch directory (kept); default a temporary one, removed")
    a = ap.parse_args()
    os.environ["PATH"] = os.environ.get("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin"
    for tool in ("veritysetup", "mkfs.ext4", "debugfs"):
        if not shutil.which(tool):
            print("skip: %s missing" % tool)
            return 77
    if os.geteuid() != 0:
        print("skip: not root, and realmfsctl verify needs a loop device")
        return 77
    if not os.access(a.realmfsctl, os.X_OK):
        print("FAIL: realmfsctl not executable: %s" % a.realmfsctl)
        return 1
    c = Ctx()
    c.ctl = os.path.abspath(a.realmfsctl)
    if a.workdir:
        os.makedirs(a.workdir, exist_ok=True)
        c.work = tempfile.mkdtemp(prefix="compat-", dir=a.workdir)
    else:
        c.work = tempfile.mkdtemp(prefix="realmboot-compat-")
    start = time.monotonic()
    try:
        for name, fn in (("setup", section_setup), ("A", section_a), ("B", section_b), ("self", section_self),
                         ("C", section_c), ("C-sign", section_c_sign), ("D", section_d), ("E", section_e),
                         ("T", section_t)):
            try:
                fn(c)
            except Exception as e:  # noqa: BLE001 - a crash is a failed check, not a traceback
                check(False, "%s: section aborted" % name, "%s: %s" % (type(e).__name__, e))
                if name in ("setup", "self"):
                    break
    finally:
        if not a.workdir:
            shutil.rmtree(c.work, ignore_errors=True)
    print("compat: %d passed, %d failed (%.1f s)" % (passed, failures, time.monotonic() - start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
