/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <unistd.h>

#include "tests.h"
#include "unit-name.h"

/* Expected strings are systemd-escape 252's output, fixed here so the test
 * fails without systemd too; when systemd-escape exists, every input is
 * also compared with it live. */
static const struct {
        const char *in, *escaped, *path_escaped;
} cases[] = {
        { "/run/realmfs/work-tools", "-run-realmfs-work\\x2dtools", "run-realmfs-work\\x2dtools" },
        { "/", "-", "-" },
        { "/a//b/", "-a--b-", "a-b" },
        { "/.hidden/x", "-.hidden-x", "\\x2ehidden-x" },
        { "/a b/c:d_e.f", "-a\\x20b-c:d_e.f", "a\\x20b-c:d_e.f" },
        { "/é", "-\\xc3\\xa9", "\\xc3\\xa9" },
        { "/back\\slash", "-back\\x5cslash", "back\\x5cslash" },
        { "/a/./b", "-a-.-b", "a-b" },
        { "/x@y", "-x\\x40y", "x\\x40y" },
};

static char *run_escape(const char *args, const char *in) {
        char cmd[1024], line[1024];
        FILE *p;

        snprintf(cmd, sizeof cmd, "systemd-escape %s -- '%s' 2>/dev/null", args, in);
        p = popen(cmd, "r");
        ASSERT_TRUE(p);
        if (!fgets(line, sizeof line, p))
                line[0] = 0;
        pclose(p);
        line[strcspn(line, "\n")] = 0;
        return strdup(line);
}

TEST(escape) {
        bool live = access("/usr/bin/systemd-escape", X_OK) == 0 || access("/bin/systemd-escape", X_OK) == 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *e, *pe, *u;

                ASSERT_OK(unit_name_escape(cases[i].in, &e));
                ASSERT_STREQ(e, cases[i].escaped);
                ASSERT_OK(unit_name_path_escape(cases[i].in, &pe));
                ASSERT_STREQ(pe, cases[i].path_escaped);
                if (live) {
                        char *l = run_escape("", cases[i].in), *lp = run_escape("--path", cases[i].in);
                        ASSERT_STREQ(e, l);
                        ASSERT_STREQ(pe, lp);
                        free(l);
                        free(lp);
                }
                ASSERT_OK(unit_name_unescape(e, &u));
                /* unescape keeps '-' (it is '/' only for paths) */
                ASSERT_TRUE(strlen(u) == strlen(cases[i].in));
                free(u);
                free(e);
                free(pe);
        }
        if (!live)
                fprintf(stderr, "systemd-escape not found: compared with fixed strings only\n");
}

TEST(builders) {
        char *s;

        ASSERT_OK(unit_name_from_path("/run/realmfs/work-tools", ".mount", &s));
        ASSERT_STREQ(s, "run-realmfs-work\\x2dtools.mount");
        free(s);
        ASSERT_OK(unit_name_build_instance("realmfs-verity", "work-tools", ".service", &s));
        ASSERT_STREQ(s, "realmfs-verity@work\\x2dtools.service");
        free(s);
        ASSERT_EQ(unit_name_path_escape("relative/path", &s), -EINVAL);
        ASSERT_EQ(unit_name_path_escape("/a/../b", &s), -EINVAL);
        {
                char longpath[300];
                memset(longpath, 'a', sizeof longpath - 1);
                longpath[0] = '/';
                longpath[sizeof longpath - 1] = 0;
                ASSERT_EQ(unit_name_from_path(longpath, ".mount", &s), -ENAMETOOLONG);
        }
        ASSERT_EQ(unit_name_unescape("a\\x2", &s), -EINVAL);
        ASSERT_OK(unit_name_unescape("work\\x2dtools", &s));
        ASSERT_STREQ(s, "work-tools");
        free(s);
}

TEST(valid) {
        ASSERT_TRUE(unit_name_is_valid("systemd-networkd.service"));
        ASSERT_TRUE(unit_name_is_valid("realms.target"));
        ASSERT_TRUE(unit_name_is_valid("realm@.service"));
        ASSERT_TRUE(unit_name_is_valid("getty@tty1.service"));
        ASSERT_TRUE(unit_name_is_valid("run-realmfs-work\\x2dtools.mount"));
        ASSERT_TRUE(!unit_name_is_valid("foo"));
        ASSERT_TRUE(!unit_name_is_valid("foo.bar"));
        ASSERT_TRUE(!unit_name_is_valid(".service"));
        ASSERT_TRUE(!unit_name_is_valid("a b.service"));
        ASSERT_TRUE(!unit_name_is_valid("a/b.service"));
        ASSERT_TRUE(!unit_name_is_valid("a@b@c.service"));
        ASSERT_TRUE(!unit_name_is_valid(""));
}

int main(void) {
        RUN(escape);
        RUN(builders);
        RUN(valid);
        return 0;
}
