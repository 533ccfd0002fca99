/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>

#include "container.h"
#include "fileio.h"
#include "image-lock.h"
#include "log.h"
#include "loop.h"
#include "names.h"

/* dir and base name of path (without modifying it). */
static int split_path(const char *path, char **ret_dir, const char **ret_base) {
        const char *slash = strrchr(path, '/');

        *ret_base = slash ? slash + 1 : path;
        *ret_dir = slash ? strndup(path, (size_t) (slash - path) ? (size_t) (slash - path) : 1) : strdup(".");
        return *ret_dir ? 0 : -ENOMEM;
}

int image_lock(const char *image_path) {
        _cleanup_free_ char *dir = NULL, *lock = NULL;
        const char *base;
        int fd;

        if (split_path(image_path, &dir, &base) < 0 || asprintf(&lock, "%s/" ATOMIC_TEMP_PREFIX "%s.lock", dir, base) < 0)
                return log_oom();
        fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW, 0600);
        if (fd < 0)
                return log_error_errno(errno, "%s: cannot open the lock: %m", lock);
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                int r = errno == EWOULDBLOCK ? -EBUSY : negative_errno();
                close(fd);
                if (r == -EBUSY)
                        return log_error_errno(r, "%s: another realmfsctl works on this image (lock %s held)",
                                               image_path, lock);
                return log_error_errno(r, "%s: cannot lock: %m", lock);
        }
        return fd;
}

int image_remove_debris(const char *image_path) {
        _cleanup_free_ char *dir = NULL, *prefix = NULL, *lock = NULL, *loop_prefix = NULL, *name = NULL;
        _cleanup_closedir_ DIR *d = NULL;
        struct dirent *de;
        const char *base;
        int n = 0, loops, mounts = 0;

        if (split_path(image_path, &dir, &base) < 0 || asprintf(&prefix, ATOMIC_TEMP_PREFIX "%s.", base) < 0 ||
            asprintf(&lock, ATOMIC_TEMP_PREFIX "%s.lock", base) < 0 ||
            asprintf(&loop_prefix, "%s/%s", dir, prefix) < 0)
                return log_oom();
        /* the loop devices of a killed update over its work copy first
         * (they keep the deleted file's blocks), then the files */
        loops = loop_devices_detach_backing(loop_prefix);
        if (loops < 0)
                loops = 0;
        if (realmfs_name_from_image_path(image_path, &name) == 0)
                mounts = container_remove_debris(name);
        d = opendir(dir);
        if (d)
                while ((de = readdir(d)))
                        if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 && strcmp(de->d_name, lock) != 0 &&
                            unlinkat(dirfd(d), de->d_name, 0) == 0)
                                n++;
        if (n + loops + mounts > 0)
                log_notice("%s: removed what an interrupted run left: %i temporary file%s, %i loop device%s, %i mount point%s.",
                           image_path, n, n == 1 ? "" : "s", loops, loops == 1 ? "" : "s", mounts, mounts == 1 ? "" : "s");
        return n + loops + mounts;
}
