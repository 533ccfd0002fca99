/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "fileio.h"
#include "passphrase.h"
#include "secure.h"
#include "tests.h"

static char dir[] = "/tmp/test-passphrase-XXXXXX";

static void expect_content(const char *content, size_t len, const char *expected, size_t expected_len) {
        char path[256], *pass = NULL;
        size_t n;

        snprintf(path, sizeof path, "%s/p", dir);
        ASSERT_OK(write_file_atomic(path, content, len, 0600, false));
        ASSERT_OK(passphrase_read_file(path, &pass, &n));
        ASSERT_EQ(n, expected_len);
        ASSERT_TRUE(memcmp(pass, expected, n) == 0);
        ASSERT_EQ(pass[n], 0);
        secure_free(pass);
}

TEST(read_file) {
        char path[256], *pass = NULL, big[PASSPHRASE_MAX + 1];
        size_t n;

        /* content minus exactly one trailing newline */
        expect_content("secret\n", 7, "secret", 6);
        expect_content("secret", 6, "secret", 6);
        expect_content("secret\n\n", 8, "secret\n", 7);
        expect_content("\n", 1, "", 0);
        expect_content("sp ace\r\n", 8, "sp ace\r", 7);
        expect_content("a\0b\n", 4, "a\0b", 3);

        memset(big, 'x', sizeof big);
        snprintf(path, sizeof path, "%s/p", dir);
        ASSERT_OK(write_file_atomic(path, big, PASSPHRASE_MAX, 0600, false));
        ASSERT_OK(passphrase_read_file(path, &pass, &n));
        ASSERT_EQ(n, PASSPHRASE_MAX);
        secure_free(pass);
        ASSERT_OK(write_file_atomic(path, big, PASSPHRASE_MAX + 1, 0600, false));
        ASSERT_EQ(passphrase_read_file(path, &pass, &n), -EFBIG);
        ASSERT_EQ(passphrase_read_file("/nonexistent", &pass, &n), -ENOENT);
}

int main(void) {
        char cmd[300];

        ASSERT_OK(secure_init());
        ASSERT_TRUE(mkdtemp(dir));
        RUN(read_file);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
