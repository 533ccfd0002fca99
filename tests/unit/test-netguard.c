/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The guard and the offline check in a private network namespace of this
 * process (the host's network is never touched).  Needs root. */
#include <sched.h>
#include <stdlib.h>

#include "log.h"
#include "netguard.h"
#include "tests.h"

int main(void) {
        _cleanup_(netguard_close) NetGuard g = NETGUARD_NULL;
        char name[IF_NAMESIZE];

        if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0) {
                fprintf(stderr, "needs root and a network namespace, skipping\n");
                return 77;
        }
        setenv("REALMBOOT_RFKILL", "/nonexistent/rfkill", 1); /* test hook: not the host's radios */
        ASSERT_TRUE(system("ip link set lo up") == 0);
        /* loopback alone: offline */
        ASSERT_EQ(network_find_up_link(name), 0);
        ASSERT_TRUE(system("ip link add t0 type veth peer name t1 && ip addr add 192.0.2.5/24 dev t0 && "
                           "ip link set t0 up && ip link set t1 up") == 0);
        ASSERT_EQ(network_find_up_link(name), 1);
        ASSERT_TRUE(streq(name, "t0") || streq(name, "t1"));

        /* the first sweep: both down, the address gone, loopback untouched */
        ASSERT_OK(netguard_open(&g));
        ASSERT_EQ(g.links_downed, 2);
        ASSERT_EQ(g.addresses_removed, 1);
        ASSERT_EQ(network_find_up_link(name), 0);
        ASSERT_TRUE(system("ip -o addr show dev lo | grep -q 127.0.0.1") == 0);
        ASSERT_TRUE(system("test -z \"$(ip -o addr show dev t0)\"") == 0);

        /* brought up again: the event undoes it */
        ASSERT_TRUE(system("ip link set t1 up && ip addr add 192.0.2.6/24 dev t1") == 0);
        ASSERT_OK(netguard_process(&g));
        ASSERT_EQ(network_find_up_link(name), 0);
        ASSERT_EQ(g.links_downed, 3);
        ASSERT_TRUE(system("test -z \"$(ip -o addr show dev t1)\"") == 0);
        return 0;
}
