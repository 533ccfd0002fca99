#!/bin/bash
# systemd-analyze verify on every unit we ship, with ExecStart= pointing
# into the build tree and our man pages on MANPATH; any message is a failure.
# Usage: test-units.sh BUILD-DIR SOURCE-DIR
set -u
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
work=$(mktemp -d /tmp/test-units-XXXXXX)
trap 'rm -rf "$work"' EXIT
n_ok=0
n_fail=0
mkdir -p "$work/units" "$work/man/man8" "$work/man/man5"
ln -s "$src"/man/*.8 "$work/man/man8/"
ln -s "$src"/man/*.5 "$work/man/man5/"
for unit in "$build"/units/*.service "$build"/units/*.target "$src"/units/*.target "$src"/units/*.service; do
        [ -f "$unit" ] || continue
        name=$(basename "$unit")
        [ -e "$work/units/$name" ] && continue
        sed -e "s|^ExecStart=[^ ]*/realmboot-unlock|ExecStart=$build/initrd-helper/realmboot-unlock|" \
            -e "s|^\(Exec[A-Za-z]*=\)[^ ]*/realmfsctl|\1$build/tool/realmfsctl|" "$unit" >"$work/units/$name"
done
for u in "$work"/units/*; do
        out=$(cd "$work/units" && MANPATH=$work/man systemd-analyze verify "$u" 2>&1)
        if [ $? -eq 0 ] && [ -z "$out" ]; then
                n_ok=$((n_ok + 1)); echo "ok - $(basename "$u")"
        else
                n_fail=$((n_fail + 1)); echo "not ok - $(basename "$u"): $out"
        fi
done
echo "$n_ok passed, $n_fail failed"
[ "$n_fail" -eq 0 ] && [ "$n_ok" -gt 0 ]
