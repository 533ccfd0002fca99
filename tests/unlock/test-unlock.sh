#!/bin/bash
# realmboot-unlock on the host, in a private session keyring: every key
# mode, the passphrase cache, the ask-password fallback (through a fake
# program, test-hooks builds), failures, idempotency, and that no secret
# reaches argv, the environment or the logs.
# Usage: test-unlock.sh PATH-TO-REALMBOOT-UNLOCK PATH-TO-REALMFSCTL
set -u
. "$(dirname "$0")/../lib.sh"
require_session_keyring
# ... and in a private network namespace: safe mode loads the secret key
# only into an offline boot, and this one has only loopback (the host's own
# network is never touched; the test brings a veth pair up in it)
unshare --net true 2>/dev/null || { echo "skip: no private network namespace here (unshare --net refused)"; exit 77; }
if [ -z "${IN_TEST_SESSION:-}" ]; then
        IN_TEST_SESSION=1 exec unshare --net keyctl session - "$0" "$@" 2>&1
fi
unlock=$1
ctl=$2
here=$(cd "$(dirname "$0")" && pwd)
test_begin unlock

if ! "$unlock" --version | grep -q TEST-HOOKS; then
        echo "realmboot-unlock was built without -Dtest-hooks=true: cannot point it at a fake ask-password"
        echo "0 passed, 1 failed"
        exit 1
fi

pass="correct horse battery"
root=$work/root
mkdir -p "$root/storage" "$root/etc/realmboot"
printf '%s' "$pass" >"$work/pass"
"$ctl" keyring init --keyring "$root/storage/keyring" --passphrase-file "$work/pass" >/dev/null
pk=$("$ctl" keyring show-public --keyring "$root/storage/keyring" --passphrase-file "$work/pass")
seedhex=$(/usr/bin/python3 - "$root/storage/keyring" "$pass" <<'PY'
import sys, tomllib, nacl.pwhash, nacl.secret
d = open(sys.argv[1], "rb").read()
k = nacl.pwhash.scrypt.kdf(32, sys.argv[2].encode(), d[:32], opslimit=524288, memlimit=16777216)
print(tomllib.loads(nacl.secret.SecretBox(k).decrypt(d[56:], d[32:56]).decode())["keypairs"]["realmfs-user"])
PY
)
ask_dir=$work/ask
mkdir -p "$ask_dir"
printf '%s\n%s\n' "$pass" "$seedhex" >"$ask_dir/secrets"
export FAKE_ASK_DIR=$ask_dir FAKE_ASK_ANSWERS=$work/answers
export REALMBOOT_ASK_PASSWORD=$here/fake-ask-password
export REALMBOOT_CMDLINE=""
logs=$work/all-logs
: >"$logs"

# reset STATE: empty @s, a "cryptsetup" key holding the NUL-separated list
# given (nothing if no arguments), fresh answers for the fake agent
reset() {
        keyctl clear @s
        rm -f "$ask_dir/calls" "$ask_dir/args"
        : >"$work/answers"
        if [ $# -gt 0 ]; then
                local first=1
                for p in "$@"; do
                        [ $first -eq 1 ] || printf '\0'
                        printf '%s' "$p"
                        first=0
                done | keyctl padd user cryptsetup @s >/dev/null
        fi
}
answers() { printf '%s\n' "$@" >"$work/answers"; }
conf() { printf '%s\n' "$@" >"$root/etc/realmboot/realmboot.conf"; }
run_unlock() { # expected-exit description [extra args]
        local want=$1 desc=$2; shift 2
        "$unlock" --root "$root" --target-keyring @s "$@" >"$work/out" 2>&1
        local got=$?
        cat "$work/out" >>"$logs"
        if [ "$got" -eq "$want" ]; then ok "$desc (exit $got)"; else fail "$desc: exit $got, expected $want: $(cat "$work/out")"; fi
}
key_id() { keyctl search @s user "$1" 2>/dev/null; }
perm_of() { keyctl rdescribe "$1" | cut -d';' -f4; }
ask_calls() { cat "$ask_dir/calls" 2>/dev/null || echo 0; }

# expect_keys pair|public|none
expect_keys() {
        local want=$1 desc=$2 pid sid
        pid=$(key_id realmfs-user-public)
        sid=$(key_id realmfs-user)
        case $want in
        pair|public)
                if [ -n "$pid" ] && [ "$(keyctl pipe "$pid" | od -An -tx1 | tr -d ' \n')" = "$pk" ]; then
                        ok "$desc: realmfs-user-public holds the public key"
                else
                        fail "$desc: realmfs-user-public missing or wrong"
                fi
                # possessor: all; user: view + read
                [ -n "$pid" ] && [ "$(perm_of "$pid")" = 3f030000 ] && ok "$desc: public key permissions 3f030000" ||
                        fail "$desc: public key permissions $( [ -n "$pid" ] && perm_of "$pid")"
                ;;
        none)
                [ -z "$pid" ] && ok "$desc: no public key" || fail "$desc: a public key is loaded"
                ;;
        esac
        case $want in
        pair)
                if [ -n "$sid" ] && [ "$(keyctl pipe "$sid" | od -An -tx1 | tr -d ' \n')" = "$seedhex" ]; then
                        ok "$desc: realmfs-user holds the seed"
                else
                        fail "$desc: realmfs-user missing or wrong"
                fi
                [ -n "$sid" ] && [ "$(perm_of "$sid")" = 3f000000 ] && ok "$desc: seed permissions 3f000000 (possessor only)" ||
                        fail "$desc: seed permissions $( [ -n "$sid" ] && perm_of "$sid")"
                ;;
        *)
                [ -z "$sid" ] && ok "$desc: no secret key" || fail "$desc: the secret key is loaded"
                ;;
        esac
}

# --- basics
"$unlock" --help >/dev/null && ok "--help" || fail "--help"
"$unlock" --version >/dev/null && ok "--version" || fail "--version"
"$unlock" --bogus >/dev/null 2>&1; [ $? -eq 2 ] && ok "unknown option: exit 2" || fail "unknown option"
"$unlock" --target-keyring nonsense >/dev/null 2>&1; [ $? -eq 2 ] && ok "bad --target-keyring: exit 2" || fail "bad --target-keyring"

# --- key modes with the cached passphrase
conf '[keys]' 'mode = "pair"'
reset "$pass"
run_unlock 0 "pair mode, cached passphrase"
expect_keys pair "pair mode"
[ "$(ask_calls)" = 0 ] && ok "pair mode: nobody asked" || fail "pair mode: asked $(ask_calls) times"
id1=$(key_id realmfs-user-public)
run_unlock 0 "second run (idempotent)"
expect_keys pair "second run"
[ "$(key_id realmfs-user-public)" = "$id1" ] && ok "second run: same key, updated in place" || fail "second run: new key id"

conf '[keys]' 'mode = "public"'
reset "$pass"
run_unlock 0 "public mode"
expect_keys public "public mode"

reset "$pass"
REALMBOOT_CMDLINE="quiet realmboot.safe_mode" run_unlock 0 "public config + safe mode, fresh"
expect_keys pair "safe mode loads the pair"
reset "$pass"
REALMBOOT_CMDLINE="citadel.safemode" run_unlock 0 "public config + citadel.safemode"
expect_keys pair "citadel.safemode loads the pair"
reset "$pass"
REALMBOOT_CMDLINE="systemd.unit=realmboot-safe-mode.target" run_unlock 0 "safe-mode target on the command line"
expect_keys pair "systemd.unit=realmboot-safe-mode.target loads the pair"
# a network brought up before (ip= in the initrd): the public key only
ip link add rb0 type veth peer name rb1
ip link set rb0 up
reset "$pass"
REALMBOOT_CMDLINE="quiet realmboot.safe_mode" run_unlock 0 "safe mode with interface rb0 up"
expect_keys public "safe mode, network up: public key only"
grep -q "Safe mode, but network interface rb0 is up" "$work/out" && [ "$(grep -c "network interface" "$work/out")" -eq 1 ] &&
        ok "safe mode, network up: one line naming rb0" || fail "message: $(cat "$work/out")"
ip link set rb0 down
reset "$pass"
REALMBOOT_CMDLINE="quiet realmboot.safe_mode" run_unlock 0 "safe mode, the interface down again"
expect_keys pair "safe mode, offline again: the pair"
ip link del rb0

conf '[keys]' 'mode = "pair"'
reset "$pass"
REALMBOOT_CMDLINE="realmboot.key_mode=public" run_unlock 0 "realmboot.key_mode=public overrides the config"
expect_keys public "command-line public"

# --- mode switch pair -> public removes the secret (no passphrase needed)
reset "$pass"
run_unlock 0 "pair before the switch"
keyctl unlink "$(key_id cryptsetup)" @s >/dev/null
REALMBOOT_CMDLINE="realmboot.key_mode=public" run_unlock 0 "switch to public"
expect_keys public "after pair -> public"
[ "$(ask_calls)" = 0 ] && ok "switch: no passphrase asked" || fail "switch: asked"

# --- the cache: NUL-separated, newest last, wrong ones too
reset "wrong one" "$pass"
run_unlock 0 "cache: wrong then right (right newest)"
expect_keys pair "wrong then right"
reset "$pass" "typo"
run_unlock 0 "cache: right then wrong (wrong newest)"
expect_keys pair "right then wrong"
[ "$(ask_calls)" = 0 ] && ok "cache: nobody asked" || fail "cache: asked"

# --- ask-password fallback
reset
answers "$pass"
run_unlock 0 "nothing cached: asks"
expect_keys pair "asked passphrase"
[ "$(ask_calls)" = 1 ] && ok "asked once" || fail "asked $(ask_calls) times"
grep -q -- "--id=realmboot:keyring" "$ask_dir/args" && grep -q "realmboot user keyring" "$ask_dir/args" &&
        ok "ask-password gets --id=realmboot:keyring and a prompt naming the keyring" || fail "ask args: $(cat "$ask_dir/args")"
reset "wrong"
answers "also wrong" "$pass"
run_unlock 0 "wrong cache, wrong typed, then right typed"
expect_keys pair "second typed attempt"
[ "$(ask_calls)" = 2 ] && ok "asked twice" || fail "asked $(ask_calls) times"

reset "wrong"
answers "bad1" "bad2" "bad3" "$pass"
run_unlock 5 "all attempts wrong: exit 5"
expect_keys none "all wrong"
[ "$(ask_calls)" = 3 ] && ok "asked exactly 3 times" || fail "asked $(ask_calls) times"
grep -q "no passphrase opened it" "$work/out" && ok "all wrong: clear message" || fail "message: $(cat "$work/out")"

reset
answers FAIL
run_unlock 6 "no agent / cancelled: exit 6"
expect_keys none "no agent"

reset
answers SLEEP
conf '[keys]' 'mode = "pair"' 'ask-timeout = 2'
start=$(date +%s)
run_unlock 6 "agent never answers: bounded by ask-timeout"
elapsed=$(( $(date +%s) - start ))
[ "$elapsed" -le 10 ] && ok "gave up after ${elapsed}s (ask-timeout 2)" || fail "took ${elapsed}s"
pgrep -f "sleep 1000" >/dev/null && { fail "the hung agent was left running"; pkill -f "sleep 1000"; } || ok "no agent left running"
conf '[keys]' 'mode = "pair"'

# --- keyring problems
reset "$pass"
mv "$root/storage/keyring" "$work/keyring.saved"
run_unlock 3 "missing keyring: exit 3"
expect_keys none "missing keyring"
grep -q "no user keyring" "$work/out" && ok "missing keyring: clear message" || fail "message: $(cat "$work/out")"
head -c 50 "$work/keyring.saved" >"$root/storage/keyring"
run_unlock 4 "truncated keyring: exit 4"
[ "$(ask_calls)" = 0 ] && ok "truncated keyring: nobody asked" || fail "truncated: asked"
rm "$root/storage/keyring"
mkfifo "$root/storage/keyring"
reset "$pass"
start=$(date +%s)
run_unlock 4 "a FIFO as the keyring: exit 4 at once, never waiting for a writer"
[ $(( $(date +%s) - start )) -le 5 ] && grep -q "unusable keyring: not a regular file" "$work/out" &&
        ok "FIFO keyring: refused in $(( $(date +%s) - start ))s, named as not a regular file" || fail "FIFO keyring: $(cat "$work/out")"
rm "$root/storage/keyring"
mv "$root/etc/realmboot/realmboot.conf" "$work/conf.saved"
mkfifo "$root/etc/realmboot/realmboot.conf"
cp "$work/keyring.saved" "$root/storage/keyring"
reset "$pass"
run_unlock 0 "a FIFO as the config: defaults, keys loaded"
grep -q "realmboot.conf: cannot read: not a regular file; using defaults" "$work/out" && ok "FIFO config: one line, defaults used" ||
        fail "FIFO config: $(cat "$work/out")"
rm "$root/etc/realmboot/realmboot.conf"
mv "$work/conf.saved" "$root/etc/realmboot/realmboot.conf"
cp "$work/keyring.saved" "$root/storage/keyring"
/usr/bin/python3 -c 'import sys; p=sys.argv[1]; d=bytearray(open(p,"rb").read()); d[80]^=1; open(p,"wb").write(d)' "$root/storage/keyring"
reset "$pass"
answers FAIL
run_unlock 5 "corrupt keyring (flipped byte): cannot be told from a wrong passphrase, exit 5"
expect_keys none "corrupt keyring"
cp "$work/keyring.saved" "$root/storage/keyring"
printf '[keys]\nkeyring = "/storage/other"\n' >"$root/etc/realmboot/realmboot.conf"
cp "$work/keyring.saved" "$root/storage/other"
reset "$pass"
run_unlock 0 "keyring path from the config, under --root"
expect_keys pair "configured keyring path"
conf '[keys]' 'mode = "pair"'

# --- main system: keys already there, no cache, nobody to ask: no-op
reset "$pass"
run_unlock 0 "load"
keyctl unlink "$(key_id cryptsetup)" @s >/dev/null
answers FAIL
run_unlock 0 "already loaded: no-op"
[ "$(ask_calls)" = 0 ] && ok "already loaded: nobody asked" || fail "already loaded: asked"
expect_keys pair "after the no-op"

# --- secrets never in argv, environment or logs
reset
answers "$pass"
run_unlock 0 "ask path for the leak check"
[ ! -e "$ask_dir/leak" ] && ok "no secret in /proc/PID/cmdline or environ of realmboot-unlock or its child" ||
        fail "secret found in: $(cat "$ask_dir/leak")"
if grep -qF -- "$pass" "$logs" || grep -qiF -- "$seedhex" "$logs"; then
        fail "a secret appears in the logs"
else
        ok "no passphrase or seed hex in $(wc -l <"$logs") lines of logs"
fi

test_end
