#!/bin/bash
# systemd-analyze verify on every unit we ship (templates as an instance),
# with Exec paths pointing into the build tree and our man pages on MANPATH;
# any message at all is a failure.
# Usage: test-units.sh BUILD-DIR SOURCE-DIR [EXTRA-UNIT-DIR]
#   EXTRA-UNIT-DIR: generated units to verify together with the shipped ones
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
extra=${3:-}
. "$(dirname "$0")/../lib.sh"
test_begin units
mkdir -p "$work/units" "$work/man/man1" "$work/man/man5" "$work/man/man7" "$work/man/man8"
for s in 1 5 7 8; do ln -s "$src"/man/*.$s "$work/man/man$s/"; done
for unit in "$build"/units/*.service "$src"/units/*.target; do
        name=$(basename "$unit")
        sed -e "s|^ExecStart=[^ ]*/realmboot-unlock|ExecStart=$build/initrd-helper/realmboot-unlock|" \
            -e "s|^ExecStart=[^ ]*/realmboot-netguard|ExecStart=$build/netguard/realmboot-netguard|" \
            -e "s|^\(Exec[A-Za-z]*=\)[^ ]*/realmfsctl|\1$build/tool/realmfsctl|" "$unit" >"$work/units/$name"
done
names=()
for u in "$work"/units/*; do
        name=$(basename "$u")
        case $name in
        *@.service) names+=("${name%@.service}@test\\x2dinstance.service") ;;
        *) names+=("$name") ;;
        esac
done
if [ -n "$extra" ]; then
        cp -r "$extra"/. "$work/units/"
        while IFS= read -r name; do names+=("$name"); done < <(cd "$extra" && find . -maxdepth 1 -name '*.mount' -printf '%f\n')
        while IFS= read -r d; do
                d=$(basename "$d"); names+=("${d%.d}")
        done < <(find "$extra" -maxdepth 1 -name '*.d')
        # units pulled in by the generator's .wants/ links (safe mode: the guard)
        while IFS= read -r l; do names+=("$(basename "$l")"); done < <(find "$extra" -mindepth 2 -path '*.wants/*' -type l)
fi
for name in "${names[@]}"; do
        # masked by the generator's output (safe mode): nothing to run
        t=$name; case $t in *@*.*) t="${t%%@*}@.${t##*.}" ;; esac
        if [ "$(readlink "$work/units/$t")" = /dev/null ]; then
                n_ok=$((n_ok + 1)); echo "ok - $name is masked"; continue
        fi
        out=$(cd "$work/units" && MANPATH=$work/man: SYSTEMD_UNIT_PATH="$work/units:" systemd-analyze verify -- "$name" 2>&1)
        if [ $? -eq 0 ] && [ -z "$out" ]; then
                n_ok=$((n_ok + 1)); echo "ok - verify $name"
        else
                n_fail=$((n_fail + 1)); echo "not ok - verify $name: $out"
        fi
done
# What systemd runs for a realm: realm@.service's ExecStart= (the
# template's, or a generator drop-in's) for a dashed instance, specifiers
# expanded as systemd does (tests/unit-exec-argv.py: the unit's
# Environment= too), ${REALMFS_ROOT} a path that does not exist.
# systemd-nspawn must accept the machine name (the realm's name, or for one
# longer than 64 characters its first 55, '-' and 8 hex digits) and fail
# only at the directory.
nspawn_runs() { # description unit-file instance
        local argv out machine realm
        mapfile -d '' -t argv < <("$src/tests/unit-exec-argv.py" "$2" ExecStart "$3" "REALMFS_ROOT=$work/no-such-root")
        realm=$(systemd-escape --unescape "$3")
        machine=$realm
        [ ${#realm} -gt 64 ] && machine=$(printf '%s\n' "${argv[@]}" | sed -n "s/^--machine=\(${realm:0:55}-[0-9a-f]\{8\}\)$/\1/p")
        out=$(timeout 20 "${argv[@]}" 2>&1 </dev/null)
        if [ -n "$machine" ] && printf '%s\n' "${argv[@]}" | grep -qx -- "--machine=$machine" &&
           ! grep -q "Invalid machine name" <<<"$out" && grep -q "$work/no-such-root" <<<"$out"; then
                ok "$1: ${argv[0]##*/} --machine=$machine runs (stops at the missing directory)"
        else
                fail "$1: ${argv[*]}: $out"
        fi
}
[ "$(readlink "$work/units/realm@.service")" = /dev/null ] ||
        nspawn_runs "realm@work\\x2ddev.service" "$work/units/realm@.service" 'work\x2ddev'
if [ -n "$extra" ]; then
        for d in "$extra"/realm@*.service.d; do
                [ -f "$d/50-realmboot.conf" ] || continue
                cat "$work/units/realm@.service" "$d/50-realmboot.conf" >"$work/merged.service"
                i=$(basename "$d" .service.d); i=${i#realm@}
                nspawn_runs "$(basename "$d")" "$work/merged.service" "$i"
        done
fi
test_end
