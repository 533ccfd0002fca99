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
        done < <(find "$extra" -maxdepth 1 -name '*.service.d')
fi
for name in "${names[@]}"; do
        out=$(cd "$work/units" && MANPATH=$work/man: SYSTEMD_UNIT_PATH="$work/units:" systemd-analyze verify "$name" 2>&1)
        if [ $? -eq 0 ] && [ -z "$out" ]; then
                n_ok=$((n_ok + 1)); echo "ok - verify $name"
        else
                n_fail=$((n_fail + 1)); echo "not ok - verify $name: $out"
        fi
done
test_end
