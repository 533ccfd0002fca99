/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <limits.h>
#include <signal.h>
#include <stdio.h>

#include "util.h"

void hex_encode(const uint8_t *data, size_t len, char *out) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[data[i] >> 4];
                out[2 * i + 1] = digits[data[i] & 15];
        }
        out[2 * len] = 0;
}

int unhex_char(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int hex_decode(const char *hex, uint8_t *out, size_t len) {
        if (strlen(hex) != 2 * len)
                return -EINVAL;
        for (size_t i = 0; i < len; i++) {
                int hi = unhex_char(hex[2 * i]), lo = unhex_char(hex[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t) (hi << 4 | lo);
        }
        return 0;
}

static bool path_has_dotdot(const char *p) {
        for (const char *s = p; (s = strstr(s, "..")); s += 2)
                if ((s == p || s[-1] == '/') && (s[2] == 0 || s[2] == '/'))
                        return true;
        return false;
}

int path_join(const char *dir, const char *rel, char **ret) {
        size_t dl;
        char *p;

        if (path_has_dotdot(rel))
                return -EINVAL;
        dl = strlen(dir);
        while (dl > 0 && dir[dl - 1] == '/')
                dl--;
        while (*rel == '/')
                rel++;
        if (asprintf(&p, "%.*s/%s", (int) dl, dir, rel) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int path_with_root(const char *path, char **ret) {
        const char *root = test_hook_getenv("REALMBOOT_ROOT");

        if (!root || !*root || streq(root, "/")) {
                char *p = strdup(path);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        return path_join(root, path, ret);
}

bool path_is_safe(const char *p, const char **reason) {
        const char *why = NULL;

        if (p[0] != '/')
                why = "not an absolute path";
        else if (strlen(p) >= PATH_MAX)
                why = "too long";
        else
                for (const char *c = p; *c && !why; c++) {
                        unsigned char u = (unsigned char) *c;
                        if (u < 0x20 || u == 0x7f)
                                why = "control character";
                        else if (u == ' ')
                                why = "whitespace";
                        else if (u == '%')
                                why = "'%' (a unit file specifier)";
                        else if (u == '\\' || u == '"' || u == '\'')
                                why = "'\\' or a quote";
                        else if (u == '/' && (c[1] == '/' || (c[1] == 0 && c != p)))
                                why = "not normalized (\"//\" or a trailing '/')";
                        else if (u == '/' && c[1] == '.' && (c[2] == '/' || c[2] == 0 || (c[2] == '.' && (c[3] == '/' || c[3] == 0))))
                                why = "not normalized (a \".\" or \"..\" component)";
                }
        if (reason)
                *reason = why;
        return !why;
}

char *escape_control(const char *s, const char *keep, char *out, size_t out_size) {
        size_t n = 0;

        for (; *s; s++) {
                unsigned char c = (unsigned char) *s;
                bool escape = (c < 0x20 && !(keep && strchr(keep, c))) || c == 0x7f;
                size_t need = escape ? 4 : 1;

                if (n + need >= out_size)
                        break;
                if (escape)
                        n += (size_t) snprintf(out + n, out_size - n, "\\x%02x", c);
                else
                        out[n++] = (char) c;
        }
        out[n] = 0;
        return out;
}

bool in_initrd(void) {
        _cleanup_free_ char *p = NULL;

        return path_with_root("/etc/initrd-release", &p) >= 0 && access(p, F_OK) == 0;
}

int safe_atou64(const char *s, uint64_t *ret) {
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (; *s; s++) {
                if (*s < '0' || *s > '9')
                        return -EINVAL;
                if (v > (UINT64_MAX - (uint64_t) (*s - '0')) / 10)
                        return -ERANGE;
                v = v * 10 + (uint64_t) (*s - '0');
        }
        *ret = v;
        return 0;
}

bool string_has_prefix(const char *s, const char *prefix) {
        return strncmp(s, prefix, strlen(prefix)) == 0;
}

int parse_size(const char *s, uint64_t *ret) {
        static const char suffixes[] = "KMGT";
        unsigned long long v;
        const char *p;
        char *end;

        if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
                return -EINVAL;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno != 0 || end == s)
                return -EINVAL;
        if (*end) {
                p = strchr(suffixes, *end);
                if (!p || !*p || (end[1] && !(end[1] == 'i' && end[2] == 'B' && !end[3]) &&
                                  !(end[1] == 'B' && !end[2])))
                        return -EINVAL;
                for (int i = 0; i <= (int) (p - suffixes); i++) {
                        if (v > UINT64_MAX / 1024)
                                return -ERANGE;
                        v *= 1024;
                }
        }
        *ret = (uint64_t) v;
        return 0;
}

bool string_has_suffix(const char *s, const char *suffix) {
        size_t n = strlen(s), m = strlen(suffix);

        return n >= m && strcmp(s + n - m, suffix) == 0;
}

const char *test_hook_getenv(const char *name) {
        if (!TEST_HOOKS_ENABLED)
                return NULL;
        return getenv(name);
}

void test_hook_stop_point(const char *point) {
        const char *at = test_hook_getenv("REALMBOOT_TEST_STOP");

        if (at && streq(at, point))
                (void) raise(SIGSTOP);
}

int version_print(const char *program) {
        printf("%s %s%s\n", program, PROJECT_VERSION, TEST_HOOKS_FEATURE);
        return fflush(stdout) == 0 ? 0 : 1;
}

void strv_free_n(char **v, size_t n) {
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}
