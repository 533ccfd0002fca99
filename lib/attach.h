/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Activation of a RealmFS at boot (realmfs-verity@NAME.service). */

#include <stdbool.h>

/* Activates /dev/mapper/realmfs-NAME for <images>/NAME-realmfs.img (the
 * config, under $REALMBOOT_ROOT in test-hooks builds): signature (unless
 * realmboot.nosignatures, loudly), a read-only loop device at offset 4096
 * over the image's one descriptor, dm-verity with the parameters of the
 * signed metainfo, then a filesystem probe (ext4, erofs, squashfs), then
 * the measurement into the TPM (measure.h; refused and deactivated again
 * when [measure] required and it cannot be measured).  Idempotent when
 * active with the same root hash.  With dry_run, checks everything that
 * needs no device (signature, superblock) and prints the parameters it
 * would use, and the word it would measure, to stdout. */
int realmfs_attach(const char *name, bool dry_run);

/* Deactivates realmfs-NAME and releases its loop device; 0 if not active. */
int realmfs_detach(const char *name);
