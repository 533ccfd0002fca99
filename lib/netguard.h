/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Safe mode's network guard (DESIGN.md "Boot flow", realmboot(7)): every
 * non-loopback link kept down and without addresses, every radio
 * soft-blocked, for the whole boot and whatever manages the network.  It
 * does not poll: it subscribes to the kernel's rtnetlink link and address
 * groups and to /dev/rfkill events, and undoes each change as it is
 * announced.  A second, independent layer (IPAddressDeny= on -.slice) is
 * written by realmboot-generator. */

#include <net/if.h>
#include <stdbool.h>

typedef struct NetGuard {
        int events;  /* rtnetlink, subscribed to link and address changes */
        int request; /* rtnetlink, for dumps and changes (with ACKs) */
        int rfkill;  /* /dev/rfkill, or -1 when the kernel has none */
        unsigned seq;
        unsigned links_downed, addresses_removed, radios_blocked;
} NetGuard;

#define NETGUARD_NULL ((NetGuard) { .events = -1, .request = -1, .rfkill = -1 })

/* Opens the sockets and /dev/rfkill, then sweeps once: every non-loopback
 * link down, every address of such a link removed, every radio blocked.
 * Events that arrive during the sweep are handled by netguard_process(). */
int netguard_open(NetGuard *g);
void netguard_close(NetGuard *g);

/* Handles what is pending on the event socket and /dev/rfkill (without
 * blocking).  A lost event (ENOBUFS: the socket overran) means another full
 * sweep. */
int netguard_process(NetGuard *g);

/* Waits for events and handles them, forever (until an error). */
int netguard_run(NetGuard *g);

/* Whether any non-loopback interface is up (IFF_UP) now; its name in
 * ret_name.  For realmboot-unlock: the secret key only into an offline
 * boot.  Returns 1 (one is up), 0 (none) or a negative errno. */
int network_find_up_link(char ret_name[IF_NAMESIZE]);
