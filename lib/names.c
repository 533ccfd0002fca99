/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sodium.h>
#include <stdio.h>

#include "macro.h"
#include "names.h"
#include "util.h"

#define IMAGE_SUFFIX "-realmfs.img"

/* ASCII only, whatever the locale: isalpha() would accept more. */
static bool char_is_letter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool name_is_valid(const char *name, size_t max) {
        size_t n;

        if (!name || !char_is_letter(name[0]))
                return false;
        for (n = 1; name[n]; n++) {
                char c = name[n];

                if (n >= max)
                        return false;
                if (!char_is_letter(c) && !(c >= '0' && c <= '9') && c != '-')
                        return false;
        }
        return true;
}

bool realmfs_name_is_valid(const char *name) {
        return name_is_valid(name, REALMFS_NAME_MAX);
}

bool realm_name_is_valid(const char *name) {
        return name_is_valid(name, REALM_NAME_MAX);
}

int realm_machine_name(const char *name, char **ret) {
        uint8_t hash[crypto_generichash_BYTES_MIN];
        size_t n;

        if (!ret || !realm_name_is_valid(name))
                return -EINVAL;
        n = strlen(name);
        if (n <= MACHINE_NAME_MAX)
                return (*ret = strdup(name)) ? 0 : -ENOMEM;
        crypto_generichash(hash, sizeof hash, (const unsigned char *) name, n, NULL, 0);
        return asprintf(ret, "%.*s-%02x%02x%02x%02x", MACHINE_NAME_MAX - 9, name, hash[0], hash[1], hash[2],
                        hash[3]) < 0 ? -ENOMEM : 0;
}

/* prefix + name + suffix, for valid names only */
static int build_name(const char *prefix, const char *name, const char *suffix, char **ret) {
        if (!ret || !realmfs_name_is_valid(name))
                return -EINVAL;
        return asprintf(ret, "%s%s%s", prefix, name, suffix) < 0 ? -ENOMEM : 0;
}

int realmfs_image_path(const char *images_dir, const char *name, char **ret) {
        _cleanup_free_ char *file = NULL;
        int r;

        if (!images_dir)
                return -EINVAL;
        r = build_name("", name, IMAGE_SUFFIX, &file);
        if (r < 0)
                return r;
        return path_join(images_dir, file, ret);
}

int realmfs_name_from_image_path(const char *path, char **ret) {
        const char *base;
        size_t len, suffix_len = strlen(IMAGE_SUFFIX);
        char *name;

        if (!path || !ret)
                return -EINVAL;
        base = strrchr(path, '/');
        base = base ? base + 1 : path;
        len = strlen(base);
        if (len <= suffix_len || !streq(base + len - suffix_len, IMAGE_SUFFIX))
                return -EINVAL;
        /* check before copying: a name is short, a path need not be */
        if (len - suffix_len > REALMFS_NAME_MAX)
                return -EINVAL;
        name = strndup(base, len - suffix_len);
        if (!name)
                return -ENOMEM;
        if (!realmfs_name_is_valid(name)) {
                free(name);
                return -EINVAL;
        }
        *ret = name;
        return 0;
}

int realmfs_device_name(const char *name, char **ret) {
        return build_name("realmfs-", name, "", ret);
}

int realmfs_device_path(const char *name, char **ret) {
        return build_name("/dev/mapper/realmfs-", name, "", ret);
}

int realmfs_mount_point(const char *name, char **ret) {
        return build_name("/run/realmfs/", name, "", ret);
}
