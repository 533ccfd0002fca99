/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <keyutils.h>
#include <sodium.h>
#include <sys/stat.h>

#include "fileio.h"
#include "kernel-keys.h"
#include "names.h"
#include "os-release.h"
#include "tests.h"
#include "trust.h"
#include "util.h"

#define PK_HEX "4444444444444444444444444444444444444444444444444444444444444444"
#define DEV_PK_HEX "08c79a0eda3de80ac83d3a8bad145fbaeb8a08d50f747f8815a0e4b133b977ed"

static char root[] = "/tmp/test-trust-XXXXXX";

static void write_os_release(const char *dir, const char *content) {
        _cleanup_free_ char *p = NULL, *cmd = NULL;

        ASSERT_TRUE(asprintf(&p, "%s/%s/os-release", root, dir) > 0);
        ASSERT_TRUE(asprintf(&cmd, "mkdir -p '%s/%s'", root, dir) > 0);
        ASSERT_EQ(system(cmd), 0);
        if (content)
                ASSERT_OK(write_file_atomic(p, content, strlen(content), 0644, false));
        else
                (void) unlink(p);
}

static const TrustedKey *find(const TrustedKey *keys, size_t n, const char *channel) {
        for (size_t i = 0; i < n; i++)
                if (streq(keys[i].channel, channel))
                        return &keys[i];
        return NULL;
}

TEST(os_release_parse) {
        static const char *const keys[] = { "A", "B", "C", "D" };
        char *v[4];
        char *error = NULL;
        const char *doc = "# comment\n"
                          "  ; also a comment\n"
                          "\n"
                          "A=bare value  \n"
                          "B=\"double \\\"quoted\\\" \\$x \\\\ \\n\"\n"
                          "C='single \\ quoted'\n"
                          "D=first\n"
                          "D = mixed\"quo ted\"' and 'bare\\ x\n"
                          "E=\"spans\n"
                          "lines\"\n";

        ASSERT_OK(os_release_parse(doc, strlen(doc), "f", keys, 4, v, &error));
        ASSERT_STREQ(v[0], "bare value");
        ASSERT_STREQ(v[1], "double \"quoted\" $x \\ \\n");
        ASSERT_STREQ(v[2], "single \\ quoted");
        ASSERT_STREQ(v[3], "mixedquo ted and bare x");
        for (size_t i = 0; i < 4; i++)
                free(v[i]);

        /* errors name file, line and column */
        ASSERT_EQ(os_release_parse("A=1\n1B=2\n", 9, "f", keys, 4, v, &error), -EINVAL);
        ASSERT_STREQ(error, "f:2:1: expected a variable name (A-Z, a-z, 0-9, _)");
        ASSERT_TRUE(!v[0]);
        free(error);
        ASSERT_EQ(os_release_parse("A=1\nB 2\n", 8, "f", keys, 4, v, &error), -EINVAL);
        ASSERT_STREQ(error, "f:2:3: expected '=' after the variable name");
        free(error);
        ASSERT_EQ(os_release_parse("A=\"x\nB=2\n", 9, "f", keys, 4, v, &error), -EINVAL);
        ASSERT_STREQ(error, "f:1:3: unterminated double-quoted value");
        free(error);
}

TEST(os_release_channel) {
        OsReleaseChannel ch;

        /* none: no file, no channel, a channel without key */
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", "ID=citadel\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", "CITADEL_CHANNEL=vendor\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);

        /* /etc first, else /usr/lib */
        write_os_release("usr/lib", "CITADEL_CHANNEL=lib\nCITADEL_IMAGE_PUBKEY=" PK_HEX "\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", NULL);
        ASSERT_EQ(os_release_read_channel(&ch), 1);
        ASSERT_STREQ(ch.name, "lib");
        ASSERT_TRUE(ch.public_key[0] == 0x44 && ch.public_key[31] == 0x44);
        write_os_release("etc", "CITADEL_CHANNEL=\"vendor\"\nCITADEL_IMAGE_PUBKEY='" PK_HEX "'\n");
        ASSERT_EQ(os_release_read_channel(&ch), 1);
        ASSERT_STREQ(ch.name, "vendor");

        /* never: the development key, realmfs-user, bad names, bad keys, a broken file */
        write_os_release("etc", "CITADEL_CHANNEL=dev\nCITADEL_IMAGE_PUBKEY=" DEV_PK_HEX "\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", "CITADEL_CHANNEL=realmfs-user\nCITADEL_IMAGE_PUBKEY=" PK_HEX "\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", "CITADEL_CHANNEL=a/b\nCITADEL_IMAGE_PUBKEY=" PK_HEX "\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", "CITADEL_CHANNEL=v\nCITADEL_IMAGE_PUBKEY=" PK_HEX "00\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", "CITADEL_CHANNEL=v\nCITADEL_IMAGE_PUBKEY=\"" PK_HEX "\n");
        ASSERT_EQ(os_release_read_channel(&ch), 0);
        write_os_release("etc", NULL);
        write_os_release("usr/lib", NULL);
}

TEST(collect) {
        ConfigChannel channels[] = { { .name = (char *) "vendor" } };
        CmdlineChannel cmd_channels[2] = {};
        RealmbootConfig config = { .channels = channels, .n_channels = 1 };
        RealmbootCmdline cmdline = { .channels = cmd_channels, .n_channels = 1 };
        TrustedKey *keys = NULL;
        uint8_t pk[32], seed[32], sk[64], derived[32];
        const TrustedKey *k;
        key_serial_t seed_id;
        size_t n = 0;

        memset(channels[0].public_key, 0x11, 32);
        snprintf(cmd_channels[0].name, sizeof cmd_channels[0].name, "other");
        cmd_channels[0].has_key = true;
        memset(cmd_channels[0].public_key, 0x22, 32);

        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(keys[0].channel, "vendor");
        ASSERT_STREQ(keys[0].origin, "config");
        ASSERT_TRUE(keys[0].public_key[0] == 0x11);
        ASSERT_STREQ(keys[1].channel, "other");
        ASSERT_STREQ(keys[1].origin, "command line");
        free(keys);

        /* the OS image's channel from os-release; citadel.channel=NAME alone
         * adds no key of its own */
        if (!TEST_HOOKS_ENABLED)
                goto dev_key; /* the machine's own os-release */
        write_os_release("etc", "CITADEL_CHANNEL=osimage\nCITADEL_IMAGE_PUBKEY=" PK_HEX "\n");
        snprintf(cmd_channels[1].name, sizeof cmd_channels[1].name, "osimage");
        cmdline.n_channels = 2;
        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        ASSERT_EQ(n, 3);
        ASSERT_TRUE((k = find(keys, n, "osimage")));
        ASSERT_STREQ(k->origin, "os-release");
        ASSERT_TRUE(k->public_key[0] == 0x44);
        free(keys);
        snprintf(cmd_channels[1].name, sizeof cmd_channels[1].name, "nokey");
        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        ASSERT_EQ(n, 3);
        ASSERT_TRUE(!find(keys, n, "nokey"));
        free(keys);
        write_os_release("etc", NULL);
        cmdline.n_channels = 1;

dev_key:
        /* Citadel's development key counts from nowhere */
        ASSERT_OK(hex_decode(DEV_PK_HEX, channels[0].public_key, 32));
        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        ASSERT_EQ(n, 1);
        ASSERT_TRUE(!find(keys, n, "vendor"));
        free(keys);
        memset(channels[0].public_key, 0x11, 32);

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

        /* the seed alone (Citadel's initrd): the public key derived from it */
        ASSERT_OK(kernel_key_remove(KEY_SPEC_SESSION_KEYRING, KERNEL_KEY_PUBLIC));
        randombytes_buf(seed, sizeof seed);
        ASSERT_TRUE(crypto_sign_seed_keypair(derived, sk, seed) == 0);
        seed_id = add_key("user", KERNEL_KEY_SEED, seed, sizeof seed, KEY_SPEC_SESSION_KEYRING);
        ASSERT_TRUE(seed_id > 0);
        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        if (TEST_HOOKS_ENABLED && geteuid() == 0) {
                const char *origin = NULL;
                uint8_t got[32];

                ASSERT_EQ(n, 3);
                ASSERT_STREQ(keys[0].channel, REALMFS_USER_CHANNEL);
                ASSERT_STREQ(keys[0].origin, "kernel key (seed)");
                ASSERT_TRUE(memcmp(keys[0].public_key, derived, 32) == 0);
                ASSERT_OK(trust_user_public_key(got, &origin));
                ASSERT_TRUE(memcmp(got, derived, 32) == 0);
        } else
                ASSERT_EQ(n, 2);
        free(keys);
        /* both: the public key as loaded wins */
        ASSERT_TRUE(add_key("user", KERNEL_KEY_PUBLIC, pk, sizeof pk, KEY_SPEC_SESSION_KEYRING) > 0);
        ASSERT_OK(trust_collect(&config, &cmdline, &keys, &n));
        if (TEST_HOOKS_ENABLED && geteuid() == 0)
                ASSERT_TRUE(memcmp(keys[0].public_key, pk, 32) == 0);
        free(keys);
        sodium_memzero(seed, sizeof seed);
        sodium_memzero(sk, sizeof sk);
}

int main(void) {
        char cmd[300];

        if (sodium_init() < 0)
                return 1;
        /* a private session keyring: nothing of the machine's @u */
        if (keyctl_join_session_keyring(NULL) < 0) {
                fprintf(stderr, "no session keyring here, skipping\n");
                return 77;
        }
        ASSERT_TRUE(mkdtemp(root));
        if (TEST_HOOKS_ENABLED)
                setenv("REALMBOOT_ROOT", root, 1);
        RUN(os_release_parse);
        if (TEST_HOOKS_ENABLED)
                RUN(os_release_channel);
        RUN(collect);
        snprintf(cmd, sizeof cmd, "rm -rf %s", root);
        return system(cmd) == 0 ? 0 : 1;
}
