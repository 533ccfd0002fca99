#!/bin/bash
# Measured activation on the host, against a software TPM (swtpm with the
# sha1 and sha256 banks, reached through the test-hooks TCTI hook):
#   - realmboot-unlock's boot words (realmboot:unverified, realmboot:safe-mode),
#     once per boot, in that order, before any key is loaded;
#   - the verity word of each image as attach extends it (measure-driver:
#     the host has no device-mapper), once per boot and root hash;
#   - every bank's PCR equals the measurement log replayed, and the SHA-256
#     one equals realmfsctl pcr-predict from the images and trust rules;
#   - no TPM: one log line per boot, boot goes on; [measure] required: refused;
#   - measurement off; kill -9 between extension and record: the log stays
#     marked incomplete (systemd's sticky-bit marker); parallel extensions
#     keep log order = extension order.
# The real attach, with dm-verity in a VM and swtpm as its TPM: tests/vm.
# Usage: test-measure.sh REALMFSCTL REALMBOOT-UNLOCK MEASURE-DRIVER
set -u
. "$(dirname "$0")/../lib.sh"
require_session_keyring
if [ -z "${IN_TEST_SESSION:-}" ]; then
        IN_TEST_SESSION=1 exec keyctl session - "$0" "$@" 2>&1
fi
ctl=$1 unlock=$2 driver=$3
here=$(cd "$(dirname "$0")" && pwd)
for t in swtpm swtpm_setup tpm2_pcrread; do
        command -v $t >/dev/null || { echo "not ok - $t missing (swtpm, swtpm-tools, tpm2-tools)"; echo "0 passed, 1 failed"; exit 1; }
done
test_begin measure
root=$work/root
export REALMBOOT_ROOT=$root REALMBOOT_CMDLINE=""
log=$root/run/log/systemd/tpm2-measure.log
state=$root/run/realmboot/measure

# --- the software TPM: sha1 and sha256 banks; a restart is a power cycle
port=$(( 20000 + ($$ % 2000) * 2 ))
swtpm_setup --tpm2 --tpm-state "$work/tpm" --pcr-banks sha1,sha256 --overwrite >"$work/setup.log" 2>&1 ||
        { mkdir -p "$work/tpm"; swtpm_setup --tpm2 --tpm-state "$work/tpm" --pcr-banks sha1,sha256 --overwrite >"$work/setup.log" 2>&1; } ||
        { fail "swtpm_setup: $(tail -3 "$work/setup.log")"; test_end; }
tpm_stop() { [ -f "$work/swtpm.pid" ] && kill "$(cat "$work/swtpm.pid")" 2>/dev/null; rm -f "$work/swtpm.pid"; sleep 0.2; }
test_on_exit() { tpm_stop; }
power_cycle() { # a new boot: PCRs reset, /run empty
        tpm_stop
        swtpm socket --tpm2 --tpmstate dir="$work/tpm" --server type=tcp,port=$port,bindaddr=127.0.0.1 \
                --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
                --daemon --pid file="$work/swtpm.pid" --log file="$work/swtpm.log"
        for _ in $(seq 50); do [ -s "$work/swtpm.pid" ] && break; sleep 0.1; done
        rm -rf "$root/run"
}
export REALMBOOT_TPM2_TCTI=swtpm:host=127.0.0.1,port=$port
pcr() { # bank: PCR 13 of the TPM, lower-case hex
        TPM2TOOLS_TCTI=$REALMBOOT_TPM2_TCTI tpm2_pcrread "$1:${2:-13}" 2>/dev/null | sed -n 's/^ *[0-9]*: 0x//p' | tr A-F a-f
}
replay() { /usr/bin/python3 "$here/replay.py" "$log" "${2:-13}" | sed -n "s/^$1 //p"; }
zero=$(printf '0%.0s' $(seq 64))
extend() { # start word...: the SHA-256 PCR value, by hashlib
        /usr/bin/python3 -c 'import hashlib,sys
v = bytes.fromhex(sys.argv[1])
for w in sys.argv[2:]:
    v = hashlib.sha256(v + hashlib.sha256(w.encode()).digest()).digest()
print(v.hex())' "$@"
}
predicted() { "$ctl" pcr-predict --json "$@" 2>/dev/null | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["sha256"])'; }
matches_log() { # description: both banks equal the replayed log, and every digest is its word's
        local s1 s256
        s1=$(pcr sha1) s256=$(pcr sha256)
        if [ -n "$s256" ] && [ "$s1" = "$(replay sha1)" ] && [ "$s256" = "$(replay sha256)" ] &&
           /usr/bin/python3 "$here/replay.py" "$log" 13 --check >/dev/null; then
                ok "$1: sha1 and sha256 PCR 13 = the measurement log replayed"
        else
                fail "$1: PCR sha1 $s1 sha256 $s256, log replay: $(/usr/bin/python3 "$here/replay.py" "$log" 13 2>&1 | tr '\n' ' ')"
        fi
}

# --- boot words, from the initrd helper
power_cycle
REALMBOOT_CMDLINE="realmboot.safe_mode realmboot.nosignatures" "$unlock" >"$work/out" 2>&1
words=$(/usr/bin/python3 "$here/replay.py" "$log" 13 --words | tr '\n' ' ')
[ "$words" = "realmboot:unverified phase realmboot:safe-mode phase " ] &&
        ok "safe mode + nosignatures: realmboot:unverified, then realmboot:safe-mode (eventType phase)" ||
        fail "log words: $words"
m=$(grep -n "Measured realmboot:" "$work/out" | cut -d: -f1 | tr '\n' ' ') k=$(grep -n "keyring: \|Loaded the RealmFS" "$work/out" | head -1 | cut -d: -f1)
[ -n "$k" ] && [ "${m%% *}" -lt "$k" ] && grep -q "Measured realmboot:safe-mode into PCR 13 (sha1, sha256)." "$work/out" &&
        ok "measured before the keyring is read, both banks named" || fail "order: $(cat "$work/out")"
matches_log "safe mode"
[ "$(pcr sha256)" = "$(REALMBOOT_CMDLINE="realmboot.nosignatures" predicted --safe-mode)" ] &&
        ok "SHA-256 PCR = pcr-predict --safe-mode" || fail "PCR $(pcr sha256) vs $(REALMBOOT_CMDLINE=realmboot.nosignatures "$ctl" pcr-predict --safe-mode)"
[ -e "$state/unverified" ] && [ -e "$state/safe-mode" ] && ok "state: unverified, safe-mode" || fail "state: $(ls "$state")"
v=$(pcr sha256)
REALMBOOT_CMDLINE="realmboot.safe_mode realmboot.nosignatures" "$unlock" >"$work/out" 2>&1
[ "$(pcr sha256)" = "$v" ] && ! grep -q Measured "$work/out" && ok "unlock again in the same boot extends nothing" ||
        fail "second unlock: $(cat "$work/out")"
[ "$(stat -c %a "$log")" = 600 ] && ok "log mode 0600, no incomplete marker" || fail "log mode $(stat -c %a "$log")"

power_cycle
"$unlock" >"$work/out" 2>&1
[ "$(/usr/bin/python3 "$here/replay.py" "$log" 13 --words | tr '\n' ' ')" = "realmboot:normal phase " ] &&
        [ "$(pcr sha256)" = "$(predicted)" ] && [ "$(pcr sha256)" = "$(extend "$zero" realmboot:normal)" ] &&
        ok "normal boot: unlock extends realmboot:normal (= pcr-predict with no image)" || fail "normal unlock: $(pcr sha256) $(cat "$work/out")"
# a normal boot cannot then reach the safe-mode value, whatever it extends
[ "$(pcr sha256)" != "$(predicted --safe-mode)" ] && ok "normal boot: PCR 13 already off the path to the safe-mode value" || fail "normal = safe"

# --- images, realms, trust: pcr-predict against what attach extends
images=$root/storage/realms/realmfs-images
mkdir -p "$images" "$work/tree/etc"
echo hello >"$work/tree/etc/motd"
pk=$(new_keyring "$ctl" "$work/kr" pw)
new_keyring "$ctl" "$work/okr" other >/dev/null
mk() { # name keyring passphrase
        "$ctl" create --name "$1" --from "$work/tree" --keyring "$2" --passphrase-file "$3" "$images/$1-realmfs.img" >/dev/null
}
for n in zz a-fs base later; do mk $n "$work/kr" "$work/kr.pw"; done
mk foreign "$work/okr" "$work/okr.pw"
mk unsigned "$work/kr" "$work/kr.pw"
unsign_image "$images/unsigned-realmfs.img"
realm() { mkdir -p "$root/realms/realm-$1"; printf 'realmfs = "%s"\nautostart = %s\n' "$2" "$3" >"$root/realms/realm-$1/config"; }
realm one zz true; realm two a-fs true; realm three base true; realm four base true
realm five later false; realm six foreign true; realm seven unsigned true; realm eight missing true
/usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$pk" | keyctl padd user realmfs-user-public @s >/dev/null
root_of() { "$ctl" inspect --json "$images/$1-realmfs.img" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["metainfo"]["verity-root"])'; }

"$ctl" pcr-predict --json >"$work/pred" 2>"$work/err"
/usr/bin/python3 - "$work/pred" "$pk" "$(root_of a-fs)" "$(root_of base)" "$(root_of zz)" <<'PY' && ok "pcr-predict: realmboot:normal, then the boot set in name order (a-fs base zz), refused images left out, value from hashlib" || fail "pcr-predict: $(cat "$work/pred") $(cat "$work/err")"
import hashlib, json, sys
p = json.load(open(sys.argv[1]))
pk = sys.argv[2]
words = ["realmboot:normal"] + ["verity:realmfs-%s:%s:%s" % (n, r, pk) for n, r in zip(["a-fs", "base", "zz"], sys.argv[3:6])]
v = bytes(32)
for w in words:
    v = hashlib.sha256(v + hashlib.sha256(w.encode()).digest()).digest()
assert p == {"pcr": 13, "words": words, "sha256": v.hex()}, p
PY
grep -q "RealmFS foreign: attach refuses it" "$work/err" && grep -q "RealmFS unsigned: attach refuses it" "$work/err" &&
        ok "pcr-predict names the images it leaves out" || fail "pcr-predict stderr: $(cat "$work/err")"
for n in a-fs base zz; do
        "$ctl" attach --dry-run $n | sed -n 's/^measure: *\(verity:[^ ]*\) into PCR 13$/\1/p'
done >"$work/dry"
/usr/bin/python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["words"][1:]))' "$work/pred" >"$work/pwords"
same "attach --dry-run shows the words pcr-predict predicts" "$work/pwords" "$work/dry"

# what attach extends: the same words in the same order give the prediction
power_cycle
for n in a-fs base zz; do "$driver" $n "$(root_of $n)" "$pk" >>"$work/drv" 2>&1; done
[ "$(pcr sha256)" = "$(predicted)" ] && ok "the three attaches give the predicted SHA-256 PCR" || fail "PCR $(pcr sha256) vs $(predicted): $(cat "$work/drv")"
matches_log "three images"
grep -q "^measured=yes" "$work/drv" && [ "$(cat "$state/realmfs-a-fs")" = "verity:realmfs-a-fs:$(root_of a-fs):$pk" ] &&
        ok "state realmfs-a-fs holds its word" || fail "state: $(cat "$state/realmfs-a-fs")"
v=$(pcr sha256)
"$driver" base "$(root_of base)" "$pk" >"$work/out" 2>&1
[ "$(pcr sha256)" = "$v" ] && ok "attach again (same root) extends nothing" || fail "re-attach extended: $(cat "$work/out")"
# an image attached later is appended: the prediction of the boot set with it last
"$driver" later "$(root_of later)" "$pk" >/dev/null 2>&1
[ "$(pcr sha256)" = "$(predicted --start "$(predicted)" later)" ] && ok "an image attached later is appended (pcr-predict --start BOOT-VALUE later)" ||
        fail "later: $(pcr sha256)"
[ "$(predicted --start "$(predicted)" later)" = "$(extend "$(predicted)" "verity:realmfs-later:$(root_of later):$pk")" ] &&
        ok "pcr-predict --start X NAME: X extended by NAME's word only" || fail "--start"
# a new root (an update) is measured again, appended
"$driver" base "$(printf 'ab%.0s' $(seq 32))" "$pk" >/dev/null 2>&1
[ "$(pcr sha256)" = "$(extend "$(predicted --start "$(predicted)" later)" "verity:realmfs-base:$(printf 'ab%.0s' $(seq 32)):$pk")" ] &&
        matches_log "a new root hash appended" || fail "a new root was not measured"

"$ctl" pcr-predict foreign >"$work/out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "no trusted key\|does not verify" "$work/out" && ok "pcr-predict of a refused image: exit 1, the reason" || fail "rc $rc: $(cat "$work/out")"
"$ctl" pcr-predict --start 12 >/dev/null 2>&1; [ $? -eq 2 ] && ok "--start needs 64 hex digits (usage error)" || fail "--start 12"
"$ctl" pcr-predict --safe-mode base >/dev/null 2>&1; [ $? -eq 2 ] && ok "--safe-mode takes no NAME" || fail "--safe-mode NAME"
"$ctl" pcr-predict --public-key "$pk" base | grep -q "verity:realmfs-base:$(root_of base):$pk" &&
        ok "pcr-predict --public-key: the key given vouches" || fail "--public-key"
REALMBOOT_CMDLINE=realmboot.nosignatures "$ctl" pcr-predict --json | grep -q "\"realmboot:unverified\", \"realmboot:normal\", \"verity:realmfs-a-fs:$(root_of a-fs):$zero\", .*\"verity:realmfs-foreign:$(root_of foreign):$zero\"" &&
        ok "nosignatures: realmboot:unverified first, every image (foreign too), signer all zero" || fail "nosignatures prediction"
REALMBOOT_CMDLINE=realmboot.noverity "$ctl" pcr-predict --json | grep -q '"words": \["realmboot:unverified", "realmboot:normal"\]' &&
        ok "noverity: realmboot:unverified, no image (none is attached with dm-verity)" || fail "noverity prediction"

# nosignatures on attach: the unverified word comes first even without the initrd
power_cycle
REALMBOOT_CMDLINE=realmboot.nosignatures "$driver" foreign "$(root_of foreign)" >/dev/null 2>&1
[ "$(pcr sha256)" = "$(extend "$zero" realmboot:unverified realmboot:normal "verity:realmfs-foreign:$(root_of foreign):$zero")" ] &&
        ok "nosignatures attach: realmboot:unverified, then the word with a zero signer" || fail "nosignatures attach"

# --- measurement off, PCR chosen
power_cycle
REALMBOOT_CMDLINE="realmboot.measure=0" "$driver" base "$(root_of base)" "$pk" >/dev/null 2>&1
REALMBOOT_CMDLINE="realmboot.measure=0 realmboot.safe_mode" "$unlock" >/dev/null 2>&1
[ "$(pcr sha256)" = "$zero" ] && [ ! -e "$log" ] && ok "realmboot.measure=0: nothing extended, no log" || fail "measure=0"
mkdir -p "$root/etc/realmboot"
printf '[measure]\npcr = "off"\n' >"$root/etc/realmboot/realmboot.conf"
"$driver" base "$(root_of base)" "$pk" >/dev/null 2>&1
[ "$(pcr sha256)" = "$zero" ] && ok "pcr = \"off\": nothing extended" || fail "pcr off"
"$ctl" pcr-predict >"$work/out" 2>&1; [ $? -eq 1 ] && grep -q "Measurement is off" "$work/out" && ok "pcr-predict with measurement off: exit 1, says so" || fail "predict off"
printf '[measure]\npcr = 23\n' >"$root/etc/realmboot/realmboot.conf"
"$driver" base "$(root_of base)" "$pk" >/dev/null 2>&1
[ "$(pcr sha256 23)" = "$(extend "$zero" realmboot:normal "verity:realmfs-base:$(root_of base):$pk")" ] && [ "$(pcr sha256 13)" = "$zero" ] && ok "pcr = 23: PCR 23 extended (the value predicted for 13), 13 not" || fail "pcr 23: $(pcr sha256 23)"
rm "$root/etc/realmboot/realmboot.conf"

# --- kill -9 between the extension and its record
power_cycle
REALMBOOT_TEST_STOP=measure-extended "$driver" base "$(root_of base)" "$pk" >/dev/null 2>&1 &
job=$!
for _ in $(seq 100); do [ "$(ps -o stat= -p $job 2>/dev/null | cut -c1)" = T ] && break; sleep 0.1; done
if [ "$(ps -o stat= -p $job 2>/dev/null | cut -c1)" = T ]; then
        kill -9 $job; wait $job 2>/dev/null
        [ $(( 0$(stat -c %a "$log") & 01000 )) -ne 0 ] && [ "$(pcr sha256)" != "$(replay sha256)" ] &&
                ok "killed after extending: the log carries the incomplete marker (sticky bit); PCR ≠ replay" ||
                fail "after kill: mode $(stat -c %a "$log")"
        "$driver" zz "$(root_of zz)" "$pk" >"$work/out" 2>&1
        grep -q "marked incomplete already" "$work/out" && [ $(( 0$(stat -c %a "$log") & 01000 )) -ne 0 ] &&
                ok "the next measurement keeps the marker and says so" || fail "next: $(cat "$work/out") $(stat -c %a "$log")"
else
        fail "never stopped at measure-extended"; kill -9 $job 2>/dev/null
fi

# --- parallel attaches: the log order is the extension order
power_cycle
for i in $(seq 8); do "$driver" base "$(printf '%02x' $i)$(printf '00%.0s' $(seq 31))" "$pk" >/dev/null 2>&1 & done
wait
[ "$(/usr/bin/python3 "$here/replay.py" "$log" 13 --words | grep -c verity:)" -eq 8 ] &&
        [ "$(/usr/bin/python3 "$here/replay.py" "$log" 13 --words | head -1)" = "realmboot:normal phase" ] &&
        matches_log "8 parallel measurements (realmboot:normal once, first)" || fail "parallel: $(/usr/bin/python3 "$here/replay.py" "$log" 13 --words)"

# --- no TPM, and [measure] required
unset REALMBOOT_TPM2_TCTI
tpm_stop
rm -rf "$root/run"
REALMBOOT_CMDLINE=realmboot.safe_mode "$unlock" >"$work/out" 2>&1
"$driver" base "$(root_of base)" "$pk" >>"$work/out" 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(grep -c "No TPM 2.0" "$work/out")" -eq 1 ] && ! grep -qi "cannot measure" "$work/out" &&
        ok "no TPM: attach goes on, one line for the boot" || fail "no TPM: rc $rc $(cat "$work/out")"
printf '[measure]\nrequired = true\n' >"$root/etc/realmboot/realmboot.conf"
"$driver" base "$(root_of base)" "$pk" >"$work/out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q "required = true: refusing" "$work/out" && ok "required, no TPM: attach refuses" || fail "required: rc $rc $(cat "$work/out")"
REALMBOOT_CMDLINE=realmboot.safe_mode "$unlock" >"$work/out" 2>&1
grep -q "not measured and \[measure\] required" "$work/out" || grep -q "required = true: refusing" "$work/out" &&
        ok "required, no TPM: safe mode gets no secret key" || fail "required unlock: $(cat "$work/out")"
REALMBOOT_CMDLINE="realmboot.measure=0" "$driver" base "$(root_of base)" "$pk" >/dev/null 2>&1 &&
        ok "required, but realmboot.measure=0: attach goes on" || fail "measure=0 with required"

test_end
