#!/bin/bash
# Builds an initrd with dracut and our module from the build tree, and
# checks with lsinitrd that the helper, its unit, the wants-link and every
# shared library the helper needs are inside.
# Usage: test-dracut.sh BUILD-DIR
set -u
build=$(cd "$1" && pwd)
command -v dracut >/dev/null || { echo "dracut not installed: skipping"; exit 77; }
. "$(dirname "$0")/../lib.sh"
test_begin dracut

# dracut's own modules (as symlinks) plus ours, from the build tree
cp -as /usr/lib/dracut "$work/dracut"
mkdir -p "$work/dracut/modules.d/50realmboot"
install -m 0755 "$build/dracut-module/module-setup.sh" "$work/dracut/modules.d/50realmboot/"
helper_path=$(sed -n 's/^realmboot_unlock=\${REALMBOOT_DRACUT_UNLOCK:-\(.*\)}$/\1/p' "$build/dracut-module/module-setup.sh")
[ -n "$helper_path" ] || { echo "cannot read the helper path from module-setup.sh"; exit 1; }

if REALMBOOT_DRACUT_UNLOCK=$build/initrd-helper/realmboot-unlock REALMBOOT_DRACUT_UNIT=$build/units/realmboot-unlock.service \
   dracutbasedir=$work/dracut dracut --no-hostonly --no-kernel --add realmboot --force --quiet --tmpdir "$work" \
   "$work/initrd.img" "$(uname -r)" >"$work/log" 2>&1; then
        ok "dracut --no-hostonly --add realmboot"
else
        fail "dracut failed: $(tail -5 "$work/log")"
        test_end
fi
lsinitrd "$work/initrd.img" 2>/dev/null >"$work/list"
lsinitrd -m "$work/initrd.img" 2>/dev/null | grep -qx realmboot && ok "module realmboot listed" || fail "module not listed"

has() { grep -qE " $1( |$)" "$work/list"; }
has "${helper_path#/}" && ok "helper at $helper_path" || fail "helper $helper_path missing"
has "usr/lib/systemd/system/realmboot-unlock.service" && ok "unit installed" || fail "unit missing"
grep -qE " etc/systemd/system/initrd.target.wants/realmboot-unlock.service -> " "$work/list" && ok "initrd.target wants it" ||
        fail "wants-link missing"
lsinitrd -f "${helper_path#/}" "$work/initrd.img" >"$work/helper" 2>/dev/null
# dracut strips debug information (strip -g) from what it installs
strip -g -o "$work/ours" "$build/initrd-helper/realmboot-unlock"
cmp -s "$work/helper" "$work/ours" && ok "helper is our build (debug info stripped)" || fail "helper differs"
lsinitrd -f usr/lib/systemd/system/realmboot-unlock.service "$work/initrd.img" 2>/dev/null | grep -q "^ExecStart=$helper_path$" &&
        ok "unit runs the helper's path in the initrd" || fail "unit ExecStart does not match"
for lib in $(ldd "$build/initrd-helper/realmboot-unlock" | awk '/=>/ { print $3 }'); do
        base=$(basename "$lib")
        grep -qE "/$base( |$)" "$work/list" && ok "library $base" || fail "library $base missing"
done
has "usr/bin/systemd-ask-password" && ok "systemd-ask-password" || fail "systemd-ask-password missing"

test_end
