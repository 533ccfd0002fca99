/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Realm and RealmFS names (DESIGN.md): a letter first, then [A-Za-z0-9-],
 * at most 40 characters.  Every path or device name is built from a name
 * only after it passed this check. */

#include <stdbool.h>

#define REALMFS_NAME_MAX 40

bool realmfs_name_is_valid(const char *name);
bool realm_name_is_valid(const char *name);

/* <images_dir>/NAME-realmfs.img; -EINVAL for an invalid name. */
int realmfs_image_path(const char *images_dir, const char *name, char **ret);
/* NAME of ".../NAME-realmfs.img", validated; -EINVAL otherwise. */
int realmfs_name_from_image_path(const char *path, char **ret);
/* realmfs-NAME (the dm device name) and /run/realmfs/NAME. */
int realmfs_device_name(const char *name, char **ret);
int realmfs_mount_point(const char *name, char **ret);
