/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "cmdline.h"
#include "log.h"
#include "tests.h"

typedef struct Words {
        char out[2048];
} Words;

static int collect(const char *key, const char *value, void *userdata) {
        Words *w = userdata;
        size_t n = strlen(w->out);

        snprintf(w->out + n, sizeof w->out - n, "[%s%s%s]", key, value ? "=" : "", value ? value : "");
        return 0;
}

static void expect_words(const char *line, const char *expected) {
        Words w = {};

        ASSERT_OK(proc_cmdline_parse(line, collect, &w));
        if (strcmp(w.out, expected) != 0) {
                fprintf(stderr, "for '%s'\n  got      %s\n  expected %s\n", line, w.out, expected);
                exit(1);
        }
}

TEST(kernel_quoting) {
        /* as linux/lib/cmdline.c next_arg() splits them */
        expect_words("", "");
        expect_words("   ", "");
        expect_words("a b  c", "[a][b][c]");
        expect_words("root=/dev/sda1 ro quiet", "[root=/dev/sda1][ro][quiet]");
        expect_words("a=\"b c\" d", "[a=b c][d]");
        expect_words("\"a b\" c", "[a b][c]");
        expect_words("a=b=c", "[a=b=c]");
        expect_words("=x y", "[=x][y]");
        expect_words("a=\"unterminated b", "[a=unterminated b]");
        expect_words("a=x\"y z\"", "[a=x\"y z\"]");
        expect_words("\ta\nb\r\n", "[a][b]");
        expect_words("a= b", "[a=][b]");
}

TEST(keys) {
        ASSERT_TRUE(proc_cmdline_key_streq("realmboot.safe-mode", "realmboot.safe_mode"));
        ASSERT_TRUE(proc_cmdline_key_streq("realmboot_safe_mode", "realmboot-safe-mode"));
        ASSERT_TRUE(!proc_cmdline_key_streq("realmboot.safe_mod", "realmboot.safe_mode"));
        ASSERT_TRUE(!proc_cmdline_key_streq("realmboot.safe_modes", "realmboot.safe_mode"));
        ASSERT_EQ(parse_boolean("YES"), 1);
        ASSERT_EQ(parse_boolean("off"), 0);
        ASSERT_EQ(parse_boolean("maybe"), -EINVAL);
}

#define PK "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define PK2 "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

TEST(realmboot_options) {
        RealmbootCmdline c;

        ASSERT_OK(realmboot_cmdline_parse("quiet splash", &c));
        ASSERT_TRUE(!c.safe_mode && c.key_mode == KEY_MODE_UNSET && !c.noverity && !c.nosignatures && !c.disable);
        ASSERT_EQ(c.n_channels, 0);
        realmboot_cmdline_done(&c);

        ASSERT_OK(realmboot_cmdline_parse("realmboot.safe_mode realmboot.key-mode=public realmboot.noverity "
                                          "realmboot.nosignatures=yes realmboot.debug realmboot.disable=0 "
                                          "realmboot.channel=vendor:" PK " citadel.channel=other:" PK, &c));
        ASSERT_TRUE(c.safe_mode && c.noverity && c.nosignatures && c.debug && !c.disable);
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        ASSERT_EQ(c.n_channels, 2);
        ASSERT_STREQ(c.channels[0].name, "vendor");
        ASSERT_EQ(c.channels[0].public_key[31], 0xff);
        ASSERT_STREQ(c.channels[1].name, "other");
        realmboot_cmdline_done(&c);

        /* aliases and the safe-mode target */
        ASSERT_OK(realmboot_cmdline_parse("citadel.safemode citadel.nosignatures", &c));
        ASSERT_TRUE(c.safe_mode && c.nosignatures);
        realmboot_cmdline_done(&c);
        ASSERT_OK(realmboot_cmdline_parse("systemd.unit=realmboot-safe-mode.target", &c));
        ASSERT_TRUE(c.safe_mode);
        realmboot_cmdline_done(&c);
        ASSERT_OK(realmboot_cmdline_parse("systemd.unit=multi-user.target", &c));
        ASSERT_TRUE(!c.safe_mode);
        realmboot_cmdline_done(&c);

        /* bad values are ignored, later ones override */
        ASSERT_OK(realmboot_cmdline_parse("realmboot.safe_mode=maybe realmboot.key_mode=both realmboot.key_mode=pair "
                                          "realmboot.safe_mode=1 realmboot.safe_mode=0 realmboot.unknown=1 "
                                          "realmboot.channel=vendor realmboot.channel=realmfs-user:" PK
                                          " realmboot.channel=1bad:" PK " realmboot.channel=v:12",
                                          &c));
        ASSERT_TRUE(!c.safe_mode);
        ASSERT_EQ(c.key_mode, KEY_MODE_PAIR);
        ASSERT_EQ(c.n_channels, 0);
        realmboot_cmdline_done(&c);

        /* same channel twice: the last wins */
        ASSERT_OK(realmboot_cmdline_parse("realmboot.channel=v:" PK " realmboot.channel=v:" PK2, &c));
        ASSERT_EQ(c.n_channels, 1);
        ASSERT_EQ(c.channels[0].public_key[0], 0xff);
        realmboot_cmdline_done(&c);
}

TEST(load_env) {
        RealmbootCmdline c;

        setenv("REALMBOOT_CMDLINE", "realmboot.safe-mode", 1);
        ASSERT_OK(realmboot_cmdline_load(&c));
        ASSERT_TRUE(c.safe_mode);
        realmboot_cmdline_done(&c);
        setenv("REALMBOOT_CMDLINE", "", 1);
        ASSERT_OK(realmboot_cmdline_load(&c));
        ASSERT_TRUE(!c.safe_mode);
        realmboot_cmdline_done(&c);
        unsetenv("REALMBOOT_CMDLINE");
        ASSERT_OK(realmboot_cmdline_load(&c)); /* the real /proc/cmdline */
        realmboot_cmdline_done(&c);
}

TEST(limits) {
        RealmbootCmdline c;
        char *big = malloc(CMDLINE_MAX_SIZE + 2);

        ASSERT_TRUE(big);
        memset(big, 'a', CMDLINE_MAX_SIZE + 1);
        big[CMDLINE_MAX_SIZE + 1] = 0;
        ASSERT_EQ(realmboot_cmdline_parse(big, &c), -E2BIG);
        free(big);
}

int main(void) {
        log_set_max_level(LOG_DEBUG);
        RUN(kernel_quoting);
        RUN(keys);
        RUN(realmboot_options);
        RUN(load_env);
        RUN(limits);
        return 0;
}
