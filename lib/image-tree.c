/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "image-lock.h"
#include "image-tree.h"
#include "log.h"
#include "loop.h"
#include "process.h"
#include "progress.h"
#include "util.h"

#define BLOCK REALMFS_BLOCK_SIZE
/* "hash tree computed and appended": REALMFS=, TREE_USEC= */
#define MID_TREE_ADDED "7608327499764fe1b9b389eeaf73633c"
#define DATA_START ((uint64_t) REALMFS_HEADER_SIZE)

bool realmfs_image_has_tree(const RealmfsImage *img) {
        return img->header.flags & REALMFS_FLAG_HASH_TREE;
}

/* An unnamed temporary file (O_TMPFILE) for a tree beside path, else in
 * /var/tmp or /tmp. */
static int open_unnamed_temporary(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        const char *dirs[] = { copy ? dirname(copy) : NULL, "/var/tmp", "/tmp" };
        int fd = -ENOMEM;

        for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
                if (!dirs[i])
                        continue;
                fd = open(dirs[i], O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
                if (fd >= 0)
                        return fd;
                fd = negative_errno();
        }
        return fd;
}

/* The hash tree of img's data with the signed salt into hash_path at
 * hash_offset (libcryptsetup), reading the data through a read-only loop
 * device over img's descriptor; the service manager hears of the
 * progress. */
static int format_tree(const RealmfsImage *img, const char *hash_path, uint64_t hash_offset,
                       uint8_t root[VERITY_ROOT_SIZE]) {
        _cleanup_(loop_device_release) LoopDevice loop = LOOP_DEVICE_NULL;
        _cleanup_free_ char *what = NULL;
        uint64_t size = img->meta.nblocks * BLOCK;
        ProgressWatch watch;
        int r;

        r = loop_device_attach_fd(img->fd, DATA_START, size, LOOP_READ_ONLY, &loop);
        if (r < 0)
                return log_error_errno(r, "%s: cannot set up a loop device to hash the data (needs root): %m",
                                       img->path);
        if (asprintf(&what, "RealmFS %s: computing the hash tree of %.1f MiB", img->name,
                     (double) size / (1 << 20)) < 0)
                return log_oom();
        progress_watch_start(&watch, what, size, 0);
        r = verity_format_at(loop.path, hash_path, hash_offset, img->meta.nblocks, img->meta.verity.salt, root);
        progress_watch_stop(&watch);
        if (r < 0)
                return log_error_errno(r, "%s: cannot compute the hash tree of the data: %m", img->path);
        return 0;
}

static int root_mismatch(const RealmfsImage *img, const uint8_t root[VERITY_ROOT_SIZE], const char *then) {
        char hex[2 * VERITY_ROOT_SIZE + 1];

        hex_encode(root, VERITY_ROOT_SIZE, hex);
        return log_error_errno(EBADMSG, "%s: the data hashes to root %.16s…, not the signed verity-root: the data "
                               "is damaged%s", img->path, hex, then);
}

int realmfs_image_compute_root(const RealmfsImage *img, uint8_t ret[VERITY_ROOT_SIZE]) {
        _cleanup_close_ int fd = -1;
        char hash_path[64];

        fd = open_unnamed_temporary(img->path);
        if (fd < 0)
                return log_error_errno(fd, "%s: no place for a temporary hash tree: %m", img->path);
        snprintf(hash_path, sizeof hash_path, "/proc/self/fd/%i", fd);
        return format_tree(img, hash_path, 0, ret);
}

/* Sets the hash-tree flag: one byte of the header block. */
static int set_tree_flag(int fd, uint8_t flags) {
        uint8_t b = flags | REALMFS_FLAG_HASH_TREE;

        return pwrite_full(fd, &b, 1, 5);
}

int realmfs_image_add_tree(RealmfsImage *img) {
        _cleanup_close_ int lock = -1, wfd = -1;
        uint64_t data_end = DATA_START + img->meta.nblocks * BLOCK, start;
        uint8_t root[VERITY_ROOT_SIZE];
        RealmfsHeader now;
        struct stat a, b;
        char hash_path[64], field[64];
        double secs;
        int r;

        lock = image_lock(img->path);
        if (lock < 0)
                return lock;
        /* the image we checked, opened for writing: the same inode */
        wfd = open(img->path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        if (wfd < 0)
                return log_error_errno(errno, "%s: cannot open the image to append its hash tree: %m", img->path);
        if (fstat(img->fd, &a) < 0 || fstat(wfd, &b) < 0)
                return log_error_errno(errno, "%s: %m", img->path);
        if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                return log_error_errno(ESTALE, "%s: replaced while being attached; try again", img->path);
        /* completed meanwhile (under the lock we now hold)? */
        r = realmfs_header_read_fd(wfd, img->path, &now);
        if (r < 0)
                return r;
        if (now.flags & REALMFS_FLAG_HASH_TREE) {
                img->header.flags = now.flags;
                img->file_size = (uint64_t) b.st_size;
                return 0;
        }
        if ((uint64_t) b.st_size > data_end)
                log_info("%s: dropping %" PRIu64 " bytes after the data that an interrupted hash tree computation "
                         "left.", img->path, (uint64_t) b.st_size - data_end);
        if (ftruncate(wfd, (off_t) data_end) < 0)
                return log_error_errno(errno, "%s: cannot truncate to the data: %m", img->path);

        log_info("%s: no hash tree yet (an image as Citadel's builder writes it): computing it from %.1f MiB of "
                 "data.", img->path, (double) (img->meta.nblocks * BLOCK) / (1 << 20));
        start = now_usec();
        snprintf(hash_path, sizeof hash_path, "/proc/self/fd/%i", wfd);
        r = format_tree(img, hash_path, data_end, root);
        if (r >= 0 && memcmp(root, img->meta.verity.root_hash, VERITY_ROOT_SIZE) != 0)
                r = root_mismatch(img, root, "; the image is left as it was");
        if (r < 0) {
                (void) ftruncate(wfd, (off_t) data_end);
                return r;
        }
        if (fsync(wfd) < 0)
                return log_error_errno(errno, "%s: cannot write the hash tree: %m", img->path);
        test_hook_stop_point("tree");
        /* the flag only after the tree is on disk */
        r = set_tree_flag(wfd, now.flags);
        if (r >= 0 && fsync(wfd) < 0)
                r = negative_errno();
        if (r < 0)
                return log_error_errno(r, "%s: cannot set the hash-tree flag: %m", img->path);
        img->header.flags = now.flags | REALMFS_FLAG_HASH_TREE;
        img->file_size = data_end + verity_hash_area_size(img->meta.nblocks);
        start = now_usec() - start;
        secs = (double) start / 1e6;
        snprintf(field, sizeof field, "TREE_USEC=%" PRIu64, start);
        log_struct_errno(LOG_INFO, 0, MID_TREE_ADDED, field,
                         "%s: hash tree computed and appended in %.2f s (%.0f MiB/s); its root is the signed one.",
                         img->path, secs, secs > 0 ? (double) (img->meta.nblocks * BLOCK) / (1 << 20) / secs : 0.0);
        return 0;
}

int realmfs_image_check_root(const RealmfsImage *img) {
        uint8_t root[VERITY_ROOT_SIZE];
        int r = realmfs_image_compute_root(img, root);

        if (r < 0)
                return r;
        if (memcmp(root, img->meta.verity.root_hash, VERITY_ROOT_SIZE) != 0)
                return root_mismatch(img, root, "");
        return 0;
}
