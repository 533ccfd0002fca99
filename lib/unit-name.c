/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "macro.h"
#include "unit-name.h"
#include "util.h"

/* Characters systemd keeps as they are; '-' and '\' are always escaped. */
static bool char_is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
               c == '_' || c == '.';
}

static char *escape_char(char c, char *t) {
        static const char hex[] = "0123456789abcdef";

        *t++ = '\\';
        *t++ = 'x';
        *t++ = hex[(unsigned char) c >> 4];
        *t++ = hex[(unsigned char) c & 15];
        return t;
}

static int escape_into(const char *s, char **ret) {
        char *out = malloc(strlen(s) * 4 + 1), *t;

        if (!out)
                return -ENOMEM;
        t = out;
        /* no unit name may start with '.' (hidden files, "/.dir" mounts) */
        if (*s == '.')
                t = escape_char(*s++, t);
        for (; *s; s++) {
                if (*s == '/')
                        *t++ = '-';
                else if (!char_is_plain(*s))
                        t = escape_char(*s, t);
                else
                        *t++ = *s;
        }
        *t = 0;
        *ret = out;
        return 0;
}

int unit_name_escape(const char *s, char **ret) {
        return escape_into(s, ret);
}

int unit_name_unescape(const char *s, char **ret) {
        char *out = malloc(strlen(s) + 1), *t = out;

        if (!out)
                return -ENOMEM;
        for (; *s; s++) {
                if (*s == '\\') {
                        int a, b;
                        if (s[1] != 'x' || (a = unhex_char(s[2])) < 0 || (b = unhex_char(s[3])) < 0 || (a == 0 && b == 0)) {
                                free(out);
                                return -EINVAL;
                        }
                        *t++ = (char) (a << 4 | b);
                        s += 3;
                } else
                        *t++ = *s;
        }
        *t = 0;
        *ret = out;
        return 0;
}

int unit_name_path_escape(const char *path, char **ret) {
        _cleanup_free_ char *simple = NULL;
        char *t;
        const char *s;

        if (!path || path[0] != '/')
                return -EINVAL;
        simple = malloc(strlen(path) + 1);
        if (!simple)
                return -ENOMEM;
        /* simplify: drop empty and "." components; refuse ".." */
        t = simple;
        for (s = path; *s;) {
                const char *e;
                size_t n;

                while (*s == '/')
                        s++;
                if (!*s)
                        break;
                e = strchrnul(s, '/');
                n = (size_t) (e - s);
                if (n == 2 && s[0] == '.' && s[1] == '.')
                        return -EINVAL;
                if (!(n == 1 && s[0] == '.')) {
                        if (t != simple)
                                *t++ = '/';
                        memcpy(t, s, n);
                        t += n;
                }
                s = e;
        }
        *t = 0;
        if (!*simple) {
                *ret = strdup("-");
                return *ret ? 0 : -ENOMEM;
        }
        return escape_into(simple, ret);
}

static int check_length(char *name, char **ret) {
        if (strlen(name) > UNIT_NAME_MAX) {
                free(name);
                return -ENAMETOOLONG;
        }
        *ret = name;
        return 0;
}

int unit_name_from_path(const char *path, const char *suffix, char **ret) {
        _cleanup_free_ char *p = NULL;
        char *name;
        int r;

        r = unit_name_path_escape(path, &p);
        if (r < 0)
                return r;
        if (asprintf(&name, "%s%s", p, suffix) < 0)
                return -ENOMEM;
        return check_length(name, ret);
}

int unit_name_build_instance(const char *prefix, const char *instance, const char *suffix, char **ret) {
        _cleanup_free_ char *i = NULL;
        char *name;
        int r;

        r = unit_name_escape(instance, &i);
        if (r < 0)
                return r;
        if (asprintf(&name, "%s@%s%s", prefix, i, suffix) < 0)
                return -ENOMEM;
        return check_length(name, ret);
}

bool unit_name_is_valid(const char *name) {
        static const char *const types[] = {
                ".service", ".socket", ".target", ".mount", ".automount", ".swap",
                ".path",    ".timer",  ".slice",  ".scope", ".device",
        };
        const char *dot, *at;
        size_t len = strlen(name);

        if (len == 0 || len > UNIT_NAME_MAX || name[0] == '.' || name[0] == '@')
                return false;
        dot = strrchr(name, '.');
        if (!dot || dot == name)
                return false;
        for (size_t i = 0;; i++) {
                if (i == ELEMENTSOF(types))
                        return false;
                if (streq(dot, types[i]))
                        break;
        }
        at = strchr(name, '@');
        if (at && strchr(at + 1, '@'))
                return false;
        for (const char *s = name; s < dot; s++)
                if (!char_is_plain(*s) && *s != '-' && *s != '\\' && *s != '@')
                        return false;
        return true;
}
