/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The trust rules of DESIGN.md "Trust": which public keys vouch for which
 * channel on this system.  The user key (channel realmfs-user) comes from
 * the kernel key realmfs-user-public (or is derived from the seed
 * realmfs-user) under the trust-anchor rule of kernel-keys.h; channel keys
 * from os-release (CITADEL_CHANNEL, CITADEL_IMAGE_PUBKEY: os-release.h),
 * [channels] of the config and realmboot.channel= of the kernel command
 * line.  Citadel's built-in development key is never trusted, from any of
 * them. */

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"

typedef struct TrustedKey {
        char channel[64];  /* REALMFS_USER_CHANNEL for the user key */
        uint8_t public_key[32];
        char origin[32];   /* where it came from, for messages: "kernel key", "os-release", "config", "command line", "--public-key" */
} TrustedKey;

/* The user's public key: the kernel key realmfs-user-public, else derived
 * from the seed realmfs-user when only that is loaded (Citadel's initrd
 * loads the seed alone); both under the trust-anchor rule.  *ret_origin
 * (static) says which.  -ENOKEY when neither is there. */
int trust_user_public_key(uint8_t ret[32], const char **ret_origin);

/* The keys of this system, from the kernel key and the config and command
 * line given (loaded once by the caller).  *ret is malloc'd. */
int trust_collect(const RealmbootConfig *config, const RealmbootCmdline *cmdline, TrustedKey **ret, size_t *ret_n);

/* The same, loading the config and the command line itself. */
int trust_collect_system(TrustedKey **ret, size_t *ret_n);
