/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <blkid.h>
#include <inttypes.h>
#include <stdio.h>

#include "cmdline.h"
#include "config.h"
#include "attach.h"
#include "image.h"
#include "image-tree.h"
#include "log.h"
#include "loop.h"
#include "measure.h"
#include "names.h"
#include "pcr.h"
#include "util.h"

static const char *const allowed_filesystems[] = { "ext4", "erofs", "squashfs" };

/* *ret_verified: the signature verified with ret_signer (not with
 * realmboot.nosignatures, which checks nothing). */
static int check_trust(const RealmfsImage *img, const RealmbootConfig *config, const RealmbootCmdline *cmdline,
                       char *ret_how, size_t how_size, uint8_t ret_signer[32], bool *ret_verified) {
        _cleanup_free_ TrustedKey *keys = NULL;
        size_t n = 0;
        int r;

        *ret_verified = false;
        if (cmdline->nosignatures) {
                log_warning("%s: realmboot.nosignatures: NOT checking the image signature!", img->path);
                snprintf(ret_how, how_size, "NOT CHECKED (realmboot.nosignatures)");
                return 0;
        }
        r = trust_collect(config, cmdline, &keys, &n);
        if (r < 0)
                return r;
        r = realmfs_image_check_signer(img, keys, n, true, ret_signer);
        if (r < 0)
                return r;
        *ret_verified = true;
        snprintf(ret_how, how_size, "verified (channel %s)", img->meta.channel);
        return 0;
}

/* The filesystem on the verity device must be one we mount read-only. */
static int probe_filesystem(const char *device, const char *image) {
        blkid_probe pr = blkid_new_probe_from_filename(device);
        const char *type = NULL;
        int r = -EMEDIUMTYPE;

        if (!pr)
                return log_error_errno(errno ? errno : EIO, "%s: cannot probe %s: %m", image, device);
        blkid_probe_enable_superblocks(pr, 1);
        blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
        if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0)
                for (size_t i = 0; i < ELEMENTSOF(allowed_filesystems); i++)
                        if (streq(type, allowed_filesystems[i]))
                                r = 0;
        if (r < 0)
                log_error("%s: filesystem %s is not ext4, erofs or squashfs; refusing it", image,
                          type ? type : "(unknown)");
        blkid_free_probe(pr);
        return r;
}

/* What attach extends into the TPM ([L]), for --dry-run. */
static void print_measurement(const MeasureSettings *ms, const char *name, const RealmfsImage *img,
                              const uint8_t *signer) {
        static const uint8_t none[32] = {};
        char word[PCR_WORD_MAX];

        if (ms->pcr < 0) {
                printf("measure:         off\n");
                return;
        }
        if (pcr_word_verity(name, img->meta.verity.root_hash, signer ? signer : none, word, sizeof word) < 0)
                return;
        printf("measure:         %s into PCR %d%s\n", word, ms->pcr, ms->required ? " (required)" : "");
}

static void print_parameters(const RealmfsImage *img, const char *dm_path, const char *how) {
        char salt[2 * VERITY_SALT_SIZE + 1], root[2 * VERITY_ROOT_SIZE + 1];

        hex_encode(img->meta.verity.salt, VERITY_SALT_SIZE, salt);
        hex_encode(img->meta.verity.root_hash, VERITY_ROOT_SIZE, root);
        printf("device:          %s\n"
               "image:           %s\n"
               "data offset:     %u (loop device, read-only)\n"
               "data blocks:     %" PRIu64 "\n"
               "hash offset:     %" PRIu64 " (on the loop device)\n"
               "hash:            sha256, format 1\n"
               "block sizes:     %u data, %u hash\n"
               "salt:            %s\n"
               "root hash:       %s\n"
               "signature:       %s\n",
               dm_path, img->path, REALMFS_HEADER_SIZE, img->meta.nblocks,
               img->meta.nblocks * REALMFS_BLOCK_SIZE, REALMFS_BLOCK_SIZE, REALMFS_BLOCK_SIZE, salt, root, how);
}

/* Activates dm-verity over a read-only loop device on the image's
 * descriptor, then checks the filesystem on it. */
static int activate(const RealmfsImage *img, const char *dm_name, const char *dm_path) {
        _cleanup_(loop_device_release) LoopDevice loop = LOOP_DEVICE_NULL;
        const char *reason = NULL;
        int r;

        r = loop_device_attach_fd(img->fd, REALMFS_HEADER_SIZE,
                                  img->meta.nblocks * REALMFS_BLOCK_SIZE + verity_hash_area_size(img->meta.nblocks),
                                  LOOP_READ_ONLY | LOOP_DIRECT_IO, &loop);
        if (r < 0)
                return log_error_errno(r, "%s: cannot set up a loop device: %m", img->path);
        r = verity_activate(dm_name, loop.path, &img->meta.verity, &reason);
        if (r < 0)
                return log_error_errno(r, "%s: %s: %m", img->path, reason ? reason : "dm-verity activation failed");
        r = probe_filesystem(dm_path, img->path);
        if (r < 0) {
                _cleanup_free_ char *dev = NULL;
                (void) verity_deactivate(dm_name, &dev);
                return r;
        }
        /* the loop device stays while dm-verity holds it (autoclear) */
        return 0;
}

int realmfs_attach(const char *name, bool dry_run) {
        _cleanup_free_ char *path = NULL, *dm_name = NULL, *dm_path = NULL;
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        const char *reason = NULL;
        uint8_t active_root[VERITY_ROOT_SIZE], signer[32];
        char how[96], fd_path[64], tag[2 * VERITY_ROOT_SIZE + 1];
        MeasureSettings ms;
        bool verified;
        int r;

        if (!realmfs_name_is_valid(name))
                return log_error_errno(EINVAL, "Invalid RealmFS name \"%s\"", name);
        /* the config and the command line, read once for the path and the trust rules */
        r = realmboot_system_load(&config, &cmdline);
        if (r < 0)
                return r;
        r = realmboot_image_path(&config, name, &path);
        if (r < 0)
                return r;
        if (realmfs_device_name(name, &dm_name) < 0 || realmfs_device_path(name, &dm_path) < 0)
                return log_oom(); /* the name is valid: only memory can fail */

        r = realmfs_image_open(path, &img);
        if (r < 0)
                return r;
        r = check_trust(&img, &config, &cmdline, how, sizeof how, signer, &verified);
        if (r < 0)
                return r;
        measure_settings(&config, &cmdline, &ms);
        if (!realmfs_image_has_tree(&img)) {
                if (dry_run) {
                        print_parameters(&img, dm_path, how);
                        print_measurement(&ms, name, &img, verified ? signer : NULL);
                        printf("hash tree:       none yet: attach computes it from the data, checks its root and "
                               "appends it\n");
                        return fflush(stdout) == 0 ? 0 : -EIO;
                }
                /* Citadel's builder writes header and data only: the tree,
                 * computed now, counts only with the signed root */
                r = realmfs_image_add_tree(&img);
                if (r < 0)
                        return r;
        }
        /* The unsigned superblock may only agree with the signed metainfo.
         * Read through our descriptor (libcryptsetup takes a path; the
         * /proc/self/fd link reopens the same inode, not whatever the image
         * path names by now), as the loop device is. */
        snprintf(fd_path, sizeof fd_path, "/proc/self/fd/%i", img.fd);
        r = verity_check_superblock(fd_path, REALMFS_HEADER_SIZE + img.meta.nblocks * REALMFS_BLOCK_SIZE,
                                    &img.meta.verity, &reason);
        if (r < 0)
                return log_error_errno(r, "%s: %s", path, reason);
        if (dry_run) {
                print_parameters(&img, dm_path, how);
                print_measurement(&ms, name, &img, verified ? signer : NULL);
                return fflush(stdout) == 0 ? 0 : -EIO;
        }

        r = verity_active_root_hash(dm_name, active_root);
        if (r >= 0) {
                if (memcmp(active_root, img.meta.verity.root_hash, VERITY_ROOT_SIZE) != 0)
                        return log_error_errno(EEXIST, "%s is active with another root hash than %s carries", dm_path,
                                               path);
                log_info("%s is already active with the signed root hash.", dm_path);
                /* measured when it was activated; nothing is extended twice */
                return measure_realmfs(&ms, &cmdline, name, img.meta.verity.root_hash, verified ? signer : NULL);
        }
        if (r != -ENODEV)
                return log_error_errno(r, "Cannot query %s: %m", dm_path);
        r = activate(&img, dm_name, dm_path);
        if (r < 0)
                return r;
        /* measured once dm-verity holds the signed root and the filesystem
         * is there, before anything mounts it; refused when [measure]
         * required and it cannot be */
        r = measure_realmfs(&ms, &cmdline, name, img.meta.verity.root_hash, verified ? signer : NULL);
        if (r < 0) {
                (void) realmfs_detach(name);
                return r;
        }
        hex_encode(img.meta.verity.root_hash, VERITY_ROOT_SIZE, tag);
        log_info("%s: active as %s (tag %.8s, signature %s).", path, dm_path, tag, how);
        return 0;
}

int realmfs_detach(const char *name) {
        _cleanup_free_ char *dm_name = NULL, *data_device = NULL;
        int r;

        if (!realmfs_name_is_valid(name))
                return log_error_errno(EINVAL, "Invalid RealmFS name \"%s\"", name);
        if (realmfs_device_name(name, &dm_name) < 0)
                return log_oom(); /* the name is valid: only memory can fail */
        r = verity_deactivate(dm_name, &data_device);
        if (r == -ENODEV) {
                log_info("/dev/mapper/%s is not active.", dm_name);
                return 0;
        }
        if (r < 0)
                return log_error_errno(r, "Cannot deactivate /dev/mapper/%s: %m", dm_name);
        /* autoclear releases the loop device once unused; clear it now in
         * case something else still held it at deactivation */
        if (data_device && string_has_prefix(data_device, "/dev/loop"))
                (void) loop_device_detach_path(data_device);
        return 0;
}
