/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include <sodium.h>

#include "header.h"
#include "kernel-keys.h"
#include "log.h"
#include "os-release.h"
#include "secure.h"
#include "trust.h"

static int trust_add(TrustedKey **keys, size_t *n, const char *channel, const uint8_t pk[REALMFS_PUBLIC_KEY_SIZE],
                     const char *origin) {
        TrustedKey *k;

        if (memcmp(pk, citadel_dev_public_key, REALMFS_PUBLIC_KEY_SIZE) == 0) {
                /* anybody can sign with it: its secret is in Citadel's source */
                log_warning("The key of channel %s (%s) is Citadel's development key, whose secret is public: "
                            "not trusting it", channel, origin);
                return 0;
        }
        k = realloc(*keys, (*n + 1) * sizeof **keys);
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

int trust_user_public_key(uint8_t ret[REALMFS_PUBLIC_KEY_SIZE], const char **ret_origin) {
        _cleanup_secure_free_ uint8_t *seed = NULL, *sk = NULL;
        int r;

        r = kernel_key_read_trusted(KERNEL_KEY_PUBLIC, ret, REALMFS_PUBLIC_KEY_SIZE);
        if (r != -ENOKEY) {
                *ret_origin = "kernel key";
                return r;
        }
        /* Citadel's own initrd loads the seed alone: the public key is a
         * function of it */
        seed = secure_alloc(REALMFS_SEED_SIZE);
        sk = secure_alloc(crypto_sign_SECRETKEYBYTES);
        if (!seed || !sk)
                return -ENOMEM;
        r = kernel_key_read_trusted(KERNEL_KEY_SEED, seed, REALMFS_SEED_SIZE);
        if (r < 0)
                return r;
        if (crypto_sign_seed_keypair(ret, sk, seed) != 0)
                return -EINVAL;
        *ret_origin = "kernel key (seed)";
        return 0;
}

int trust_collect(const RealmbootConfig *config, const RealmbootCmdline *cmdline, TrustedKey **ret, size_t *ret_n) {
        _cleanup_free_ TrustedKey *keys = NULL;
        const char *origin = NULL;
        OsReleaseChannel os = {};
        size_t n = 0;
        uint8_t pk[REALMFS_PUBLIC_KEY_SIZE];
        int r;

        r = trust_user_public_key(pk, &origin);
        if (r >= 0)
                r = trust_add(&keys, &n, REALMFS_USER_CHANNEL, pk, origin);
        else if (r == -ENOKEY)
                r = 0;
        else if (r == -ENOMEM)
                return log_oom();
        else
                log_warning_errno(r, "Cannot read the kernel key %s (or %s), ignoring it: %m", KERNEL_KEY_PUBLIC,
                                  KERNEL_KEY_SEED), r = 0;

        /* the OS image's channel (Citadel's CITADEL_CHANNEL, CITADEL_IMAGE_PUBKEY) */
        if (r >= 0 && os_release_read_channel(&os) > 0)
                r = trust_add(&keys, &n, os.name, os.public_key, "os-release");
        for (size_t i = 0; r >= 0 && i < config->n_channels; i++)
                r = trust_add(&keys, &n, config->channels[i].name, config->channels[i].public_key, "config");
        for (size_t i = 0; r >= 0 && i < cmdline->n_channels; i++) {
                const CmdlineChannel *ch = &cmdline->channels[i];

                if (ch->has_key)
                        r = trust_add(&keys, &n, ch->name, ch->public_key, "command line");
                else if (!streq(ch->name, os.name))
                        log_warning("Kernel command line: channel %s has no key there and os-release gives none "
                                    "for it: no image of that channel is trusted", ch->name);
        }
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
