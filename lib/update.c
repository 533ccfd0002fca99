/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/stat.h>

#include "container.h"
#include "fileio.h"
#include "image-lock.h"
#include "log.h"
#include "loop.h"
#include "names.h"
#include "process.h"
#include "update.h"
#include "util.h"

#define BLOCK REALMFS_BLOCK_SIZE
#define HELPER_OUTPUT_MAX (64u * 1024u)

/* The work copy: a temporary file beside the image, the name image-lock's
 * debris removal knows; removed unless it became the image. */
typedef struct WorkCopy {
        int fd;
        char *path;
        bool keep;
} WorkCopy;

static void work_copy_done(WorkCopy *w) {
        w->fd = safe_close(w->fd);
        if (w->path && !w->keep)
                (void) unlink(w->path);
        free(w->path);
        w->path = NULL;
}

/* The work copy holds the data area at offset 0 (the header goes in front
 * when it is sealed): libcryptsetup then hashes a plain file, as fast as
 * `veritysetup format`, where a loop device at 4096 would read every block
 * through the loop driver again.  copy_file_range() shares the extents where
 * the filesystem can (the offsets are block-aligned). */
static int work_copy_make(const RealmfsImage *img, mode_t mode, WorkCopy *w) {
        int r;

        if (temp_path_beside(img->path, &w->path) < 0)
                return log_oom();
        w->fd = mkostemp(w->path, O_CLOEXEC);
        if (w->fd < 0) {
                r = log_error_errno(errno, "%s: cannot create the work copy: %m", w->path);
                free(w->path);
                w->path = NULL;
                return r;
        }
        if (fchmod(w->fd, mode) < 0)
                return log_error_errno(errno, "%s: %m", w->path);
        r = copy_range_full(img->fd, BLOCK, w->fd, 0, img->meta.nblocks * BLOCK);
        if (r == -ENODATA)
                return log_error_errno(EIO, "%s: ended while it was copied", img->path);
        if (r < 0)
                return log_error_errno(r, "%s: cannot copy to %s: %m", img->path, w->path);
        return 0;
}

/* Runs an e2fsprogs helper on device; its last line is the message. */
static int run_helper(const char *what, char **argv, const char *image, const int *ok_status, size_t n_ok) {
        _cleanup_(process_result_done_plain) ProcessResult res = {};
        const char *last;
        int r;

        r = process_run(argv, 0, 0, HELPER_OUTPUT_MAX, &res);
        if (r == 0)
                return 0;
        for (size_t i = 0; r == -EPROTO && i < n_ok; i++)
                if (res.exit_status == ok_status[i])
                        return 0;
        last = process_last_line(&res);
        if (r == -EPROTO)
                return log_error_errno(EIO, "%s: %s failed (exit status %i%s%s): nothing saved", image, what,
                                       res.exit_status, last ? ": " : "", last ? last : "");
        return log_error_errno(r, "%s: cannot run %s: %m", image, argv[0]);
}

/* resize2fs needs a freshly checked filesystem; -p repairs only what is
 * safe (exit 1: something was), which a verified image should not need. */
static int grow_filesystem(const char *device, uint64_t data_size, const char *image) {
        /* a stand-in that fails, for the test of a failing resize2fs */
        const char *resize2fs = test_hook_getenv("REALMBOOT_RESIZE2FS");
        char size[32];
        static const int preened[] = { 1 };
        char *fsck[] = { (char *) E2FSCK, (char *) "-f", (char *) "-p", (char *) device, NULL };
        char *resize[] = { (char *) (resize2fs ? resize2fs : RESIZE2FS), (char *) device, size, NULL };
        int r;

        r = run_helper("e2fsck", fsck, image, preened, ELEMENTSOF(preened));
        if (r < 0)
                return r;
        /* the size, not the device's: the device also covers the room of the tree */
        snprintf(size, sizeof size, "%" PRIu64 "K", data_size / 1024);
        return run_helper("resize2fs", resize, image, NULL, 0);
}

/* never seal a damaged filesystem */
static int check_filesystem(const char *device, const char *image) {
        char *fsck[] = { (char *) E2FSCK, (char *) "-f", (char *) "-n", (char *) device, NULL };

        return run_helper("the filesystem check (e2fsck -fn)", fsck, image, NULL, 0);
}

static int new_size(const RealmfsUpdate *u, const RealmfsImage *img, uint64_t *ret_nblocks) {
        uint64_t old = img->meta.nblocks * BLOCK, want = old;

        if (u->size_bytes > 0) {
                if (u->size_bytes <= old)
                        return log_error_errno(EINVAL,
                                               "%s: cannot shrink: the filesystem is %" PRIu64 " MiB, %" PRIu64
                                               " MiB is not larger (resize only grows)",
                                               img->path, old >> 20, u->size_bytes >> 20);
                want = u->size_bytes;
        } else if (u->grow_bytes > 0) {
                if (u->grow_bytes > UINT64_MAX / 2 - old)
                        return log_error_errno(EFBIG, "%s: --grow too large", img->path);
                want = old + u->grow_bytes;
        }
        *ret_nblocks = (want + BLOCK - 1) / BLOCK;
        return 0;
}

/* The image becomes the backup, the sealed copy the image: a hard link of
 * the image under a temporary name renamed to NAME-realmfs.img.0, then the
 * copy renamed over the image.  Killed in between, the image is the old
 * one (and the backup too). */
static int replace_keeping_backup(const char *image, WorkCopy *w) {
        _cleanup_free_ char *backup = NULL, *link_tmp = NULL;
        int r;

        if (asprintf(&backup, "%s" REALMFS_BACKUP_SUFFIX, image) < 0)
                return log_oom();
        r = link_temporary(image, &link_tmp);
        if (r < 0)
                return log_error_errno(r, "%s: cannot keep a backup (link): %m", image);
        if (rename(link_tmp, backup) < 0) {
                r = log_error_errno(errno, "%s: cannot keep a backup: %m", backup);
                (void) unlink(link_tmp);
                return r;
        }
        test_hook_stop_point("backup");
        if (rename(w->path, image) < 0)
                return log_error_errno(errno, "%s: cannot put the new version in place: %m", image);
        w->keep = true;
        return fsync_directory_of(image);
}

int realmfs_update(const RealmfsUpdate *u, RealmfsUpdateResult *ret) {
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        _cleanup_(loop_device_release) LoopDevice loop = LOOP_DEVICE_NULL;
        _cleanup_(work_copy_done) WorkCopy w = { .fd = -1 };
        _cleanup_close_ int lock = -1;
        RealmfsMetainfo meta;
        const char *beyond;
        uint64_t nblocks = 0, start;
        bool save;
        struct stat st;
        int r;

        *ret = (RealmfsUpdateResult) { .command_status = -1 };
        lock = image_lock(u->image_path);
        if (lock < 0)
                return lock;
        (void) image_remove_debris(u->image_path);

        /* 1. the source, completely: what is sealed again is what a trusted key vouched for */
        r = realmfs_image_open(u->image_path, &img);
        if (r < 0)
                return r;
        r = realmfs_image_check_signature(&img, u->keys, u->n_keys, true);
        if (r < 0)
                return r;
        r = realmfs_image_verify_data(&img);
        if (r < 0)
                return r;
        ret->old_version = img.meta.version;
        memcpy(ret->old_root, img.meta.verity.root_hash, VERITY_ROOT_SIZE);
        r = new_size(u, &img, &nblocks);
        if (r < 0)
                return r;
        /* the new version's metainfo, checked before any copy */
        meta = img.meta;
        meta.nblocks = nblocks;
        meta.version = img.meta.version + 1;
        meta.channel = REALMFS_USER_CHANNEL; /* the user key signs it: its channel */
        beyond = realmfs_metainfo_beyond_citadel(&meta);
        if (beyond)
                return log_error_errno(ERANGE, "%s: cannot make the new version: its %s", img.path, beyond);
        test_hook_stop_point("verified");

        /* 2. the work copy, sized for the grown filesystem */
        if (fstat(img.fd, &st) < 0)
                return log_error_errno(errno, "%s: %m", img.path);
        r = work_copy_make(&img, st.st_mode & 07777, &w);
        if (r < 0)
                return r;
        if (ftruncate(w.fd, (off_t) (nblocks * BLOCK)) < 0)
                return log_error_errno(errno, "%s: cannot size the work copy: %m", w.path);
        test_hook_stop_point("copied");
        r = loop_device_attach_fd(w.fd, 0, 0, LOOP_WRITABLE, &loop);
        if (r < 0)
                return log_error_errno(r, "%s: cannot attach a loop device (needs root): %m", w.path);
        if (nblocks > img.meta.nblocks) {
                r = grow_filesystem(loop.path, nblocks * BLOCK, img.path);
                if (r < 0)
                        return r;
        }

        /* 3. the change */
        if (u->container) {
                r = container_run(loop.path, img.name, u->command, &ret->command_status);
                if (r < 0)
                        return r;
                if (ret->command_status != 0 && u->save != UPDATE_DISCARD)
                        return log_error_errno(ECANCELED, "%s: the command failed (status %i): nothing saved",
                                               img.path, ret->command_status);
        }
        r = check_filesystem(loop.path, img.path);
        if (r < 0)
                return r;
        test_hook_stop_point("checked");
        if (fsync(loop.fd) < 0)
                return log_error_errno(errno, "%s: cannot write back the filesystem: %m", w.path);
        loop_device_release(&loop);

        save = u->save == UPDATE_COMMIT || (u->save == UPDATE_ASK && u->confirm && u->confirm(img.name, u->userdata));
        if (!save)
                return 0; /* the caller says so */

        /* 4. sealed (the tree after the data, the header in front), then in place of the image */
        start = now_usec();
        r = realmfs_seal_work_copy(w.fd, w.path, &meta, img.header.status, img.header.flags, &u->seal);
        if (r < 0)
                return r == -ENOKEY ? r : log_error_errno(r, "%s: not sealed, nothing saved: %m", img.path);
        if (fsync(w.fd) < 0)
                return log_error_errno(errno, "%s: cannot write the new version: %m", w.path);
        ret->seal_usec = now_usec() - start;
        test_hook_stop_point("sealed");
        r = replace_keeping_backup(img.path, &w);
        if (r < 0)
                return r;
        ret->saved = true;
        ret->new_version = meta.version;
        ret->new_nblocks = nblocks;
        return 0;
}

int realmfs_rollback(const char *image_path, const TrustedKey *keys, size_t n_keys, const SealParams *seal,
                     RealmfsUpdateResult *ret, bool *ret_resigned) {
        _cleanup_(realmfs_image_close) RealmfsImage cur = REALMFS_IMAGE_NULL, backup = REALMFS_IMAGE_NULL;
        _cleanup_free_ char *backup_path = NULL;
        _cleanup_close_ int lock = -1;
        int r;

        *ret = (RealmfsUpdateResult) { .command_status = -1 };
        *ret_resigned = false;
        if (asprintf(&backup_path, "%s" REALMFS_BACKUP_SUFFIX, image_path) < 0)
                return log_oom();
        lock = image_lock(image_path);
        if (lock < 0)
                return lock;
        (void) image_remove_debris(image_path);
        if (access(backup_path, F_OK) < 0)
                return log_error_errno(ENOENT, "%s: no backup %s to roll back to", image_path, backup_path);
        r = realmfs_image_open_full(backup_path, IMAGE_OPEN_SEALED | IMAGE_OPEN_BACKUP, &backup);
        if (r < 0)
                return r;
        r = realmfs_image_open(image_path, &cur);
        if (r < 0)
                return r;
        ret->old_version = cur.meta.version;
        memcpy(ret->old_root, cur.meta.verity.root_hash, VERITY_ROOT_SIZE);
        ret->new_version = backup.meta.version;

        if (realmfs_image_find_signer(&backup, keys, n_keys, true, NULL) < 0) {
                /* the key that signed it is not trusted any more: a version
                 * above both, signed with the user key, over the data its own
                 * signed root vouches for */
                r = realmfs_image_verify_data(&backup);
                if (r < 0)
                        return r;
                ret->new_version = MAX(cur.meta.version, backup.meta.version) + 1;
                r = realmfs_image_write_resigned(&backup, backup_path, (uint64_t) ret->new_version, seal);
                if (r < 0)
                        return r;
                *ret_resigned = true;
        }
        test_hook_stop_point("resigned");
        /* one step: the backup is the image and the image the backup */
        if (renameat2(AT_FDCWD, backup_path, AT_FDCWD, image_path, RENAME_EXCHANGE) < 0)
                return log_error_errno(errno, "%s: cannot exchange with %s: %m", image_path, backup_path);
        ret->saved = true;
        return fsync_directory_of(image_path);
}
