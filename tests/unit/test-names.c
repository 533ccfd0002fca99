/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "names.h"
#include "tests.h"

TEST(valid) {
        static const char *const good[] = { "a", "base", "work-tools", "Z9-" };
        static const char *const bad[] = {
                "", "1abc", "-a", "a_b", "a.b", "a/b", "..", "a b", "é", "a\n",
                "a12345678901234567890123456789012345678901", /* 41 */
        };

        for (size_t i = 0; i < ELEMENTSOF(good); i++)
                ASSERT_TRUE(realmfs_name_is_valid(good[i]));
        ASSERT_TRUE(realmfs_name_is_valid("a123456789012345678901234567890123456789")); /* 40 */
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                ASSERT_TRUE(!realmfs_name_is_valid(bad[i]));
        ASSERT_TRUE(!realmfs_name_is_valid(NULL));
        ASSERT_TRUE(realm_name_is_valid("main") && !realm_name_is_valid("../x"));
}

TEST(paths) {
        char *s;

        ASSERT_OK(realmfs_image_path("/storage/images/", "base", &s));
        ASSERT_STREQ(s, "/storage/images/base-realmfs.img");
        free(s);
        ASSERT_EQ(realmfs_image_path("/x", "../etc", &s), -EINVAL);
        ASSERT_OK(realmfs_device_name("work-tools", &s));
        ASSERT_STREQ(s, "realmfs-work-tools");
        free(s);
        ASSERT_OK(realmfs_mount_point("work-tools", &s));
        ASSERT_STREQ(s, "/run/realmfs/work-tools");
        free(s);
        ASSERT_EQ(realmfs_mount_point("a/b", &s), -EINVAL);

        ASSERT_OK(realmfs_name_from_image_path("/a/b/main-realmfs.img", &s));
        ASSERT_STREQ(s, "main");
        free(s);
        ASSERT_OK(realmfs_name_from_image_path("x-y-realmfs.img", &s));
        ASSERT_STREQ(s, "x-y");
        free(s);
        ASSERT_EQ(realmfs_name_from_image_path("/a/-realmfs.img", &s), -EINVAL);
        ASSERT_EQ(realmfs_name_from_image_path("/a/main.img", &s), -EINVAL);
        ASSERT_EQ(realmfs_name_from_image_path("/a/1x-realmfs.img", &s), -EINVAL);
        ASSERT_EQ(realmfs_name_from_image_path("/a/main-realmfs.img/", &s), -EINVAL);
}

int main(void) {
        RUN(valid);
        RUN(paths);
        return 0;
}
