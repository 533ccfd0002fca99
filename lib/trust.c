/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "header.h"
#include "kernel-keys.h"
#include "log.h"
#include "trust.h"

static int trust_add(TrustedKey **keys, size_t *n, const char *channel, const uint8_t pk[REALMFS_PUBLIC_KEY_SIZE],
                     const char *origin) {
        TrustedKey *k = realloc(*keys, (*n + 1) * sizeof **keys);

        if (!k)
                return -ENOMEM;
        *keys = k;
        k = &k[(*n)++];
        *k = (TrustedKey) {};
        snprintf(k->channel, sizeof k->channel, "%s", channel);
        snprintf(k->origin, sizeof k->origin, "%s", origin);
        memcpy(k->public_key, pk, REALMFS_PUBLIC_KEY_SIZE);
        return 0;
}

int trust_collect(const RealmbootConfig *config, const RealmbootCmdline *cmdline, TrustedKey **ret, size_t *ret_n) {
        _cleanup_free_ TrustedKey *keys = NULL;
        size_t n = 0;
        uint8_t pk[REALMFS_PUBLIC_KEY_SIZE];
        int r;

        r = kernel_key_read_trusted(KERNEL_KEY_PUBLIC, pk, sizeof pk);
        if (r >= 0)
                r = trust_add(&keys, &n, REALMFS_USER_CHANNEL, pk, "kernel key");
        else if (r == -ENOKEY)
                r = 0;
        else
                log_warning_errno(r, "Cannot read kernel key %s, ignoring: %m", KERNEL_KEY_PUBLIC), r = 0;

        for (size_t i = 0; r >= 0 && i < config->n_channels; i++)
                r = trust_add(&keys, &n, config->channels[i].name, config->channels[i].public_key, "config");
        for (size_t i = 0; r >= 0 && i < cmdline->n_channels; i++)
                r = trust_add(&keys, &n, cmdline->channels[i].name, cmdline->channels[i].public_key, "command line");
        if (r < 0)
                return log_oom();
        *ret = TAKE_PTR(keys);
        *ret_n = n;
        return 0;
}

int trust_collect_system(TrustedKey **ret, size_t *ret_n) {
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        int r;

        r = realmboot_system_load(&config, &cmdline);
        if (r < 0)
                return r;
        return trust_collect(&config, &cmdline, ret, ret_n);
}
