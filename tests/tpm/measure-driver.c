/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What attach does once dm-verity is active, without the device (the host
 * has no device-mapper): measure_realmfs() for NAME ROOT [SIGNER] under
 * the system's config and command line (REALMBOOT_ROOT, REALMBOOT_CMDLINE,
 * REALMBOOT_TPM2_TCTI: a test-hooks build).  Exit 0 when attach would go
 * on, 1 when it would refuse. */
#include "config.h"
#include "log.h"
#include "measure.h"
#include "util.h"

int main(int argc, char **argv) {
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        uint8_t root[32], signer[32];
        MeasureSettings ms;

        log_setup("measure-driver", LOG_TARGET_STDERR);
        if (argc < 3 || argc > 4 || hex_decode(argv[2], root, 32) < 0 ||
            (argc == 4 && hex_decode(argv[3], signer, 32) < 0)) {
                fprintf(stderr, "usage: measure-driver NAME ROOT-HEX [SIGNER-HEX]\n");
                return 2;
        }
        if (realmboot_system_load(&config, &cmdline) < 0)
                return 1;
        measure_settings(&config, &cmdline, &ms);
        if (measure_realmfs(&ms, &cmdline, argv[1], root, argc == 4 ? signer : NULL) < 0)
                return 1;
        printf("measured=%s\n", measure_realmfs_is_measured(argv[1], root) ? "yes" : "no");
        return 0;
}
