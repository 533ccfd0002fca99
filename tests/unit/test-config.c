/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sys/stat.h>

#include "config.h"
#include "fileio.h"
#include "log.h"
#include "tests.h"

static char root[] = "/tmp/test-config-XXXXXX";

static void put(const char *rel, const char *content) {
        char path[512], cmd[600];

        snprintf(path, sizeof path, "%s/%s", root, rel);
        snprintf(cmd, sizeof cmd, "mkdir -p \"$(dirname '%s')\"", path);
        ASSERT_EQ(system(cmd), 0);
        ASSERT_OK(write_file_atomic(path, content, strlen(content), 0644, false));
}

TEST(defaults) {
        RealmbootConfig c;

        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_EQ(c.key_mode, KEY_MODE_PAIR);
        ASSERT_STREQ(c.keyring, "/storage/keyring");
        ASSERT_EQ(c.ask_timeout_sec, 90);
        ASSERT_STREQ(c.realms_directory, "/realms");
        ASSERT_STREQ(c.images_directory, "/storage/realms/realmfs-images");
        ASSERT_STREQ(c.default_realmfs, "base");
        ASSERT_EQ(c.n_safe_mode_mask, 19);
        ASSERT_STREQ(c.safe_mode_mask[0], "systemd-networkd.service");
        ASSERT_STREQ(c.safe_mode_mask[5], "networking.service");
        ASSERT_STREQ(c.safe_mode_mask[6], "ifup@.service");
        ASSERT_STREQ(c.safe_mode_mask[18], "realms.target");
        for (size_t i = 0; i < c.n_safe_mode_mask; i++)
                ASSERT_TRUE(!safe_mode_unit_is_unmaskable(c.safe_mode_mask[i]));
        ASSERT_EQ(c.n_channels, 0);
        realmboot_config_done(&c);
}

TEST(full) {
        RealmbootConfig c;

        put("etc/realmboot/realmboot.conf",
            "# test\n"
            "[keys]\nmode = \"public\"\nkeyring = \"/data/keyring\"\nask-timeout = 30\n"
            "[realms]\ndirectory = \"/r\"\nimages = \"/img\"\ndefault-realmfs = \"main\"\n"
            "[safe-mode]\nmask = [\"a.service\", \"b.target\"]\n"
            "[channels]\nvendor = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n");
        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        ASSERT_STREQ(c.keyring, "/data/keyring");
        ASSERT_EQ(c.ask_timeout_sec, 30);
        ASSERT_STREQ(c.realms_directory, "/r");
        ASSERT_STREQ(c.images_directory, "/img");
        ASSERT_STREQ(c.default_realmfs, "main");
        ASSERT_EQ(c.n_safe_mode_mask, 2);
        ASSERT_STREQ(c.safe_mode_mask[1], "b.target");
        ASSERT_EQ(c.n_channels, 1);
        ASSERT_TRUE(realmboot_config_channel_key(&c, "vendor") != NULL);
        ASSERT_EQ(realmboot_config_channel_key(&c, "vendor")[31], 0xff);
        ASSERT_TRUE(realmboot_config_channel_key(&c, "other") == NULL);
        realmboot_config_done(&c);
}

TEST(measure) {
        RealmbootConfig c;

        ASSERT_OK(realmboot_config_load("/nonexistent/realmboot.conf", &c));
        ASSERT_EQ(c.measure_pcr, 13);
        ASSERT_TRUE(!c.measure_required);
        realmboot_config_done(&c);
        put("etc/realmboot/realmboot.conf", "[measure]\npcr = 23\nrequired = true\n");
        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_EQ(c.measure_pcr, 23);
        ASSERT_TRUE(c.measure_required);
        realmboot_config_done(&c);
        put("etc/realmboot/realmboot.conf", "[measure]\npcr = \"off\"\n");
        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_EQ(c.measure_pcr, -1);
        realmboot_config_done(&c);
        /* firmware PCRs, locality PCRs, out of range, other types: the default */
        static const char *const bad[] = { "pcr = 7", "pcr = 17", "pcr = 22", "pcr = 24", "pcr = -1", "pcr = \"13\"",
                                           "pcr = \"on\"", "pcr = 13.0", "required = \"yes\"", "required = 1" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                char text[64];
                snprintf(text, sizeof text, "[measure]\n%s\n", bad[i]);
                put("etc/realmboot/realmboot.conf", text);
                ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
                ASSERT_EQ(c.measure_pcr, 13);
                ASSERT_TRUE(!c.measure_required);
                realmboot_config_done(&c);
        }
}

TEST(bad_values_keep_defaults) {
        RealmbootConfig c;

        put("etc/realmboot/realmboot.conf",
            "[keys]\nmode = \"both\"\nkeyring = \"relative\"\n"
            "[realms]\ndefault-realmfs = \"-bad\"\n"
            "[channels]\nx = \"00\"\nrealmfs-user = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n"
            "[unknown]\nfoo = 1\n");
        ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
        ASSERT_EQ(c.key_mode, KEY_MODE_PAIR);
        ASSERT_STREQ(c.keyring, "/storage/keyring");
        ASSERT_STREQ(c.default_realmfs, "base");
        ASSERT_EQ(c.n_channels, 0);
        realmboot_config_done(&c);

        /* a syntax error: the whole file is ignored, defaults */
        put("etc/realmboot/realmboot.conf", "[keys]\nmode = pair\n");
        ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
        ASSERT_EQ(c.key_mode, KEY_MODE_PAIR);
        realmboot_config_done(&c);
}

TEST(unsafe_values) {
        RealmbootConfig c;

        /* what would change a generated unit is refused, the default kept */
        put("etc/realmboot/realmboot.conf",
            "[realms]\nimages = \"/x\\nExecStart=/bin/evil\"\ndirectory = \"/my realms\"\n"
            "[keys]\nkeyring = \"/storage/%i\"\n");
        ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
        ASSERT_STREQ(c.images_directory, "/storage/realms/realmfs-images");
        ASSERT_STREQ(c.realms_directory, "/realms");
        ASSERT_STREQ(c.keyring, "/storage/keyring");
        realmboot_config_done(&c);
        put("etc/realmboot/realmboot.conf", "[realms]\nimages = \"/a/../b\"\ndirectory = \"/r/\"\n");
        ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
        ASSERT_STREQ(c.images_directory, "/storage/realms/realmfs-images");
        ASSERT_STREQ(c.realms_directory, "/realms");
        realmboot_config_done(&c);
}

TEST(safe_mode_mask) {
        RealmbootConfig c;

        ASSERT_TRUE(safe_mode_unit_is_unmaskable("default.target"));
        ASSERT_TRUE(safe_mode_unit_is_unmaskable("realmboot-safe-mode.target"));
        ASSERT_TRUE(safe_mode_unit_is_unmaskable("multi-user.target"));
        ASSERT_TRUE(safe_mode_unit_is_unmaskable("getty@tty1.service"));
        ASSERT_TRUE(safe_mode_unit_is_unmaskable("getty@.service"));
        ASSERT_TRUE(!safe_mode_unit_is_unmaskable("getty@tty1.socket"));
        ASSERT_TRUE(!safe_mode_unit_is_unmaskable("gettyx@tty1.service"));
        ASSERT_TRUE(!safe_mode_unit_is_unmaskable("sshd.service"));
        ASSERT_TRUE(!safe_mode_unit_is_unmaskable("wpa_supplicant@wlan0.service"));

        /* a bad entry is left out, the others stay, in order */
        put("etc/realmboot/realmboot.conf",
            "[safe-mode]\nmask = [\"default.target\", \"a.service\", \"no unit\", 3, \"getty@tty1.service\", \"b.socket\"]\n");
        ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
        ASSERT_EQ(c.n_safe_mode_mask, 2);
        ASSERT_STREQ(c.safe_mode_mask[0], "a.service");
        ASSERT_STREQ(c.safe_mode_mask[1], "b.socket");
        realmboot_config_done(&c);
}

TEST(realm_scan) {
        RealmbootConfig c;
        RealmEntry *e;
        size_t n;

        put("etc/realmboot/realmboot.conf", "[realms]\ndirectory = \"/realms\"\n");
        put("realms/realm-main/config", "realmfs = \"work-tools\"\nautostart = true\nuse-gpu = false\n[options]\nx = 1\n");
        put("realms/realm-noconf/.keep", "");
        put("realms/realm-broken/config", "realmfs = \n");
        put("realms/realm-badfs/config", "realmfs = \"../etc\"\n");
        put("realms/realm-badauto/config", "autostart = \"yes\"\n");
        put("realms/realm-1bad/config", "");
        put("realms/other/config", "");
        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_OK(realm_scan(&c, &e, &n));
        ASSERT_EQ(n, 2);
        ASSERT_STREQ(e[0].name, "main");
        ASSERT_STREQ(e[0].realmfs, "work-tools");
        ASSERT_TRUE(e[0].autostart);
        ASSERT_STREQ(e[1].name, "noconf");
        ASSERT_STREQ(e[1].realmfs, "base");
        ASSERT_TRUE(!e[1].autostart);
        realm_entries_free(e, n);
        realmboot_config_done(&c);
}

TEST(realm_scan_missing_dir) {
        RealmbootConfig c;
        RealmEntry *e;
        size_t n;

        put("etc/realmboot/realmboot.conf", "[realms]\ndirectory = \"/nonexistent\"\n");
        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_OK(realm_scan(&c, &e, &n));
        ASSERT_EQ(n, 0);
        realm_entries_free(e, n);
        realmboot_config_done(&c);
}

/* Realm configs come from people and from Citadel's tools: any TOML 1.0 in
 * the keys we do not read is fine; the keys we read keep their types. */
TEST(all_of_toml) {
        RealmbootConfig c;
        RealmEntry *e;
        size_t n;

        put("etc/realmboot/realmboot.conf",
            "[keys]\nmode = \"public\"\nrotated = 2024-05-20\n"
            "[realms]\ndirectory = \"/realms-toml\"\ndefault-realmfs = \"main\"\nweights = { base = 1.0, main = 0.5 }\n"
            "[safe-mode]\nmask = [\n  \"a.service\", # the first\n  'b.service',\n]\n"
            "[[site.mirror]]\nurl = \"\"\"\nhttps://example.org/a\"\"\"\n[[site.mirror]]\n");
        ASSERT_OK(realmboot_config_load(NULL, &c));
        ASSERT_EQ(c.key_mode, KEY_MODE_PUBLIC);
        ASSERT_STREQ(c.default_realmfs, "main");
        ASSERT_EQ(c.n_safe_mode_mask, 2);
        ASSERT_STREQ(c.safe_mode_mask[1], "b.service");

        put("realms-toml/realm-work/config",
            "realmfs = \"base\"\nautostart = true\n"
            "description = \"\"\"\nWork realm, \\\n  \"quoted\".\n\"\"\"\nnotes = '''\nC:\\x\n'''\n"
            "scale = 1.25\nlimit = -inf\nmemory-mib = 0x1000\numask = 0o022\n"
            "created = 2024-05-20T16:00:00Z\nbackup-at = 03:30:00\nexpires = 2030-01-01\nseen = 2024-05-20 08:00:00\n"
            "display = { width = 1920, scale = 1.5, hdr = false }\nwindow.geometry = { x = 0 }\n"
            "[options]\nmask = [\n    \"a.service\",   # c\n    \"b.service\",\n]\n"
            "[[mounts]]\nsource = \"/home/user/photos\"\n[[mounts]]\noptions = { size-mib = 512.0 }\n"
            "[mounts.extra]\nlabel = 'x'\n");
        put("realms-toml/realm-float/config", "autostart = 1.0\n");
        put("realms-toml/realm-date/config", "realmfs = 2024-05-20\n");
        put("realms-toml/realm-inline/config", "realmfs = { name = \"base\" }\n");
        ASSERT_OK(realm_scan(&c, &e, &n));
        ASSERT_EQ(n, 1);
        ASSERT_STREQ(e[0].name, "work");
        ASSERT_STREQ(e[0].realmfs, "base");
        ASSERT_TRUE(e[0].autostart);
        realm_entries_free(e, n);
        realmboot_config_done(&c);

        /* a float where an integer is read: a bad value, the default kept */
        put("etc/realmboot/realmboot.conf", "[keys]\nask-timeout = 30.0\n[safe-mode]\nmask = \"\"\"a.service\"\"\"\n");
        ASSERT_EQ(realmboot_config_load(NULL, &c), -EBADMSG);
        ASSERT_EQ(c.ask_timeout_sec, 90);
        ASSERT_EQ(c.n_safe_mode_mask, 19);
        realmboot_config_done(&c);
}

int main(void) {
        char cmd[300];

        ASSERT_TRUE(mkdtemp(root));
        setenv("REALMBOOT_ROOT", root, 1);
        log_set_max_level(LOG_DEBUG);
        RUN(defaults);
        RUN(full);
        RUN(measure);
        RUN(bad_values_keep_defaults);
        RUN(unsafe_values);
        RUN(safe_mode_mask);
        RUN(realm_scan);
        RUN(realm_scan_missing_dir);
        RUN(all_of_toml);
        snprintf(cmd, sizeof cmd, "rm -rf %s", root);
        return system(cmd) == 0 ? 0 : 1;
}
