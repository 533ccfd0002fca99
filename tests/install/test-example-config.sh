#!/bin/bash
# The example configuration shipped in /usr/share/realmboot/ is the
# defaults: with it as /etc/realmboot/realmboot.conf the generator writes
# exactly what it writes without a configuration file (normal and safe
# mode), and it logs no complaint about it.
# Usage: test-example-config.sh GENERATOR SOURCE-DIR
set -u
gen=$1
src=$(cd "$2" && pwd)
. "$(dirname "$0")/../lib.sh"
test_begin example-config
export REALMBOOT_LOG_TARGET=stderr

make_root() { # dir
        local r=$1 n
        mkdir -p "$r/storage/realms/realmfs-images"
        for n in base work; do
                printf 'header of %s\n' "$n" >"$r/storage/realms/realmfs-images/$n-realmfs.img"
        done
        mkdir -p "$r/realms/realm-main" "$r/realms/realm-dev"
        printf 'autostart = true\n' >"$r/realms/realm-main/config"
        printf 'realmfs = "work"\n' >"$r/realms/realm-dev/config"
}
make_root "$work/default"
make_root "$work/example"
mkdir -p "$work/example/etc/realmboot"
cp "$src/conf/realmboot.conf" "$work/example/etc/realmboot/"

for mode in normal safe; do
        cmdline=quiet
        [ $mode = safe ] && cmdline="quiet realmboot.safe_mode"
        for r in default example; do
                mkdir -p "$work/out-$mode-$r"/{n,e,l}
                REALMBOOT_ROOT=$work/$r REALMBOOT_CMDLINE=$cmdline "$gen" \
                        "$work/out-$mode-$r/n" "$work/out-$mode-$r/e" "$work/out-$mode-$r/l" 2>"$work/log-$mode-$r"
        done
        if diff -r --no-dereference "$work/out-$mode-default" "$work/out-$mode-example" >"$work/diff"; then
                ok "$mode: same units with the example configuration as without one"
        else
                fail "$mode: the example configuration changes the output"; sed 's/^/#   /' "$work/diff"
        fi
        [ -n "$(find "$work/out-$mode-example" -type f -o -type l)" ] && ok "$mode: the generator wrote units" ||
                fail "$mode: the generator wrote nothing"
        if grep -q "realmboot.conf" "$work/log-$mode-example"; then
                fail "$mode: complaints about the example: $(grep realmboot.conf "$work/log-$mode-example" | head -3)"
        else
                ok "$mode: no complaint about the example configuration"
        fi
done

# and a changed value does show (the comparison above is not blind)
sed -i 's/^default-realmfs = "base"/default-realmfs = "work"/' "$work/example/etc/realmboot/realmboot.conf"
mkdir -p "$work/out-changed"/{n,e,l}
REALMBOOT_ROOT=$work/example REALMBOOT_CMDLINE=quiet "$gen" "$work/out-changed"/{n,e,l} 2>/dev/null
diff -rq --no-dereference "$work/out-normal-default" "$work/out-changed" >/dev/null &&
        fail "a changed default-realmfs changes nothing" || ok "a changed default-realmfs changes the output"

test_end
