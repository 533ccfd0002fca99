/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* os-release(5): the OS image's channel key (DESIGN.md "Trust").  Citadel
 * trusts the images of the channel CITADEL_CHANNEL with the key
 * CITADEL_IMAGE_PUBKEY (64 hex digits) that its OS image carries in
 * os-release: /etc/os-release, else /usr/lib/os-release (under
 * $REALMBOOT_ROOT in test-hooks builds).  Both are written by root only, as
 * every trust anchor must be. */

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* The syntax os-release(5) gives, as systemd reads it: KEY=VALUE lines,
 * KEY [A-Za-z_][A-Za-z0-9_]*, VALUE bare, "double quoted" (\ escapes
 * \ " $ ` and a line end) or 'single quoted'; blank lines and lines
 * starting with '#' are comments.  For each of the n keys, values[i] is set
 * to a malloc'd copy of the last value it has (or left NULL).  A malformed
 * line is an error: -EINVAL and *error (malloc'd, when error is not NULL)
 * one line "FILENAME:LINE:COL: what is wrong"; values are then all NULL. */
int os_release_parse(const char *text, size_t len, const char *filename, const char *const keys[], size_t n,
                     char *values[], char **error);

typedef struct OsReleaseChannel {
        char name[41];         /* a valid channel name, not realmfs-user */
        uint8_t public_key[32];
        char path[PATH_MAX];   /* the file it came from, for messages */
} OsReleaseChannel;

/* The channel of os-release: 1 (ret set) when it names one with a valid
 * key, 0 when it names none (or there is no os-release), and 0 after one
 * warning line naming the file when what it says cannot be trusted: a
 * malformed file, an invalid channel name or key, the channel realmfs-user
 * (only the kernel key vouches for it), or Citadel's built-in development
 * key (its secret is public). */
int os_release_read_channel(OsReleaseChannel *ret);

/* The public key of Citadel's built-in "dev" channel: never trusted. */
extern const uint8_t citadel_dev_public_key[32];
