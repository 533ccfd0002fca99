/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests.h"
#include "unit-name.h"

/* Expected strings are systemd-escape 252's output, fixed here so the test
 * fails without systemd too; when systemd-escape exists, every input is also
 * compared with it live, and so are a few hundred generated inputs.
 * path_escaped NULL: unit_name_path_escape() refuses the input (relative
 * paths, which systemd-escape --path only warns about, and what it refuses). */
static const struct {
        const char *in, *escaped, *path_escaped;
} cases[] = {
        { "", "", "-" },
        { "/", "-", "-" },
        { "//", "--", "-" },
        { "///", "---", "-" },
        { "a", "a", NULL },
        { "-", "\\x2d", NULL },
        { "--", "\\x2d\\x2d", NULL },
        { "/-", "-\\x2d", "\\x2d" },
        { "a-b", "a\\x2db", NULL },
        { "work-tools", "work\\x2dtools", NULL },
        { "/run/realmfs/work-tools", "-run-realmfs-work\\x2dtools", "run-realmfs-work\\x2dtools" },
        { ".", "\\x2e", NULL },
        { "..", "\\x2e.", NULL },
        { "...", "\\x2e..", NULL },
        { ".a", "\\x2ea", NULL },
        { "/.a", "-.a", "\\x2ea" },
        { "/.", "-.", "-" },
        { "/..", "-..", NULL },
        { "/a/..", "-a-..", NULL },
        { "/a/../b", "-a-..-b", NULL },
        { "/a/./b/.", "-a-.-b-.", "a-b" },
        { "/./a", "-.-a", "a" },
        { "a.b", "a.b", NULL },
        { "a..b", "a..b", NULL },
        { ".hidden/x", "\\x2ehidden-x", NULL },
        { "/.hidden/x", "-.hidden-x", "\\x2ehidden-x" },
        { "a b", "a\\x20b", NULL },
        { " ", "\\x20", NULL },
        { "\011", "\\x09", NULL },
        { "\012", "\\x0a", NULL },
        { "a\\b", "a\\x5cb", NULL },
        { "\\", "\\x5c", NULL },
        { "\\x2d", "\\x5cx2d", NULL },
        { "\303\251", "\\xc3\\xa9", NULL },
        { "\346\227\245\346\234\254", "\\xe6\\x97\\xa5\\xe6\\x9c\\xac", NULL },
        { "\377", "\\xff", NULL },
        { "\001", "\\x01", NULL },
        { "\177", "\\x7f", NULL },
        { "a:b_c.d", "a:b_c.d", NULL },
        { "@", "\\x40", NULL },
        { "a@b", "a\\x40b", NULL },
        { "~", "\\x7e", NULL },
        { "!$%&", "\\x21\\x24\\x25\\x26", NULL },
        { "'", "\\x27", NULL },
        { "\"", "\\x22", NULL },
        { "a/b/", "a-b-", NULL },
        { "/a//b/", "-a--b-", "a-b" },
        { "/a///b////", "-a---b----", "a-b" },
        { "/x@y", "-x\\x40y", "x\\x40y" },
        { "/back\\slash", "-back\\x5cslash", "back\\x5cslash" },
        { "/a b/c:d_e.f", "-a\\x20b-c:d_e.f", "a\\x20b-c:d_e.f" },
        { "/\303\251", "-\\xc3\\xa9", "\\xc3\\xa9" },
        { "/-/-", "-\\x2d-\\x2d", "\\x2d-\\x2d" },
        { "/a/-b", "-a-\\x2db", "a-\\x2db" },
        { "/.../", "-...-", "\\x2e.." },
        { "/a/.b/", "-a-.b-", "a-.b" },
        { "/a/b.", "-a-b.", "a-b." },
        { "A-Z", "A\\x2dZ", NULL },
        { "0-9", "0\\x2d9", NULL },
        { "a\012b", "a\\x0ab", NULL },
        { "/a/b\012", "-a-b\\x0a", "a-b\\x0a" },
        { "/dev/mapper/realmfs-main", "-dev-mapper-realmfs\\x2dmain", "dev-mapper-realmfs\\x2dmain" },
        { "/run/realmfs/a-b-c", "-run-realmfs-a\\x2db\\x2dc", "run-realmfs-a\\x2db\\x2dc" },
        { "realmfs-user", "realmfs\\x2duser", NULL },
        { "/storage/realms/realmfs-images/base-realmfs.img", "-storage-realms-realmfs\\x2dimages-base\\x2drealmfs.img", "storage-realms-realmfs\\x2dimages-base\\x2drealmfs.img" },
        { "-.mount", "\\x2d.mount", NULL },
        { "/home/user/My Documents", "-home-user-My\\x20Documents", "home-user-My\\x20Documents" },
        { "/a:b", "-a:b", "a:b" },
        { "/_", "-_", "_" },
        { "/..a", "-..a", "\\x2e.a" },
        { "/a..", "-a..", "a.." },
        { "relative/x", "relative-x", NULL },
        { "./a", "\\x2e-a", NULL },
        { "a/", "a-", NULL },
        { "/\\x2d", "-\\x5cx2d", "\\x5cx2d" },
        { "/a\\x2fb", "-a\\x5cx2fb", "a\\x5cx2fb" },
        { "/ ", "-\\x20", "\\x20" },
        { "/\011/", "-\\x09-", "\\x09" },
        { "/\303\240", "-\\xc3\\xa0", "\\xc3\\xa0" },
        { "/%", "-\\x25", "\\x25" },
};

static bool live;

/* Runs systemd-escape with args and "--" input (input may be NULL: no "--"
 * either).  Returns its exit status; *ret is its stdout without the final
 * newline, or NULL when it failed. */
static int run_escape(const char *const *args, const char *input, char **ret) {
        const char *argv[8] = { "systemd-escape" };
        size_t n = 1, len = 0;
        char buf[65536];
        int pipefd[2], status;
        pid_t pid;

        for (; *args; args++)
                argv[n++] = *args;
        if (input) {
                argv[n++] = "--";
                argv[n++] = input;
        }
        ASSERT_TRUE(n < ELEMENTSOF(argv));
        ASSERT_TRUE(pipe2(pipefd, O_CLOEXEC) == 0);
        pid = fork();
        ASSERT_TRUE(pid >= 0);
        if (pid == 0) {
                int null = open("/dev/null", O_WRONLY);
                dup2(pipefd[1], 1);
                if (null >= 0)
                        dup2(null, 2); /* it warns about relative paths */
                execvp(argv[0], (char *const *) argv);
                _exit(127);
        }
        close(pipefd[1]);
        for (;;) {
                ssize_t k = read(pipefd[0], buf + len, sizeof buf - 1 - len);
                ASSERT_TRUE(k >= 0);
                if (k == 0)
                        break;
                len += (size_t) k;
                ASSERT_TRUE(len < sizeof buf - 1);
        }
        close(pipefd[0]);
        ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
        ASSERT_TRUE(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0) {
                *ret = NULL;
                return WEXITSTATUS(status);
        }
        ASSERT_TRUE(len > 0 && buf[len - 1] == '\n');
        buf[len - 1] = 0;
        *ret = strdup(buf);
        ASSERT_TRUE(*ret);
        return 0;
}

/* Our result (r, s) against systemd-escape ARGS INPUT: both fail, or both
 * give the same bytes. */
static void compare_live(const char *const *args, const char *input, int r, const char *s) {
        char *l;

        if (!live)
                return;
        (void) run_escape(args, input, &l);
        if (r < 0 && !l)
                return;
        if (r < 0 || !l || !streq(s, l)) {
                fprintf(stderr, "systemd-escape %s%s -- \"%s\": ours \"%s\" (r=%d), systemd \"%s\"\n", args[0] ? args[0] : "",
                        args[0] && args[1] ? " ..." : "", input, r < 0 ? "(error)" : s, r, l ? l : "(error)");
                exit(1);
        }
        free(l);
}

static const char *const no_args[] = { NULL };
static const char *const path_args[] = { "--path", NULL };
static const char *const unescape_args[] = { "--unescape", NULL };
static const char *const unescape_path_args[] = { "--unescape", "--path", NULL };

TEST(escape_table) {
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *e, *pe = NULL, *u;
                int r;

                ASSERT_OK(unit_name_escape(cases[i].in, &e));
                ASSERT_STREQ(e, cases[i].escaped);
                compare_live(no_args, cases[i].in, 0, e);

                r = unit_name_path_escape(cases[i].in, &pe);
                if (cases[i].path_escaped) {
                        ASSERT_OK(r);
                        ASSERT_STREQ(pe, cases[i].path_escaped);
                } else
                        ASSERT_EQ(r, -EINVAL);
                /* systemd-escape --path escapes relative paths, with a warning */
                if (cases[i].in[0] == '/' || cases[i].in[0] == 0)
                        compare_live(path_args, cases[i].in, r, pe);

                /* escaping is reversible: '-' and '/' swap, \xNN is the byte */
                ASSERT_OK(unit_name_unescape(e, &u));
                ASSERT_STREQ(u, cases[i].in);
                if (*e) /* systemd-escape needs an argument */
                        compare_live(unescape_args, e, 0, u);
                free(u);

                if (pe) {
                        ASSERT_OK(unit_name_path_unescape(pe, &u));
                        ASSERT_TRUE(u[0] == '/');
                        compare_live(unescape_path_args, pe, 0, u);
                        /* and the path escapes to the same name again */
                        free(pe);
                        ASSERT_OK(unit_name_path_escape(u, &pe));
                        ASSERT_STREQ(pe, cases[i].path_escaped);
                        free(u);
                }
                free(e);
                free(pe);
        }
        if (!live)
                fprintf(stderr, "systemd-escape not found: compared with fixed strings only\n");
}

TEST(unescape_errors) {
        static const char *const bad[] = { "a\\x2", "\\", "\\x", "\\y41", "\\xg0", "\\x0g", "\\x00", "a\\x00b" };
        static const char *const bad_path[] = { "", "--", "a-", "-a", "a--b", "\\x2e-..", "a-.-b", "..", "a-..",
                                                "\\x2f", "a\\x2f", "\\x2fa" };
        char *s;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                ASSERT_EQ(unit_name_unescape(bad[i], &s), -EINVAL);
                if (!streq(bad[i], "\\x00") && !streq(bad[i], "a\\x00b")) /* systemd cuts the string there */
                        compare_live(unescape_args, bad[i], -EINVAL, NULL);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad_path); i++) {
                ASSERT_EQ(unit_name_path_unescape(bad_path[i], &s), -EINVAL);
                if (*bad_path[i])
                        compare_live(unescape_path_args, bad_path[i], -EINVAL, NULL);
        }
        /* accepted by systemd although not what we would write */
        ASSERT_OK(unit_name_path_unescape("a\\x2Db", &s));
        ASSERT_STREQ(s, "/a-b");
        compare_live(unescape_path_args, "a\\x2Db", 0, s);
        free(s);
        ASSERT_OK(unit_name_path_unescape(".a", &s));
        ASSERT_STREQ(s, "/.a");
        compare_live(unescape_path_args, ".a", 0, s);
        free(s);
        ASSERT_OK(unit_name_unescape("work\\x2dtools", &s));
        ASSERT_STREQ(s, "work-tools");
        free(s);
        ASSERT_OK(unit_name_unescape("run-realmfs-a", &s));
        ASSERT_STREQ(s, "run/realmfs/a");
        free(s);
        ASSERT_EQ(unit_name_unescape(NULL, &s), -EINVAL);
        ASSERT_EQ(unit_name_escape(NULL, &s), -EINVAL);
        ASSERT_EQ(unit_name_path_escape(NULL, &s), -EINVAL);
}

/* An absolute, normalized path of exactly len bytes: components of 200
 * bytes, the first one shorter. */
static char *long_path(size_t len) {
        char *p = malloc(len + 1);

        ASSERT_TRUE(p && len >= 2);
        memset(p, 'a', len);
        p[len] = 0;
        p[0] = '/';
        for (size_t k = 1; k * 201 + 2 <= len; k++)
                p[len - k * 201] = '/';
        return p;
}

TEST(path_limits) {
        char name[300], *s = NULL;
        int r;

        /* one component: 255 bytes fine, 256 refused (NAME_MAX) */
        name[0] = '/';
        memset(name + 1, 'x', 256);
        name[257] = 0;
        r = unit_name_path_escape(name, &s);
        ASSERT_EQ(r, -EINVAL);
        compare_live(path_args, name, r, s);
        name[256] = 0;
        ASSERT_OK(r = unit_name_path_escape(name, &s));
        ASSERT_EQ(strlen(s), 255);
        compare_live(path_args, name, r, s);
        free(s);

        /* the simplified path must be shorter than PATH_MAX (4096) */
        for (size_t len = 4094; len <= 4097; len++) {
                char *p = long_path(len);

                s = NULL;
                r = unit_name_path_escape(p, &s);
                ASSERT_EQ(r, len < 4096 ? 0 : -EINVAL);
                compare_live(path_args, p, r, s);
                free(s);
                free(p);
        }
        /* ... after simplification: many '/' and "." do not count */
        {
                char *p = long_path(4095), *q;

                ASSERT_TRUE(asprintf(&q, "/./%s//.", p) > 0);
                s = NULL;
                ASSERT_OK(r = unit_name_path_escape(q, &s));
                compare_live(path_args, q, r, s);
                free(s);
                free(q);
                free(p);
        }
        /* many slashes are just "/" */
        {
                char slashes[5000];

                memset(slashes, '/', sizeof slashes - 1);
                slashes[sizeof slashes - 1] = 0;
                ASSERT_OK(unit_name_path_escape(slashes, &s));
                ASSERT_STREQ(s, "-");
                free(s);
        }
}

TEST(builders) {
        char *s, longpath[300], longinst[300];
        static const char *const tmpl_args[] = { "--template=realmfs-verity@.service", NULL };
        static const char *const instances[] = { "work-tools", "base", "a b", "/a/b", ".x", "x.y", "é", "\\" };

        ASSERT_OK(unit_name_from_path("/run/realmfs/work-tools", ".mount", &s));
        ASSERT_STREQ(s, "run-realmfs-work\\x2dtools.mount");
        free(s);
        ASSERT_OK(unit_name_from_path("/", ".mount", &s));
        ASSERT_STREQ(s, "-.mount");
        free(s);
        ASSERT_OK(unit_name_from_path("/dev/mapper/realmfs-main", ".device", &s));
        ASSERT_STREQ(s, "dev-mapper-realmfs\\x2dmain.device");
        free(s);
        ASSERT_OK(unit_name_build_instance("realmfs-verity", "work-tools", ".service", &s));
        ASSERT_STREQ(s, "realmfs-verity@work\\x2dtools.service");
        free(s);
        ASSERT_OK(unit_name_build_instance("realm", "main", ".service", &s));
        ASSERT_STREQ(s, "realm@main.service");
        free(s);
        for (size_t i = 0; i < ELEMENTSOF(instances); i++) {
                int r = unit_name_build_instance("realmfs-verity", instances[i], ".service", &s);
                ASSERT_OK(r);
                ASSERT_TRUE(unit_name_is_valid(s));
                compare_live(tmpl_args, instances[i], r, s);
                free(s);
        }

        ASSERT_EQ(unit_name_path_escape("relative/path", &s), -EINVAL);
        ASSERT_EQ(unit_name_path_escape("/a/../b", &s), -EINVAL);
        ASSERT_EQ(unit_name_from_path("/a", "mount", &s), -EINVAL);
        ASSERT_EQ(unit_name_from_path("/a", ".mnt", &s), -EINVAL);
        ASSERT_EQ(unit_name_from_path("/a", NULL, &s), -EINVAL);
        ASSERT_EQ(unit_name_from_path("a", ".mount", &s), -EINVAL);
        ASSERT_EQ(unit_name_build_instance("", "a", ".service", &s), -EINVAL);
        ASSERT_EQ(unit_name_build_instance("a@b", "a", ".service", &s), -EINVAL);
        ASSERT_EQ(unit_name_build_instance("a/b", "a", ".service", &s), -EINVAL);
        ASSERT_EQ(unit_name_build_instance(".a", "a", ".service", &s), -EINVAL);
        ASSERT_EQ(unit_name_build_instance("a", "", ".service", &s), -EINVAL);
        ASSERT_EQ(unit_name_build_instance("a", "b", ".bogus", &s), -EINVAL);

        /* UNIT_NAME_MAX: 255 characters with the suffix */
        longpath[0] = '/';
        memset(longpath + 1, 'a', 249);
        longpath[250] = 0; /* "aaa…" (249) + ".mount" (6) = 255 */
        ASSERT_OK(unit_name_from_path(longpath, ".mount", &s));
        ASSERT_EQ(strlen(s), 255);
        free(s);
        longpath[250] = 'a';
        longpath[251] = 0;
        ASSERT_EQ(unit_name_from_path(longpath, ".mount", &s), -ENAMETOOLONG);
        memset(longinst, '-', sizeof longinst - 1);
        longinst[sizeof longinst - 1] = 0;
        ASSERT_EQ(unit_name_build_instance("a", longinst, ".service", &s), -ENAMETOOLONG);
        /* "realmfs-verity@" + 59 × "\x2d" + ".service" = 259; 58 × fits (255) */
        longinst[59] = 0;
        ASSERT_EQ(unit_name_build_instance("realmfs-verity", longinst, ".service", &s), -ENAMETOOLONG);
        compare_live(tmpl_args, longinst, -ENAMETOOLONG, NULL);
        longinst[58] = 0;
        ASSERT_OK(unit_name_build_instance("realmfs-verity", longinst, ".service", &s));
        ASSERT_EQ(strlen(s), 255);
        compare_live(tmpl_args, longinst, 0, s);
        free(s);
}

/* Generated inputs over the interesting bytes, compared with systemd-escape. */
TEST(differential) {
        static const char alphabet[] = "/-._:\\ a0Z@\x01\xc3\xa9\xa0\n";
        uint32_t seed = 12345;
        unsigned n = 0;

        if (!live)
                return;
        for (unsigned i = 0; i < 300; i++) {
                char in[24], *e, *pe = NULL;
                size_t len;
                int r;

                seed = seed * 1103515245u + 12345u;
                len = (seed >> 16) % (sizeof in - 1);
                for (size_t k = 0; k < len; k++) {
                        seed = seed * 1103515245u + 12345u;
                        in[k] = alphabet[(seed >> 16) % (sizeof alphabet - 1)];
                }
                in[len] = 0;
                if (i % 2)
                        in[0] = '/'; /* half of them absolute paths */

                ASSERT_OK(unit_name_escape(in, &e));
                compare_live(no_args, in, 0, e);
                if (in[0] == '/' || !in[0]) {
                        r = unit_name_path_escape(in, &pe);
                        compare_live(path_args, in, r, pe);
                        free(pe);
                }
                free(e);
                n++;
        }
        fprintf(stderr, "compared %u generated inputs with systemd-escape\n", n);
}

TEST(valid) {
        ASSERT_TRUE(unit_name_is_valid("systemd-networkd.service"));
        ASSERT_TRUE(unit_name_is_valid("realms.target"));
        ASSERT_TRUE(unit_name_is_valid("realm@.service"));
        ASSERT_TRUE(unit_name_is_valid("getty@tty1.service"));
        ASSERT_TRUE(unit_name_is_valid("run-realmfs-work\\x2dtools.mount"));
        ASSERT_TRUE(unit_name_is_valid("-.mount"));
        ASSERT_TRUE(!unit_name_is_valid("foo"));
        ASSERT_TRUE(!unit_name_is_valid("foo.bar"));
        ASSERT_TRUE(!unit_name_is_valid(".service"));
        ASSERT_TRUE(!unit_name_is_valid("a b.service"));
        ASSERT_TRUE(!unit_name_is_valid("a/b.service"));
        ASSERT_TRUE(!unit_name_is_valid("a@b@c.service"));
        ASSERT_TRUE(!unit_name_is_valid("@a.service"));
        ASSERT_TRUE(!unit_name_is_valid(""));
        ASSERT_TRUE(!unit_name_is_valid(NULL));
}

int main(void) {
        char *v = NULL;

        live = run_escape((const char *const[]) { "--version", NULL }, NULL, &v) == 0;
        free(v);
        /* systemd is a test dependency (tools/deps.txt, Build-Depends): the
         * comparison with systemd-escape is the point of this test, so its
         * absence is a failure, not a quiet pass on fixed strings */
        if (!live) {
                fprintf(stderr, "systemd-escape not found (install systemd): cannot compare with it\n");
                return 1;
        }
        RUN(escape_table);
        RUN(unescape_errors);
        RUN(path_limits);
        RUN(builders);
        RUN(differential);
        RUN(valid);
        return 0;
}
