/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A new version of a RealmFS image through a private work copy (update,
 * resize), and going back to the one backup (rollback).
 *
 * Update: the image is locked, verified completely (signature under the
 * boot's trust rules and every data block against the signed root: content
 * we did not verify is never sealed again), copied beside itself
 * (.#NAME-realmfs.img.XXXXXX, a reflink where the filesystem can), grown
 * (resize2fs), changed in a container (container.h), checked (e2fsck -fn),
 * sealed in place (new salt and tree, version + 1, timestamp, shasum,
 * channel realmfs-user, signed with the user key), fsync'ed; then the image becomes the backup NAME-realmfs.img.0
 * and the copy the image, each by one rename.  A kill at any point leaves
 * NAME-realmfs.img as it was or the complete new version; the next run on
 * NAME removes the rest (image-lock.h). */

#include <stdbool.h>
#include <stdint.h>

#include "image.h"
#include "seal.h"
#include "trust.h"

typedef enum UpdateSave {
        UPDATE_ASK,     /* confirm() decides */
        UPDATE_COMMIT,  /* sealed and saved when the command exited 0 */
        UPDATE_DISCARD, /* nothing saved */
} UpdateSave;

typedef struct RealmfsUpdate {
        const char *image_path;       /* <images>/NAME-realmfs.img */
        const TrustedKey *keys;       /* the boot's keys: the source must verify with them */
        size_t n_keys;
        uint64_t grow_bytes;          /* update --grow: added to the filesystem */
        uint64_t size_bytes;          /* resize: the filesystem's new size; 0: as it is */
        bool container;               /* run command in a container (update) */
        char *const *command;         /* NULL or empty: an interactive shell */
        UpdateSave save;
        bool (*confirm)(const char *name, void *userdata);
        void *userdata;
        SealParams seal;
} RealmfsUpdate;

typedef struct RealmfsUpdateResult {
        bool saved;
        int64_t old_version, new_version;
        uint8_t old_root[VERITY_ROOT_SIZE];
        uint64_t new_nblocks;
        uint64_t seal_usec;           /* the sealing step alone */
        int command_status;           /* its exit status, 128 + signal when killed; -1: none ran */
} RealmfsUpdateResult;

/* Logs one line for every refusal or failure; then NAME-realmfs.img is as
 * it was.  A command that exits non-zero with UPDATE_COMMIT: -ECANCELED. */
int realmfs_update(const RealmfsUpdate *u, RealmfsUpdateResult *ret);

/* The backup NAME-realmfs.img.0 becomes the image and the image the backup
 * (one atomic exchange).  When the backup's signature does not verify under
 * the boot's trust rules (keys), it is first re-signed with the user key
 * (after its data verified against its own signed root), with a version
 * above both.  -ENOENT (logged) when there is no backup.  *ret_resigned:
 * whether it had to be re-signed. */
int realmfs_rollback(const char *image_path, const TrustedKey *keys, size_t n_keys, const SealParams *seal,
                     RealmfsUpdateResult *ret, bool *ret_resigned);
