/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Images without an appended hash tree (REALMFS_FLAG_HASH_TREE clear):
 * what Citadel's image builder writes (header and data; the tree it made
 * went to a separate file), and what Citadel completes at the first
 * activation.  The tree is computed from the data with the signed salt and
 * counts only when its root is the signed verity-root. */

#include <stdbool.h>
#include <stdint.h>

#include "image.h"

/* The flag is set: the hash area after the data is the image's own. */
bool realmfs_image_has_tree(const RealmfsImage *img);

/* The verity root of img's data with its signed salt, computed into a
 * temporary file that never has a name (O_TMPFILE beside the image, else
 * in /var/tmp or /tmp): the image is not written.  Needs a loop device
 * (root).  Logs one line on failure. */
int realmfs_image_compute_root(const RealmfsImage *img, uint8_t ret[VERITY_ROOT_SIZE]);

/* The same, compared with the signed verity-root: 0 when it is that,
 * -EBADMSG (logged) when the data is damaged. */
int realmfs_image_check_root(const RealmfsImage *img);

/* Completes a tree-less img (a trusted one: the caller checked the
 * signature) under its lock: drops whatever an interrupted run left after
 * the data, writes the superblock and tree there (libcryptsetup, through a
 * read-only loop device over the data), and only when the root is the
 * signed verity-root fsyncs it and then sets the flag (one byte of the
 * header) and fsyncs again.  Killed at any point, the flag is clear and the
 * next run starts over: never a half tree that counts as whole.  A wrong
 * root truncates the file back to the data: the image as it was.  While
 * the data is read, the service manager is asked for more time
 * (progress.h); the time it took is logged.  img's header and file_size
 * are updated.  0 also when another run completed it meanwhile. */
int realmfs_image_add_tree(RealmfsImage *img);
