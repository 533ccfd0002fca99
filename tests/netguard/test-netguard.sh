#!/bin/bash
# realmboot-netguard in a private network namespace (nothing of the host's
# network is touched): dummy and veth links with IPv4 and IPv6 addresses,
# up before it starts, brought up again while it runs, and one that appears
# later.  Every non-loopback link must end up down and without addresses,
# loopback must stay as it is.  The test waits (bounded) for the guard's
# own log lines; the guard itself never polls.
# Usage: test-netguard.sh PATH-TO-realmboot-netguard
set -u
if [ -z "${IN_TEST_NETNS:-}" ]; then
        unshare --net true 2>/dev/null || { echo "not ok - unshare --net refused (needs root)"; echo "0 passed, 1 failed"; exit 1; }
        IN_TEST_NETNS=1 exec unshare --net "$0" "$@"
fi
guard=$(readlink -f "$1")
. "$(dirname "$0")/../lib.sh"
test_begin netguard
test_on_exit() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; }

# veth pairs: the host kernel may lack the dummy module
# links up but loopback (with an address) as realmboot-netguard must see none
up_links() { ip -o link show up | awk -F': ' '$2 != "lo" { print $2 }' | sed 's/@.*//' | tr '\n' ' '; }
addrs() { ip -o addr show | awk '$2 != "lo" { print $2, $4 }' | tr '\n' ' '; }
wait_for() { # description, command: up to 10 s
        local i
        for i in $(seq 1 100); do "${@:2}" && { ok "$1"; return; }; sleep 0.1; done
        fail "$1"
}
logged() { grep -qF -- "$1" "$work/log"; }
no_up() { [ -z "$(up_links)" ]; }
no_addr() { [ -z "$(addrs)" ]; }

ip link set lo up
ip link add d0 type veth peer name d0p
ip addr add 192.0.2.10/24 dev d0
ip -6 addr add 2001:db8::10/64 dev d0 nodad
ip link set d0 up
ip link add veth0 type veth peer name veth1
ip addr add 192.0.2.20/24 dev veth0
ip link set veth0 up
ip link set veth1 up
[ -n "$(up_links)" ] && [ -n "$(addrs)" ] && ok "before: links up ($(up_links)), addresses ($(addrs))" ||
        fail "test setup: $(up_links) / $(addrs)"

REALMBOOT_RFKILL=/nonexistent/rfkill REALMBOOT_LOG_TARGET=stderr "$guard" 2>"$work/log" &
pid=$!
wait_for "the guard is active" logged "network guard active"
check "no link but loopback up: $(up_links)" no_up
check "no address but loopback's: $(addrs)" no_addr
ip -o addr show dev lo | grep -q "inet 127.0.0.1/8" && ip -o link show lo | grep -q "UP" &&
        ok "loopback still up with 127.0.0.1" || fail "loopback: $(ip -o addr show dev lo)"
for l in d0 veth0 veth1; do
        logged "link $l was up; set down." && ok "logged: link $l set down" || fail "no log line for $l: $(cat "$work/log")"
done
logged "removed an IPv4 address of d0." && logged "removed an IPv4 address of veth0." &&
        ok "logged: the IPv4 addresses of d0 and veth0 removed (the kernel drops IPv6 ones with the link)" ||
        fail "address log lines: $(cat "$work/log")"
# addresses added to a link that is down (the kernel keeps them there)
ip -6 addr add 2001:db8::30/64 dev veth1 nodad
ip addr add 192.0.2.30/24 dev veth1
wait_for "IPv4 and IPv6 addresses added to a down link: removed" no_addr
logged "removed an IPv6 address of veth1." && ok "logged: the IPv6 address of veth1 removed" || fail "$(cat "$work/log")"

# brought up again while the guard runs, with a new address
ip addr add 192.0.2.11/24 dev d0
ip link set d0 up
wait_for "d0 brought up again: down again" no_up
wait_for "its new address removed" no_addr
# a link that appears later (hot-plug)
ip link add d1 type veth peer name d1p
ip link set d1 up
wait_for "a link added later and brought up: down" no_up
kill -0 "$pid" 2>/dev/null && ok "the guard keeps running" || fail "the guard exited: $(cat "$work/log")"
"$guard" --version | grep -q "^realmboot-netguard " && ok "--version" || fail "--version"
"$guard" extra >/dev/null 2>&1; [ $? -eq 2 ] && ok "an argument: exit 2" || fail "argument not refused"
test_end
