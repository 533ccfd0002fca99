/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <keyutils.h>

#include "kernel-keys.h"
#include "names.h"
#include "tests.h"
#include "trust.h"
#include "util.h"

int main(void) {
        ConfigChannel channels[] = { { .name = (char *) "vendor" } };
        CmdlineChannel cmd_channels[1] = {};
        RealmbootConfig config = { .channels = channels, .n_channels = 1 };
        RealmbootCmdline cmdline = { .channels = cmd_channels, .n_channels = 1 };
        TrustedKey *keys = NULL;
        uint8_t pk[32];
        size_t n = 0;

        memset(channels[0].public_key, 0x11, 32);
        snprintf(cmd_channels[0].name, sizeof cmd_channels[0].name, "other");
        memset(cmd_channels[0].public_key, 0x22, 32);
        /* a private session keyring: nothing of the machine's @u */
        if (keyctl_join_session_keyring(NULL) < 0) {
                fprintf(stderr, "no session keyring here, skipping\n");
                return 77;
        }

        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(keys[0].channel, "vendor");
        ASSERT_STREQ(keys[0].origin, "config");
        ASSERT_TRUE(keys[0].public_key[0] == 0x11);
        ASSERT_STREQ(keys[1].channel, "other");
        ASSERT_STREQ(keys[1].origin, "command line");
        free(keys);

        /* the user key: from the kernel (a session key counts only in a
         * test-hooks build, and only when root owns it) */
        memset(pk, 0x33, sizeof pk);
        ASSERT_TRUE(add_key("user", KERNEL_KEY_PUBLIC, pk, sizeof pk, KEY_SPEC_SESSION_KEYRING) > 0);
        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        if (TEST_HOOKS_ENABLED && geteuid() == 0) {
                ASSERT_EQ(n, 3);
                ASSERT_STREQ(keys[0].channel, REALMFS_USER_CHANNEL);
                ASSERT_STREQ(keys[0].origin, "kernel key");
                ASSERT_TRUE(keys[0].public_key[0] == 0x33);
        } else
                ASSERT_EQ(n, 2);
        free(keys);
        return 0;
}
