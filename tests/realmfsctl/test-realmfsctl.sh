#!/bin/bash
# End-to-end tests of realmfsctl on the host: keyring, create, inspect,
# verify (userspace verity through a loop device), sign, and every kind of
# bad input getting exit 1 and exactly one line on stderr.
# Usage: test-realmfsctl.sh PATH-TO-REALMFSCTL
set -u
. "$(dirname "$0")/../lib.sh"
require_session_keyring
# verify sets up a loop device; a package build may run as a user
[ "$(id -u)" -eq 0 ] || { echo "skip: not root, and realmfsctl verify needs a loop device"; exit 77; }
ctl=$1
test_begin realmfsctl

# expect EXIT DESCRIPTION [WORDS] -- COMMAND...: exit status must match; for
# a failure (exit 1 or 2) stderr must be exactly one line (no crash: a
# signal gives 128+) and hold WORDS, a piece of the expected message, so
# that the test fails when the error is another one.
expect() {
        local want=$1 desc=$2 words=
        shift 2
        if [ "$1" != -- ]; then words=$1; shift; fi
        shift
        "$@" >"$work/out" 2>"$work/err"
        local got=$? lines
        lines=$(wc -l <"$work/err")
        if [ "$got" -ne "$want" ]; then
                fail "$desc: exit $got, expected $want; stderr: $(head -3 "$work/err")"
        elif [ "$want" -ne 0 ] && [ "$lines" -ne "${EXPECT_LINES:-1}" ]; then
                fail "$desc: $lines lines on stderr, expected ${EXPECT_LINES:-1}: $(cat "$work/err")"
        elif [ "$want" -ne 0 ] && [ -z "$words" ]; then
                fail "$desc: the test names no expected message (got: $(cat "$work/err"))"
        elif [ "$want" -ne 0 ] && ! grep -qF -- "$words" "$work/err"; then
                fail "$desc: expected \"$words\" in: $(cat "$work/err")"
        else
                ok "$desc${lines:+ }$( [ "$want" -ne 0 ] && head -1 "$work/err")"
        fi
}

# Runs a command in a new private session keyring; keyctl's own notice goes
# to /dev/null, the command's stderr stays.
insession() { keyctl session - bash -c 'exec "$@" 2>&3' _ "$@" 3>&2 2>/dev/null; }

hex2bin() { /usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
flip() { # file offset: xor one byte with 0x01
        /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
p, off = sys.argv[1], int(sys.argv[2])
with open(p, "r+b") as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 1]))
PY
}
meta_field() { "$ctl" inspect --json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["metainfo"][sys.argv[1]])' "$2"; }

printf 'secret pass\n' >"$work/pass"
printf 'other pass' >"$work/pass2"
printf 'vendor pass\n' >"$work/vpass"
mkdir -p "$work/tree/etc" "$work/tree/bin" "$work/img"
echo "hello realm" >"$work/tree/etc/motd"
head -c 300000 /dev/urandom >"$work/tree/bin/blob"
ln -s motd "$work/tree/etc/link"

# --- program basics
expect 0 "--help" -- "$ctl" --help
expect 0 "--version" -- "$ctl" --version
grep -qx "realmfsctl [0-9.]* +TEST-HOOKS" "$work/out" && ok "--version says +TEST-HOOKS (this test needs a test-hooks build)" ||
        fail "--version: $(cat "$work/out")"
expect 2 "no command" 'missing command' -- "$ctl"
expect 2 "unknown command" 'unknown command' -- "$ctl" frobnicate
expect 2 "unknown option" 'inspect: unknown option' -- "$ctl" inspect --frob x
expect 2 "verify bad --public-key hex" 'verify: --public-key needs 64 hex digits' -- "$ctl" verify --public-key 12zz "$work/img/x-realmfs.img"

# --- keyring
kr=$work/keyring
expect 0 "keyring init" -- "$ctl" keyring init --keyring "$kr" --passphrase-file "$work/pass"
[ "$(stat -c %a "$kr")" = 600 ] && ok "keyring mode 0600" || fail "keyring mode $(stat -c %a "$kr")"
expect 1 "keyring init refuses to overwrite" 'already exists, not overwriting' -- "$ctl" keyring init --keyring "$kr" --passphrase-file "$work/pass"
pk=$("$ctl" keyring show-public --keyring "$kr" --passphrase-file "$work/pass")
[[ $pk =~ ^[0-9a-f]{64}$ ]] && ok "show-public prints 64 hex" || fail "show-public printed '$pk'"
expect 1 "show-public wrong passphrase" 'wrong passphrase or damaged keyring' -- "$ctl" keyring show-public --keyring "$kr" --passphrase-file "$work/pass2"
[ ! -s "$work/out" ] && ok "nothing on stdout after a wrong passphrase" || fail "stdout not empty"
expect 1 "keyring missing file" 'cannot read keyring: No such file or directory' -- "$ctl" keyring show-public --keyring "$work/none" --passphrase-file "$work/pass"
head -c 40 "$kr" >"$work/short-keyring"
expect 1 "keyring truncated" 'file too short to be a keyring' -- "$ctl" keyring show-public --keyring "$work/short-keyring" --passphrase-file "$work/pass"
expect 0 "keyring passwd" -- "$ctl" keyring passwd --keyring "$kr" --passphrase-file "$work/pass" --new-passphrase-file "$work/pass2"
[ "$("$ctl" keyring show-public --keyring "$kr" --passphrase-file "$work/pass2")" = "$pk" ] && ok "same key after passwd" || fail "key changed by passwd"
expect 1 "old passphrase rejected after passwd" 'wrong passphrase or damaged keyring' -- "$ctl" keyring show-public --keyring "$kr" --passphrase-file "$work/pass"
expect 0 "keyring passwd back" -- "$ctl" keyring passwd --keyring "$kr" --passphrase-file "$work/pass2" --new-passphrase-file "$work/pass"
[ -z "$(ls -A "$work" | grep '^\.#')" ] && ok "no temporary files left" || fail "temporary files left: $(ls -A "$work")"

# --- create, inspect, verify
img=$work/img/main-realmfs.img
expect 0 "create" -- "$ctl" create --name main --from "$work/tree" --owner main --keyring "$kr" --passphrase-file "$work/pass" "$img"
expect 0 "inspect" -- "$ctl" inspect "$img"
grep -q '^signed:   yes' "$work/out" && ok "inspect says signed" || fail "inspect output: $(cat "$work/out")"
"$ctl" inspect --json "$img" >"$work/json" && /usr/bin/python3 - "$work/json" <<'PY' && ok "inspect --json fields" || fail "inspect --json: $(cat "$work/json")"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["metainfo"]
assert d["signed"] is True and isinstance(d["status"], int) and isinstance(d["flags"], int), d
assert m["image-type"] == "realmfs" and m["realmfs-name"] == "main" and m["channel"] == "realmfs-user", m
assert m["realmfs-owner"] == "main" and m["version"] == 1 and isinstance(m["nblocks"], int), m
assert len(m["verity-salt"]) == 64 and len(m["verity-root"]) == 64 and len(m["shasum"]) == 64, m
assert d["tag"] == m["verity-root"][:8]
PY
expect 0 "verify with --public-key" -- "$ctl" verify --public-key "$pk" "$img"
other=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
expect 1 "verify with an untrusted key" 'signature does not verify with any trusted key' -- "$ctl" verify --public-key "$other" "$img"
# one open of the image: header, data and hash tree (the loop device) all
# come from that descriptor
strace -f -e trace=%file -o "$work/strace" "$ctl" verify --public-key "$pk" "$img" >/dev/null 2>&1
n=$(grep -c "main-realmfs.img" "$work/strace")
[ "$n" -eq 1 ] && ok "verify names the image path once (one open, the loop device over that fd)" ||
        fail "the image path is used $n times: $(grep main-realmfs.img "$work/strace" | cut -c1-120)"
expect 0 "verify with two keys, one right" -- "$ctl" verify --public-key "$other" --public-key "$pk" "$img"
expect 1 "verify without any trusted key" 'no trusted key for channel "realmfs-user"' -- insession env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="" "$ctl" verify "$img"
hex2bin "$pk" >"$work/pk.bin"
expect 0 "verify with kernel key realmfs-user-public" -- insession env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="" \
        bash -c 'keyctl padd user realmfs-user-public @s <"$1" >/dev/null && exec "$2" verify "$3"' _ "$work/pk.bin" "$ctl" "$img"
nblocks=$(meta_field "$img" nblocks)
size=$(stat -c %s "$img")
[ "$size" -gt $(( (nblocks + 1) * 4096 )) ] && ok "image has a hash area ($size bytes, $nblocks blocks)" || fail "image size $size"

# --- channel keys from config and command line
vkr=$work/vendor-keyring
"$ctl" keyring init --keyring "$vkr" --passphrase-file "$work/vpass" >/dev/null 2>&1
vpk=$("$ctl" keyring show-public --keyring "$vkr" --passphrase-file "$work/vpass")
vimg=$work/img/tools-realmfs.img
expect 0 "create channel image" -- "$ctl" create --name tools --from "$work/tree" --channel vendor --keyring "$vkr" --passphrase-file "$work/vpass" "$vimg"
[ "$(meta_field "$vimg" channel)" = vendor ] && ok "channel recorded" || fail "channel not recorded"
mkdir -p "$work/croot/etc/realmboot"
printf '[channels]\nvendor = "%s"\n' "$vpk" >"$work/croot/etc/realmboot/realmboot.conf"
expect 0 "verify channel key from config" -- insession env REALMBOOT_ROOT="$work/croot" REALMBOOT_CMDLINE="" "$ctl" verify "$vimg"
expect 0 "verify channel key from command line" -- insession env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="quiet realmboot.channel=vendor:$vpk" "$ctl" verify "$vimg"
expect 1 "user key does not vouch for a vendor-channel image" 'no trusted key for channel "vendor"' -- insession env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="" \
        bash -c 'keyctl padd user realmfs-user-public @s <"$1" >/dev/null && exec "$2" verify "$3"' _ "$work/pk.bin" "$ctl" "$vimg"
printf '[channels]\nvendor = "%s"\n' "$pk" >"$work/croot/etc/realmboot/realmboot.conf"
expect 1 "vendor image with wrong channel key in config" 'signature does not verify with any trusted key' -- insession env REALMBOOT_ROOT="$work/croot" REALMBOOT_CMDLINE="" "$ctl" verify "$vimg"

# --- sign (re-seal)
salt1=$(meta_field "$img" verity-salt)
expect 0 "sign" -- "$ctl" sign --keyring "$kr" --passphrase-file "$work/pass" "$img"
[ "$(meta_field "$img" version)" = 2 ] && ok "sign bumps version" || fail "version $(meta_field "$img" version)"
[ "$(meta_field "$img" verity-salt)" != "$salt1" ] && ok "sign uses a fresh salt" || fail "salt unchanged"
[ "$(meta_field "$img" realmfs-owner)" = main ] && ok "sign keeps other keys" || fail "owner lost"
expect 0 "verify after sign" -- "$ctl" verify --public-key "$pk" "$img"
cp "$img" "$work/before-sign"
expect 1 "sign with wrong passphrase" 'wrong passphrase or damaged keyring' -- "$ctl" sign --keyring "$kr" --passphrase-file "$work/pass2" "$img"
cmp -s "$img" "$work/before-sign" && ok "failed sign leaves the image untouched" || fail "image changed by failed sign"

# --- the signing key: --keyring, else the seed the boot loaded into the
# kernel (here a private session keyring, through the test hooks), never the
# keyring file's passphrase when only the public key is loaded
seedhex=$(/usr/bin/python3 -c 'import os; print(os.urandom(32).hex())')
kpk=$(/usr/bin/python3 -c 'import sys, nacl.signing; print(nacl.signing.SigningKey(bytes.fromhex(sys.argv[1])).verify_key.encode().hex())' "$seedhex")
hex2bin "$seedhex" >"$work/seed.bin"
hex2bin "$kpk" >"$work/kpk.bin"
withkeys() { # seed|public|none command...: in a new session keyring holding those keys
        local which=$1; shift
        keyctl session - bash -c '
                case $1 in
                seed) keyctl padd user realmfs-user @s <"$2/seed.bin" >/dev/null; keyctl padd user realmfs-user-public @s <"$2/kpk.bin" >/dev/null ;;
                public) keyctl padd user realmfs-user-public @s <"$2/kpk.bin" >/dev/null ;;
                seed-only) keyctl padd user realmfs-user @s <"$2/seed.bin" >/dev/null ;;
                esac
                shift 2; exec "$@" 2>&3' _ "$which" "$work" "$@" 3>&2 2>/dev/null
}
cp "$img" "$work/before-sign"
expect 1 "sign, key mode public (only the public key in the kernel): refused" 'only loaded in safe mode: boot with realmboot.safe_mode' -- \
        withkeys public "$ctl" sign "$img"
cmp -s "$img" "$work/before-sign" && ok "refused sign leaves the image untouched" || fail "image changed"
expect 1 "sign, no key anywhere: refused" 'No signing key' -- withkeys none "$ctl" sign "$img"
expect 0 "sign with the kernel's seed, no passphrase" -- withkeys seed "$ctl" sign "$img" </dev/null
expect 0 "that image verifies with the kernel key pair's public key" -- "$ctl" verify --public-key "$kpk" "$img"
[ "$(meta_field "$img" version)" = 3 ] && ok "signed with the kernel's seed: version 3" || fail "version $(meta_field "$img" version)"
expect 0 "--keyring first, even with a seed in the kernel" -- withkeys seed "$ctl" sign --keyring "$kr" --passphrase-file "$work/pass" "$img"
expect 0 "then it verifies with the keyring's key" -- "$ctl" verify --public-key "$pk" "$img"
expect 0 "create with the kernel's seed" -- withkeys seed "$ctl" create --name kern --from "$work/tree" "$work/kern-realmfs.img"
expect 0 "which verifies with the kernel key pair's public key" -- "$ctl" verify --public-key "$kpk" "$work/kern-realmfs.img"

# the seed alone in the kernel (Citadel's initrd loads only that): the
# public key that verifies is derived from it
expect 0 "verify with only the seed in the kernel (public key derived)" -- withkeys seed-only env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="" "$ctl" verify "$work/kern-realmfs.img"
expect 1 "verify with no user key in the kernel" 'no trusted key for channel "realmfs-user"' -- withkeys none env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="" "$ctl" verify "$work/kern-realmfs.img"

# --- the OS image's channel key from os-release (CITADEL_CHANNEL,
# CITADEL_IMAGE_PUBKEY): /etc/os-release, else /usr/lib/os-release
oroot=$work/osroot
mkdir -p "$oroot/etc" "$oroot/usr/lib"
printf 'ID=citadel\nCITADEL_CHANNEL=vendor\nCITADEL_IMAGE_PUBKEY=%s\n' "$vpk" >"$oroot/usr/lib/os-release"
expect 0 "verify a channel image with the key of /usr/lib/os-release" -- insession env REALMBOOT_ROOT="$oroot" REALMBOOT_CMDLINE="" "$ctl" verify "$vimg"
expect 0 "citadel.channel=vendor without a key: the key of os-release" -- insession env REALMBOOT_ROOT="$oroot" REALMBOOT_CMDLINE="citadel.channel=vendor" "$ctl" verify "$vimg"
printf 'ID=citadel\nCITADEL_CHANNEL="vendor"\nCITADEL_IMAGE_PUBKEY="%s"\n' "$pk" >"$oroot/etc/os-release"
expect 1 "/etc/os-release first (another key there)" 'signature does not verify with any trusted key' -- insession env REALMBOOT_ROOT="$oroot" REALMBOOT_CMDLINE="" "$ctl" verify "$vimg"
printf 'CITADEL_CHANNEL=vendor\nCITADEL_IMAGE_PUBKEY=08c79a0eda3de80ac83d3a8bad145fbaeb8a08d50f747f8815a0e4b133b977ed\n' >"$oroot/etc/os-release"
# a warning naming the file, then the one error line
EXPECT_LINES=2 expect 1 "Citadel's development key in os-release is never trusted" "Citadel's development key" -- insession env REALMBOOT_ROOT="$oroot" REALMBOOT_CMDLINE="" "$ctl" verify "$vimg"
rm -f "$oroot/etc/os-release" "$oroot/usr/lib/os-release"
EXPECT_LINES=2 expect 1 "citadel.channel=vendor without a key and no os-release: nothing trusted" 'os-release gives none for it' -- insession env REALMBOOT_ROOT="$oroot" REALMBOOT_CMDLINE="citadel.channel=vendor" "$ctl" verify "$vimg"

# --- Citadel reads version and nblocks as u32: never write more
u32=$work/u32/top-realmfs.img
mkdir -p "$work/u32"
"$ctl" create --name top --from "$work/tree" --keyring "$kr" --passphrase-file "$work/pass" "$u32"
/usr/bin/python3 - "$u32" "$seedhex" <<'PY'
import sys, nacl.signing
p, seed = sys.argv[1], bytes.fromhex(sys.argv[2])
b = bytearray(open(p, "rb").read())
n = int.from_bytes(b[6:8], "big")
meta = bytes(b[8:8 + n]).replace(b"version = 1\n", b"version = 4294967295\n")
sig = nacl.signing.SigningKey(seed).sign(meta).signature
hdr = b"SGOS" + bytes(b[4:6]) + len(meta).to_bytes(2, "big") + meta + sig
b[0:4096] = hdr + bytes(4096 - len(hdr))
open(p, "wb").write(b)
PY
cp "$u32" "$work/u32/before"
expect 1 "sign of version 4294967295: refused (no version 2^32)" 'version above 4294967295' -- withkeys seed "$ctl" sign "$u32"
cmp -s "$u32" "$work/u32/before" && ls "$work/u32" | grep -qvx -e top-realmfs.img -e before -e '.#top-realmfs.img.lock' && fail "sign left files: $(ls -a "$work/u32")" || ok "refused sign: the image untouched, nothing beside it"

# --- list: every image of the images directory, who vouches for it, its realms
lroot=$work/lroot
limages=$lroot/storage/realms/realmfs-images
mkdir -p "$limages" "$lroot/etc/realmboot" "$lroot/realms/realm-a" "$lroot/realms/realm-b" "$lroot/realms/realm-c"
printf '[channels]\nvendor = "%s"\n' "$vpk" >"$lroot/etc/realmboot/realmboot.conf"
"$ctl" create --name base --from "$work/tree" --keyring "$kr" --passphrase-file "$work/pass" "$limages/base-realmfs.img"
cp "$vimg" "$limages/tools-realmfs.img"
"$ctl" keyring init --keyring "$work/kr2" --passphrase-file "$work/pass2"
"$ctl" create --name stranger --from "$work/tree" --keyring "$work/kr2" --passphrase-file "$work/pass2" "$limages/stranger-realmfs.img"
cp "$limages/base-realmfs.img" "$limages/bare-realmfs.img"
printf 'garbage' >"$limages/broken-realmfs.img"
: >"$limages/.#base-realmfs.img.XXXXXX"
printf 'realmfs = "base"\n' >"$lroot/realms/realm-a/config"
printf 'realmfs = "base"\nautostart = true\n' >"$lroot/realms/realm-b/config"
printf 'realmfs = "tools"\n' >"$lroot/realms/realm-c/config"
listing() { insession env REALMBOOT_ROOT="$lroot" REALMBOOT_CMDLINE="" \
        bash -c 'keyctl padd user realmfs-user-public @s <"$1" >/dev/null && shift && exec "$@"' _ "$work/pk.bin" "$ctl" list "$@"; }
expect 0 "list --json" -- listing --json
/usr/bin/python3 - "$work/out" <<'PY' && ok "list --json: the rows and exactly the keys of realmfsctl(1)" || fail "list --json: $(cat "$work/out")"
import json, sys
rows = json.load(open(sys.argv[1]))
keys = {"name", "channel", "version", "nblocks", "trusted", "signer", "attached", "measured", "mountpoint", "realms"}
assert all(set(r) == keys for r in rows), [set(r) ^ keys for r in rows]
by = {r["name"]: r for r in rows}
assert sorted(by) == ["bare", "base", "broken", "stranger", "tools"], sorted(by)
assert not by["bare"]["trusted"] and by["bare"]["channel"] is None  # its metainfo names "base"
assert by["base"]["trusted"] and by["base"]["signer"] == "user" and by["base"]["realms"] == ["a", "b"], by["base"]
assert by["base"]["channel"] == "realmfs-user" and by["base"]["version"] == 1 and by["base"]["nblocks"] > 0
assert by["tools"]["trusted"] and by["tools"]["signer"] == "channel:vendor" and by["tools"]["realms"] == ["c"], by["tools"]
assert not by["stranger"]["trusted"] and by["stranger"]["signer"] is None and by["stranger"]["realms"] == []
assert by["broken"]["channel"] is None and not by["broken"]["trusted"]
assert all(r["attached"] is False and r["measured"] is False and r["mountpoint"] is None for r in rows)  # no device-mapper here
PY
expect 0 "list (a table)" -- listing
grep -q "^base .* user .* a,b$" "$work/out" && grep -q "^stranger .*untrusted: signature does not verify" "$work/out" &&
        grep -q "^tools .*channel:vendor .* c$" "$work/out" && grep -q "^broken .*untrusted: not a valid sealed RealmFS image" "$work/out" &&
        ok "list: one row per image with who vouches and the realms" || fail "list: $(cat "$work/out")"
expect 2 "list takes no argument" 'unexpected argument' -- "$ctl" list extra

# --- fork: a new image with the content of a trusted one, sealed with the
# user key (here the kernel's seed); only the header differs
forking() { # command...: in the list root, trusting pk, the seed of kpk in the kernel
        insession env REALMBOOT_ROOT="$lroot" REALMBOOT_CMDLINE="" bash -c '
                keyctl padd user realmfs-user-public @s <"$1" >/dev/null
                keyctl padd user realmfs-user @s <"$2" >/dev/null
                shift 2; exec "$@"' _ "$work/pk.bin" "$work/seed.bin" "$@"
}
expect 0 "fork base copy" -- forking "$ctl" fork base copy
expect 0 "the fork verifies with the signer's key" -- "$ctl" verify --public-key "$kpk" "$limages/copy-realmfs.img"
[ "$(meta_field "$limages/copy-realmfs.img" realmfs-name)" = copy ] && [ "$(meta_field "$limages/copy-realmfs.img" version)" = 1 ] &&
        [ "$(meta_field "$limages/copy-realmfs.img" channel)" = realmfs-user ] &&
        [ "$(meta_field "$limages/copy-realmfs.img" verity-root)" = "$(meta_field "$limages/base-realmfs.img" verity-root)" ] &&
        ok "fork: realmfs-name copy, version 1, channel realmfs-user, the same verity root" || fail "fork metainfo"
cmp -s <(tail -c +4097 "$limages/base-realmfs.img") <(tail -c +4097 "$limages/copy-realmfs.img") &&
        ok "fork: data and hash tree byte for byte the source's" || fail "fork changed the data"
cp "$limages/copy-realmfs.img" "$work/copy.before"
expect 1 "fork onto an existing image: refused" 'already exists, not replacing it' -- forking "$ctl" fork base copy
cmp -s "$limages/copy-realmfs.img" "$work/copy.before" && ok "the existing image is untouched" || fail "existing image changed"
expect 1 "fork of an untrusted image: refused" 'signature does not verify with any trusted key' -- forking "$ctl" fork stranger mine
[ ! -e "$limages/mine-realmfs.img" ] && ok "nothing written for it" || fail "mine-realmfs.img written"
expect 1 "fork onto its own name" 'a fork needs another name than base' -- forking "$ctl" fork base base
expect 1 "fork to an invalid name" 'Invalid RealmFS name "1x"' -- forking "$ctl" fork base 1x
expect 1 "fork, key mode public: refused" 'only loaded in safe mode' -- \
        insession env REALMBOOT_ROOT="$lroot" REALMBOOT_CMDLINE="" bash -c 'keyctl padd user realmfs-user-public @s <"$1" >/dev/null; shift; exec "$@"' _ "$work/pk.bin" "$ctl" fork base other
# a killed run left its temporary file and holds no lock: the next run removes it
: >"$limages/.#third-realmfs.img.AbC123"
expect 0 "fork after an interrupted one" -- forking "$ctl" fork base third
grep -q "removed what an interrupted run left: 1 temporary file," "$work/err" && [ ! -e "$limages/.#third-realmfs.img.AbC123" ] &&
        ok "the leftover temporary file removed, said in one line" || fail "debris: $(cat "$work/err"); $(ls -a "$limages")"
# another run holding the lock: refused at once, the lock named
flock "$limages/.#fourth-realmfs.img.lock" sleep 30 &
holder=$!
for i in $(seq 1 50); do flock -n "$limages/.#fourth-realmfs.img.lock" true || break; sleep 0.1; done
expect 1 "fork while another run holds the lock: refused at once, the lock named" \
        'another realmfsctl works on this image (lock' -- forking "$ctl" fork base fourth
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null
[ ! -e "$limages/fourth-realmfs.img" ] && ok "nothing written while locked" || fail "fourth written"

# --- create refusals, nothing half-written
expect 1 "create: output not NAME-realmfs.img" 'output must be named main-realmfs.img' -- "$ctl" create --name main --from "$work/tree" --keyring "$kr" --passphrase-file "$work/pass" "$work/img/wrong.img"
expect 1 "create: invalid name" 'Invalid RealmFS name "1bad": a letter, then letters' -- "$ctl" create --name 1bad --from "$work/tree" --keyring "$kr" --passphrase-file "$work/pass" "$work/img/1bad-realmfs.img"
expect 1 "create: missing source dir" 'No such file or directory' -- "$ctl" create --name gone --from "$work/nonexistent" --keyring "$kr" --passphrase-file "$work/pass" "$work/img/gone-realmfs.img"
expect 1 "create: wrong passphrase" 'wrong passphrase or damaged keyring' -- "$ctl" create --name gone --from "$work/tree" --keyring "$kr" --passphrase-file "$work/pass2" "$work/img/gone-realmfs.img"
expect 2 "create: missing --from" 'create: --name and --from are required' -- "$ctl" create --name gone "$work/img/gone-realmfs.img"
expect 1 "create: no --keyring and no kernel key" 'No signing key: no realmfs-user key in the kernel keyring and no --keyring' -- \
        insession "$ctl" create --name gone --from "$work/tree" "$work/img/gone-realmfs.img"
# (the empty lock files .#NAME-realmfs.img.lock stay: removing one under
# flock would race with the next run)
[ "$(ls -A "$work/img" | grep -v '^\.#.*-realmfs\.img\.lock$')" = "$(printf 'main-realmfs.img\ntools-realmfs.img')" ] &&
        ok "no partial output files" || fail "left: $(ls -A "$work/img")"

# --- bad images: each exit 1 with one line
bad=$work/bad
mkdir -p "$bad"
mk() { mkdir -p "$bad/$1"; cp "$img" "$bad/$1/main-realmfs.img"; echo "$bad/$1/main-realmfs.img"; }
b=$(mk trunc); head -c 1000 "$img" >"$b"
expect 1 "truncated inside the header" 'file too short for a RealmFS header (4096 bytes)' -- "$ctl" verify --public-key "$pk" "$b"
expect 1 "inspect truncated inside the header" 'file too short for a RealmFS header (4096 bytes)' -- "$ctl" inspect "$b"
b=$(mk trunc2); truncate -s $(( (nblocks + 1) * 4096 )) "$b"
expect 1 "truncated: hash area missing" 'image truncated: shorter than the header' -- "$ctl" verify --public-key "$pk" "$b"
b=$(mk magic); printf 'XGOS' | dd of="$b" conv=notrunc status=none
expect 1 "wrong magic" 'invalid header: bad magic (not a RealmFS image)' -- "$ctl" verify --public-key "$pk" "$b"
expect 1 "inspect wrong magic" 'invalid header: bad magic (not a RealmFS image)' -- "$ctl" inspect "$b"
b=$(mk len0); printf '\x00\x00' | dd of="$b" bs=1 seek=6 conv=notrunc status=none
expect 1 "metainfo length 0" 'invalid header: metainfo length is 0' -- "$ctl" inspect "$b"
b=$(mk len4025); printf '\x0f\xb9' | dd of="$b" bs=1 seek=6 conv=notrunc status=none
expect 1 "metainfo length 4025" 'invalid header: metainfo length exceeds 4024' -- "$ctl" inspect "$b"
b=$(mk badhex)
/usr/bin/python3 - "$b" <<'PY'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    h = bytearray(f.read(4096))
    n = h[6] << 8 | h[7]
    m = bytes(h[8:8 + n])
    i = m.index(b'verity-root = "') + len('verity-root = "')
    h[8 + i] = ord('z')
    f.seek(0); f.write(h)
PY
expect 1 "bad hex in verity-root" 'expected 64 hex digits for' -- "$ctl" verify --public-key "$pk" "$b"
b=$(mk unsigned)
/usr/bin/python3 - "$b" <<'PY'
import sys
p = sys.argv[1]
with open(p, "r+b") as f:
    h = bytearray(f.read(4096))
    n = h[6] << 8 | h[7]
    h[8 + n:8 + n + 64] = bytes(64)
    f.seek(0); f.write(h)
PY
expect 1 "unsigned image" 'image is not signed' -- "$ctl" verify --public-key "$pk" "$b"
grep -q "not signed" "$work/err" && ok "unsigned named as such" || fail "message: $(cat "$work/err")"
cp "$img" "$bad/other-realmfs.img"
expect 1 "wrong name (file renamed)" 'metainfo realmfs-name "main" does not match the file name' -- "$ctl" verify --public-key "$pk" "$bad/other-realmfs.img"
cp "$img" "$bad/noname.img"
expect 1 "file not named NAME-realmfs.img" 'file name is not NAME-realmfs.img with a valid NAME' -- "$ctl" verify --public-key "$pk" "$bad/noname.img"
b=$(mk fliphdr); flip "$b" 20
expect 1 "flipped byte in header metainfo" 'invalid value (strings need quotes)' -- "$ctl" verify --public-key "$pk" "$b"
b=$(mk flipvalue)
off=$(/usr/bin/python3 -c 'import sys; h=open(sys.argv[1],"rb").read(4096); print(8 + h.index(b"shasum = \"") + 12)' "$b")
flip "$b" "$off"
expect 1 "flipped byte in a metainfo value (still valid TOML)" 'signature does not verify with any trusted key' -- "$ctl" verify --public-key "$pk" "$b"
grep -q "signature does not verify" "$work/err" && ok "metainfo change caught by the signature" || fail "message: $(cat "$work/err")"
mlen=$(/usr/bin/python3 -c 'import sys; h=open(sys.argv[1],"rb").read(8); print(h[6]<<8|h[7])' "$img")
b=$(mk flipsig); flip "$b" $((8 + mlen + 10))
expect 1 "flipped byte in signature" 'signature does not verify with any trusted key' -- "$ctl" verify --public-key "$pk" "$b"
b=$(mk flipzero); flip "$b" 4000
expect 1 "flipped byte in header padding" 'invalid header: non-zero bytes after the signature' -- "$ctl" verify --public-key "$pk" "$b"
b=$(mk flipdata); flip "$b" $((4096 + nblocks * 4096 / 2 + 123))
expect 1 "flipped byte in data area" 'verity hash tree does not match the signed verity-root' -- "$ctl" verify --public-key "$pk" "$b"
grep -q "does not match the signed verity-root" "$work/err" && ok "data corruption named" || fail "message: $(cat "$work/err")"
b=$(mk flipsb); flip "$b" $((4096 + nblocks * 4096 + 100))
expect 1 "flipped byte in verity superblock (salt)" 'verity superblock salt disagrees with signed verity-salt' -- "$ctl" verify --public-key "$pk" "$b"
b=$(mk fliptree); flip "$b" $((4096 + nblocks * 4096 + 4096 + 7))
expect 1 "flipped byte in hash tree" 'verity hash tree does not match the signed verity-root' -- "$ctl" verify --public-key "$pk" "$b"
expect 1 "nonexistent image" 'No such file or directory' -- "$ctl" verify --public-key "$pk" "$bad/none-realmfs.img"
expect 1 "directory as image" 'cannot open: Is a directory' -- "$ctl" inspect "$bad"
b=$(mk rand); head -c 8192 /dev/urandom >"$b"
expect 1 "random bytes" 'invalid header: bad magic (not a RealmFS image)' -- "$ctl" inspect "$b"

# --- untrusted text never reaches the terminal raw: a metainfo whose
# channel holds an escape sequence and a newline (TOML \u001b, \n), an
# invalid one with raw control bytes
set_meta() { # image, metainfo text (TOML, as Python string escapes): header rewritten, junk signature
        /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
p, meta = sys.argv[1], sys.argv[2].encode().decode("unicode_escape").encode("latin-1")
d = bytearray(open(p, "rb").read())
h = b"SGOS\x01\x02" + len(meta).to_bytes(2, "big") + meta + b"\x5a" * 64
d[0:4096] = h + bytes(4096 - len(h))
open(p, "wb").write(d)
PY
}
b=$(mk esc)
set_meta "$b" "$(/usr/bin/python3 - "$img" "$ctl" <<'PY'
import json, subprocess, sys
m = json.loads(subprocess.run([sys.argv[2], "inspect", "--json", sys.argv[1]], capture_output=True, text=True).stdout)["metainfo"]
m["channel"] = "\x1b]0;pwned\x07\x1b[2J\nsecond line"
out = "".join('%s = %s\\n' % (k, v if isinstance(v, int) else json.dumps(v).replace("\\", "\\\\")) for k, v in m.items())
print(out, end="")
PY
)"
expect 1 "verify: channel with escape sequences and a newline" 'no trusted key for channel "\x1b]0;pwned\x07' -- insession env REALMBOOT_ROOT="$work/emptyroot" REALMBOOT_CMDLINE="" "$ctl" verify "$b"
grep -q "no trusted key for channel" "$work/err" && ! grep -q $'\x1b' "$work/err" && grep -qF '\x1b]0;pwned\x07\x1b[2J\x0asecond line' "$work/err" &&
        ok "the channel is logged escaped, on one line" || fail "raw: $(od -c "$work/err" | head -5)"
expect 0 "inspect: that image" -- "$ctl" inspect "$b"
! grep -q $'\x1b' "$work/out" && ok "inspect prints no raw escape" || fail "inspect: $(od -c "$work/out" | head)"
set_meta "$b" 'image-type = "realmfs"\nchannel = "\x1b[31mred\x07"\n'
expect 1 "inspect: invalid metainfo with raw control bytes" 'control character in string (use an escape)' -- "$ctl" inspect "$b"
! grep -q $'\x1b' "$work/out" "$work/err" && grep -qF 'channel = "\x1b[31mred\x07"' "$work/out" &&
        ok "raw control bytes printed escaped" || fail "inspect: $(od -c "$work/out" | head)"

# --- a FIFO where an image is read: refused at once, never waited for
mkfifo "$bad/fifo-realmfs.img"
expect 1 "verify: a FIFO as the image" 'not a regular file' -- timeout 10 "$ctl" verify --public-key "$pk" "$bad/fifo-realmfs.img"
grep -q "not a regular file" "$work/err" && ok "FIFO named as not a regular file" || fail "message: $(cat "$work/err")"
expect 1 "inspect: a FIFO as the image" 'cannot open: not a regular file' -- timeout 10 "$ctl" inspect "$bad/fifo-realmfs.img"
mkfifo "$bad/fifo-keyring"
expect 1 "keyring show-public: a FIFO as the keyring" 'cannot read keyring: not a regular file' -- timeout 10 "$ctl" keyring show-public --keyring "$bad/fifo-keyring" --passphrase-file "$work/pass"
grep -q "not a regular file" "$work/err" && ok "FIFO keyring named as not a regular file" || fail "message: $(cat "$work/err")"
# a passphrase may come through a pipe (bash process substitution)
expect 0 "--passphrase-file from a pipe" -- "$ctl" keyring show-public --keyring "$kr" --passphrase-file <(printf 'secret pass\n')

test_end
