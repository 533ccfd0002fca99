/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The trust rules of DESIGN.md "Trust": which public keys vouch for which
 * channel on this system.  The user key (channel realmfs-user) comes from
 * the kernel key realmfs-user-public under the trust-anchor rule of
 * kernel-keys.h; channel keys from [channels] of the config and
 * realmboot.channel= of the kernel command line. */

#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"
#include "config.h"

typedef struct TrustedKey {
        char channel[64];  /* REALMFS_USER_CHANNEL for the user key */
        uint8_t public_key[32];
        char origin[32];   /* where it came from, for messages: "kernel key", "config", "command line", "--public-key" */
} TrustedKey;

/* The keys of this system, from the kernel key and the config and command
 * line given (loaded once by the caller).  *ret is malloc'd. */
int trust_collect(const RealmbootConfig *config, const RealmbootCmdline *cmdline, TrustedKey **ret, size_t *ret_n);

/* The same, loading the config and the command line itself. */
int trust_collect_system(TrustedKey **ret, size_t *ret_n);
