/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Realm and RealmFS names (DESIGN.md): a letter first, then [A-Za-z0-9-],
 * at most 40 characters for a RealmFS, 128 for a realm (Citadel's limits:
 * MAX_REALMFS_NAME_LEN, MAX_REALM_NAME_LEN).  Every path or device name is built from a name
 * only after it passed this check, so a name can never carry '/', "..",
 * whitespace, or anything a shell, a unit file or device-mapper would read
 * specially.  Builders return 0, -EINVAL for an invalid name, or -ENOMEM;
 * *ret is malloc'd and only set on success. */

#include <stdbool.h>

#define REALMFS_NAME_MAX 40
#define REALM_NAME_MAX 128

/* The channel of images sealed with the user key: never a configured or
 * command-line channel. */
#define REALMFS_USER_CHANNEL "realmfs-user"

bool realmfs_name_is_valid(const char *name);
bool realm_name_is_valid(const char *name);

/* A machine name (a host name: at most 64 characters) is shorter than a
 * realm name may be. */
#define MACHINE_NAME_MAX 64
/* The machine name of realm NAME for systemd-nspawn: NAME itself when it
 * fits, else its first 55 characters, '-' and 8 hex digits of a hash of
 * the whole name (the same every boot, distinct for distinct names). */
int realm_machine_name(const char *name, char **ret);

/* <images_dir>/NAME-realmfs.img */
int realmfs_image_path(const char *images_dir, const char *name, char **ret);
/* The one backup of NAME-realmfs.img that update, resize and sign keep
 * and rollback restores: NAME-realmfs.img.0 (the name Citadel gives its
 * newest backup). */
#define REALMFS_BACKUP_SUFFIX ".0"

/* NAME of ".../NAME-realmfs.img" (the last path component), validated. */
int realmfs_name_from_image_path(const char *path, char **ret);
/* realmfs-NAME, the device-mapper name */
int realmfs_device_name(const char *name, char **ret);
/* /dev/mapper/realmfs-NAME */
int realmfs_device_path(const char *name, char **ret);
/* /run/realmfs/NAME */
int realmfs_mount_point(const char *name, char **ret);
