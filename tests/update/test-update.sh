#!/bin/bash
# realmfsctl update, resize, rollback on the host (root, loop devices,
# systemd-nspawn without systemd as PID 1), and kill -9 at every step of
# them and of sign and fork: the image is then byte-identical and verifies,
# or is the complete new version; the next run removes the rest.
# Usage: test-update.sh PATH-TO-REALMFSCTL
set -u
. "$(dirname "$0")/../lib.sh"
require_session_keyring
[ "$(id -u)" -eq 0 ] || { echo "skip: not root: update needs loop devices and mounts"; exit 77; }
ctl=$1
test_begin update
test_on_exit() {
        # a failed check may leave a stopped run: no process of ours survives the test
        for p in $(ours); do kill -9 "$p"; done 2>/dev/null
        for l in $(losetup -a | grep -F "$work" | cut -d: -f1); do losetup -d "$l" 2>/dev/null; done
        rmdir /run/realmfsctl/base.* /run/realmfsctl/dmg.* 2>/dev/null
}

# expect EXIT DESCRIPTION [WORDS] -- COMMAND... (as in tests/realmfsctl):
# a failure is one line on stderr holding WORDS
expect() {
        local want=$1 desc=$2 words=
        shift 2
        if [ "$1" != -- ]; then words=$1; shift; fi
        shift
        "$@" >"$work/out" 2>"$work/err" </dev/null
        local got=$? lines
        lines=$(grep -cv '^Attempted to remove disk file system' "$work/err")
        if [ "$got" -ne "$want" ]; then
                fail "$desc: exit $got, expected $want; stderr: $(head -5 "$work/err")"
        elif [ "$want" -ne 0 ] && [ "$lines" -ne 1 ]; then
                fail "$desc: $lines lines on stderr, expected one: $(cat "$work/err")"
        elif [ "$want" -ne 0 ] && { [ -z "$words" ] || ! grep -qF -- "$words" "$work/err"; }; then
                fail "$desc: expected \"$words\" in: $(cat "$work/err")"
        else
                ok "$desc$( [ "$want" -ne 0 ] && echo " ($(head -1 "$work/err"))")"
        fi
}

root=$work/root
images=$root/storage/realms/realmfs-images
img=$images/base-realmfs.img
mkdir -p "$images" "$root/etc/realmboot" "$root/realms/realm-main"
printf 'realmfs = "base"\n' >"$root/realms/realm-main/config"

# a tree nspawn accepts: /usr, a shell and a few programs with their libraries
tree=$work/tree
mkdir -p "$tree/usr/bin" "$tree/etc"
for p in /bin/dash /bin/sleep /bin/cat /bin/true; do
        cp "$p" "$tree/usr/bin/"
        for lib in $(ldd "$p" | grep -o '/[^ ]*'); do mkdir -p "$tree/$(dirname "$lib")"; cp -n "$lib" "$tree/$lib"; done
done
mv "$tree/usr/bin/dash" "$tree/usr/bin/sh"
for d in lib lib64; do [ -d "$tree/$d" ] && { mkdir -p "$tree/usr/$d"; cp -a "$tree/$d/." "$tree/usr/$d/"; rm -rf "${tree:?}/$d"; }; done
ln -s usr/bin "$tree/bin"; ln -s usr/lib "$tree/lib"; [ -d "$tree/usr/lib64" ] && ln -s usr/lib64 "$tree/lib64"
echo "ID=realmboot-test" >"$tree/etc/os-release"
echo "v1" >"$tree/etc/version"

# keys: the user's (seed in the kernel, as in safe mode) and a stranger's
/usr/bin/python3 - "$work" <<'PY'
import os, sys, nacl.signing
w = sys.argv[1]
for name in ("user", "stranger"):
    seed = os.urandom(32)
    open(f"{w}/{name}.seed", "wb").write(seed)
    open(f"{w}/{name}.pk", "wb").write(nacl.signing.SigningKey(seed).verify_key.encode())
PY
pk=$(od -An -tx1 "$work/user.pk" | tr -d ' \n')

# run [seed|public|none|stranger] command...: in a private session keyring
# with those keys, under the test root
run() {
        local which=$1; shift
        keyctl session - bash -c '
                w=$1; which=$2; shift 2
                case $which in
                seed) keyctl padd user realmfs-user-public @s <"$w/user.pk" >/dev/null; keyctl padd user realmfs-user @s <"$w/user.seed" >/dev/null ;;
                public) keyctl padd user realmfs-user-public @s <"$w/user.pk" >/dev/null ;;
                stranger) keyctl padd user realmfs-user-public @s <"$w/user.pk" >/dev/null; keyctl padd user realmfs-user @s <"$w/stranger.seed" >/dev/null ;;
                esac
                exec env REALMBOOT_ROOT="$w/root" REALMBOOT_CMDLINE= "$@" 2>&3' _ "$work" "$which" "$@" 3>&2 2>/dev/null
}
meta() { "$ctl" inspect --json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["metainfo"][sys.argv[1]])' "$2"; }
verifies() { "$ctl" verify --public-key "$pk" "$1" >/dev/null 2>&1; }
# the file's content in the image (its data area, mounted read-only)
in_image() { # image path-in-image
        local m=$work/mnt out
        mkdir -p "$m"
        mount -o ro,loop,offset=4096,sizelimit=$(( $(meta "$1" nblocks) * 4096 )) "$1" "$m" 2>/dev/null || { echo "(cannot mount)"; return; }
        out=$(cat "$m/$2" 2>/dev/null || echo "(missing)")
        umount "$m"
        echo "$out"
}
our_loops() { losetup -a | grep -F "$images" ; }
no_loops_left() { # bounded: the kernel lets a loop device go when its last user did
        for i in $(seq 1 50); do [ -z "$(our_loops)" ] && return 0; sleep 0.1; done
        return 1
}
shasum_ok() { # the metainfo shasum is the SHA-256 of the data area
        [ "$(tail -c +4097 "$1" | head -c $(( $(meta "$1" nblocks) * 4096 )) | sha256sum | cut -d' ' -f1)" = "$(meta "$1" shasum)" ]
}

run seed "$ctl" create --name base --from "$tree" "$img" || fail "create base"
cp "$img" "$work/v1"
nblocks1=$(meta "$img" nblocks)

# --- update --commit: the change is sealed, the image is version 2, the old one the backup
expect 0 "update base --commit --grow 8M -- COMMAND (options after NAME)" -- run seed "$ctl" update base --commit --grow 8M -- /bin/sh -c 'echo updated >/etc/update-test'
grep -q "version 2 sealed and saved" "$work/err" && grep -q "no realm runs on version 1; realms started now run on version 2" "$work/err" &&
        ok "it says what it saved and that no realm runs on version 1" || fail "update said: $(cat "$work/err")"
verifies "$img" && ok "version 2 verifies with the user key" || fail "version 2 does not verify"
[ "$(meta "$img" version)" = 2 ] && ok "version 1 -> 2" || fail "version $(meta "$img" version)"
[ "$(in_image "$img" /etc/update-test)" = updated ] && [ "$(in_image "$img" /etc/version)" = v1 ] &&
        ok "the command's file is in the new version, the old content too" || fail "content: $(in_image "$img" /etc/update-test)"
[ "$(meta "$img" nblocks)" -eq $((nblocks1 + 2048)) ] && ok "--grow 8M: 2048 more blocks" || fail "nblocks $nblocks1 -> $(meta "$img" nblocks)"
[ "$(meta "$img" verity-salt)" != "$(meta "$work/v1" verity-salt)" ] && ok "a new salt" || fail "salt reused"
shasum_ok "$img" && ok "shasum is the SHA-256 of the new data area" || fail "shasum wrong"
cmp -s "$img.0" "$work/v1" && ok "the backup base-realmfs.img.0 is version 1, byte for byte" || fail "backup differs"
[ -z "$(ls -A "$images" | grep -v '^\.#base-realmfs.img.lock$' | grep '^\.#')" ] && ok "no work copy left" || fail "left: $(ls -A "$images")"
no_loops_left && ok "no loop device left" || fail "loop devices: $(our_loops)"
! ls -d /run/realmfsctl/base.* >/dev/null 2>&1 && ok "no mount point left" || fail "left: $(ls /run/realmfsctl)"
cp "$img" "$work/v2"

# an image of a vendor channel: the update is the user's, signed with the
# user key, so its channel becomes realmfs-user
printf '[channels]\nvendor = "%s"\n' "$(od -An -tx1 "$work/stranger.pk" | tr -d ' \n')" >"$root/etc/realmboot/realmboot.conf"
run stranger "$ctl" create --name tools --channel vendor --from "$tree" "$images/tools-realmfs.img" 2>/dev/null
expect 0 "update of a vendor-channel image" -- run seed "$ctl" update --commit tools -- /bin/sh -c 'echo mine >/etc/mine'
[ "$(meta "$images/tools-realmfs.img" channel)" = realmfs-user ] && verifies "$images/tools-realmfs.img" &&
        ok "its new version: channel realmfs-user, signed with the user key" || fail "channel $(meta "$images/tools-realmfs.img" channel)"
rm -f "$images/tools-realmfs.img" "$images/tools-realmfs.img.0" "$root/etc/realmboot/realmboot.conf"

# --- nothing saved: --discard, a failing command, the answer "n"
expect 0 "update --discard" -- run seed "$ctl" update --discard base -- /bin/sh -c 'echo x >/etc/discarded'
cmp -s "$img" "$work/v2" && cmp -s "$img.0" "$work/v1" && ok "--discard: image and backup as they were" || fail "--discard changed files"
expect 1 "update --commit, the command fails" 'the command failed (status 3): nothing saved' -- \
        run seed "$ctl" update --commit base -- /bin/sh -c 'echo x >/etc/half; exit 3'
cmp -s "$img" "$work/v2" && ok "a failing command saves nothing" || fail "image changed"
# answer WORD command...: runs it on a terminal, answers WORD once asked
# answer WORD command...: runs it on a terminal, answers WORD once asked
cat >"$work/answer.py" <<'PY'
import os, pty, select, sys, time
word, argv = sys.argv[1], sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
out, asked, end = b"", False, time.time() + 120
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 1)
    if not r:
        continue
    try:
        data = os.read(fd, 4096)
    except OSError:
        break
    if not data:
        break
    out += data
    if not asked and b"[y/N]" in out:
        os.write(fd, word.encode() + b"\n")
        asked = True
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
run seed /usr/bin/python3 "$work/answer.py" n "$ctl" update base -- /bin/sh -c 'echo asked >/etc/asked' >"$work/out" 2>&1
grep -q "Seal and save the changes to base? \[y/N\]" "$work/out" && cmp -s "$img" "$work/v2" &&
        ok "asked on the terminal, answer n: nothing saved" || fail "question: $(cat "$work/out")"
run seed /usr/bin/python3 "$work/answer.py" y "$ctl" update base -- /bin/sh -c 'echo asked >/etc/asked' >"$work/out" 2>&1
[ "$(meta "$img" version)" = 3 ] && [ "$(in_image "$img" /etc/asked)" = asked ] && cmp -s "$img.0" "$work/v2" &&
        ok "answer y: version 3 saved, version 2 the backup" || fail "after y: version $(meta "$img" version): $(cat "$work/out")"
cp "$img" "$work/v3"
expect 1 "update, neither --commit nor --discard, no terminal to ask: nothing saved" 'no terminal to ask whether to save' -- \
        run seed setsid -w "$ctl" update base -- /bin/sh -c 'echo x >/etc/x'
cmp -s "$img" "$work/v3" && ok "no terminal: the image as it was" || fail "image changed"
expect 0 "update, no command: the image's shell (here /bin/sh, commands on stdin)" -- \
        run seed bash -c "echo 'echo from-shell >/etc/shell' | $ctl update --commit base"
[ "$(in_image "$img" /etc/shell)" = from-shell ] && ok "the shell ran in the image" || fail "shell content: $(in_image "$img" /etc/shell)"
cp "$img" "$work/v4"

# --- offline: no network in the container
expect 0 "update: the container sees only a loopback interface" -- \
        run seed "$ctl" update --discard base -- /bin/sh -c 'cat /proc/net/dev >/etc/netdev; cat /proc/net/dev'
[ "$(grep -c ':' "$work/out")" -eq 1 ] && grep -q '^ *lo:' "$work/out" && ok "only lo in /proc/net/dev" || fail "interfaces: $(cat "$work/out")"

# --- refusals: the image stays as it was
expect 1 "update, key mode public: refused before any work" 'only loaded in safe mode' -- \
        run public "$ctl" update --commit base -- /bin/sh -c 'echo x >/etc/x'
expect 1 "update, no key at all" 'No signing key' -- run none "$ctl" update --commit base -- /bin/sh -c true
expect 2 "--commit and --discard" '--commit and --discard exclude each other' -- run seed "$ctl" update --commit --discard base
expect 2 "--grow with a bad size" "--grow: invalid size '12Q'" -- run seed "$ctl" update --grow 12Q base
expect 2 "a command without --" "the command goes after '--'" -- run seed "$ctl" update base /bin/true
expect 1 "update of a missing image" 'No such file' -- run seed "$ctl" update --commit nothere -- /bin/true
cmp -s "$img" "$work/v4" && ok "refusals left the image as it was" || fail "image changed by a refusal"

# a source that does not verify is never sealed again: a stranger's image,
# and a signed image with one changed data block
run stranger "$ctl" create --name other --from "$tree" "$images/other-realmfs.img" 2>/dev/null
expect 1 "update of an image no trusted key signed: refused" 'signature does not verify with any trusted key' -- \
        run seed "$ctl" update --commit other -- /bin/true
run seed "$ctl" create --name other --from "$tree" "$images/other-realmfs.img" 2>/dev/null ||
        run seed "$ctl" sign "$images/other-realmfs.img" 2>/dev/null
/usr/bin/python3 - "$images/other-realmfs.img" <<'PY'
import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(4096 + 40 * 4096 + 7); b = f.read(1); f.seek(4096 + 40 * 4096 + 7); f.write(bytes([b[0] ^ 1]))
PY
cp "$images/other-realmfs.img" "$work/other.tampered"
expect 1 "update of a signed image with a changed data block: refused" 'does not match' -- \
        run seed "$ctl" update --commit other -- /bin/true
cmp -s "$images/other-realmfs.img" "$work/other.tampered" && [ ! -e "$images/other-realmfs.img.0" ] &&
        ok "the tampered image is not re-sealed" || fail "tampered image changed"
rm -f "$images/other-realmfs.img"

# a damaged filesystem is never sealed: e2fsck -fn fails after the command
cp "$img" "$work/before-damage"
mkdir -p "$work/dmg"
run seed "$ctl" create --name dmg --from "$tree" "$images/dmg-realmfs.img"
dd if="$images/dmg-realmfs.img" of="$work/dmg.data" bs=4096 skip=1 count="$(meta "$images/dmg-realmfs.img" nblocks)" status=none
debugfs -w -R "clri /etc/version" "$work/dmg.data" >/dev/null 2>&1
dd if="$work/dmg.data" of="$images/dmg-realmfs.img" bs=4096 seek=1 conv=notrunc status=none
run seed "$ctl" sign "$images/dmg-realmfs.img" 2>/dev/null
cp "$images/dmg-realmfs.img" "$work/dmg.before"
expect 1 "update of an image with a damaged filesystem: not sealed" 'the filesystem check (e2fsck -fn) failed' -- \
        run seed "$ctl" update --commit dmg -- /bin/true
cmp -s "$images/dmg-realmfs.img" "$work/dmg.before" && ok "the damaged image stays as it was" || fail "dmg changed"
printf '#!/bin/sh\necho "resize2fs: No space left on device while trying to resize" >&2\nexit 1\n' >"$work/bad-resize2fs"
chmod +x "$work/bad-resize2fs"
expect 1 "update --grow, resize2fs fails: nothing saved" 'resize2fs failed (exit status 1: resize2fs: No space left' -- \
        run seed env REALMBOOT_RESIZE2FS="$work/bad-resize2fs" "$ctl" update --commit --grow 4M base -- /bin/true
cmp -s "$img" "$work/v4" && ok "the image as it was after resize2fs failed" || fail "image changed"
# a full disk: the images directory on a filesystem too small for the copy
full=$work/full
mkdir -p "$full"
truncate -s $(( $(stat -c %s "$img") * 3 / 2 + 2 * 1024 * 1024 )) "$work/full.fs"; mkfs.ext4 -q -m 0 "$work/full.fs"; mount -o loop "$work/full.fs" "$full"
froot=$full/root; mkdir -p "$froot/storage/realms/realmfs-images" "$froot/etc"
cp "$img" "$froot/storage/realms/realmfs-images/base-realmfs.img"
cp "$img" "$work/full.before"
expect 1 "update on a full disk: nothing saved" 'No space left on device' -- \
        run seed env REALMBOOT_ROOT="$froot" "$ctl" update --commit --grow 1M base -- /bin/true
cmp -s "$froot/storage/realms/realmfs-images/base-realmfs.img" "$work/full.before" &&
        [ -z "$(ls -A "$froot/storage/realms/realmfs-images" | grep -v lock | grep '^\.#')" ] &&
        ok "full disk: the image as it was, no copy left" || fail "full disk: $(ls -A "$froot/storage/realms/realmfs-images")"
umount "$full"

# the lock: one writer per image, refused at once
flock -o "$images/.#base-realmfs.img.lock" sleep 30 &
holder=$!
for i in $(seq 1 50); do flock -n "$images/.#base-realmfs.img.lock" true || break; sleep 0.1; done
expect 1 "update while another run holds the lock" 'another realmfsctl works on this image (lock' -- \
        run seed "$ctl" update --commit base -- /bin/true
kill "$holder"; wait "$holder" 2>/dev/null

# --- resize: grow only
expect 0 "resize base 32M" -- run seed "$ctl" resize base 32M
[ "$(meta "$img" nblocks)" -eq 8192 ] && verifies "$img" && [ "$(meta "$img" version)" = 5 ] && cmp -s "$img.0" "$work/v4" &&
        ok "resize: 8192 blocks, version 5, verifies, version 4 the backup" || fail "resize: $(meta "$img" nblocks) blocks"
dd if="$img" of="$work/fs.data" bs=4096 skip=1 count=8192 status=none
fsblocks=$(dumpe2fs -h "$work/fs.data" 2>/dev/null | sed -n 's/^Block count: *//p')
[ "$fsblocks" = 8192 ] && ok "the filesystem fills the 32M" || fail "filesystem block count $fsblocks"
cp "$img" "$work/v5"
expect 1 "resize to a smaller size: refused" 'cannot shrink' -- run seed "$ctl" resize base 16M
expect 2 "resize with a bad size" "invalid size 'big'" -- run seed "$ctl" resize base big
# Citadel reads nblocks and version as u32: refused before any copy
expect 1 "resize to 17T (more than 2^32 blocks): refused at once" 'nblocks above 4294967295' -- run seed "$ctl" resize base 17T
cmp -s "$img" "$work/v5" && ok "refused resizes left it as it was" || fail "image changed"
/usr/bin/python3 - "$img" "$work/user.seed" "$work/vmax" <<'PY'
import re, sys, nacl.signing
p, seed, out = sys.argv[1], open(sys.argv[2], "rb").read(), sys.argv[3]
b = bytearray(open(p, "rb").read())
n = int.from_bytes(b[6:8], "big")
meta = re.sub(rb"\nversion = \d+\n", b"\nversion = 4294967295\n", bytes(b[8:8 + n]))
hdr = bytes(b[4:6]) + len(meta).to_bytes(2, "big") + meta + nacl.signing.SigningKey(seed).sign(meta).signature
b[0:4096] = b"SGOS" + hdr + bytes(4096 - 4 - len(hdr))
open(out, "wb").write(b)
PY
cp "$work/vmax" "$img"
before_ls=$(ls -A "$images")
expect 1 "update of version 4294967295: refused at once (no version 2^32)" 'version above 4294967295' -- run seed "$ctl" update --commit base -- /bin/true
cmp -s "$img" "$work/vmax" && [ "$(ls -A "$images")" = "$before_ls" ] &&
        ok "the refused update left the image and nothing beside it" || fail "after the refused update: $(ls -a "$images")"
cp "$work/v5" "$img"

# --- rollback: the backup and the image change places
expect 0 "rollback" -- run public "$ctl" rollback base
cmp -s "$img" "$work/v4" && cmp -s "$img.0" "$work/v5" && ok "rollback: version 4 is the image, 5 the backup, no key needed" ||
        fail "rollback: $(meta "$img" version)"
expect 0 "rollback again" -- run public "$ctl" rollback base
cmp -s "$img" "$work/v5" && cmp -s "$img.0" "$work/v4" && ok "and back: version 5" || fail "rollback back"
# a backup no trusted key vouches for any more is re-signed (with a version above both)
run stranger "$ctl" create --name base --from "$tree" "$work/base-realmfs.img" 2>/dev/null
cp "$work/base-realmfs.img" "$img.0"
expect 1 "rollback to an untrusted backup, key mode public: refused" 'only loaded in safe mode' -- run public "$ctl" rollback base
cmp -s "$img" "$work/v5" && ok "refused: image as it was" || fail "image changed"
expect 0 "rollback to an untrusted backup: re-signed with the user key" -- run seed "$ctl" rollback base
verifies "$img" && [ "$(meta "$img" version)" = 6 ] && cmp -s "$img.0" "$work/v5" &&
        ok "re-signed backup: verifies, version 6, version 5 the backup" || fail "re-signed: version $(meta "$img" version)"
rm -f "$img.0"
expect 1 "rollback without a backup" 'no backup' -- run none "$ctl" rollback base
cp "$work/v5" "$img"; cp "$work/v4" "$img.0"

# --- kill -9 at every step: the image byte-identical and verifying, the
# next run removes what was left (copies, loop devices, the mount point)
# the realmfsctl processes of this test (its root in their environment:
# another user of the same binary, a benchmark, is not ours), oldest first
ours() {
        local p
        for p in $(pgrep -f "^$ctl $*"); do
                grep -qzx "REALMBOOT_ROOT=$work/root" "/proc/$p/environ" 2>/dev/null && echo "$p"
        done
}
# the realmfsctl run that stopped at its point (SIGSTOP): its pid
stopped() {
        local p
        for i in $(seq 1 300); do
                for p in $(ours); do
                        [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = T ] && { echo "$p"; return 0; }
                done
                sleep 0.1
        done
        return 1
}
killed_at() { # description point verb args...: stops there (REALMBOOT_TEST_STOP), killed with -9
        local desc=$1 point=$2 job pid
        shift 2
        cp "$img" "$work/before-kill"
        run seed env REALMBOOT_TEST_STOP="$point" "$ctl" "$@" >/dev/null 2>&1 &
        job=$!
        if ! pid=$(stopped); then fail "$desc: never reached $point"; kill -9 "$job"; wait "$job" 2>/dev/null; return; fi
        kill -9 "$pid"; wait "$job" 2>/dev/null
        check_after_kill "$desc"
}
check_after_kill() {
        local desc=$1
        if cmp -s "$img" "$work/before-kill" && verifies "$img"; then
                ok "$desc: the image is byte-identical and verifies"
        elif verifies "$img" && [ "$(meta "$img" version)" -gt "$(meta "$work/before-kill" version)" ]; then
                ok "$desc: the image is the complete new version"
        else
                fail "$desc: the image is neither the old nor a complete new one"
        fi
        no_loops_left && ok "$desc: no loop device of ours left" || fail "$desc: loop devices left: $(our_loops)"
        pgrep -f '^sleep 4242' >/dev/null && fail "$desc: the container's command still runs" || true
        # the next run removes the rest, in one line
        expect 0 "$desc: the next run" -- run seed "$ctl" update --discard base -- /bin/true
        if [ -n "$(ls -A "$images" | grep -v '^\.#.*\.lock$' | grep '^\.#')" ] || ls -d /run/realmfsctl/base.* >/dev/null 2>&1; then
                fail "$desc: left after the next run: $(ls -A "$images") $(ls /run/realmfsctl 2>/dev/null)"
        else
                ok "$desc: nothing left after the next run$(grep -o 'removed what.*' "$work/err" | sed 's/^/ (/;s/$/)/')"
        fi
}
killed_at "kill -9 after the source verified" verified update --commit base -- /bin/true
killed_at "kill -9 after the copy" copied update --commit base -- /bin/true
killed_at "kill -9 after the filesystem check" checked update --commit --grow 1M base -- /bin/sh -c 'echo k >/etc/k'
killed_at "kill -9 after sealing, before the renames" sealed update --commit base -- /bin/sh -c 'echo k >/etc/k'
killed_at "kill -9 between backup and rename" backup update --commit base -- /bin/sh -c 'echo k >/etc/k'
killed_at "kill -9 in resize after sealing" sealed resize base 40M
killed_at "kill -9 in rollback after re-signing" resigned rollback base
killed_at "kill -9 in sign before the rename" written sign "$img"
cp "$img" "$work/before-kill"
run seed env REALMBOOT_TEST_STOP=written "$ctl" fork base forked >/dev/null 2>&1 &
job=$!
pid=$(stopped) && kill -9 "$pid"; wait "$job" 2>/dev/null
[ ! -e "$images/forked-realmfs.img" ] && ok "kill -9 in fork before the link: no forked image" || fail "a forked image appeared"
expect 0 "the next fork removes the killed one's file and forks" -- run seed "$ctl" fork base forked
grep -q 'removed what an interrupted run left' "$work/err" && verifies "$images/forked-realmfs.img" &&
        ok "fork after the kill: debris removed, the fork verifies" || fail "fork after kill: $(cat "$work/err")"
# while the command runs in the container
cp "$img" "$work/before-kill"
run seed "$ctl" update --commit base -- /bin/sh -c 'echo half >/etc/half; exec sleep 4242' >/dev/null 2>&1 &
job=$!
for i in $(seq 1 100); do pgrep -f '^sleep 4242' >/dev/null && break; sleep 0.1; done
pgrep -f '^sleep 4242' >/dev/null && ok "the command runs in the container" || fail "the command never ran"
ls -d /run/realmfsctl/base.* >/dev/null 2>&1 && ! grep -q /run/realmfsctl/base /proc/self/mountinfo &&
        ok "its mount is not seen outside realmfsctl's mount namespace" || fail "the update's mount is visible outside: $(ls -d /run/realmfsctl/* 2>&1) $(grep realmfsctl /proc/self/mountinfo)"
kill -9 "$(ours update | head -1)"; wait "$job" 2>/dev/null
for i in $(seq 1 50); do pgrep -f '^sleep 4242' >/dev/null || break; sleep 0.1; done
pgrep -f '^sleep 4242' >/dev/null && fail "kill -9 while the command runs: the container outlived realmfsctl" ||
        ok "kill -9 while the command runs: the container went with realmfsctl"
check_after_kill "kill -9 while the command runs"

test_end
