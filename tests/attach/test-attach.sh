#!/bin/bash
# realmfsctl attach/detach on the host: --dry-run for valid, tampered,
# unsigned and foreign images under the boot trust rules, and a real attach
# that must fail cleanly here (the host has no device-mapper) without
# leaving a loop device behind.  Real activation is tested in the VM.
# Usage: test-attach.sh PATH-TO-REALMFSCTL PATH-TO-BUILT-realmfs-verity@.service
set -u
. "$(dirname "$0")/../lib.sh"
require_session_keyring
if [ -z "${IN_TEST_SESSION:-}" ]; then
        IN_TEST_SESSION=1 exec keyctl session - "$0" "$@" 2>&1
fi
ctl=$1
test_begin attach
expect() { # exit description [words] -- command...: for a failure, one stderr line holding words
        local want=$1 desc=$2 words=
        shift 2
        if [ "$1" != -- ]; then words=$1; shift; fi
        shift
        "$@" >"$work/out" 2>"$work/err"
        local got=$?
        if [ "$got" -ne "$want" ]; then
                fail "$desc: exit $got, expected $want: $(head -3 "$work/err")"
        elif [ "$want" -ne 0 ] && [ "$(wc -l <"$work/err")" -ne "${EXPECT_LINES:-1}" ]; then
                fail "$desc: expected ${EXPECT_LINES:-1} line(s) on stderr: $(cat "$work/err")"
        elif [ "$want" -ne 0 ] && { [ -z "$words" ] || ! grep -qF -- "$words" "$work/err"; }; then
                fail "$desc: expected \"$words\" in: $(cat "$work/err")"
        else
                ok "$desc $( [ "$want" -ne 0 ] && cat "$work/err")"
        fi
}
flip() { /usr/bin/python3 -c 'import sys; p=sys.argv[1]; o=int(sys.argv[2]); d=bytearray(open(p,"rb").read()); d[o]^=1; open(p,"wb").write(d)' "$1" "$2"; }
field() { "$ctl" inspect --json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["metainfo"][sys.argv[1]])' "$2"; }

root=$work/root
images=$root/storage/realms/realmfs-images
mkdir -p "$images" "$work/tree/etc"
echo hello >"$work/tree/etc/motd"
pk=$(new_keyring "$ctl" "$work/kr" pw)
vpk=$(new_keyring "$ctl" "$work/vkr" vendor)
mk() { # name [create options]
        local n=$1; shift
        "$ctl" create --name "$n" --from "$work/tree" --keyring "$work/kr" --passphrase-file "$work/kr.pw" "$@" "$images/$n-realmfs.img" >/dev/null
}
mk main
mk work-tools
"$ctl" create --name vendor --from "$work/tree" --channel vendor --keyring "$work/vkr" --passphrase-file "$work/vkr.pw" "$images/vendor-realmfs.img"
export REALMBOOT_ROOT=$root REALMBOOT_CMDLINE=""
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$pk" | keyctl padd user realmfs-user-public @s >/dev/null

# --- dry runs
expect 0 "dry run: user-signed image, key from the kernel keyring" -- "$ctl" attach --dry-run main
grep -q "^device: */dev/mapper/realmfs-main$" "$work/out" && grep -q "^root hash: *$(field "$images/main-realmfs.img" verity-root)$" "$work/out" &&
        grep -q "^salt: *$(field "$images/main-realmfs.img" verity-salt)$" "$work/out" &&
        grep -q "^data blocks: *$(field "$images/main-realmfs.img" nblocks)$" "$work/out" &&
        grep -q "^hash offset: *$(( $(field "$images/main-realmfs.img" nblocks) * 4096 )) " "$work/out" &&
        grep -q "^signature: *verified (channel realmfs-user)" "$work/out" &&
        ok "dry run prints the signed parameters" || fail "dry run output: $(cat "$work/out")"
expect 0 "dry run: name with a dash" -- "$ctl" attach --dry-run work-tools
grep -q "^device: */dev/mapper/realmfs-work-tools$" "$work/out" && ok "device realmfs-work-tools" || fail "$(cat "$work/out")"
# the image is opened once, by path: what is checked is what is attached
# (stat, header, superblock and loop device all through that descriptor)
strace -f -e trace=%file -o "$work/strace" "$ctl" attach --dry-run main >/dev/null 2>&1
n=$(grep -c "main-realmfs.img" "$work/strace")
[ "$n" -eq 1 ] && grep -q "openat(.*main-realmfs.img\", O_RDONLY" "$work/strace" &&
        ok "attach --dry-run names the image path once (one open)" ||
        fail "the image path is used $n times: $(grep main-realmfs.img "$work/strace" | cut -c1-120)"
expect 1 "dry run: channel image without the channel key" 'no trusted key for channel "vendor"' -- "$ctl" attach --dry-run vendor
REALMBOOT_CMDLINE="realmboot.channel=vendor:$vpk" expect 0 "dry run: channel key from the command line" -- "$ctl" attach --dry-run vendor
mkdir -p "$root/etc/realmboot"
printf '[realms]\nimages = "/storage/realms/realmfs-images"\n[channels]\nvendor = "%s"\n' "$vpk" >"$root/etc/realmboot/realmboot.conf"
expect 0 "dry run: channel key from the config" -- "$ctl" attach --dry-run vendor
printf '[channels]\nvendor = "%s"\n' "$pk" >"$root/etc/realmboot/realmboot.conf"
expect 1 "dry run: wrong channel key in the config" 'signature does not verify with any trusted key' -- "$ctl" attach --dry-run vendor
rm "$root/etc/realmboot/realmboot.conf"
keyctl clear @s
expect 1 "dry run: no kernel key, no trust" 'no trusted key for channel "realmfs-user"' -- "$ctl" attach --dry-run main
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$pk" | keyctl padd user realmfs-user-public @s >/dev/null

nb=$(field "$images/main-realmfs.img" nblocks)
mlen=$(/usr/bin/python3 -c 'import sys; h=open(sys.argv[1],"rb").read(8); print(h[6]<<8|h[7])' "$images/main-realmfs.img")
mkdir -p "$work/alt/storage/realms/realmfs-images"
alt=$work/alt/storage/realms/realmfs-images/main-realmfs.img
for t in "sig:$((8 + mlen + 3)):signature:signature does not verify" "meta:$((8 + 30)):metainfo:(header metainfo)" \
         "sb:$((4096 + nb * 4096 + 100)):verity superblock salt:superblock salt disagrees"; do
        cp "$images/main-realmfs.img" "$alt"
        flip "$alt" "$(echo "$t" | cut -d: -f2)"
        REALMBOOT_ROOT=$work/alt expect 1 "dry run refuses a flipped byte in the $(echo "$t" | cut -d: -f3)" "$(echo "$t" | cut -d: -f4)" -- "$ctl" attach --dry-run main
done
cp "$images/main-realmfs.img" "$alt"
unsign_image "$alt"
REALMBOOT_ROOT=$work/alt expect 1 "dry run refuses an unsigned image" 'image is not signed' -- "$ctl" attach --dry-run main
REALMBOOT_ROOT=$work/alt REALMBOOT_CMDLINE="realmboot.nosignatures" expect 0 "realmboot.nosignatures skips only the signature check" -- "$ctl" attach --dry-run main
grep -q "NOT checking the image signature" "$work/err" && grep -q "NOT CHECKED" "$work/out" && ok "nosignatures is loud" || fail "nosignatures not loud: $(cat "$work/err")"
flip "$alt" $((4096 + nb * 4096 + 100))
REALMBOOT_ROOT=$work/alt REALMBOOT_CMDLINE="citadel.nosignatures" "$ctl" attach --dry-run main >/dev/null 2>"$work/err"
[ $? -eq 1 ] && grep -q "superblock salt disagrees" "$work/err" && ok "citadel.nosignatures still refuses a superblock that disagrees" ||
        fail "nosignatures + bad superblock: $(cat "$work/err")"
cp "$images/main-realmfs.img" "$images/other-realmfs.img"
expect 1 "dry run: image renamed (metainfo names another)" 'does not match the file name (other)' -- "$ctl" attach --dry-run other
expect 1 "dry run: missing image" 'nothere-realmfs.img: No such file or directory' -- "$ctl" attach --dry-run nothere
expect 1 "invalid name" 'Invalid RealmFS name "../etc"' -- "$ctl" attach --dry-run ../etc
expect 2 "attach without a name" 'attach: expected NAME' -- "$ctl" attach
expect 2 "detach with two names" "detach: unexpected argument 'b': expected NAME" -- "$ctl" detach a b

# --- the unit as systemd runs it: ExecStart=/ExecStop= of the shipped
# realmfs-verity@.service for the instance the generator writes for
# work-tools (work\x2dtools), specifiers expanded as systemd does: %i the
# escaped instance, %I its unescaping by systemd-escape --unescape (the
# same rules as systemd's %I), %% a '%' (tests/unit-exec-argv.py).  Then
# the command is run, with the
# unit's realmfsctl replaced by the one under test and --dry-run for attach.
unit_argv() { "$(dirname "$0")/../unit-exec-argv.py" "$unit" "$@"; } # KEY INSTANCE: NUL-separated argv
unit=$2
inst=$(systemd-escape work-tools)
[ "$inst" = 'work\x2dtools' ] && ok "the instance of work-tools is $inst" || fail "systemd-escape work-tools: $inst"
mapfile -d '' -t argv < <(unit_argv ExecStart "$inst")
[ "$(basename "${argv[0]:-}")" = realmfsctl ] && [ "${argv[1]:-}" = attach ] &&
        ok "ExecStart= of realmfs-verity@$inst.service: ${argv[*]}" || fail "ExecStart=: ${argv[*]}"
expect 0 "that ExecStart= runs (realmfsctl attach --dry-run ${argv[*]:2})" -- "$ctl" attach --dry-run "${argv[@]:2}"
grep -q "^device: */dev/mapper/realmfs-work-tools$" "$work/out" && ok "it attaches work-tools" || fail "$(cat "$work/out")"
mapfile -d '' -t argv < <(unit_argv ExecStop "$inst")
expect 0 "ExecStop= runs (realmfsctl ${argv[*]:1})" -- "$ctl" "${argv[@]:1}"
grep -q "realmfs-work-tools is not active" "$work/err" && ok "it detaches work-tools" || fail "$(cat "$work/err")"

# --- real attach on a host without device-mapper: clean failure, no loop left
before=$(losetup -a 2>/dev/null | grep -c "$images" || true)
if grep -q device-mapper /proc/misc 2>/dev/null; then
        echo "device-mapper present: the real attach is exercised in the VM tests, not here"
else
        expect 1 "attach without device-mapper fails cleanly" 'main-realmfs.img: ' -- "$ctl" attach main
        after=$(losetup -a 2>/dev/null | grep -c "$images" || true)
        [ "$after" -eq "$before" ] && ok "no loop device left behind" || fail "loop devices left: $(losetup -a | grep "$images")"
fi

# --- images without a tree (Citadel's builder writes header + data): attach
# computes the tree, appends it only when its root is the signed one, then
# sets the flag; killed anywhere, the next attach does the same again
strip_tree() { # image: header + data only, hash-tree flag clear (the signature covers neither)
        /usr/bin/python3 - "$1" <<'PY'
import sys, tomllib
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
n = int.from_bytes(d[6:8], "big")
nb = tomllib.loads(d[8:8 + n].decode())["nblocks"]
d[5] &= ~0x02
open(p, "wb").write(d[:4096 * (1 + nb)])
PY
}
tree_state() { # image: "flag SIZE" of the header flag and the file size
        echo "$(( $(od -An -tu1 -j5 -N1 "$1") & 2 )) $(stat -c %s "$1")"
}
mk cit
cimg=$images/cit-realmfs.img
cp "$cimg" "$work/cit-full"
strip_tree "$cimg"
cp "$cimg" "$work/cit-treeless"
nb=$(field "$cimg" nblocks)
expect 0 "verify of a tree-less image: the root of its data" -- "$ctl" verify "$cimg"
cmp -s "$cimg" "$work/cit-treeless" && ok "verify leaves a tree-less image as it was" || fail "verify wrote the image"
expect 0 "dry run of a tree-less image" -- "$ctl" attach --dry-run cit
grep -q "^hash tree: *none yet" "$work/out" && ok "the dry run says attach computes the tree" || fail "$(cat "$work/out")"
cmp -s "$cimg" "$work/cit-treeless" && ok "the dry run writes nothing" || fail "the dry run wrote the image"
tree_attach() { "$ctl" attach cit >"$work/out" 2>"$work/err"; } # fails at device-mapper here, after the tree
if grep -q device-mapper /proc/misc 2>/dev/null; then
        echo "device-mapper present: tree-less attach is exercised in the VM tests"
else
        tree_attach
        [ "$(tree_state "$cimg")" = "2 $(stat -c %s "$work/cit-full")" ] &&
                ok "attach appended the tree and set the flag ($(tree_state "$cimg"))" || fail "after attach: $(tree_state "$cimg"); $(cat "$work/err")"
        grep -q "hash tree computed and appended in" "$work/err" && ok "attach logs the time: $(grep -o 'computed and appended in [^;]*' "$work/err")" ||
                fail "no time logged: $(cat "$work/err")"
        expect 0 "the completed image verifies (data and tree)" -- "$ctl" verify "$cimg"
        # the same tree veritysetup made, but for the superblock's random UUID
        cmp -s <(tail -c +$(( 4096 * (nb + 2) + 1 )) "$cimg") <(tail -c +$(( 4096 * (nb + 2) + 1 )) "$work/cit-full") &&
                ok "the appended tree is the one create wrote (same salt), block for block" || fail "the trees differ"
        cp "$cimg" "$work/cit-done"
        tree_attach
        cmp -s "$cimg" "$work/cit-done" && ! grep -q "computing it" "$work/err" && ok "a second attach uses the stored tree" ||
                fail "second attach: $(cat "$work/err")"
        # killed after the tree is on disk, before the flag
        cp "$work/cit-treeless" "$cimg"
        REALMBOOT_TEST_STOP=tree "$ctl" attach cit >/dev/null 2>&1 &
        job=$!
        for i in $(seq 1 100); do [ "$(awk '{print $3}' /proc/$job/stat 2>/dev/null)" = T ] && break; sleep 0.1; done
        kill -9 "$job"; wait "$job" 2>/dev/null
        [ "$(tree_state "$cimg")" = "0 $(stat -c %s "$work/cit-full")" ] &&
                ok "kill -9 between tree and flag: the tree is there, the flag is not: it does not count" ||
                fail "after kill: $(tree_state "$cimg")"
        expect 0 "which verify treats as tree-less (the root of the data)" -- "$ctl" verify "$cimg"
        tree_attach
        grep -q "dropping .* bytes after the data that an interrupted" "$work/err" && [ "$(tree_state "$cimg")" = "2 $(stat -c %s "$work/cit-full")" ] &&
                ok "the next attach drops what was left and completes the image" || fail "after the kill: $(tree_state "$cimg"): $(cat "$work/err")"
        # killed at random points while the tree is computed (a bigger image)
        head -c 60000000 /dev/urandom >"$work/tree/big"
        mk citbig
        rm -f "$work/tree/big"
        bimg=$images/citbig-realmfs.img
        cp "$bimg" "$work/citbig-full"
        strip_tree "$bimg"
        kills=0 clean=0
        for delay in 0.02 0.05 0.1 0.2 0.3; do
                "$ctl" attach citbig >/dev/null 2>&1 &
                job=$!
                sleep "$delay"; kill -9 "$job" 2>/dev/null; wait "$job" 2>/dev/null
                kills=$((kills + 1))
                s=$(tree_state "$bimg")
                if [ "${s%% *}" = 0 ] || "$ctl" verify "$bimg" >/dev/null 2>&1; then clean=$((clean + 1)); fi
                strip_tree "$bimg" # the next round starts tree-less again, with whatever was left dropped
        done
        [ "$clean" -eq "$kills" ] && ok "kill -9 at $kills points of the computation: never a flagged half tree" ||
                fail "$((kills - clean)) of $kills kills left a flagged image that does not verify"
        REALMBOOT_TEST_STOP= "$ctl" attach citbig >/dev/null 2>"$work/err"
        "$ctl" verify "$bimg" >/dev/null 2>&1 && [ "$(tree_state "$bimg")" = "2 $(stat -c %s "$work/citbig-full")" ] &&
                ok "then attach completes it: $(grep -o 'computed and appended in [^;]*' "$work/err")" || fail "citbig: $(cat "$work/err")"
        # a damaged tree-less image: refused, left as it was
        cp "$work/cit-treeless" "$cimg"
        flip "$cimg" $(( 4096 * 3 + 5 ))
        cp "$cimg" "$work/cit-bad"
        # the line that says the tree is computed, then the error
        EXPECT_LINES=2 expect 1 "attach of a tree-less image with a flipped data byte: refused" 'not the signed verity-root' -- "$ctl" attach cit
        cmp -s "$cimg" "$work/cit-bad" && ok "the damaged image is left byte for byte as it was" || fail "the damaged image changed"
        expect 1 "verify refuses it too" 'not the signed verity-root' -- "$ctl" verify "$cimg"
fi
rm -f "$cimg" "$images/citbig-realmfs.img"

expect 0 "detach when not active" -- "$ctl" detach main
grep -q "not active" "$work/err" && ok "detach says it was not active" || fail "detach: $(cat "$work/err")"

test_end
