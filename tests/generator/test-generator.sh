#!/bin/bash
# Golden-output tests of realmboot-generator: each fixtures/CASE has a root
# tree (REALMBOOT_ROOT), a kernel command line, the RealmFS images to create
# (header-only files with nblocks = 256) and the expected normal/early/late
# output trees.  Generated units then go through systemd-analyze verify with
# the shipped ones.  Plus: 1000 realms, an unwritable output directory.
# Usage: test-generator.sh BUILD-DIR SOURCE-DIR [--update]
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
update=${3:-}
gen=$build/generator/realmboot-generator
here=$src/tests/generator
. "$(dirname "$0")/../lib.sh"
test_begin generator
export REALMBOOT_LOG_TARGET=stderr

make_image() { # path name: a header block with signed-looking metainfo, nblocks 256
        /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
path, name = sys.argv[1], sys.argv[2]
meta = ('image-type = "realmfs"\nrealmfs-name = "%s"\nchannel = "realmfs-user"\nversion = 1\nnblocks = 256\n'
        'verity-salt = "%s"\nverity-root = "%s"\n' % (name, "11" * 32, "22" * 32)).encode()
h = b"SGOS\x01\x02" + len(meta).to_bytes(2, "big") + meta + b"\x5a" * 64
open(path, "wb").write(h + bytes(4096 - len(h)))
PY
}

images_dir_of() { # root: the images directory the fixture's config names
        local conf=$1/etc/realmboot/realmboot.conf d
        d=$(sed -n 's/^images = "\(.*\)"$/\1/p' "$conf" 2>/dev/null)
        echo "${d:-/storage/realms/realmfs-images}"
}

run_case() {
        local case=$1 fx=$here/fixtures/$1 root=$work/$1/root out=$work/$1/out
        mkdir -p "$work/$1" "$out/normal" "$out/early" "$out/late"
        cp -r "$fx/root" "$root"
        local imgdir=$root$(images_dir_of "$root")
        # a config whose images value is refused: the images are in the default
        [ -f "$fx/images-dir" ] && imgdir=$root$(cat "$fx/images-dir")
        mkdir -p "$imgdir"
        while IFS= read -r name; do
                [ -n "$name" ] && make_image "$imgdir/$name-realmfs.img" "$name"
        done <"$fx/images"
        REALMBOOT_ROOT=$root REALMBOOT_CMDLINE=$(cat "$fx/cmdline") \
                "$gen" "$out/normal" "$out/early" "$out/late" 2>"$work/$1/log.raw"
        local rc=$?
        # paths read are under REALMBOOT_ROOT: compare the logs without it
        sed "s|$root||g" "$work/$1/log.raw" >"$work/$1/log"
        [ "$rc" -eq 0 ] && ok "$case: exit 0" || fail "$case: exit $rc: $(cat "$work/$1/log")"
        if [ "$update" = --update ]; then
                rm -rf "$fx/expected"
                mkdir -p "$fx/expected"
                cp -a "$out"/. "$fx/expected/"
                cp "$work/$1/log" "$fx/expected.log"
                return
        fi
        for d in normal early late; do
                mkdir -p "$work/$1/empty"
                local want=$fx/expected/$d
                [ -d "$want" ] || want=$work/$1/empty
                if diff -r --no-dereference "$want" "$out/$d" >"$work/$1/diff" 2>&1; then
                        ok "$case: $d output as expected"
                else
                        fail "$case: $d output differs:"; cat "$work/$1/diff"
                fi
        done
        if diff -u "$fx/expected.log" "$work/$1/log" >"$work/$1/logdiff"; then
                ok "$case: log lines as expected ($(wc -l <"$work/$1/log"))"
        else
                fail "$case: log differs:"; cat "$work/$1/logdiff"
        fi
        if [ -L "$out/early/default.target" ]; then
                # safe mode: the guard (pulled in by sysinit.target.wants/), the
                # -.slice IP filter drop-in and the target, with the masks
                if "$src/tests/units/test-units.sh" "$build" "$src" "$out/early" >"$work/$1/verify" 2>&1 &&
                   grep -q "^ok - verify realmboot-netguard.service" "$work/$1/verify" && grep -q "^ok - verify -.slice" "$work/$1/verify"; then
                        ok "$case: safe-mode units (guard, -.slice filter) pass systemd-analyze verify ($(grep -c '^ok' "$work/$1/verify"))"
                else
                        fail "$case: systemd-analyze verify:"; grep -v '^ok' "$work/$1/verify"
                fi
        fi
        if compgen -G "$out/normal/*.mount" >/dev/null || compgen -G "$out/normal/*.d" >/dev/null; then
                if "$src/tests/units/test-units.sh" "$build" "$src" "$out/normal" >"$work/$1/verify" 2>&1; then
                        ok "$case: generated units pass systemd-analyze verify ($(grep -c '^ok' "$work/$1/verify"))"
                else
                        fail "$case: systemd-analyze verify:"; grep -v '^ok' "$work/$1/verify"
                fi
        fi
}

for fx in "$here"/fixtures/*/; do
        run_case "$(basename "$fx")"
done
[ "$update" = --update ] && { echo "expected outputs updated"; exit 0; }

# --- 1000 realms over 100 RealmFS
root=$work/many/root
mkdir -p "$root/storage/realms/realmfs-images" "$work/many/out"/{n,e,l}
for i in $(seq 0 99); do make_image "$root/storage/realms/realmfs-images/fs$i-realmfs.img" "fs$i"; done
for i in $(seq 0 999); do
        mkdir -p "$root/realms/realm-r$i"
        printf 'realmfs = "fs%d"\nautostart = %s\n' $((i % 100)) "$( [ $((i % 2)) -eq 0 ] && echo true || echo false)" \
                >"$root/realms/realm-r$i/config"
done
start=$(date +%s%N)
REALMBOOT_ROOT=$root REALMBOOT_CMDLINE="" "$gen" "$work/many/out/n" "$work/many/out/e" "$work/many/out/l" 2>"$work/many/log"
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ $rc -eq 0 ] && ok "1000 realms: exit 0 in ${ms} ms" || fail "1000 realms: exit $rc"
[ "$(ls "$work/many/out/n" | grep -c '\.mount$')" = 100 ] && ok "1000 realms: 100 mount units (deduplicated)" || fail "1000 realms: $(ls "$work/many/out/n" | grep -c '\.mount$') mounts"
[ "$(ls -d "$work/many/out/n"/realm@*.service.d | wc -l)" = 1000 ] && ok "1000 realms: 1000 drop-ins" || fail "1000 realms: drop-ins"
[ "$(ls "$work/many/out/n/realms.target.wants" | wc -l)" = 500 ] && ok "1000 realms: 500 autostart links" || fail "1000 realms: links"
[ ! -s "$work/many/log" ] && ok "1000 realms: nothing logged" || fail "1000 realms: log: $(head -3 "$work/many/log")"

# --- FIFOs where the config and a realm config should be: never waited for
# (a generator that blocks is killed by systemd, all its output lost)
root=$work/fifo/root
mkdir -p "$root/etc/realmboot" "$root/realms/realm-a" "$root/realms/realm-b" "$root/storage/realms/realmfs-images" "$work/fifo/out"/{n,e,l}
mkfifo "$root/etc/realmboot/realmboot.conf" "$root/realms/realm-a/config"
printf 'realmfs = "base"\nautostart = true\n' >"$root/realms/realm-b/config"
make_image "$root/storage/realms/realmfs-images/base-realmfs.img" base
REALMBOOT_ROOT=$root REALMBOOT_CMDLINE="" timeout 20 "$gen" "$work/fifo/out/n" "$work/fifo/out/e" "$work/fifo/out/l" 2>"$work/fifo/log"
rc=$?
[ $rc -eq 0 ] && ok "FIFO config and realm config: exit 0 at once" || fail "FIFOs: exit $rc (124: it blocked)"
grep -q "realmboot.conf: cannot read: not a regular file; using defaults" "$work/fifo/log" &&
        grep -q "realm-a/config: cannot read realm config: not a regular file; skipping realm a" "$work/fifo/log" &&
        ok "FIFOs: one line each, naming the file" || fail "FIFOs: log: $(cat "$work/fifo/log")"
[ -L "$work/fifo/out/n/realms.target.wants/realm@b.service" ] && [ ! -e "$work/fifo/out/n/realm@a.service.d" ] &&
        ok "FIFOs: realm b still set up, realm a skipped" || fail "FIFOs: output: $(cd "$work/fifo/out" && find . | tr '\n' ' ')"

# --- a command line too long to be one: said as what it is, not as "Out of memory"
REALMBOOT_ROOT=$work/many/root REALMBOOT_CMDLINE="$(head -c 70000 /dev/zero | tr '\0' a)" \
        "$gen" "$work/many/out/n" "$work/many/out/e" "$work/many/out/l" 2>"$work/long.log"
grep -q "Kernel command line from .* is longer than" "$work/long.log" && ! grep -q "Out of memory" "$work/long.log" &&
        ok "an over-long command line is named as such" || fail "over-long command line: $(cat "$work/long.log")"

# --- output cannot be written: the only non-zero exit
mkdir -p "$work/ro"
REALMBOOT_ROOT=$work/many/root REALMBOOT_CMDLINE="" "$gen" /proc/nonexistent-dir 2>"$work/ro/log"
rc=$?
[ $rc -eq 1 ] && [ -s "$work/ro/log" ] && ok "unwritable output: exit 1 with a message" || fail "unwritable output: exit $rc"
"$gen" >/dev/null 2>&1; [ $? -eq 1 ] && ok "no arguments: exit 1" || fail "no arguments"
"$gen" --version >/dev/null && "$gen" --help >/dev/null && ok "--help, --version" || fail "--help/--version"
"$gen" --version | grep -qx "realmboot-generator [0-9.]* +TEST-HOOKS" && ok "--version says +TEST-HOOKS (a test-hooks build)" ||
        fail "--version: $("$gen" --version)"

test_end
