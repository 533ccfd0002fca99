/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "tests.h"
#include "util.h"

TEST(hex) {
        uint8_t in[] = { 0x00, 0x7f, 0xab, 0xff }, out[4];
        char hex[9];

        hex_encode(in, 4, hex);
        ASSERT_STREQ(hex, "007fabff");
        ASSERT_OK(hex_decode("007FabfF", out, 4));
        ASSERT_TRUE(memcmp(in, out, 4) == 0);
        ASSERT_EQ(hex_decode("007fabf", out, 4), -EINVAL);
        ASSERT_EQ(hex_decode("007fabfff0", out, 4), -EINVAL);
        ASSERT_EQ(hex_decode("007fabfg", out, 4), -EINVAL);
        ASSERT_EQ(hex_decode("", out, 4), -EINVAL);
}

TEST(path_join) {
        char *p;

        ASSERT_OK(path_join("/a/b/", "/c", &p));
        ASSERT_STREQ(p, "/a/b/c");
        free(p);
        ASSERT_OK(path_join("/", "etc/x", &p));
        ASSERT_STREQ(p, "/etc/x");
        free(p);
        ASSERT_OK(path_join("/a", "b..c/..d", &p));
        ASSERT_STREQ(p, "/a/b..c/..d");
        free(p);
        ASSERT_EQ(path_join("/a", "../b", &p), -EINVAL);
        ASSERT_EQ(path_join("/a", "b/..", &p), -EINVAL);
        ASSERT_EQ(path_join("/a", "b/../c", &p), -EINVAL);
}

TEST(path_with_root) {
        char *p;

        unsetenv("REALMBOOT_ROOT");
        ASSERT_OK(path_with_root("/etc/x", &p));
        ASSERT_STREQ(p, "/etc/x");
        free(p);
        setenv("REALMBOOT_ROOT", "/tmp/r/", 1);
        ASSERT_OK(path_with_root("/etc/x", &p));
        ASSERT_STREQ(p, "/tmp/r/etc/x");
        free(p);
        unsetenv("REALMBOOT_ROOT");
}

TEST(safe_atou64) {
        uint64_t v;

        ASSERT_OK(safe_atou64("18446744073709551615", &v));
        ASSERT_TRUE(v == UINT64_MAX);
        ASSERT_EQ(safe_atou64("18446744073709551616", &v), -ERANGE);
        ASSERT_EQ(safe_atou64("", &v), -EINVAL);
        ASSERT_EQ(safe_atou64("-1", &v), -EINVAL);
        ASSERT_EQ(safe_atou64("12a", &v), -EINVAL);
}

int main(void) {
        RUN(hex);
        RUN(path_join);
        RUN(path_with_root);
        RUN(safe_atou64);
        return 0;
}
