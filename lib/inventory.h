/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What `realmfsctl list` shows: every image of the images directory, who
 * vouches for it under the boot's trust rules, whether it is attached and
 * mounted, and which realms use it. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"

typedef struct RealmfsInfo {
        char *name;
        char *channel;     /* NULL when the image cannot be read */
        int64_t version;
        uint64_t nblocks;
        bool trusted;
        char *signer;      /* "user" or "channel:NAME" when trusted, else NULL */
        const char *reason; /* why not trusted (static) */
        bool attached;     /* /dev/mapper/realmfs-NAME is active */
        bool measured;     /* ... and this boot measured it with that root hash ([L]) */
        char *device;      /* /dev/mapper/realmfs-NAME */
        char *mountpoint;  /* where that device is mounted, or NULL */
        char **realms;     /* the realms whose config uses it */
        size_t n_realms;
} RealmfsInfo;

/* Sorted by name.  Problems with one image are its reason, not log lines. */
int realmfs_inventory(const RealmbootConfig *config, const RealmbootCmdline *cmdline, RealmfsInfo **ret,
                      size_t *ret_n);
void realmfs_inventory_free(RealmfsInfo *v, size_t n);
