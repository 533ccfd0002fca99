/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <stdio.h>

#include "macro.h"
#include "unit-name.h"
#include "util.h"

/* systemd's path_is_valid(): no component longer than NAME_MAX, the whole
 * path shorter than PATH_MAX (which counts the NUL). */
#define PATH_COMPONENT_MAX 255
#define PATH_LENGTH_MAX 4096

static const char *const unit_suffixes[] = {
        ".service", ".socket", ".target", ".mount", ".automount", ".swap",
        ".path",    ".timer",  ".slice",  ".scope", ".device",
};

/* Characters systemd keeps as they are; '-' and '\' are valid in unit names
 * but always escaped, since they are the escape characters themselves. */
static bool char_is_plain(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':' ||
               c == '_' || c == '.';
}

static bool char_is_unit_name(char c) {
        return char_is_plain(c) || c == '-' || c == '\\';
}

static bool suffix_is_valid(const char *suffix) {
        if (!suffix)
                return false;
        for (size_t i = 0; i < ELEMENTSOF(unit_suffixes); i++)
                if (streq(suffix, unit_suffixes[i]))
                        return true;
        return false;
}

static char *escape_char(char c, char *t) {
        static const char hex[] = "0123456789abcdef";

        *t++ = '\\';
        *t++ = 'x';
        *t++ = hex[(unsigned char) c >> 4];
        *t++ = hex[(unsigned char) c & 15];
        return t;
}

/* Escapes n bytes of s; no NUL in them. */
static int escape_n(const char *s, size_t n, char **ret) {
        const char *end = s + n;
        char *out, *t;

        if (n > (SIZE_MAX - 1) / 4)
                return -ENOMEM;
        out = malloc(n * 4 + 1);
        if (!out)
                return -ENOMEM;
        t = out;
        /* no unit name may start with '.' (hidden files, "/.dir" mounts) */
        if (s < end && *s == '.')
                t = escape_char(*s++, t);
        for (; s < end; s++) {
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
        if (!s || !ret)
                return -EINVAL;
        return escape_n(s, strlen(s), ret);
}

int unit_name_unescape(const char *s, char **ret) {
        char *out, *t;

        if (!s || !ret)
                return -EINVAL;
        out = malloc(strlen(s) + 1);
        if (!out)
                return -ENOMEM;
        for (t = out; *s; s++) {
                if (*s == '-')
                        *t++ = '/';
                else if (*s == '\\') {
                        int a, b;

                        if (s[1] != 'x' || (a = unhex_char(s[2])) < 0 || (b = unhex_char(s[3])) < 0 ||
                            (a == 0 && b == 0)) {
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

/* Writes the components of the absolute path into simple, joined by '/',
 * without the leading '/': empty and "." components dropped.  -EINVAL for
 * ".." and for what systemd's path_is_valid() refuses. */
static int path_simplify_components(const char *path, char *simple) {
        char *t = simple;

        for (const char *s = path; *s;) {
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
                if (n > PATH_COMPONENT_MAX)
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
        /* +1: the leading '/' the simplified path keeps */
        if ((size_t) (t - simple) + 1 >= PATH_LENGTH_MAX)
                return -EINVAL;
        return 0;
}

int unit_name_path_escape(const char *path, char **ret) {
        _cleanup_free_ char *simple = NULL;
        int r;

        if (!path || !ret)
                return -EINVAL;
        /* systemd-escape --path turns "" into "-" too (with a warning) */
        if (path[0] != '/' && path[0] != 0)
                return -EINVAL;
        simple = malloc(strlen(path) + 1);
        if (!simple)
                return -ENOMEM;
        r = path_simplify_components(path, simple);
        if (r < 0)
                return r;
        if (!*simple) {
                *ret = strdup("-");
                return *ret ? 0 : -ENOMEM;
        }
        return escape_n(simple, strlen(simple), ret);
}

/* systemd's path_is_normalized() for an absolute path: no empty, "." or
 * ".." component, none too long, the whole path not too long. */
static bool path_is_normalized(const char *p) {
        if (p[0] != '/' || strlen(p) >= PATH_LENGTH_MAX)
                return false;
        for (const char *s = p + 1;;) {
                const char *e = strchrnul(s, '/');
                size_t n = (size_t) (e - s);

                if (n == 0 || n > PATH_COMPONENT_MAX || (n == 1 && s[0] == '.') ||
                    (n == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                if (!*e)
                        return true;
                s = e + 1;
        }
}

int unit_name_path_unescape(const char *name, char **ret) {
        _cleanup_free_ char *w = NULL;
        char *p;
        int r;

        if (!name || !ret || !*name)
                return -EINVAL;
        if (streq(name, "-")) {
                p = strdup("/");
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        r = unit_name_unescape(name, &w);
        if (r < 0)
                return r;
        if (asprintf(&p, "/%s", w) < 0)
                return -ENOMEM;
        /* also refuses a leading or trailing '/' of w: "//x" or "/x/" */
        if (!path_is_normalized(p)) {
                free(p);
                return -EINVAL;
        }
        *ret = p;
        return 0;
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

        if (!ret || !suffix_is_valid(suffix))
                return -EINVAL;
        r = unit_name_path_escape(path, &p);
        if (r < 0)
                return r;
        if (asprintf(&name, "%s%s", p, suffix) < 0)
                return -ENOMEM;
        return check_length(name, ret);
}

static bool prefix_is_valid(const char *prefix) {
        if (!prefix || !*prefix || prefix[0] == '.')
                return false;
        for (const char *s = prefix; *s; s++)
                if (!char_is_unit_name(*s))
                        return false;
        return true;
}

int unit_name_build_instance(const char *prefix, const char *instance, const char *suffix, char **ret) {
        _cleanup_free_ char *i = NULL;
        char *name;
        int r;

        if (!ret || !prefix_is_valid(prefix) || !instance || !*instance || !suffix_is_valid(suffix))
                return -EINVAL;
        /* The escaped instance alone may be far longer than any unit name:
         * refuse early instead of building it. */
        if (strlen(instance) > UNIT_NAME_MAX)
                return -ENAMETOOLONG;
        r = unit_name_escape(instance, &i);
        if (r < 0)
                return r;
        if (asprintf(&name, "%s@%s%s", prefix, i, suffix) < 0)
                return -ENOMEM;
        return check_length(name, ret);
}

bool unit_name_is_valid(const char *name) {
        const char *dot, *at;
        size_t len;

        if (!name)
                return false;
        len = strlen(name);
        if (len == 0 || len > UNIT_NAME_MAX || name[0] == '.' || name[0] == '@')
                return false;
        dot = strrchr(name, '.');
        if (!dot || dot == name || !suffix_is_valid(dot))
                return false;
        at = strchr(name, '@');
        if (at && strchr(at + 1, '@'))
                return false;
        for (const char *s = name; s < dot; s++)
                if (!char_is_unit_name(*s) && *s != '@')
                        return false;
        return true;
}
