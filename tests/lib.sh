# Shared by the shell tests (source it): a scratch directory removed on
# exit, ok/not ok lines with their counters, and the summary line.
#
#   . "$(dirname "$0")/../lib.sh"
#   require_session_keyring  # keyctl there and session keyrings allowed, else exit
#   test_begin NAME          # sets $work; define test_on_exit for more cleanup
#   ok/fail DESCRIPTION      check DESCRIPTION COMMAND...
#   same DESCRIPTION EXPECTED-FILE ACTUAL-FILE
#   golden DESCRIPTION GOLDEN-FILE ACTUAL-FILE [--update]
#   unsign_image IMAGE       # zero the header signature (an unsigned image)
#   test_end                 # "N passed, N failed"; exit status

# keyctl is a dependency (missing: a failure); a build chroot may refuse
# session keyrings (seccomp): a skip, as meson knows it (77)
require_session_keyring() {
        command -v keyctl >/dev/null || { echo "keyctl missing (keyutils)"; echo "0 passed, 1 failed"; exit 1; }
        keyctl session - true >/dev/null 2>&1 || { echo "skip: no kernel session keyring here (keyctl session refused)"; exit 77; }
}

test_begin() { # name
        work=$(mktemp -d "/tmp/test-$1-XXXXXX")
        n_ok=0
        n_fail=0
        trap test_cleanup EXIT
}
test_cleanup() {
        if declare -F test_on_exit >/dev/null; then test_on_exit; fi
        rm -rf "$work"
}
ok() { n_ok=$((n_ok + 1)); echo "ok - $*"; }
fail() { n_fail=$((n_fail + 1)); echo "not ok - $*"; }
check() { # description, command...
        local what=$1
        shift
        if "$@"; then ok "$what"; else fail "$what"; fi
}
same() { # description, expected file, actual file: byte for byte, diff if not
        if cmp -s "$2" "$3"; then
                ok "$1"
        else
                fail "$1"
                diff -u "$2" "$3" | sed 's/^/#   /'
        fi
}
golden() { # description, golden file, actual file [, --update: refresh the golden file instead]
        if [ "${4:-}" = --update ]; then
                cp "$3" "$2"
                ok "$1 (golden file updated)"
        else
                same "$1" "$2" "$3"
        fi
}
new_keyring() { # realmfsctl keyring passphrase: the keyring made (its passphrase
        # in keyring.pw), its public key printed
        printf '%s\n' "$3" >"$2.pw"
        "$1" keyring init --keyring "$2" --passphrase-file "$2.pw" >/dev/null &&
                "$1" keyring show-public --keyring "$2" --passphrase-file "$2.pw"
}
unsign_image() { # image: its 64-byte header signature zeroed
        /usr/bin/python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
n = d[6] << 8 | d[7]
d[8 + n:8 + n + 64] = bytes(64)
open(p, "wb").write(d)
PY
}
test_end() {
        echo "$n_ok passed, $n_fail failed"
        [ "$n_fail" -eq 0 ] && [ "$n_ok" -gt 0 ]
        exit
}
