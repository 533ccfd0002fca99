#!/bin/bash
# The /etc/grub.d/ safe-mode script, run the way grub-mkconfig runs it, over
# a /boot with fake kernels (a tmpfs in a private mount namespace) and with
# grub-probe/grub-mkrelpath answered by stand-ins (grub-mkconfig_lib lets
# the caller choose them): its output is compared with a golden file and
# checked with grub-script-check.  Without realmboot's generator (package
# removed, the conffile left) it must add nothing.
# Usage: test-grub.sh SOURCE-DIR BUILT-SCRIPT [--update]
set -u
src=$(cd "$1" && pwd)
script=$(realpath "$2")
golden_dir=$src/tests/boot-menu/grub
[ -f /usr/share/grub/grub-mkconfig_lib ] || { echo "grub-common not installed: skipping"; exit 77; }
if [ "${REALMBOOT_TEST_IN_NS:-}" != 1 ]; then
        [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null ||
                { echo "needs root and unshare -m (a private /boot): skipping"; exit 77; }
        REALMBOOT_TEST_IN_NS=1 exec unshare -m "$0" "$@"
fi
update=${3:-}

. "$(dirname "$0")/../lib.sh"
test_begin grub

cat >"$work/grub-probe" <<'EOT'
#!/bin/sh
# grub-probe stand-in: --device DEV --target=WHAT
for a in "$@"; do case $a in --target=*) t=${a#--target=} ;; esac; done
case $t in
partmap) echo gpt ;;
abstraction) ;;
fs) echo ext2 ;;
compatibility_hint) echo hd0,gpt2 ;;
fs_uuid) echo 0b5e6a1c-8d3f-4e27-9a41-2c7d5f9e8b10 ;;
hints_string) echo "--hint-bios=hd0,gpt2 --hint-efi=hd0,gpt2 --hint-baremetal=ahci0,gpt2" ;;
*) exit 1 ;;
esac
EOT
printf '#!/bin/sh\necho "$1"\n' >"$work/grub-mkrelpath"
chmod +x "$work/grub-probe" "$work/grub-mkrelpath"

run_script() { # output file: the script as grub-mkconfig runs it
        env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin pkgdatadir=/usr/share/grub \
                grub_probe="$work/grub-probe" grub_mkrelpath="$work/grub-mkrelpath" \
                GRUB_DEVICE=/dev/vda2 GRUB_DEVICE_BOOT=/dev/vda2 \
                GRUB_DEVICE_UUID=0b5e6a1c-8d3f-4e27-9a41-2c7d5f9e8b10 GRUB_DISABLE_LINUX_UUID=true \
                GRUB_DISTRIBUTOR=Debian GRUB_CMDLINE_LINUX="console=ttyS0" GRUB_CMDLINE_LINUX_DEFAULT=quiet \
                "$script" >"$1" 2>"$work/stderr"
}
script_check() { # description, output
        if ! command -v grub-script-check >/dev/null; then
                echo "# grub-script-check missing: $1 not checked"
        elif grub-script-check "$2" 2>"$work/check.err"; then
                ok "$1"
        else
                fail "$1: $(head -3 "$work/check.err")"
        fi
}

mount -t tmpfs none /boot || { echo "cannot mount a private /boot: skipping"; exit 77; }
# the installed generator the script looks for, in a private directory
gendir=$(sed -n 's|^\[ -x "\(.*\)/realmboot-generator" \] .*|\1|p' "$script")
[ -n "$gendir" ] || { fail "the script names no generator"; test_end; }
mkdir -p "$gendir" && mount -t tmpfs none "$gendir" || { echo "cannot mount a private $gendir: skipping"; exit 77; }
printf '#!/bin/sh\n' >"$gendir/realmboot-generator"
chmod +x "$gendir/realmboot-generator"

# three kernels, one without initrd, plus files grub must ignore
for v in 6.1.0-9-amd64 6.1.0-10-amd64 6.1.0-11-amd64; do echo "$v" >/boot/vmlinuz-$v; done
echo i >/boot/initrd.img-6.1.0-11-amd64
echo i >/boot/initrd.img-6.1.0-10-amd64
echo x >/boot/vmlinuz-6.1.0-12-amd64.dpkg-tmp
echo x >/boot/config-6.1.0-11-amd64
if run_script "$work/three.cfg"; then ok "three kernels: exit 0"; else fail "three kernels: exit $?: $(cat "$work/stderr")"; fi
golden "three kernels: newest at the top level, the others in a submenu" "$golden_dir/three-kernels.cfg" "$work/three.cfg" "$update"
script_check "three kernels: grub-script-check" "$work/three.cfg"
[ "$(grep -c '^menuentry\|^	menuentry' "$work/three.cfg")" = 3 ] && ok "one entry per kernel, none for the .dpkg-tmp file" ||
        fail "one entry per kernel, none for the .dpkg-tmp file"
[ "$(grep -c 'realmboot.safe_mode$' "$work/three.cfg")" = 3 ] && ok "every entry's command line ends with realmboot.safe_mode" ||
        fail "every entry's command line ends with realmboot.safe_mode"
grep -q "Found linux image for the realmboot safe mode: /boot/vmlinuz-6.1.0-11-amd64" "$work/stderr" &&
        ok "reports what it found on stderr" || fail "reports what it found on stderr"

rm /boot/vmlinuz-6.1.0-9-amd64 /boot/vmlinuz-6.1.0-10-amd64
run_script "$work/one.cfg"
golden "one kernel: a single top-level entry, no submenu" "$golden_dir/one-kernel.cfg" "$work/one.cfg" "$update"
script_check "one kernel: grub-script-check" "$work/one.cfg"

rm "$gendir/realmboot-generator"
run_script "$work/removed.cfg" && [ ! -s "$work/removed.cfg" ] && ok "realmboot removed (no generator): no output, exit 0" ||
        fail "realmboot removed (no generator): no output, exit 0"
printf '#!/bin/sh\n' >"$gendir/realmboot-generator"
chmod +x "$gendir/realmboot-generator"

rm /boot/vmlinuz-*
run_script "$work/none.cfg" && [ ! -s "$work/none.cfg" ] && ok "no kernel: no output, exit 0" || fail "no kernel: no output, exit 0"

umount "$gendir" /boot
test_end
