/* SPDX-License-Identifier: LGPL-2.1-or-later */
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
        const char *root = getenv("REALMBOOT_ROOT");

        if (!root || !*root || streq(root, "/")) {
                char *p = strdup(path);
                if (!p)
                        return -ENOMEM;
                *ret = p;
                return 0;
        }
        return path_join(root, path, ret);
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
