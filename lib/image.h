/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A RealmFS image file as a whole (header + data + verity): opening it once
 * and checking it, its signature against given keys, and its data against
 * the signed root.  The trust rules that choose the keys are trust.h;
 * making and re-sealing images is seal.h; activation is attach.h. */

#include <stdbool.h>
#include <stdint.h>

#include "header.h"
#include "trust.h"

typedef struct RealmfsImage {
        int fd;            /* the image, opened once: what is checked is what is attached */
        char *path;
        char *name;        /* NAME of NAME-realmfs.img */
        RealmfsHeader header;
        RealmfsMetainfo meta;
        uint64_t file_size;
} RealmfsImage;

#define REALMFS_IMAGE_NULL ((RealmfsImage) { .fd = -1 })

typedef enum ImageOpenFlags {
        /* everything activation needs is there (verity, channel, hash area);
         * without it, only what re-sealing needs */
        IMAGE_OPEN_SEALED = 1 << 0,
        /* the file is the backup NAME-realmfs.img.0 (REALMFS_BACKUP_SUFFIX)
         * of NAME-realmfs.img: its metainfo names NAME */
        IMAGE_OPEN_BACKUP = 1 << 1,
} ImageOpenFlags;

/* Opens the image (a regular file, without blocking) and reads and checks
 * everything short of signature and data through that one descriptor: file
 * name, header, metainfo naming this image, no compressed data, file long
 * enough for the data (and, sealed with the hash-tree flag, the hash area:
 * without the flag, see image-tree.h).  Logs one line naming
 * the file. */
int realmfs_image_open_full(const char *path, ImageOpenFlags flags, RealmfsImage *ret);
/* The same, IMAGE_OPEN_SEALED. */
int realmfs_image_open(const char *path, RealmfsImage *ret);
void realmfs_image_close(RealmfsImage *img);

/* The key that verifies the signature, without logging: 0 (*ret_key set),
 * -ENOMEDIUM unsigned, -ENOKEY no key for the channel (with match_channel),
 * -EKEYREJECTED no key verifies it. */
int realmfs_image_find_signer(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys, bool match_channel,
                               const TrustedKey **ret_key);

/* Checks the signature.  With match_channel, only keys of the image's
 * channel count (the boot-time rule); otherwise any given key may verify
 * (explicit --public-key).  Logs one line on failure:
 * -ENOKEY unsigned or no key for the channel, -EKEYREJECTED bad signature. */
int realmfs_image_check_signature(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys,
                                  bool match_channel);
/* The same, also giving the public key that verified it (the signer of
 * the measurement word). */
int realmfs_image_check_signer(const RealmfsImage *img, const TrustedKey *keys, size_t n_keys, bool match_channel,
                               uint8_t ret_public_key[32]);

/* Verifies every data and hash block against the signed verity-root, in
 * userspace, through a read-only loop device over the image's descriptor;
 * for an image without a tree (image-tree.h), the root of the data as
 * computed.  Logs one line on failure. */
int realmfs_image_verify_data(const RealmfsImage *img);
