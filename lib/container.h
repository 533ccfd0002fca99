/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A container on a RealmFS's filesystem being updated: the filesystem of a
 * (writable) loop device mounted read-write in a private mount namespace,
 * and systemd-nspawn on it without network.  Nothing of it is seen outside
 * the calling process, and all of it goes with that process: the mount with
 * its namespace, nspawn by PR_SET_PDEATHSIG. */

/* Where the filesystem of NAME is mounted while it is updated
 * (CONTAINER_MOUNT_DIR/NAME.XXXXXX, one per run): an empty directory outside
 * the namespace, so a killed run leaves at most that directory
 * (container_remove_debris()). */
#define CONTAINER_MOUNT_DIR "/run/realmfsctl"

/* Mounts device (ext4) at CONTAINER_MOUNT_DIR/name.XXXXXX in a private mount
 * namespace the calling process enters, runs command there (NULL: an
 * interactive shell, the image's /bin/bash, else /bin/sh) in systemd-nspawn
 * with --private-network --register=no --keep-unit, unmounts.  *ret_status is the command's exit status (-1 when
 * killed: 128 + signal).  Returns < 0 (logged) when it could not be run. */
int container_run(const char *device, const char *name, char *const command[], int *ret_status);

/* Removes the mount points a killed run of name left; how many. */
int container_remove_debris(const char *name);
