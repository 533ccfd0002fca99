#!/usr/bin/python3
"""Compatibility vectors made independently of our C code.

The Python side implements the Citadel formats from DESIGN.md with PyNaCl
(ed25519, scrypt, secretbox), `mkfs.ext4 -d` and `veritysetup format`, and
checks both directions: realmfsctl reads what Python made, Python reads
what realmfsctl made.  Exit 0 all ok, 1 a check failed, 77 tools missing.
"""
import argparse, hashlib, json, os, re, shutil, subprocess, sys, tempfile, time, tomllib

try:
    import nacl.pwhash, nacl.secret, nacl.signing, nacl.utils, nacl.exceptions
except ImportError:
    print("python3-nacl missing: skipping")
    sys.exit(77)

OPSLIMIT, MEMLIMIT = 524288, 16777216
BLOCK = 4096
failures = 0


def check(cond, what, detail=""):
    global failures
    if cond:
        print("ok: " + what)
    else:
        failures += 1
        print("FAIL: %s%s" % (what, (" — " + detail) if detail else ""))
    return cond


def run(*args, input=None):
    return subprocess.run(list(args), capture_output=True, timeout=120, input=input)


# ---- the formats, written from DESIGN.md ----

def keyring_encrypt(seed, passphrase):
    salt = nacl.utils.random(32)
    nonce = nacl.utils.random(24)
    key = nacl.pwhash.scrypt.kdf(32, passphrase, salt, opslimit=OPSLIMIT, memlimit=MEMLIMIT)
    plain = b'[keypairs]\nrealmfs-user = "%s"\n' % seed.hex().encode()
    box = nacl.secret.SecretBox(key).encrypt(plain, nonce)  # nonce || mac || ciphertext
    return salt + box


def keyring_decrypt(data, passphrase):
    salt, rest = data[:32], data[32:]
    key = nacl.pwhash.scrypt.kdf(32, passphrase, salt, opslimit=OPSLIMIT, memlimit=MEMLIMIT)
    plain = nacl.secret.SecretBox(key).decrypt(rest[24:], rest[:24])
    doc = tomllib.loads(plain.decode())
    return bytes.fromhex(doc["keypairs"]["realmfs-user"])


def public_key(seed):
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def make_header(metainfo, seed, status=1, flags=0):
    sig = nacl.signing.SigningKey(seed).sign(metainfo).signature if seed else bytes(64)
    h = b"SGOS" + bytes([status, flags]) + len(metainfo).to_bytes(2, "big") + metainfo + sig
    return h + bytes(BLOCK - len(h))


def parse_header(h):
    assert h[:4] == b"SGOS", "magic"
    n = int.from_bytes(h[6:8], "big")
    assert 0 < n <= 4024, "length"
    return h[4], h[5], h[8:8 + n], h[8 + n:8 + n + 64], h[8 + n + 64:BLOCK]


def make_image(work, name, seed, src):
    """Builds NAME-realmfs.img the way DESIGN.md describes it."""
    body = os.path.join(work, name + ".body")
    nblocks = 1024
    with open(body, "wb") as f:
        f.truncate(nblocks * BLOCK)
    p = run("mkfs.ext4", "-q", "-F", "-b", "4096", "-d", src, body, str(nblocks))
    assert p.returncode == 0, p.stderr
    data = open(body, "rb").read()
    salt = os.urandom(32).hex()
    p = run("veritysetup", "format", "--hash=sha256", "--format=1", "--data-block-size=4096",
            "--hash-block-size=4096", "--data-blocks=%d" % nblocks, "--hash-offset=%d" % (nblocks * BLOCK),
            "--salt=" + salt, body, body)
    assert p.returncode == 0, p.stderr
    root = re.search(rb"Root hash:\s*([0-9a-f]{64})", p.stdout).group(1).decode()
    meta = ('image-type = "realmfs"\nrealmfs-name = "%s"\nrealmfs-owner = "%s"\nchannel = "realmfs-user"\n'
            'version = 1\ntimestamp = "%d"\nnblocks = %d\nshasum = "%s"\nverity-salt = "%s"\nverity-root = "%s"\n'
            % (name, name, int(time.time()), nblocks, hashlib.sha256(data).hexdigest(), salt, root)).encode()
    img = os.path.join(work, name + "-realmfs.img")
    with open(img, "wb") as out:
        out.write(make_header(meta, seed))
        out.write(open(body, "rb").read())
    os.unlink(body)
    return img, meta


def python_verify(img, pk, work):
    """Independent verification of an image made by realmfsctl."""
    raw = open(img, "rb").read()
    status, flags, meta, sig, pad = parse_header(raw[:BLOCK])
    problems = []
    if any(pad):
        problems.append("header padding not zero")
    try:
        nacl.signing.VerifyKey(pk).verify(meta, sig)
    except nacl.exceptions.BadSignatureError:
        problems.append("signature does not verify")
    m = tomllib.loads(meta.decode())
    name = os.path.basename(img)[:-len("-realmfs.img")]
    if m.get("realmfs-name") != name:
        problems.append("realmfs-name %r != %r" % (m.get("realmfs-name"), name))
    if m.get("image-type") != "realmfs":
        problems.append("image-type")
    n = m["nblocks"]
    if hashlib.sha256(raw[BLOCK:BLOCK + n * BLOCK]).hexdigest() != m.get("shasum"):
        problems.append("shasum")
    body = os.path.join(work, "verify.body")
    with open(body, "wb") as f:
        f.write(raw[BLOCK:])
    p = run("veritysetup", "verify", "--hash-offset=%d" % (n * BLOCK), "--data-blocks=%d" % n, body, body,
            m["verity-root"])
    if p.returncode != 0:
        problems.append("veritysetup verify: " + p.stderr.decode().strip())
    p = run("veritysetup", "dump", "--hash-offset=%d" % (n * BLOCK), body)
    dump = p.stdout.decode()
    if not re.search(r"Salt:\s*" + m["verity-salt"], dump):
        problems.append("superblock salt differs from verity-salt")
    if not re.search(r"Hash algorithm:\s*sha256", dump) or not re.search(r"Data block size:\s*4096", dump) \
            or not re.search(r"Data blocks:\s*%d\b" % n, dump):
        problems.append("superblock parameters: " + dump)
    return problems, m, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--realmfsctl", required=True)
    ap.add_argument("--workdir")
    a = ap.parse_args()
    for tool in ("veritysetup", "mkfs.ext4", "debugfs"):
        if not shutil.which(tool, path=os.environ.get("PATH", "") + ":/sbin:/usr/sbin"):
            print(tool + " missing: skipping")
            return 77
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/sbin:/usr/sbin"
    ctl = a.realmfsctl
    work = a.workdir or tempfile.mkdtemp(prefix="realmboot-compat-")
    try:
        return checks(ctl, work)
    finally:
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)


def checks(ctl, work):
    pw = b"compat passphrase"
    pwfile = os.path.join(work, "pass")
    with open(pwfile, "wb") as f:
        f.write(pw + b"\n")
    wrongfile = os.path.join(work, "wrong")
    with open(wrongfile, "wb") as f:
        f.write(b"nope\n")

    # A. Python keyring -> realmfsctl
    seed = os.urandom(32)
    pk = public_key(seed)
    kr = os.path.join(work, "py-keyring")
    with open(kr, "wb") as f:
        f.write(keyring_encrypt(seed, pw))
    p = run(ctl, "keyring", "show-public", "--keyring", kr, "--passphrase-file", pwfile)
    check(p.returncode == 0 and p.stdout.decode() == pk.hex() + "\n", "A: realmfsctl reads a PyNaCl keyring",
          p.stderr.decode())
    p = run(ctl, "keyring", "show-public", "--keyring", kr, "--passphrase-file", wrongfile)
    check(p.returncode == 1 and p.stdout == b"", "A: wrong passphrase refused, nothing printed")

    # B. realmfsctl keyring -> Python
    kr2 = os.path.join(work, "c-keyring")
    p = run(ctl, "keyring", "init", "--keyring", kr2, "--passphrase-file", pwfile)
    check(p.returncode == 0, "B: keyring init", p.stderr.decode())
    seed2 = keyring_decrypt(open(kr2, "rb").read(), pw)
    shown = run(ctl, "keyring", "show-public", "--keyring", kr2, "--passphrase-file", pwfile).stdout.decode().strip()
    check(len(seed2) == 32 and public_key(seed2).hex() == shown, "B: PyNaCl decrypts our keyring, same public key")
    check(oct(os.stat(kr2).st_mode & 0o777) == "0o600", "B: keyring mode 0600")
    newfile = os.path.join(work, "new")
    with open(newfile, "wb") as f:
        f.write(b"second passphrase")
    p = run(ctl, "keyring", "passwd", "--keyring", kr2, "--passphrase-file", pwfile, "--new-passphrase-file", newfile)
    ok = p.returncode == 0 and keyring_decrypt(open(kr2, "rb").read(), b"second passphrase") == seed2
    try:
        keyring_decrypt(open(kr2, "rb").read(), pw)
        ok = False
    except nacl.exceptions.CryptoError:
        pass
    check(ok, "B: passwd re-encrypts: new passphrase works in PyNaCl, old one does not")

    # C. Python image -> realmfsctl
    src = os.path.join(work, "src")
    os.makedirs(os.path.join(src, "etc"))
    with open(os.path.join(src, "etc", "motd"), "w") as f:
        f.write("made by python\n")
    with open(os.path.join(src, "blob"), "wb") as f:
        f.write(os.urandom(200000))
    imgdir = os.path.join(work, "pyimg")
    os.makedirs(imgdir)
    img, meta = make_image(imgdir, "pyimage", seed, src)
    p = run(ctl, "inspect", "--json", img)
    try:
        j = json.loads(p.stdout)
        check(j["metainfo"] == tomllib.loads(meta.decode()) and j["signed"] is True and j["status"] == 1
              and j["flags"] == 0, "C: inspect --json shows exactly the metainfo written")
    except (ValueError, KeyError) as e:
        check(False, "C: inspect --json output", str(e) + p.stderr.decode())
    p = run(ctl, "verify", "--public-key", pk.hex(), img)
    check(p.returncode == 0, "C: realmfsctl verifies a Python-made image", p.stderr.decode())
    p = run(ctl, "verify", "--public-key", os.urandom(32).hex(), img)
    check(p.returncode == 1, "C: another key is refused")
    n = tomllib.loads(meta.decode())["nblocks"]
    mlen = len(meta)
    for region, off in (("header metainfo", 8 + meta.index(b"shasum") + 12), ("signature", 8 + mlen + 5),
                        ("data area", BLOCK + (n // 2) * BLOCK + 99), ("hash tree", BLOCK + n * BLOCK + BLOCK + 3)):
        d = os.path.join(work, "flip-" + region.replace(" ", "-"))
        os.makedirs(d)
        bad = os.path.join(d, "pyimage-realmfs.img")
        shutil.copy(img, bad)
        with open(bad, "r+b") as f:
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ 1]))
        p = run(ctl, "verify", "--public-key", pk.hex(), bad)
        check(p.returncode == 1 and len(p.stderr.decode().strip().splitlines()) == 1,
              "C: flipped byte in %s refused with one line" % region, p.stderr.decode())
    d = os.path.join(work, "unsigned")
    os.makedirs(d)
    u = os.path.join(d, "pyimage-realmfs.img")
    with open(u, "wb") as f:
        f.write(make_header(meta, None))
        f.write(open(img, "rb").read()[BLOCK:])
    p = run(ctl, "verify", "--public-key", pk.hex(), u)
    check(p.returncode == 1, "C: unsigned Python image refused")
    r = os.path.join(work, "renamed")
    os.makedirs(r)
    shutil.copy(img, os.path.join(r, "other-realmfs.img"))
    p = run(ctl, "verify", "--public-key", pk.hex(), os.path.join(r, "other-realmfs.img"))
    check(p.returncode == 1, "C: renamed image refused")

    # D. realmfsctl image -> Python
    outdir = os.path.join(work, "cimg")
    os.makedirs(outdir)
    cimg = os.path.join(outdir, "cimage-realmfs.img")
    p = run(ctl, "create", "--name", "cimage", "--from", src, "--keyring", kr, "--passphrase-file", pwfile, cimg)
    check(p.returncode == 0, "D: realmfsctl create with a PyNaCl keyring", p.stderr.decode())
    problems, m, body = python_verify(cimg, pk, work)
    check(not problems, "D: Python verifies our image (signature, name, shasum, veritysetup verify, superblock)",
          "; ".join(problems))
    p = run("debugfs", "-R", "cat /etc/motd", body)
    check(p.stdout == b"made by python\n", "D: ext4 content readable with debugfs", p.stderr.decode()[-200:])
    p = run("debugfs", "-R", "dump /blob " + os.path.join(work, "blob.out"), body)
    check(open(os.path.join(work, "blob.out"), "rb").read() == open(os.path.join(src, "blob"), "rb").read(),
          "D: binary file identical")
    p = run(ctl, "sign", "--keyring", kr, "--passphrase-file", pwfile, cimg)
    problems, m2, _ = python_verify(cimg, pk, work)
    check(p.returncode == 0 and not problems and m2["version"] == m["version"] + 1
          and m2["verity-salt"] != m["verity-salt"], "D: after sign: version + 1, new salt, Python verifies",
          "; ".join(problems) + p.stderr.decode())

    # E. header layout byte for byte
    raw = open(cimg, "rb").read(BLOCK)
    status, flags, cmeta, sig, pad = parse_header(raw)
    check(raw[:4] == b"SGOS" and int.from_bytes(raw[6:8], "big") == len(cmeta) and not any(pad),
          "E: our header: magic, big-endian length, signature right after metainfo, zero padding")
    rebuilt = make_header(cmeta, seed, status, flags)
    check(rebuilt == raw, "E: Python's header for our metainfo is byte-identical to ours")

    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
