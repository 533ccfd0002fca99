/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* dm-verity for RealmFS, through libcryptsetup.  The layout is what
 * `veritysetup format --hash-offset=nblocks*4096` writes: sha256, format 1,
 * 4096-byte data and hash blocks, 32-byte salt, superblock at the start of
 * the hash area right after the data.  The device given here starts at the
 * data (for an image: a loop device at offset 4096, see loop.h). */

#define VERITY_SALT_SIZE 32u
#define VERITY_ROOT_SIZE 32u

typedef struct VerityParams {
        uint64_t nblocks; /* data blocks of 4096 bytes */
        uint8_t salt[VERITY_SALT_SIZE];
        uint8_t root_hash[VERITY_ROOT_SIZE];
} VerityParams;

/* Size in bytes of the hash area (superblock and tree) for nblocks. */
uint64_t verity_hash_area_size(uint64_t nblocks);

/* Writes superblock and hash tree into path at offset nblocks*4096 (data is
 * path[0, nblocks*4096)) with the given salt; returns the root hash. */
int verity_format(const char *path, uint64_t nblocks, const uint8_t salt[VERITY_SALT_SIZE],
                  uint8_t ret_root[VERITY_ROOT_SIZE]);

/* The same with the data on data_device (its first nblocks blocks) and
 * the superblock and tree written into hash_path at hash_offset (a file
 * grows as needed): for an image's data through a loop device at offset
 * 4096 and its tree after the data in the image file. */
int verity_format_at(const char *data_device, const char *hash_path, uint64_t hash_offset, uint64_t nblocks,
                     const uint8_t salt[VERITY_SALT_SIZE], uint8_t ret_root[VERITY_ROOT_SIZE]);
/* Checks, in userspace, that the superblock on device agrees with p (the
 * parameters from the signed metainfo) and that every data and hash block
 * matches p->root_hash.  On failure *reason (static string) says what. */
int verity_verify(const char *device, const VerityParams *p, const char **reason);

/* Checks that the superblock at hash_offset of hash_device agrees with p
 * (no loop device needed: for dry runs on the image file itself). */
int verity_check_superblock(const char *hash_device, uint64_t hash_offset, const VerityParams *p,
                            const char **reason);

/* Activates a read-only dm-verity device name over device with p (the
 * superblock must agree).  Returns -EEXIST if name is active already. */
int verity_activate(const char *name, const char *device, const VerityParams *p, const char **reason);

/* The root hash of active device name: -ENODEV when not active. */
int verity_active_root_hash(const char *name, uint8_t ret[VERITY_ROOT_SIZE]);

/* Deactivates name; *ret_data_device (malloc'd, may be NULL) is the device
 * it was on.  -ENODEV when not active. */
int verity_deactivate(const char *name, char **ret_data_device);
