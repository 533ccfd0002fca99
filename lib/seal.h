/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Making and re-sealing RealmFS images: the filesystem (create), a fresh
 * salt and hash tree, the metainfo's shasum and timestamp, the header in
 * front, signed.  Each writes a temporary file beside the image and renames
 * it: never a half-written image. */

#include <stdint.h>

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
