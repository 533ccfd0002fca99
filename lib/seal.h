/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Making and re-sealing RealmFS images: the filesystem (create), a fresh
 * salt and hash tree, the metainfo's shasum and timestamp, the header in
 * front, signed.  Each writes a temporary file beside the image and renames
 * it: never a half-written image. */

#include <stdint.h>

#include "image.h"

/* Where sealing gets the 32-byte signing seed: called once, only when the
 * image is ready to be signed, so the caller can derive it (the keyring's
 * KDF) while the filesystem and hash tree are being made.  Returns < 0 (and
 * has logged why) when there is no seed: the image is then not written. */
typedef int (*RealmfsSeedFn)(void *userdata, const uint8_t **ret_seed);

/* What every sealing verb (create, sign; update and resize next) gives. */
typedef struct SealParams {
        RealmfsSeedFn get_seed;
        void *seed_userdata;
} SealParams;

typedef struct RealmfsCreateParams {
        const char *name;
        const char *from_dir;
        const char *channel;  /* NULL: realmfs-user */
        const char *owner;    /* NULL: none */
        const char *mkfs;     /* NULL: MKFS_EXT4 */
} RealmfsCreateParams;

/* Builds OUT (must be named NAME-realmfs.img): ext4 from from_dir, verity
 * tree with a fresh salt, header with all metainfo keys signed with the seed. */
int realmfs_image_create(const char *out, const RealmfsCreateParams *p, const SealParams *seal);

/* Re-seals an existing image: new salt and verity tree, version + 1, new
 * timestamp and signature, channel set to the signer's; unknown metainfo keys
 * kept. */
int realmfs_image_sign(const char *path, const char *channel /* NULL: realmfs-user */, const SealParams *seal);

/* Seals a work copy (fd open read-write on tmp_path, a temporary file
 * holding meta->nblocks data blocks at offset 0; anything after them is
 * replaced): new salt, hash tree after the data, shasum, timestamp (meta's
 * root and salt are set; its other keys, the version too, are written as
 * given), the header block inserted in front, signed; not fsync'ed.
 * -ENOKEY when get_seed() gave no seed. */
int realmfs_seal_work_copy(int fd, const char *tmp_path, RealmfsMetainfo *meta, uint8_t status, uint8_t flags,
                           const SealParams *seal);

/* Writes over path (a temporary file, renamed) a copy of img whose header
 * alone changes: version, channel realmfs-user, signed with the seed; the
 * data and tree (salt, root, shasum) are img's, so the caller has checked
 * them.  -ENOKEY when get_seed() gave no seed. */
int realmfs_image_write_resigned(const RealmfsImage *img, const char *path, uint64_t version, const SealParams *seal);

/* A new image new_path (…/NEW-realmfs.img, which must not exist) with the
 * content of source (opened, and checked by the caller under the trust
 * rules: its verity root is what gets signed again): a reflink of the file
 * where the filesystem can, else a copy in the kernel; only the header
 * changes (realmfs-name NEW, channel realmfs-user, version 1, timestamp,
 * signature).  Holds the lock of NEW; written to a temporary file and
 * linked into place: never a half NEW. */
int realmfs_image_fork(const RealmfsImage *source, const char *new_path, const SealParams *seal);
