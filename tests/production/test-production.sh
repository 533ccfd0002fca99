#!/bin/bash
# The security rules of a production build (no -Dtest-hooks), judged on
# such a build's binaries (tests/package/run passes the .deb's):
#   - --version says it is not a test-hooks build;
#   - REALMBOOT_ROOT and REALMBOOT_CMDLINE are ignored: the environment can
#     neither choose another config nor say realmboot.nosignatures or add a
#     trusted channel;
#   - the user trust anchor comes only from uid 0's user keyring: a key
#     planted in a session keyring, or in a keyring nested in @u, is not
#     trusted; a key linked in @u itself is.
# Everything runs in a private user namespace (its own @u for uid 0, so the
# machine's real @u is never touched) with a private mount namespace: /etc is
# an overlay (our realmboot.conf in it, nothing reaches the host's /etc) and
# /proc/cmdline a file of ours.
# Usage: test-production.sh REALMFSCTL GENERATOR UNLOCK
set -u
if [ -z "${IN_TEST_NAMESPACE:-}" ]; then
        unshare --user --map-root-user --mount --propagation private true 2>/dev/null ||
                { echo "not ok - unshare --user --mount (private user and mount namespaces) refused"; echo "0 passed, 1 failed"; exit 1; }
fi
ctl=$(readlink -f "$1")
gen=$(readlink -f "$2")
unlock=$(readlink -f "$3")
. "$(dirname "$0")/../lib.sh"

if [ -z "${IN_TEST_NAMESPACE:-}" ]; then
        test_begin production
        # images and keys are made outside, by the same binaries
        mkdir -p "$work/images" "$work/evil-images" "$work/tree/etc" "$work/realms/realm-main" "$work/realms/realm-tools"
        echo hello >"$work/tree/etc/motd"
        printf 'pw\n' >"$work/pw"
        printf 'evil\n' >"$work/epw"
        "$ctl" keyring init --keyring "$work/kr" --passphrase-file "$work/pw" >/dev/null
        "$ctl" keyring init --keyring "$work/ekr" --passphrase-file "$work/epw" >/dev/null
        mk() { # keyring passfile name [options]
                local kr=$1 pf=$2 n=$3; shift 3
                "$ctl" create --name "$n" --from "$work/tree" --keyring "$kr" --passphrase-file "$pf" "$@" \
                        "$work/images/$n-realmfs.img" >/dev/null
        }
        mk "$work/kr" "$work/pw" main
        mk "$work/ekr" "$work/epw" planted
        mk "$work/ekr" "$work/epw" evil --channel evil
        mk "$work/kr" "$work/pw" unsigned
        unsign_image "$work/images/unsigned-realmfs.img"
        printf 'realmfs = "main"\nautostart = true\n' >"$work/realms/realm-main/config"
        printf 'realmfs = "evil"\nautostart = true\n' >"$work/realms/realm-tools/config"
        # what an attacker's environment would point at
        mkdir -p "$work/evil-root/etc/realmboot"
        printf '[realms]\nimages = "%s"\n[channels]\nevil = "%s"\n' "$work/images" \
                "$("$ctl" keyring show-public --keyring "$work/ekr" --passphrase-file "$work/epw")" \
                >"$work/evil-root/etc/realmboot/realmboot.conf"
        printf 'CITADEL_CHANNEL=evil\nCITADEL_IMAGE_PUBKEY=%s\n' \
                "$("$ctl" keyring show-public --keyring "$work/ekr" --passphrase-file "$work/epw")" \
                >"$work/evil-root/etc/os-release"
        IN_TEST_NAMESPACE=1 WORK=$work unshare --user --map-root-user --mount --propagation private "$0" "$@"
        exit
fi

# ---- inside the namespaces
work=$WORK
n_ok=0
n_fail=0
mkdir -p "$work/ovl/upper" "$work/ovl/work"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$work/ovl/upper,workdir=$work/ovl/work" /etc ||
        { fail "overlay on /etc"; test_end; }
mkdir -p /etc/realmboot
printf '[realms]\ndirectory = "%s"\nimages = "%s"\n' "$work/realms" "$work/images" >/etc/realmboot/realmboot.conf
echo "quiet" >"$work/cmdline"
mount --bind "$work/cmdline" /proc/cmdline || { fail "bind mount over /proc/cmdline"; test_end; }
pk=$("$ctl" keyring show-public --keyring "$work/kr" --passphrase-file "$work/pw")
epk=$("$ctl" keyring show-public --keyring "$work/ekr" --passphrase-file "$work/epw")
bin() { /usr/bin/python3 -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
expect() { # exit description word -- command...: the exit status, and for failures one stderr line holding word
        local want=$1 desc=$2 word=$3; shift 4
        "$@" >"$work/out" 2>"$work/err"
        local got=$?
        if [ "$got" -ne "$want" ]; then
                fail "$desc: exit $got, expected $want: $(head -3 "$work/err")"
        elif [ "$want" -ne 0 ] && { [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -qF -- "$word" "$work/err"; }; then
                fail "$desc: expected one line on stderr with \"$word\": $(cat "$work/err")"
        else
                ok "$desc${word:+ ($(head -1 "$work/err"))}"
        fi
}

for p in "$ctl" "$gen" "$unlock"; do
        v=$("$p" --version)
        case $v in
        *TEST-HOOKS*) fail "$(basename "$p") --version: $v (a test-hooks build)" ;;
        "$(basename "$p") "[0-9]*) ok "$(basename "$p") --version: $v (no +TEST-HOOKS)" ;;
        *) fail "$(basename "$p") --version: $v" ;;
        esac
done

# ---- the trust anchor
keyctl clear @u >/dev/null
expect 1 "no key anywhere: the user-signed image is untrusted" "no trusted key" -- "$ctl" attach --dry-run main
bin "$pk" >"$work/pk.bin"
# (keyctl session's own "Joined session keyring" line goes to /dev/null)
expect 1 "a key planted in the session keyring is not trusted" "no trusted key" -- \
        sh -c 'exec 3>&2 2>/dev/null; exec keyctl session - sh -c "exec 2>&3; keyctl padd user realmfs-user-public @s <\"\$1\" >/dev/null && exec \"\$0\" attach --dry-run main" "$0" "$1"' \
        "$ctl" "$work/pk.bin"
nest=$(keyctl newring nested @u)
bin "$epk" | keyctl padd user realmfs-user-public "$nest" >/dev/null
expect 1 "a key in a keyring nested in @u is not trusted" "no trusted key" -- "$ctl" attach --dry-run planted
keyctl clear @u >/dev/null
bin "$pk" | keyctl padd user realmfs-user-public @u >/dev/null
expect 0 "a key in uid 0's @u, owned by uid 0, type user, is trusted" "" -- "$ctl" attach --dry-run main
grep -q "^signature: *verified (channel realmfs-user)" "$work/out" && ok "dry run says: verified (channel realmfs-user)" ||
        fail "dry run output: $(cat "$work/out")"
expect 1 "an image signed by another key stays untrusted" "does not verify" -- "$ctl" attach --dry-run planted

# ---- the signing key from the kernel: uid 0's @u only
seedhex=$(/usr/bin/python3 -c 'import os; print(os.urandom(32).hex())')
kpk=$(/usr/bin/python3 -c 'import sys, nacl.signing; print(nacl.signing.SigningKey(bytes.fromhex(sys.argv[1])).verify_key.encode().hex())' "$seedhex")
bin "$seedhex" >"$work/seed.bin"
keyctl clear @u >/dev/null
cp "$work/images/main-realmfs.img" "$work/main.before"
expect 1 "a seed planted in a session keyring does not sign" "No signing key" -- \
        sh -c 'exec 3>&2 2>/dev/null; exec keyctl session - sh -c "exec 2>&3; keyctl padd user realmfs-user @s <\"\$1\" >/dev/null && exec \"\$0\" sign \"\$2\"" "$0" "$1" "$2"' \
        "$ctl" "$work/seed.bin" "$work/images/main-realmfs.img"
cmp -s "$work/images/main-realmfs.img" "$work/main.before" && ok "the image is untouched" || fail "the image changed"
bin "$kpk" | keyctl padd user realmfs-user-public @u >/dev/null
expect 1 "only the public key in @u (key mode public): refused, pointing to safe mode" "only loaded in safe mode" -- \
        "$ctl" sign "$work/images/main-realmfs.img"
keyctl padd user realmfs-user @u <"$work/seed.bin" >/dev/null
expect 0 "the seed in uid 0's @u signs, no passphrase" "" -- "$ctl" sign "$work/images/main-realmfs.img"
expect 0 "and the image verifies with its public key" "" -- "$ctl" attach --dry-run main
# a test-hooks build would stop itself (SIGSTOP) before the rename: this one signs
REALMBOOT_TEST_STOP=written expect 0 "REALMBOOT_TEST_STOP ignored: sign does not stop" "" -- \
        timeout -s KILL 60 "$ctl" sign "$work/images/main-realmfs.img"
keyctl clear @u >/dev/null
bin "$pk" | keyctl padd user realmfs-user-public @u >/dev/null

# ---- the environment is not a test hook here
REALMBOOT_ROOT=$work/evil-root expect 1 "REALMBOOT_ROOT ignored: its [channels] do not count" "no trusted key for channel" -- \
        "$ctl" attach --dry-run evil
mkdir -p "$work/evil-root/usr/lib" && cp "$work/evil-root/etc/os-release" "$work/evil-root/usr/lib/"
REALMBOOT_ROOT=$work/evil-root expect 1 "REALMBOOT_ROOT ignored: its os-release's channel key does not count" "no trusted key for channel" -- \
        "$ctl" verify "$work/images/evil-realmfs.img"
# the OS image's os-release (here the private /etc) does count, but never Citadel's development key
rm -f /etc/os-release
printf 'ID=citadel\nCITADEL_CHANNEL=evil\nCITADEL_IMAGE_PUBKEY=%s\n' "$epk" >/etc/os-release
expect 0 "/etc/os-release's CITADEL_CHANNEL and CITADEL_IMAGE_PUBKEY count" "" -- "$ctl" verify "$work/images/evil-realmfs.img"
printf 'CITADEL_CHANNEL=evil\nCITADEL_IMAGE_PUBKEY=08c79a0eda3de80ac83d3a8bad145fbaeb8a08d50f747f8815a0e4b133b977ed\n' >/etc/os-release
"$ctl" verify "$work/images/evil-realmfs.img" >/dev/null 2>"$work/err" && fail "Citadel's dev key was trusted" ||
        { grep -q "Citadel's development key" "$work/err" && ok "Citadel's development key in os-release: not trusted, said so" ||
                fail "dev key: $(cat "$work/err")"; }
rm -f /etc/os-release
# the seed alone in uid 0's @u (Citadel's initrd): its public key vouches
keyctl clear @u >/dev/null
keyctl padd user realmfs-user @u <"$work/seed.bin" >/dev/null
expect 0 "only the seed in @u: the public key derived from it verifies" "" -- "$ctl" verify "$work/images/main-realmfs.img"
keyctl clear @u >/dev/null
bin "$pk" | keyctl padd user realmfs-user-public @u >/dev/null
REALMBOOT_CMDLINE="realmboot.nosignatures" expect 1 "REALMBOOT_CMDLINE=realmboot.nosignatures ignored" "not signed" -- \
        "$ctl" attach --dry-run unsigned
REALMBOOT_CMDLINE="realmboot.channel=evil:$epk" expect 1 "REALMBOOT_CMDLINE=realmboot.channel= ignored" "no trusted key for channel" -- \
        "$ctl" verify "$work/images/evil-realmfs.img"
echo "quiet realmboot.channel=evil:$epk" >"$work/cmdline"
expect 0 "the real command line (here /proc/cmdline) still counts" "" -- "$ctl" attach --dry-run evil
echo "quiet" >"$work/cmdline"
mkdir -p "$work/gen/normal" "$work/gen/early" "$work/gen/late"
REALMBOOT_CMDLINE="realmboot.safe_mode" REALMBOOT_ROOT=$work/evil-root REALMBOOT_LOG_TARGET=stderr \
        "$gen" "$work/gen/normal" "$work/gen/early" "$work/gen/late" 2>"$work/err"
if [ ! -e "$work/gen/early/default.target" ] && [ -e "$work/gen/normal/run-realmfs-main.mount" ]; then
        ok "generator: REALMBOOT_CMDLINE=realmboot.safe_mode and REALMBOOT_ROOT ignored (normal boot, realms of /etc's config)"
else
        fail "generator followed the environment: $(cd "$work/gen" && find . | tr '\n' ' ') $(cat "$work/err")"
fi

# ---- REALMBOOT_TPM2_TCTI is ignored: the software TPM it names is never
# extended (the boot word of realmboot-unlock goes to /dev/tpmrm0, which
# this host lacks).  Not run on a host with a TPM: it would be extended.
if ls /sys/class/tpmrm/* >/dev/null 2>&1; then
        echo "# skipped: this host has a TPM, which the production realmboot-unlock would extend"
elif ! command -v swtpm >/dev/null || ! command -v tpm2_pcrread >/dev/null; then
        fail "swtpm or tpm2_pcrread missing (swtpm, swtpm-tools, tpm2-tools)"
else
        mount -t tmpfs tmpfs /run
        port=$(( 24000 + ($$ % 2000) * 2 ))
        mkdir -p "$work/tpm"
        swtpm_setup --tpm2 --tpm-state "$work/tpm" --pcr-banks sha256 --overwrite >/dev/null 2>&1
        swtpm socket --tpm2 --tpmstate dir="$work/tpm" --server type=tcp,port=$port,bindaddr=127.0.0.1 \
                --ctrl type=tcp,port=$((port + 1)),bindaddr=127.0.0.1 --flags not-need-init,startup-clear \
                --daemon --pid file="$work/swtpm.pid"
        sleep 0.3
        REALMBOOT_TPM2_TCTI=swtpm:host=127.0.0.1,port=$port REALMBOOT_LOG_TARGET=stderr "$unlock" >"$work/out" 2>&1
        v=$(TPM2TOOLS_TCTI=swtpm:host=127.0.0.1,port=$port tpm2_pcrread sha256:13 2>/dev/null | sed -n 's/^ *13: 0x//p')
        if [ "$v" = "$(printf '0%.0s' $(seq 64))" ] && grep -q "No TPM 2.0" "$work/out"; then
                ok "REALMBOOT_TPM2_TCTI ignored: realmboot-unlock found no TPM, the swtpm it names stays at zero"
        else
                fail "REALMBOOT_TPM2_TCTI followed? PCR 13 $v: $(cat "$work/out")"
        fi
        kill "$(cat "$work/swtpm.pid")" 2>/dev/null
fi
test_end
