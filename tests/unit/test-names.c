/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "names.h"
#include "tests.h"

TEST(valid) {
        static const char *const good[] = {
                "a", "Z", "base", "work-tools", "Z9-", "a-", "a--b", "A1B2", "realmfs-user",
                "a123456789012345678901234567890123456789", /* 40 */
        };
        static const char *const bad[] = {
                "", "1abc", "-a", "a_b", "a.b", "a/b", "/a", "..", ".", "a b", " a", "a ", "é", "aé", "a\n", "a\t",
                "a:b", "a@b", "a\\b", "a\"b", "a'b", "a*", "a%2f", "\xff", "a\x01",
        };
        /* Citadel's limits: a RealmFS name up to 40, a realm name up to 128 */
        static const char *const realm_only[] = {
                "a1234567890123456789012345678901234567890", /* 41 */
                "a12345678901234567890123456789012345678901234567890123456789", /* 60 */
                /* 128 */
                "a1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567",
        };
        char too_long[130];

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                ASSERT_TRUE(realmfs_name_is_valid(good[i]));
                ASSERT_TRUE(realm_name_is_valid(good[i]));
        }
        for (size_t i = 0; i < ELEMENTSOF(realm_only); i++) {
                ASSERT_TRUE(!realmfs_name_is_valid(realm_only[i]));
                ASSERT_TRUE(realm_name_is_valid(realm_only[i]));
        }
        ASSERT_EQ(strlen(realm_only[2]), (size_t) REALM_NAME_MAX);
        memset(too_long, 'a', 129);
        too_long[129] = 0;
        ASSERT_TRUE(!realm_name_is_valid(too_long));
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (realmfs_name_is_valid(bad[i]) || realm_name_is_valid(bad[i])) {
                        fprintf(stderr, "accepted \"%s\"\n", bad[i]);
                        exit(1);
                }
        }
        ASSERT_TRUE(!realmfs_name_is_valid(NULL));
        ASSERT_TRUE(!realm_name_is_valid(NULL));
}

/* Every single byte as a name: only ASCII letters. */
TEST(bytes) {
        for (int c = 1; c < 256; c++) {
                char one[2] = { (char) c, 0 }, two[3] = { 'a', (char) c, 0 };
                bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                bool alnum_dash = letter || (c >= '0' && c <= '9') || c == '-';

                ASSERT_EQ(realmfs_name_is_valid(one), letter);
                ASSERT_EQ(realmfs_name_is_valid(two), alnum_dash);
        }
}

TEST(paths) {
        char *s;

        ASSERT_OK(realmfs_image_path("/storage/images/", "base", &s));
        ASSERT_STREQ(s, "/storage/images/base-realmfs.img");
        free(s);
        ASSERT_OK(realmfs_image_path("/storage/realms/realmfs-images", "work-tools", &s));
        ASSERT_STREQ(s, "/storage/realms/realmfs-images/work-tools-realmfs.img");
        free(s);
        ASSERT_EQ(realmfs_image_path("/x", "../etc", &s), -EINVAL);
        ASSERT_EQ(realmfs_image_path("/x", "a/b", &s), -EINVAL);
        ASSERT_EQ(realmfs_image_path("/x", "", &s), -EINVAL);
        ASSERT_EQ(realmfs_image_path("/x", NULL, &s), -EINVAL);
        ASSERT_EQ(realmfs_image_path(NULL, "a", &s), -EINVAL);

        ASSERT_OK(realmfs_device_name("work-tools", &s));
        ASSERT_STREQ(s, "realmfs-work-tools");
        free(s);
        ASSERT_OK(realmfs_device_path("work-tools", &s));
        ASSERT_STREQ(s, "/dev/mapper/realmfs-work-tools");
        free(s);
        ASSERT_OK(realmfs_mount_point("work-tools", &s));
        ASSERT_STREQ(s, "/run/realmfs/work-tools");
        free(s);
        ASSERT_EQ(realmfs_mount_point("a/b", &s), -EINVAL);
        ASSERT_EQ(realmfs_mount_point("..", &s), -EINVAL);
        ASSERT_EQ(realmfs_device_name("a b", &s), -EINVAL);
        ASSERT_EQ(realmfs_device_path("a\n", &s), -EINVAL);
        ASSERT_EQ(realmfs_device_path(NULL, &s), -EINVAL);
}

TEST(from_image_path) {
        static const struct {
                const char *path, *name;
        } good[] = {
                { "/a/b/main-realmfs.img", "main" },
                { "x-y-realmfs.img", "x-y" },
                { "/storage/realms/realmfs-images/work-tools-realmfs.img", "work-tools" },
                { "realmfs-realmfs.img", "realmfs" },
                { "a-realmfs-realmfs.img", "a-realmfs" },
                { "/../x/../base-realmfs.img", "base" }, /* only the file name counts */
                { "/a/a123456789012345678901234567890123456789-realmfs.img", "a123456789012345678901234567890123456789" },
        };
        static const char *const bad[] = {
                "/a/-realmfs.img",  "-realmfs.img", "/a/main.img", "/a/1x-realmfs.img", "/a/main-realmfs.img/",
                "/a/main-realmfs.img.bak", "/a/main-realmfs.IMG", "/a/.main-realmfs.img", "/a/ma in-realmfs.img",
                "/a/main_realmfs.img", "", "/", "realmfs.img", "/a/main-realmfs.im",
                "/a/a1234567890123456789012345678901234567890-realmfs.img", /* 41 */
        };
        char *s;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                ASSERT_OK(realmfs_name_from_image_path(good[i].path, &s));
                ASSERT_STREQ(s, good[i].name);
                free(s);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                s = NULL;
                if (realmfs_name_from_image_path(bad[i], &s) != -EINVAL) {
                        fprintf(stderr, "accepted \"%s\" as \"%s\"\n", bad[i], strempty(s));
                        exit(1);
                }
                ASSERT_TRUE(!s);
        }
        ASSERT_EQ(realmfs_name_from_image_path(NULL, &s), -EINVAL);
}

/* The image path of a name gives the name back. */
TEST(round_trip) {
        static const char *const names[] = { "a", "base", "work-tools", "A-9", "a123456789012345678901234567890123456789" };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char *path, *name;

                ASSERT_OK(realmfs_image_path("/images", names[i], &path));
                ASSERT_OK(realmfs_name_from_image_path(path, &name));
                ASSERT_STREQ(name, names[i]);
                free(path);
                free(name);
        }
}

int main(void) {
        RUN(valid);
        RUN(bytes);
        RUN(paths);
        RUN(from_image_path);
        RUN(round_trip);
        return 0;
}
