/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* RealmFS images as a whole: header + data + verity, and the trust rules of
 * DESIGN.md ("Trust").  realmfsctl is a thin front over these. */

#include <stdbool.h>
#include <stdint.h>

#include "header.h"

typedef struct TrustedKey {
        char channel[64];  /* "realmfs-user" for the user key */
        uint8_t public_key[32];
        char origin[32];   /* where it came from, for messages: "kernel key", "config", "command line", "--public-key" */
} TrustedKey;

typedef struct RealmfsImage {
        int fd;            /* the image, opened once: what is checked is what is attached */
        char *path;
        char *name;        /* NAME of NAME-realmfs.img */
        RealmfsHeader header;
        RealmfsMetainfo meta;
        uint64_t file_size;
} RealmfsImage;

#define REALMFS_IMAGE_NULL ((RealmfsImage) { .fd = -1 })

/* Opens the image (a regular file, without blocking) and reads and checks
 * everything short of signature and data through that one descriptor: file name,
 * header, metainfo sealed and naming this image, no compressed data, file
 * long enough for data and hash area.  Logs one line naming the file. */
int realmfs_image_open(const char *path, RealmfsImage *ret);
void realmfs_image_close(RealmfsImage *img);

/* Checks the signature.  With match_channel, only keys of the image's
 * channel count (the boot-time rule); otherwise any given key may verify
 * (explicit --public-key).  Logs one line on failure:
 * -ENOKEY unsigned or no key for the channel, -EKEYREJECTED bad signature. */
int realmfs_image_check_signature(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys,
                                  bool match_channel);

/* Verifies every data and hash block against the signed verity-root, in
 * userspace, through a read-only loop device.  Logs one line on failure. */
int realmfs_image_verify_data(const RealmfsImage *img);

/* Collects the trusted keys of this system: kernel key realmfs-user-public,
 * [channels] of the config, realmboot.channel= of the command line. */
int trust_collect(TrustedKey **ret, size_t *ret_n);

typedef struct RealmfsCreateParams {
        const char *name;
        const char *from_dir;
        const char *channel;  /* NULL: realmfs-user */
        const char *owner;    /* NULL: none */
        const char *mkfs;     /* NULL: MKFS_EXT4 */
} RealmfsCreateParams;

/* Where sealing gets the 32-byte signing seed: called once, only when the
 * image is ready to be signed, so the caller can derive it (the keyring's
 * KDF) while the filesystem and hash tree are being made.  Returns < 0 (and
 * has logged why) when there is no seed: the image is then not written. */
typedef int (*RealmfsSeedFn)(void *userdata, const uint8_t **ret_seed);

/* Builds OUT (must be named NAME-realmfs.img): ext4 from from_dir, verity
 * tree with a fresh salt, header with all metainfo keys signed with the seed.
 * Written to a temporary file and renamed: never a half-written OUT. */
int realmfs_image_create(const char *out, const RealmfsCreateParams *p, RealmfsSeedFn get_seed, void *userdata);

/* Re-seals an existing image: new salt and verity tree, version + 1, new
 * timestamp and signature, channel set to the signer's; unknown metainfo keys
 * kept.  Atomic likewise. */
int realmfs_image_sign(const char *path, const char *channel /* NULL: realmfs-user */, RealmfsSeedFn get_seed,
                       void *userdata);

/* Activates /dev/mapper/realmfs-NAME for <images>/NAME-realmfs.img (config
 * and $REALMBOOT_ROOT): signature (unless realmboot.nosignatures, loudly),
 * a read-only loop device at offset 4096, dm-verity with the parameters of
 * the signed metainfo, then a filesystem probe (ext4, erofs, squashfs).
 * Idempotent when active with the same root hash.  With dry_run, checks
 * everything that needs no device (signature, superblock) and prints the
 * parameters it would use to stdout. */
int realmfs_attach(const char *name, bool dry_run);

/* Deactivates realmfs-NAME and releases its loop device; 0 if not active. */
int realmfs_detach(const char *name);
