/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>

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
        /* a test hook: a production build reads the real root whatever the
         * environment says */
        ASSERT_STREQ(p, TEST_HOOKS_ENABLED ? "/tmp/r/etc/x" : "/etc/x");
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

TEST(path_is_safe) {
        const char *why;
        char longp[PATH_MAX + 2];

        ASSERT_TRUE(path_is_safe("/", &why) && !why);
        ASSERT_TRUE(path_is_safe("/storage/realms/realmfs-images", &why));
        ASSERT_TRUE(path_is_safe("/a.b/..c/c..", &why));
        ASSERT_TRUE(path_is_safe("/caf\xc3\xa9", &why)); /* UTF-8 is fine */
        ASSERT_TRUE(!path_is_safe("relative", &why) && strstr(why, "absolute"));
        ASSERT_TRUE(!path_is_safe("/x\nExecStart=/bin/evil", &why) && strstr(why, "control"));
        ASSERT_TRUE(!path_is_safe("/x\x7f", &why) && strstr(why, "control"));
        ASSERT_TRUE(!path_is_safe("/my realms", &why) && strstr(why, "whitespace"));
        ASSERT_TRUE(!path_is_safe("/x\ty", &why) && strstr(why, "control"));
        ASSERT_TRUE(!path_is_safe("/storage/%i", &why) && strstr(why, "specifier"));
        ASSERT_TRUE(!path_is_safe("/a\\x20b", &why) && strstr(why, "quote"));
        ASSERT_TRUE(!path_is_safe("/a\"b", &why));
        ASSERT_TRUE(!path_is_safe("/a'b", &why));
        ASSERT_TRUE(!path_is_safe("//a", &why) && strstr(why, "normalized"));
        ASSERT_TRUE(!path_is_safe("/a//b", &why));
        ASSERT_TRUE(!path_is_safe("/a/", &why));
        ASSERT_TRUE(!path_is_safe("/a/./b", &why));
        ASSERT_TRUE(!path_is_safe("/a/..", &why));
        ASSERT_TRUE(!path_is_safe("/../a", &why));
        ASSERT_TRUE(!path_is_safe("/.", &why));
        longp[0] = '/';
        memset(longp + 1, 'a', PATH_MAX);
        longp[PATH_MAX + 1] = 0;
        ASSERT_TRUE(!path_is_safe(longp, &why) && strstr(why, "long"));
}

TEST(escape_control) {
        char out[64];

        ASSERT_STREQ(escape_control("plain text", NULL, out, sizeof out), "plain text");
        ASSERT_STREQ(escape_control("\x1b[2J\nx\x7f", NULL, out, sizeof out), "\\x1b[2J\\x0ax\\x7f");
        ASSERT_STREQ(escape_control("a\nb\tc\rd", "\n\t", out, sizeof out), "a\nb\tc\\x0dd");
        ASSERT_STREQ(escape_control("caf\xc3\xa9", NULL, out, sizeof out), "caf\xc3\xa9");
        /* truncates to fit, never half an escape */
        ASSERT_STREQ(escape_control("ab\x1b", NULL, out, 5), "ab");
        ASSERT_STREQ(escape_control("abcdef", NULL, out, 4), "abc");
}

TEST(parse_size) {
        uint64_t v;

        ASSERT_OK(parse_size("1024", &v));
        ASSERT_EQ(v, 1024);
        ASSERT_OK(parse_size("64K", &v));
        ASSERT_EQ(v, 65536);
        ASSERT_OK(parse_size("512M", &v));
        ASSERT_EQ(v, 512ull << 20);
        ASSERT_OK(parse_size("2G", &v));
        ASSERT_EQ(v, 2ull << 30);
        ASSERT_OK(parse_size("2GiB", &v));
        ASSERT_EQ(v, 2ull << 30);
        ASSERT_OK(parse_size("3MB", &v));
        ASSERT_EQ(v, 3ull << 20);
        ASSERT_OK(parse_size("1T", &v));
        ASSERT_EQ(v, 1ull << 40);
        ASSERT_EQ(parse_size("", &v), -EINVAL);
        ASSERT_EQ(parse_size("-1M", &v), -EINVAL);
        ASSERT_EQ(parse_size("12Q", &v), -EINVAL);
        ASSERT_EQ(parse_size("1MiBx", &v), -EINVAL);
        ASSERT_EQ(parse_size("M", &v), -EINVAL);
        ASSERT_EQ(parse_size("99999999999T", &v), -ERANGE);
        ASSERT_EQ(parse_size("18446744073709551616", &v), -EINVAL);
}

TEST(string_has_suffix) {
        ASSERT_TRUE(string_has_suffix("base-realmfs.img.0", ".0"));
        ASSERT_TRUE(string_has_suffix("x", ""));
        ASSERT_TRUE(!string_has_suffix(".0", "a.0"));
        ASSERT_TRUE(!string_has_suffix("base-realmfs.img", ".0"));
}

int main(void) {
        RUN(hex);
        RUN(parse_size);
        RUN(string_has_suffix);
        RUN(path_is_safe);
        RUN(escape_control);
        RUN(path_join);
        RUN(path_with_root);
        RUN(safe_atou64);
        return 0;
}
