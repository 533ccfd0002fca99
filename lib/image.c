/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <sys/stat.h>

#include "fileio.h"
#include "image.h"
#include "image-tree.h"
#include "log.h"
#include "loop.h"
#include "names.h"
#include "util.h"

#define BLOCK REALMFS_BLOCK_SIZE

/* ---- opening and checking ---- */

/* What open needs of the metainfo: sealed (or, for re-sealing, enough to
 * re-seal), naming this file, data not compressed, the file long enough. */
static int check_metainfo(const RealmfsImage *img, bool require_sealed) {
        const char *reason = NULL;
        bool tree;
        int r = 0;

        if (require_sealed)
                r = realmfs_metainfo_check_sealed(&img->meta, &reason);
        else if (!img->meta.image_type || !streq(img->meta.image_type, "realmfs"))
                r = -EBADMSG, reason = "image-type is not \"realmfs\"";
        else if (!img->meta.realmfs_name)
                r = -EBADMSG, reason = "realmfs-name missing";
        else if (img->meta.nblocks == 0)
                r = -EBADMSG, reason = "nblocks missing";
        if (r < 0)
                return log_error_errno(r, "%s: invalid metainfo: %s", img->path, reason);
        if (!streq(img->meta.realmfs_name, img->name))
                return log_error_errno(EBADMSG, "%s: metainfo realmfs-name \"%s\" does not match the file name (%s)",
                                       img->path, img->meta.realmfs_name, img->name);
        if (img->header.flags & REALMFS_FLAG_DATA_COMPRESSED)
                return log_error_errno(EOPNOTSUPP, "%s: compressed image data is not supported", img->path);
        /* a sealed image without the hash-tree flag carries header and data
         * only, as Citadel's builder writes it: attach computes the tree */
        tree = require_sealed && (img->header.flags & REALMFS_FLAG_HASH_TREE);
        if (img->file_size < BLOCK + img->meta.nblocks * BLOCK + (tree ? verity_hash_area_size(img->meta.nblocks) : 0))
                return log_error_errno(EBADMSG,
                                       "%s: image truncated: shorter than the header + %" PRIu64 " data blocks%s",
                                       img->path, img->meta.nblocks, tree ? " + hash area" : "");
        return 0;
}

int realmfs_image_open_full(const char *path, ImageOpenFlags flags, RealmfsImage *ret) {
        _cleanup_(realmfs_image_close) RealmfsImage img = REALMFS_IMAGE_NULL;
        _cleanup_free_ char *error = NULL;
        struct stat st;
        int r;

        if (flags & IMAGE_OPEN_BACKUP) {
                _cleanup_free_ char *image = NULL;
                if (!string_has_suffix(path, REALMFS_BACKUP_SUFFIX) ||
                    !(image = strndup(path, strlen(path) - strlen(REALMFS_BACKUP_SUFFIX))))
                        return log_error_errno(EINVAL, "%s: not a backup NAME-realmfs.img" REALMFS_BACKUP_SUFFIX, path);
                r = realmfs_name_from_image_path(image, &img.name);
        } else
                r = realmfs_name_from_image_path(path, &img.name);
        if (r < 0)
                return log_error_errno(EINVAL, "%s: file name is not NAME-realmfs.img with a valid NAME", path);
        img.path = strdup(path);
        if (!img.path)
                return log_oom();
        /* opened once: every later read of the image, and the loop device,
         * go through this descriptor */
        img.fd = open_regular(path);
        if (img.fd < 0)
                return log_error_errno(img.fd, "%s: %s", path, fileio_error(img.fd));
        if (fstat(img.fd, &st) < 0)
                return log_error_errno(errno, "%s: %m", path);
        img.file_size = (uint64_t) st.st_size;

        r = realmfs_header_read_fd(img.fd, path, &img.header);
        if (r < 0)
                return r;
        r = realmfs_metainfo_parse(img.header.metainfo, img.header.metainfo_len, path, &img.meta, &error);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(EBADMSG, "%s (header metainfo)", error ? error : path);
        r = check_metainfo(&img, flags & IMAGE_OPEN_SEALED);
        if (r < 0)
                return r;
        *ret = img;
        img = REALMFS_IMAGE_NULL;
        return 0;
}

int realmfs_image_open(const char *path, RealmfsImage *ret) {
        return realmfs_image_open_full(path, IMAGE_OPEN_SEALED, ret);
}

void realmfs_image_close(RealmfsImage *img) {
        if (img->fd >= 0)
                close(img->fd);
        free(img->path);
        free(img->name);
        realmfs_metainfo_done(&img->meta);
        *img = REALMFS_IMAGE_NULL;
}

int realmfs_image_find_signer(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys, bool match_channel,
                               const TrustedKey **ret_key) {
        size_t candidates = 0;

        if (!realmfs_header_is_signed(&img->header))
                return -ENOMEDIUM;
        for (size_t i = 0; i < n_keys; i++) {
                if (match_channel && !streq(keys[i].channel, img->meta.channel))
                        continue;
                candidates++;
                if (realmfs_header_verify(&img->header, keys[i].public_key) == 0) {
                        if (ret_key)
                                *ret_key = &keys[i];
                        return 0;
                }
        }
        return candidates == 0 ? -ENOKEY : -EKEYREJECTED;
}

int realmfs_image_check_signature(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys,
                                  bool match_channel) {
        return realmfs_image_check_signer(img, keys, n_keys, match_channel, NULL);
}

int realmfs_image_check_signer(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys, bool match_channel,
                               uint8_t ret_public_key[32]) {
        const TrustedKey *k = NULL;
        int r = realmfs_image_find_signer(img, keys, n_keys, match_channel, &k);

        if (r == -ENOMEDIUM)
                return log_error_errno(ENOKEY, "%s: image is not signed", img->path);
        if (r == -ENOKEY)
                return log_error_errno(ENOKEY, "%s: no trusted key for channel \"%s\"", img->path, img->meta.channel);
        if (r < 0)
                return log_error_errno(EKEYREJECTED, "%s: signature does not verify with any trusted key", img->path);
        log_debug("%s: signature verified with %s key of channel %s", img->path, k->origin, k->channel);
        if (ret_public_key)
                memcpy(ret_public_key, k->public_key, sizeof k->public_key);
        return 0;
}

int realmfs_image_verify_data(const RealmfsImage *img) {
        LoopDevice loop = LOOP_DEVICE_NULL;
        const char *reason = NULL;
        uint64_t size = img->meta.nblocks * BLOCK + verity_hash_area_size(img->meta.nblocks);
        int r;

        if (!realmfs_image_has_tree(img))
                /* no tree to check: the root of the data, computed */
                return realmfs_image_check_root(img);
        r = loop_device_attach_fd(img->fd, BLOCK, size, LOOP_READ_ONLY, &loop);
        if (r < 0)
                return log_error_errno(r, "%s: cannot set up a loop device to verify the data (needs root): %m",
                                       img->path);
        r = verity_verify(loop.path, &img->meta.verity, &reason);
        loop_device_release(&loop);
        if (r < 0)
                return log_error_errno(r, "%s: %s", img->path, reason ? reason : "verity verification failed");
        return 0;
}
