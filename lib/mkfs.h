/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The ext4 filesystem of a new RealmFS image, made by mkfs.ext4 -d from a
 * directory: sized from the directory's content with headroom, grown and
 * retried when mkfs.ext4 finds it too small. */

#include <stdint.h>

/* Writes the filesystem into fd (also named path, for mkfs) and returns
 * its size in 4096-byte blocks.  Logs one line on failure. */
int mkfs_ext4_from_dir(const char *mkfs, const char *path, int fd, const char *from_dir, const char *label,
                       uint64_t *ret_nblocks);
