/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trust-anchor rule of kernel-keys.c, in a private (anonymous) session
 * keyring: the machine's real @u is never written. */
#include <keyutils.h>

#include "kernel-keys.h"
#include "tests.h"
#include "util.h"

TEST(description_parse) {
        const char *d;
        char type[16];
        uint32_t uid;

        ASSERT_OK(kernel_key_description_parse("user;0;0;3f010000;realmfs-user-public", type, sizeof type, &uid, &d));
        ASSERT_STREQ(type, "user");
        ASSERT_EQ(uid, 0);
        ASSERT_STREQ(d, "realmfs-user-public");
        /* the description may hold ';' */
        ASSERT_OK(kernel_key_description_parse("keyring;1000;1000;3f1b0000;a;b", type, sizeof type, &uid, &d));
        ASSERT_STREQ(type, "keyring");
        ASSERT_EQ(uid, 1000);
        ASSERT_STREQ(d, "a;b");
        ASSERT_EQ(kernel_key_description_parse("user;0;0;3f010000", type, sizeof type, &uid, &d), -EINVAL);
        ASSERT_EQ(kernel_key_description_parse("user;x;0;3f010000;k", type, sizeof type, &uid, &d), -EINVAL);
        ASSERT_EQ(kernel_key_description_parse("user;4294967296;0;0;k", type, sizeof type, &uid, &d), -EINVAL);
        ASSERT_EQ(kernel_key_description_parse("averyveryverylongtype;0;0;0;k", type, sizeof type, &uid, &d), -EINVAL);
        ASSERT_EQ(kernel_key_description_parse("", type, sizeof type, &uid, &d), -EINVAL);
}

/* A key in the session keyring: found only by a test-hooks build (and only
 * when it is owned by uid 0, so only when the test runs as root). */
TEST(session_key) {
        uint8_t pk[32], got[32];
        key_serial_t id;

        memset(pk, 0x5a, sizeof pk);
        id = add_key("user", "realmboot-test-trust", pk, sizeof pk, KEY_SPEC_SESSION_KEYRING);
        ASSERT_TRUE(id > 0);
        if (TEST_HOOKS_ENABLED && geteuid() == 0) {
                ASSERT_EQ(kernel_key_find_trusted("realmboot-test-trust"), id);
                ASSERT_OK(kernel_key_read_trusted("realmboot-test-trust", got, sizeof got));
                ASSERT_TRUE(memcmp(got, pk, sizeof pk) == 0);
                /* exact size only */
                ASSERT_EQ(kernel_key_read_trusted("realmboot-test-trust", got, 31), -EBADMSG);
        } else
                ASSERT_EQ(kernel_key_find_trusted("realmboot-test-trust"), -ENOKEY);
        /* another type with that description never counts */
        ASSERT_EQ(kernel_key_find_trusted("realmboot-test-absent"), -ENOKEY);
        ASSERT_TRUE(keyctl_revoke(id) == 0);
        ASSERT_EQ(kernel_key_find_trusted("realmboot-test-trust"), -ENOKEY);
}

int main(void) {
        RUN(description_parse);
        /* a new anonymous session keyring for this process only */
        if (keyctl_join_session_keyring(NULL) < 0) {
                fprintf(stderr, "no session keyring here (%s), skipping\n", strerror(errno));
                return 77;
        }
        RUN(session_key);
        return 0;
}
