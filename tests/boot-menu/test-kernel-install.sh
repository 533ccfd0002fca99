#!/bin/bash
# The safe-mode kernel-install plugin, run through the real kernel-install
# with a temporary $BOOT, configuration root and machine id: the entries it
# writes are checked byte for byte, their order with bootctl, and "remove"
# cleans up.  $BOOT is a tmpfs in a private mount namespace when possible (so
# paths are relative to it, as on a real ESP, and bootctl accepts it).
# Usage: test-kernel-install.sh SOURCE-DIR
set -u
src=$(cd "$1" && pwd)
plugin=$src/kernel-install/90-realmboot-safe-mode.install
loaderentry=/usr/lib/kernel/install.d/90-loaderentry.install
command -v kernel-install >/dev/null && [ -x "$loaderentry" ] ||
        { echo "kernel-install or $loaderentry missing: skipping"; exit 77; }

if [ "${REALMBOOT_TEST_IN_NS:-}" != 1 ] && [ "$(id -u)" = 0 ] &&
   unshare -m true 2>/dev/null; then
        REALMBOOT_TEST_IN_NS=1 exec unshare -m "$0" "$@"
fi

. "$(dirname "$0")/../lib.sh"
test_begin kernel-install
test_on_exit() { # the tmpfs $BOOTs of the private mount namespace
        [ "${REALMBOOT_TEST_IN_NS:-}" = 1 ] || return 0
        for m in "$work"/*/boot; do umount "$m" 2>/dev/null; done
}

. /etc/os-release
machine_id=0123456789abcdef0123456789abcdef
printf 'fake kernel\n' >"$work/vmlinuz"
printf 'fake initrd\n' >"$work/initrd.img"

# A fresh $BOOT and configuration root; sets boot, conf, mounted.
new_boot() { # name
        boot=$work/$1/boot
        conf=$work/$1/conf
        mkdir -p "$boot" "$conf"
        mounted=0
        if [ "${REALMBOOT_TEST_IN_NS:-}" = 1 ] && mount -t tmpfs none "$boot"; then
                mounted=1
        fi
        mkdir -p "$boot/loader/entries"
        echo "layout=bls" >"$conf/install.conf"
        echo "root=UUID=3f1e2d9c-0000-4000-8000-000000000001 ro quiet" >"$conf/cmdline"
}
kinstall() { # command, version [, kernel, initrd]: our plugin after systemd's
        KERNEL_INSTALL_CONF_ROOT=$conf BOOT_ROOT=$boot MACHINE_ID=$machine_id \
        KERNEL_INSTALL_PLUGINS="$loaderentry $plugin" kernel-install "$@" 2>"$work/stderr"
}
# Where an entry's paths point: relative to $BOOT when it is a mount point.
entry_dir() { # token, version
        if [ "$mounted" = 1 ]; then echo "/$1/$2"; else echo "$boot/$1/$2"; fi
}

# --- 1. two kernels, entry token = machine id ---------------------------------
new_boot bls
check "kernel-install add 6.1.0-99-amd64" kinstall add 6.1.0-99-amd64 "$work/vmlinuz" "$work/initrd.img"
check "kernel-install add 6.1.0-100-amd64" kinstall add 6.1.0-100-amd64 "$work/vmlinuz" "$work/initrd.img"
for v in 6.1.0-99-amd64 6.1.0-100-amd64; do
        d=$(entry_dir $machine_id $v)
        cat >"$work/expected" <<EOT
title      $PRETTY_NAME (safe mode)
version    $v
machine-id $machine_id
sort-key   ${IMAGE_ID:-$ID}-safe-mode
options    root=UUID=3f1e2d9c-0000-4000-8000-000000000001 ro quiet systemd.machine_id=$machine_id realmboot.safe_mode
linux      $d/linux
initrd     $d/initrd.img
EOT
        same "$v: safe-mode entry byte for byte" "$work/expected" "$boot/loader/entries/$machine_id-$v-safe-mode.conf"
        check "$v: normal entry still there" test -f "$boot/loader/entries/$machine_id-$v.conf"
        check "$v: safe-mode entry mode 0644" test "$(stat -c %a "$boot/loader/entries/$machine_id-$v-safe-mode.conf")" = 644
done
check "no temporary file left" test -z "$(find "$boot/loader/entries" -name '*.tmp*')"

if command -v bootctl >/dev/null && [ "$mounted" = 1 ]; then
        SYSTEMD_RELAX_ESP_CHECKS=1 bootctl --esp-path="$boot" --no-pager --json=short list 2>"$work/bootctl.err" |
                python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in sys.stdin if l.strip()]' >"$work/order"
        printf '%s\n' "$machine_id-6.1.0-100-amd64.conf" "$machine_id-6.1.0-99-amd64.conf" \
                "$machine_id-6.1.0-100-amd64-safe-mode.conf" "$machine_id-6.1.0-99-amd64-safe-mode.conf" >"$work/expected"
        same "bootctl list: both kernels' entries, safe-mode entries after the normal ones" "$work/expected" "$work/order"
        SYSTEMD_RELAX_ESP_CHECKS=1 bootctl --esp-path="$boot" --no-pager list 2>/dev/null |
                grep -q "title: $PRETTY_NAME (safe mode) (6.1.0-100-amd64)" &&
                ok "bootctl list shows the safe-mode title" || fail "bootctl list shows the safe-mode title"
else
        echo "# bootctl missing or \$BOOT not a mount point: order not checked with bootctl"
fi

check "kernel-install remove 6.1.0-99-amd64" kinstall remove 6.1.0-99-amd64
check "remove: its safe-mode entry is gone" test ! -e "$boot/loader/entries/$machine_id-6.1.0-99-amd64-safe-mode.conf"
check "remove: the other kernel's entries stay" \
        test -f "$boot/loader/entries/$machine_id-6.1.0-100-amd64-safe-mode.conf" -a -f "$boot/loader/entries/$machine_id-6.1.0-100-amd64.conf"
check "kernel-install remove 6.1.0-100-amd64" kinstall remove 6.1.0-100-amd64
check "remove: no entry left" test -z "$(ls -A "$boot/loader/entries")"

# --- 2. entry token from the configuration, boot counting ---------------------
new_boot token
echo realmtest >"$conf/entry-token"
echo 3 >"$conf/tries"
check "token+tries: kernel-install add" kinstall add 6.2.0-1-amd64 "$work/vmlinuz" "$work/initrd.img"
d=$(entry_dir realmtest 6.2.0-1-amd64)
cat >"$work/expected" <<EOT
title      $PRETTY_NAME (safe mode)
version    6.2.0-1-amd64
sort-key   ${IMAGE_ID:-$ID}-safe-mode
options    root=UUID=3f1e2d9c-0000-4000-8000-000000000001 ro quiet realmboot.safe_mode
linux      $d/linux
initrd     $d/initrd.img
EOT
same "token+tries: safe-mode entry made from realmtest-6.2.0-1-amd64+3.conf" "$work/expected" "$boot/loader/entries/realmtest-6.2.0-1-amd64-safe-mode.conf"
check "token+tries: kernel-install remove" kinstall remove 6.2.0-1-amd64
check "token+tries: nothing left" test -z "$(ls -A "$boot/loader/entries")"

# --- 3. layout "other": nothing to do ------------------------------------------
new_boot other
echo "layout=other" >"$conf/install.conf"
check "layout=other: kernel-install add" kinstall add 6.2.0-1-amd64 "$work/vmlinuz" "$work/initrd.img"
check "layout=other: no entry written" test -z "$(ls -A "$boot/loader/entries")"

# --- 4. the plugin on its own: odd entries, no entry ----------------------------
plugin_env() { # layout, command...
        local layout=$1; shift
        KERNEL_INSTALL_LAYOUT=$layout KERNEL_INSTALL_BOOT_ROOT=$boot KERNEL_INSTALL_ENTRY_TOKEN=tok \
        KERNEL_INSTALL_MACHINE_ID=$machine_id KERNEL_INSTALL_CONF_ROOT=$conf KERNEL_INSTALL_VERBOSE=0 \
        "$plugin" "$@" 2>"$work/stderr"
}
new_boot plugin
check "no normal entry: exit 0" plugin_env bls add 7.0 "$boot/tok/7.0" "$work/vmlinuz"
check "no normal entry: nothing written" test -z "$(ls -A "$boot/loader/entries")"
check "no normal entry: says why" grep -q "tok-7.0.conf does not exist; no safe-mode boot entry for 7.0" "$work/stderr"
printf 'title Custom\t \noptions a=1\nlinux /k\noptions   b=2  \ninitrd /i\n' >"$boot/loader/entries/tok-7.0.conf"
check "entry without sort-key, two options lines: exit 0" plugin_env bls add 7.0 "$boot/tok/7.0" "$work/vmlinuz"
printf 'title Custom (safe mode)\noptions a=1\nlinux /k\noptions   b=2 realmboot.safe_mode\ninitrd /i\n' >"$work/expected"
same "option appended to the last options line, title suffixed" "$work/expected" "$boot/loader/entries/tok-7.0-safe-mode.conf"
check "no sort-key: a warning" grep -q "has no sort-key" "$work/stderr"
printf 'title Bare\nlinux /k\n' >"$boot/loader/entries/tok-7.0.conf"
plugin_env bls add 7.0 "$boot/tok/7.0" "$work/vmlinuz"
printf 'title Bare (safe mode)\nlinux /k\noptions    realmboot.safe_mode\n' >"$work/expected"
same "entry without options: an options line is added" "$work/expected" "$boot/loader/entries/tok-7.0-safe-mode.conf"
check "plugin remove" plugin_env bls remove 7.0 "$boot/tok/7.0"
check "plugin remove: safe-mode entry gone, normal entry not touched" \
        test ! -e "$boot/loader/entries/tok-7.0-safe-mode.conf" -a -f "$boot/loader/entries/tok-7.0.conf"
chmod 0555 "$boot/loader/entries"
if [ ! -w "$boot/loader/entries" ]; then
        plugin_env bls add 7.0 "$boot/tok/7.0" "$work/vmlinuz" && fail "unwritable entries directory: fails" ||
                ok "unwritable entries directory: fails"
        check "unwritable entries directory: says so" grep -q "could not write" "$work/stderr"
fi
chmod 0755 "$boot/loader/entries"

# --- 5. layout "uki": a type #1 entry for the installed image ------------------
new_boot uki
check "uki, no image: exit 0" plugin_env uki add 7.1 "$boot/tok/7.1" "$work/vmlinuz"
check "uki, no image: says why" grep -q "no unified kernel image" "$work/stderr"
mkdir -p "$boot/EFI/Linux"
printf 'MZ fake uki\n' >"$boot/EFI/Linux/tok-7.1.efi"
check "uki: exit 0" plugin_env uki add 7.1 "$boot/tok/7.1" "$work/vmlinuz"
if [ "$mounted" = 1 ]; then efi=/EFI/Linux/tok-7.1.efi; else efi=$boot/EFI/Linux/tok-7.1.efi; fi
cat >"$work/expected" <<EOT
title      $PRETTY_NAME (safe mode)
version    7.1
sort-key   ${IMAGE_ID:-$ID}-safe-mode
options    root=UUID=3f1e2d9c-0000-4000-8000-000000000001 ro quiet realmboot.safe_mode
efi        $efi
EOT
same "uki: safe-mode entry byte for byte" "$work/expected" "$boot/loader/entries/tok-7.1-safe-mode.conf"
check "uki: the Secure Boot caveat is printed" grep -q "Secure Boot" "$work/stderr"
if command -v bootctl >/dev/null && [ "$mounted" = 1 ]; then
        # (bootctl 252 does not print the efi key; it lists the entry)
        SYSTEMD_RELAX_ESP_CHECKS=1 bootctl --esp-path="$boot" --no-pager --json=short list 2>/dev/null |
                grep -q '"id":"tok-7.1-safe-mode.conf".*"options":"[^"]* realmboot.safe_mode"' &&
                ok "uki: bootctl list reads it" || fail "uki: bootctl list reads it"
fi
check "uki: remove" plugin_env uki remove 7.1 "$boot/tok/7.1"
check "uki: entry gone, image untouched" test ! -e "$boot/loader/entries/tok-7.1-safe-mode.conf" -a -f "$boot/EFI/Linux/tok-7.1.efi"

test_end
