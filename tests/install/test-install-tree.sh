#!/bin/bash
# meson install --destdir of a --prefix=/usr build puts every file where a
# Debian 12 system looks for it, with the right modes: the tree is compared
# with tests/install/tree.txt (path, type, mode).  Also: the installed
# kernel-install plugin, grub.d script and example config are the sources.
# Usage: test-install-tree.sh BUILD-DIR SOURCE-DIR [--update]
set -u
src=$(cd "$2" && pwd)
update=${3:-}
tree_txt=$src/tests/install/tree.txt
. "$(dirname "$0")/../lib.sh"
test_begin install-tree

# A build of its own: the test's build directory has the default prefix.
if ! meson setup --prefix=/usr "$work/build" "$src" >"$work/log" 2>&1 ||
   ! ninja -C "$work/build" >>"$work/log" 2>&1; then
        fail "meson setup --prefix=/usr and build: $(tail -5 "$work/log")"
        test_end
fi
if DESTDIR=$work/dest meson install -C "$work/build" --no-rebuild >>"$work/log" 2>&1; then
        ok "meson install --destdir"
else
        fail "meson install --destdir: $(tail -5 "$work/log")"
        test_end
fi
(cd "$work/dest" && find . -mindepth 1 \( -type f -o -type l \) -printf '%P %y %m\n' | LC_ALL=C sort) >"$work/tree"
golden "installed tree is tests/install/tree.txt ($(wc -l <"$work/tree") files)" "$tree_txt" "$work/tree" "$update"

d=$work/dest
cmp -s "$d/usr/lib/kernel/install.d/90-realmboot-safe-mode.install" "$src/kernel-install/90-realmboot-safe-mode.install" &&
        ok "kernel-install plugin installed as is" || fail "kernel-install plugin installed as is"
sed 's|@generatordir@|/lib/systemd/system-generators|' "$src/grub.d/11_realmboot_safe_mode.in" |
        cmp -s "$d/etc/grub.d/11_realmboot_safe_mode" - &&
        ok "grub.d script installed, naming the installed generator" || fail "grub.d script installed, naming the installed generator"
cmp -s "$d/usr/share/realmboot/realmboot.conf" "$src/conf/realmboot.conf" &&
        ok "example configuration installed" || fail "example configuration installed"
[ ! -e "$d/etc/realmboot/realmboot.conf" ] && ok "no /etc/realmboot/realmboot.conf (defaults apply)" ||
        fail "no /etc/realmboot/realmboot.conf (defaults apply)"
for m in $(cd "$src/man" && ls ./*.[0-9]); do
        m=${m#./}
        [ -f "$d/usr/share/man/man${m##*.}/$m" ] && ok "man page $m installed" || fail "man page $m installed"
done
# every program the units and the dracut module name exists in the tree
for f in "$d"/lib/systemd/system/*.service "$d"/usr/lib/dracut/modules.d/50realmboot/module-setup.sh; do
        for p in $(grep -ohE '/usr/(bin|libexec)/[A-Za-z0-9/_.-]+' "$f" | sort -u); do
                case $p in /usr/bin/systemd-*) continue ;; esac
                [ -x "$d$p" ] && ok "${f#"$d"} names $p, installed" || fail "${f#"$d"} names $p, missing"
        done
done

test_end
