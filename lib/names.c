/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "macro.h"
#include "names.h"
#include "util.h"

#define IMAGE_SUFFIX "-realmfs.img"

bool realmfs_name_is_valid(const char *name) {
        size_t n = 0;

        if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
                return false;
        for (const char *s = name; *s; s++, n++) {
                char c = *s;
                if (n >= REALMFS_NAME_MAX)
                        return false;
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
                        return false;
        }
        return true;
}

bool realm_name_is_valid(const char *name) {
        return realmfs_name_is_valid(name);
}

/* prefix + name + suffix, for valid names only */
static int build_name(const char *prefix, const char *name, const char *suffix, char **ret) {
        if (!realmfs_name_is_valid(name))
                return -EINVAL;
        return asprintf(ret, "%s%s%s", prefix, name, suffix) < 0 ? -ENOMEM : 0;
}

int realmfs_image_path(const char *images_dir, const char *name, char **ret) {
        _cleanup_free_ char *file = NULL;
        int r = build_name("", name, IMAGE_SUFFIX, &file);

        if (r < 0)
                return r;
        return path_join(images_dir, file, ret);
}

int realmfs_name_from_image_path(const char *path, char **ret) {
        const char *base = strrchr(path, '/');
        size_t len;
        char *name;

        base = base ? base + 1 : path;
        len = strlen(base);
        if (len <= strlen(IMAGE_SUFFIX) || strcmp(base + len - strlen(IMAGE_SUFFIX), IMAGE_SUFFIX) != 0)
                return -EINVAL;
        name = strndup(base, len - strlen(IMAGE_SUFFIX));
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

int realmfs_mount_point(const char *name, char **ret) {
        return build_name("/run/realmfs/", name, "", ret);
}
