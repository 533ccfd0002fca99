/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <unistd.h>

#include "cmdline.h"
#include "log.h"
#include "tests.h"
#include "util.h"

typedef struct Words {
        char out[4096];
        unsigned n, stop_at;
} Words;

/* <key> for a word without '=', <key>=<value> for one with. */
static int collect(const char *key, const char *value, void *userdata) {
        Words *w = userdata;
        size_t n = strlen(w->out);

        ASSERT_TRUE(key);
        if (++w->n == w->stop_at)
                return -ENOTRECOVERABLE;
        snprintf(w->out + n, sizeof w->out - n, "<%s>%s%s%s", key, value ? "=<" : "", value ? value : "",
                 value ? ">" : "");
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

/* Expected splits worked out by hand from linux/lib/cmdline.c next_arg()
 * and parse_args(). */
TEST(kernel_words) {
        expect_words("", "");
        expect_words("   ", "");
        expect_words("a b  c", "<a><b><c>");
        expect_words("  a  ", "<a>");
        expect_words("root=/dev/sda1 ro quiet", "<root>=</dev/sda1><ro><quiet>");
        /* the first '=' splits, later ones are in the value */
        expect_words("a=b=c", "<a>=<b=c>");
        expect_words("a==b", "<a>=<=b>");
        /* a '=' at the start of a word does not split it */
        expect_words("=x y", "<=x><y>");
        expect_words("=a=b", "<=a>=<b>");
        expect_words("a= b", "<a>=<><b>");
        /* every kernel isspace(): \t \n \v \f \r, space, and 0xA0 */
        expect_words("\ta\nb\r\n", "<a><b>");
        expect_words("a\vb\fc d", "<a><b><c><d>");
        expect_words("a\xa0" "b", "<a><b>");
        expect_words("x\xc3\xa0y \xc3\xa9", "<x\xc3><y><\xc3\xa9>"); /* "xày é" */
        expect_words("\xa0\xa0 a", "<a>");
        /* "--" is an ordinary word here */
        expect_words("a -- b=c", "<a><--><b>=<c>");
}

TEST(kernel_quotes) {
        expect_words("a=\"b c\" d", "<a>=<b c><d>");
        expect_words("\"a b\" c", "<a b><c>");
        /* the quote closes before '=': the kernel keeps it in the key */
        expect_words("\"a b\"=c", "<a b\">=<c>");
        expect_words("\"a=b c\" d", "<a>=<b c><d>");
        expect_words("a=\"unterminated b", "<a>=<unterminated b>");
        expect_words("\"unterminated a b", "<unterminated a b>");
        expect_words("a=x\"y z\"", "<a>=<x\"y z\">");
        expect_words("a\"b c\"d e", "<a\"b c\"d><e>");
        expect_words("\"a\"b", "<a\"b>");
        expect_words("a=\"b\"c d", "<a>=<b\"c><d>");
        expect_words("a=\"\" b", "<a>=<><b>");
        expect_words("a=\"", "<a>=<>");
        expect_words("\"\"", "<>");
        expect_words("\"", "<>");
        expect_words("\" \"", "< >");
        expect_words("a=\"b\" \"c\"", "<a>=<b><c>");
        expect_words("a=\"b\tc\nd\"", "<a>=<b\tc\nd>");
        expect_words("realmboot.key_mode=\"public\"", "<realmboot.key_mode>=<public>");
}

TEST(walk) {
        Words w = { .stop_at = 2 };

        /* a negative callback return stops the walk and is returned */
        ASSERT_EQ(proc_cmdline_parse("a b c", collect, &w), -ENOTRECOVERABLE);
        ASSERT_STREQ(w.out, "<a>");
        ASSERT_EQ(w.n, 2);
        ASSERT_EQ(proc_cmdline_parse(NULL, collect, &w), -EINVAL);
        ASSERT_EQ(proc_cmdline_parse("a", NULL, &w), -EINVAL);
}

TEST(keys) {
        ASSERT_TRUE(proc_cmdline_key_streq("realmboot.safe-mode", "realmboot.safe_mode"));
        ASSERT_TRUE(proc_cmdline_key_streq("realmboot_safe_mode", "realmboot-safe-mode"));
        ASSERT_TRUE(proc_cmdline_key_streq("", ""));
        ASSERT_TRUE(!proc_cmdline_key_streq("realmboot.safe_mod", "realmboot.safe_mode"));
        ASSERT_TRUE(!proc_cmdline_key_streq("realmboot.safe_modes", "realmboot.safe_mode"));
        ASSERT_TRUE(!proc_cmdline_key_streq("realmboot-safe_mode", "realmboot.safe_mode"));
        ASSERT_TRUE(!proc_cmdline_key_streq("Realmboot.safe_mode", "realmboot.safe_mode"));
        ASSERT_TRUE(!proc_cmdline_key_streq("", "a"));
}

TEST(booleans) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on", "YES", "Y", "True", "T", "On", "oN" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off", "NO", "N", "FALSE", "F", "OFF" };
        static const char *const bad[] = { "", "maybe", "2", "-1", "yess", "of", "o", " yes", "yes ", "01", "tru" };

        for (size_t i = 0; i < ELEMENTSOF(yes); i++)
                ASSERT_EQ(parse_boolean(yes[i]), 1);
        for (size_t i = 0; i < ELEMENTSOF(no); i++)
                ASSERT_EQ(parse_boolean(no[i]), 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_EQ(parse_boolean(bad[i]), -EINVAL);
        ASSERT_EQ(parse_boolean(NULL), -EINVAL);
}

static RealmbootCmdline parse(const char *line) {
        RealmbootCmdline c;

        ASSERT_OK(realmboot_cmdline_parse(line, &c));
        return c;
}

/* Parses line with stderr captured; returns what was logged. */
static char *parse_logged(const char *line, RealmbootCmdline *c) {
        char path[] = "/tmp/test-cmdline-XXXXXX", *buf = malloc(8192);
        int fd = mkstemp(path), saved = dup(2);
        ssize_t n;

        ASSERT_TRUE(buf && fd >= 0 && saved >= 0);
        unlink(path);
        fflush(stderr);
        ASSERT_TRUE(dup2(fd, 2) == 2);
        ASSERT_OK(realmboot_cmdline_parse(line, c));
        fflush(stderr);
        ASSERT_TRUE(dup2(saved, 2) == 2);
        close(saved);
        n = pread(fd, buf, 8191, 0);
        ASSERT_TRUE(n >= 0);
        buf[n] = 0;
        close(fd);
        return buf;
}

static void expect_logged(const char *line, const char *needle1, const char *needle2) {
        RealmbootCmdline c;
        char *log = parse_logged(line, &c);

        if (!strstr(log, needle1) || (needle2 && !strstr(log, needle2))) {
                fprintf(stderr, "for '%s' expected a warning with \"%s\" and \"%s\", got:\n%s", line, needle1,
                        strempty(needle2), log);
                exit(1);
        }
        free(log);
        realmboot_cmdline_done(&c);
}

#define PK "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define PK2 "ff112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

TEST(defaults) {
        RealmbootCmdline c = parse("quiet splash root=/dev/sda1 rd.luks.uuid=x citadel.install realmbootx.debug");

        ASSERT_TRUE(!c.safe_mode && !c.noverity && !c.nosignatures && !c.disable && !c.debug);
        ASSERT_EQ(c.key_mode, KEY_MODE_UNSET);
        ASSERT_EQ(c.n_channels, 0);
        realmboot_cmdline_done(&c);
        c = parse("");
        ASSERT_TRUE(!c.safe_mode && c.key_mode == KEY_MODE_UNSET && c.n_channels == 0);
        realmboot_cmdline_done(&c);
        realmboot_cmdline_done(&c); /* done twice is harmless */
        realmboot_cmdline_done(NULL);
}

TEST(options) {
        RealmbootCmdline c = parse("realmboot.safe_mode realmboot.key-mode=public realmboot.noverity "
                                   "realmboot.nosignatures=yes realmboot.debug realmboot.disable=0 "
                                   "realmboot.channel=vendor:" PK " citadel.channel=other:" PK);

        ASSERT_TRUE(c.safe_mode && c.noverity && c.nosignatures && c.debug && !c.disable);
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        ASSERT_EQ(c.n_channels, 2);
        ASSERT_STREQ(c.channels[0].name, "vendor");
        ASSERT_EQ(c.channels[0].public_key[0], 0x00);
        ASSERT_EQ(c.channels[0].public_key[31], 0xff);
        ASSERT_STREQ(c.channels[1].name, "other");
        realmboot_cmdline_done(&c);

        /* '-' and '_' are the same, in every position */
        c = parse("realmboot.safe-mode realmboot.key_mode=pair realmboot.disable");
        ASSERT_TRUE(c.safe_mode && c.disable);
        ASSERT_EQ(c.key_mode, KEY_MODE_PAIR);
        realmboot_cmdline_done(&c);
        c = parse("realmboot.key-mode=public");
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        realmboot_cmdline_done(&c);

        /* quoted words and values */
        c = parse("\"realmboot.debug\" realmboot.key_mode=\"public\" realmboot.noverity=\"on\"");
        ASSERT_TRUE(c.debug && c.noverity);
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        realmboot_cmdline_done(&c);

        /* whitespace of every kind, as in /proc/cmdline with its newline */
        c = parse("\trealmboot.debug\vrealmboot.noverity\n");
        ASSERT_TRUE(c.debug && c.noverity);
        realmboot_cmdline_done(&c);
}

TEST(aliases) {
        RealmbootCmdline c = parse("citadel.safemode citadel.nosignatures");

        ASSERT_TRUE(c.safe_mode && c.nosignatures);
        realmboot_cmdline_done(&c);
        c = parse("citadel.safemode=0 citadel-nosignatures=off");
        ASSERT_TRUE(!c.safe_mode && !c.nosignatures);
        realmboot_cmdline_done(&c);
        /* an alias and the option are one setting: the last wins */
        c = parse("realmboot.safe_mode citadel.safemode=no realmboot.nosignatures=0 citadel.nosignatures");
        ASSERT_TRUE(!c.safe_mode && c.nosignatures);
        realmboot_cmdline_done(&c);
        c = parse("citadel.channel=a:" PK " realmboot.channel=a:" PK2);
        ASSERT_EQ(c.n_channels, 1);
        ASSERT_EQ(c.channels[0].public_key[0], 0xff);
        realmboot_cmdline_done(&c);
}

TEST(safe_mode_target) {
        static const struct {
                const char *line;
                bool safe;
        } cases[] = {
                { "systemd.unit=realmboot-safe-mode.target", true },
                { "systemd.unit=multi-user.target", false },
                { "systemd.unit=\"realmboot-safe-mode.target\"", true },
                /* the last valid systemd.unit= is what systemd starts */
                { "systemd.unit=realmboot-safe-mode.target systemd.unit=graphical.target", false },
                { "systemd.unit=graphical.target systemd.unit=realmboot-safe-mode.target", true },
                /* systemd ignores a missing or invalid unit name */
                { "systemd.unit=realmboot-safe-mode.target systemd.unit", true },
                { "systemd.unit=realmboot-safe-mode.target systemd.unit=bad/name.target", true },
                { "systemd.unit=realmboot-safe-mode.target systemd.unit=", true },
                /* either way of asking for safe mode is enough */
                { "systemd.unit=realmboot-safe-mode.target realmboot.safe_mode=0", true },
                { "realmboot.safe_mode systemd.unit=graphical.target", true },
                /* only systemd.unit, not the initrd's rd.systemd.unit or lookalikes */
                { "rd.systemd.unit=realmboot-safe-mode.target", false },
                { "systemd.unit=realmboot-safe-mode", false },
                { "systemd.unit=realmboot-safe-mode.target.wants", false },
                { "systemd.units=realmboot-safe-mode.target", false },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                RealmbootCmdline c = parse(cases[i].line);
                if (c.safe_mode != cases[i].safe) {
                        fprintf(stderr, "'%s': safe_mode %d, expected %d\n", cases[i].line, c.safe_mode,
                                cases[i].safe);
                        exit(1);
                }
                realmboot_cmdline_done(&c);
        }
}

TEST(override_order) {
        RealmbootCmdline c = parse("realmboot.debug realmboot.debug=0 realmboot.noverity=0 realmboot.noverity "
                                   "realmboot.key_mode=public realmboot.key_mode=pair realmboot.disable=yes "
                                   "realmboot.disable=no");

        ASSERT_TRUE(!c.debug && c.noverity && !c.disable);
        ASSERT_EQ(c.key_mode, KEY_MODE_PAIR);
        realmboot_cmdline_done(&c);
}

TEST(bad_values) {
        RealmbootCmdline c;

        /* bad values change nothing: the earlier value stays */
        c = parse("realmboot.safe_mode=1 realmboot.safe_mode=maybe realmboot.key_mode=public realmboot.key_mode=both "
                  "realmboot.key_mode realmboot.key_mode= realmboot.key_mode=PAIR realmboot.debug=1 "
                  "realmboot.debug= realmboot.unknown=1 realmboot.nosignatures=2");
        ASSERT_TRUE(c.safe_mode && c.debug && !c.nosignatures);
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        realmboot_cmdline_done(&c);

        /* and each is logged, naming the option and why */
        expect_logged("realmboot.safe_mode=maybe", "realmboot.safe_mode=maybe", "not a boolean");
        expect_logged("realmboot.safe-mode=maybe", "realmboot.safe-mode=maybe", "not a boolean");
        expect_logged("citadel.safemode=2", "citadel.safemode=2", "not a boolean");
        expect_logged("realmboot.key_mode=both", "realmboot.key_mode=both", "pair or public");
        expect_logged("realmboot.key_mode", "realmboot.key_mode", "pair or public");
        expect_logged("realmboot.frobnicate=1", "unknown option realmboot.frobnicate", NULL);
        expect_logged("realmboot.channel", "realmboot.channel", "NAME:HEX");
        expect_logged("realmboot.channel=", "realmboot.channel", "NAME:HEX");
        expect_logged("realmboot.channel=1bad", "realmboot.channel", "invalid channel name");
        expect_logged("citadel.channel=1bad:" PK, "citadel.channel", "invalid channel name");
        expect_logged("realmboot.channel=realmfs-user:" PK, "realmfs-user", "cannot be set");
        expect_logged("realmboot.channel=v:12", "channel v", "64 hex digits");
        expect_logged("realmboot.channel=a1234567890123456789012345678901234567890:" PK, "realmboot.channel",
                      "longer than 40");
        {
                char *log = parse_logged("quiet root=/dev/sda1 citadel.install systemd.unit=x", &c);
                ASSERT_STREQ(log, ""); /* nothing about options that are not ours */
                free(log);
                realmboot_cmdline_done(&c);
        }
}

TEST(channels) {
        RealmbootCmdline c;
        char *line, *p;

        /* none of these is a channel */
        c = parse("realmboot.channel realmboot.channel= realmboot.channel=:" PK
                  " realmboot.channel=realmfs-user:" PK " realmboot.channel=realmfs_user:" PK
                  " realmboot.channel=1bad:" PK " realmboot.channel=a.b:" PK " realmboot.channel=v:12"
                  " realmboot.channel=v:" PK "0 realmboot.channel=v:0x" PK
                  " realmboot.channel=v:g0112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
                  " realmboot.channel=v::" PK " realmboot.channel=a1234567890123456789012345678901234567890:" PK
                  " \"realmboot.channel=v:" PK " \"");
        ASSERT_EQ(c.n_channels, 0);
        realmboot_cmdline_done(&c);

        /* NAME alone (Citadel allows it: the key comes from os-release) */
        c = parse("citadel.channel=vendor realmboot.channel=w:" PK);
        ASSERT_EQ(c.n_channels, 2);
        ASSERT_STREQ(c.channels[0].name, "vendor");
        ASSERT_TRUE(!c.channels[0].has_key);
        ASSERT_STREQ(c.channels[1].name, "w");
        ASSERT_TRUE(c.channels[1].has_key);
        realmboot_cmdline_done(&c);

        /* upper-case hex, 40-character name, quotes */
        c = parse("realmboot.channel=A123456789012345678901234567890123456789:"
                  "FF112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF \"citadel.channel=b:" PK "\"");
        ASSERT_EQ(c.n_channels, 2);
        ASSERT_STREQ(c.channels[0].name, "A123456789012345678901234567890123456789");
        ASSERT_EQ(c.channels[0].public_key[0], 0xff);
        ASSERT_STREQ(c.channels[1].name, "b");
        realmboot_cmdline_done(&c);

        /* same name twice: the last wins, in the first one's place */
        c = parse("realmboot.channel=v:" PK " realmboot.channel=w:" PK " realmboot.channel=v:" PK2);
        ASSERT_EQ(c.n_channels, 2);
        ASSERT_STREQ(c.channels[0].name, "v");
        ASSERT_EQ(c.channels[0].public_key[0], 0xff);
        ASSERT_EQ(c.channels[1].public_key[0], 0x00);
        realmboot_cmdline_done(&c);

        /* at most CMDLINE_MAX_CHANNELS names; a known name still updates */
        line = malloc(100 * 100);
        ASSERT_TRUE(line);
        p = line;
        for (int i = 0; i < CMDLINE_MAX_CHANNELS + 5; i++)
                p += sprintf(p, "realmboot.channel=c%d:" PK " ", i);
        sprintf(p, "realmboot.channel=c7:" PK2);
        c = parse(line);
        ASSERT_EQ(c.n_channels, CMDLINE_MAX_CHANNELS);
        ASSERT_STREQ(c.channels[CMDLINE_MAX_CHANNELS - 1].name, "c63");
        ASSERT_STREQ(c.channels[7].name, "c7");
        ASSERT_EQ(c.channels[7].public_key[0], 0xff);
        realmboot_cmdline_done(&c);
        free(line);
}

TEST(key_mode_strings) {
        ASSERT_EQ(key_mode_from_string("pair"), KEY_MODE_PAIR);
        ASSERT_EQ(key_mode_from_string("public"), KEY_MODE_PUBLIC);
        ASSERT_EQ(key_mode_from_string("Pair"), KEY_MODE_UNSET);
        ASSERT_EQ(key_mode_from_string(""), KEY_MODE_UNSET);
        ASSERT_EQ(key_mode_from_string(NULL), KEY_MODE_UNSET);
        ASSERT_STREQ(key_mode_to_string(KEY_MODE_PAIR), "pair");
        ASSERT_STREQ(key_mode_to_string(KEY_MODE_PUBLIC), "public");
        ASSERT_TRUE(!key_mode_to_string(KEY_MODE_UNSET));
        ASSERT_TRUE(!key_mode_to_string((KeyMode) 7));
}

TEST(load_env) {
        RealmbootCmdline c;
        char *big;

        setenv("REALMBOOT_CMDLINE", "realmboot.safe-mode citadel.channel=v:" PK, 1);
        ASSERT_OK(realmboot_cmdline_load(&c));
        if (!TEST_HOOKS_ENABLED) {
                /* production: the environment is no command line */
                ASSERT_EQ(c.n_channels, 0);
                realmboot_cmdline_done(&c);
                unsetenv("REALMBOOT_CMDLINE");
                return;
        }
        ASSERT_TRUE(c.safe_mode);
        ASSERT_EQ(c.n_channels, 1);
        realmboot_cmdline_done(&c);
        /* set but empty: an empty command line, /proc is not read */
        setenv("REALMBOOT_CMDLINE", "", 1);
        ASSERT_OK(realmboot_cmdline_load(&c));
        ASSERT_TRUE(!c.safe_mode && !c.debug && c.n_channels == 0 && c.key_mode == KEY_MODE_UNSET);
        realmboot_cmdline_done(&c);

        big = malloc(CMDLINE_MAX_SIZE + 2);
        ASSERT_TRUE(big);
        memset(big, 'a', CMDLINE_MAX_SIZE + 1);
        big[CMDLINE_MAX_SIZE + 1] = 0;
        setenv("REALMBOOT_CMDLINE", big, 1);
        ASSERT_EQ(realmboot_cmdline_load(&c), -E2BIG);
        free(big);

        unsetenv("REALMBOOT_CMDLINE");
        ASSERT_OK(realmboot_cmdline_load(&c)); /* the real /proc/cmdline */
        realmboot_cmdline_done(&c);
}

TEST(limits) {
        RealmbootCmdline c;
        char *big = malloc(CMDLINE_MAX_SIZE + 2);

        ASSERT_TRUE(big);
        /* exactly CMDLINE_MAX_SIZE is fine, one more byte is not */
        memset(big, ' ', CMDLINE_MAX_SIZE);
        memcpy(big + CMDLINE_MAX_SIZE - strlen("realmboot.debug"), "realmboot.debug", strlen("realmboot.debug"));
        big[CMDLINE_MAX_SIZE] = 0;
        ASSERT_OK(realmboot_cmdline_parse(big, &c));
        ASSERT_TRUE(c.debug);
        realmboot_cmdline_done(&c);
        big[CMDLINE_MAX_SIZE] = 'x';
        big[CMDLINE_MAX_SIZE + 1] = 0;
        ASSERT_EQ(realmboot_cmdline_parse(big, &c), -E2BIG);
        ASSERT_EQ(proc_cmdline_parse(big, collect, &(Words) {}), -E2BIG);
        free(big);
        ASSERT_EQ(realmboot_cmdline_parse(NULL, &c), -EINVAL);
}

TEST(measure) {
        RealmbootCmdline c = parse("quiet");

        ASSERT_EQ(c.measure, -1);
        realmboot_cmdline_done(&c);
        c = parse("realmboot.measure=0");
        ASSERT_EQ(c.measure, 0);
        realmboot_cmdline_done(&c);
        c = parse("realmboot.measure=no");
        ASSERT_EQ(c.measure, 0);
        realmboot_cmdline_done(&c);
        c = parse("realmboot.measure");
        ASSERT_TRUE(c.measure == 1 && c.measure_pcr == 0);
        realmboot_cmdline_done(&c);
        c = parse("realmboot.measure=1");
        ASSERT_TRUE(c.measure == 1 && c.measure_pcr == 0);
        realmboot_cmdline_done(&c);
        c = parse("realmboot.measure=9 realmboot.measure=23");
        ASSERT_TRUE(c.measure == 1 && c.measure_pcr == 23);
        realmboot_cmdline_done(&c);
        /* the last valid one wins; a bad one changes nothing */
        c = parse("realmboot.measure=0 realmboot.measure=16 realmboot.measure=7");
        ASSERT_TRUE(c.measure == 1 && c.measure_pcr == 16);
        realmboot_cmdline_done(&c);
        expect_logged("realmboot.measure=7", "not a PCR userspace may extend", NULL);
        expect_logged("realmboot.measure=20", "not a PCR userspace may extend", NULL);
        expect_logged("realmboot.measure=99999999999999999999", "expected 0, 1 or a PCR number", NULL);
        expect_logged("realmboot.measure=maybe", "expected 0, 1 or a PCR number", NULL);
}

int main(void) {
        log_set_max_level(LOG_DEBUG);
        RUN(kernel_words);
        RUN(kernel_quotes);
        RUN(walk);
        RUN(keys);
        RUN(booleans);
        RUN(defaults);
        RUN(options);
        RUN(aliases);
        RUN(safe_mode_target);
        RUN(override_order);
        RUN(bad_values);
        RUN(channels);
        RUN(key_mode_strings);
        RUN(load_env);
        RUN(limits);
        RUN(measure);
        return 0;
}
