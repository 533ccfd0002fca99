/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmboot-netguard: safe mode's first network layer.  Started by
 * realmboot-netguard.service (pulled in by realmboot-generator in safe mode
 * only, ordered before network-pre.target), it sets every non-loopback link
 * down, removes their addresses and soft-blocks every radio, tells systemd
 * it is ready, and then undoes every such change the kernel announces until
 * the machine shuts down.  See lib/netguard.h and realmboot(7). */

#include <stdio.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "netguard.h"
#include "util.h"

static int help(void) {
        printf("realmboot-netguard [--help|--version]\n\n"
               "Safe mode: keeps every non-loopback network link down and without addresses,\n"
               "and every radio soft-blocked, for the whole boot.  Run by\n"
               "realmboot-netguard.service.  See realmboot(7).\n");
        return 0;
}

int main(int argc, char **argv) {
        _cleanup_(netguard_close) NetGuard g = NETGUARD_NULL;
        int r;

        log_setup("realmboot-netguard", LOG_TARGET_AUTO);
        if (argc == 2 && (streq(argv[1], "--help") || streq(argv[1], "-h")))
                return help();
        if (argc == 2 && streq(argv[1], "--version"))
                return version_print("realmboot-netguard");
        if (argc != 1) {
                fprintf(stderr, "realmboot-netguard: unexpected argument '%s' (see --help)\n", argv[1]);
                return 2;
        }

        r = netguard_open(&g);
        if (r < 0)
                return 1;
        log_info("Safe mode: network guard active (links set down: %u, addresses removed: %u, radios: %s).",
                 g.links_downed, g.addresses_removed, g.rfkill >= 0 ? "soft-blocked" : "none");
        (void) sd_notifyf(false, "READY=1\nSTATUS=Keeping every network link down and radios blocked");
        r = netguard_run(&g);
        log_error_errno(r, "Safe mode: network guard failed: %m");
        return 1;
}
