/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <keyutils.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Kernel key names (DESIGN.md "Kernel keys"): type "user". */
#define KERNEL_KEY_SEED "realmfs-user"
#define KERNEL_KEY_PUBLIC "realmfs-user-public"
/* systemd-cryptsetup caches the passphrases typed at boot here (~150 s). */
#define KERNEL_KEY_CRYPTSETUP "cryptsetup"

/* Permissions (DESIGN.md): possessor everything; the user may view and read
 * the public key; nobody but the possessor touches the seed. */
#define KERNEL_KEY_PUBLIC_PERM (KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ)
#define KERNEL_KEY_SEED_PERM (KEY_POS_ALL)

/* Finds realmfs-user-public: first in the keyrings this process possesses
 * (thread, process, session: how tests with a private session keyring
 * provide it), then in the user keyring @u.  -ENOKEY when absent, -EBADMSG
 * when it is not 32 bytes. */
int kernel_key_read_public(uint8_t ret[32]);

/* "@u", "@s", "@p", "@t", "@us" or a key id in decimal. */
int kernel_keyring_parse(const char *s, key_serial_t *ret);

/* The payload of the "cryptsetup" user key, in secure memory (release with
 * secure_free()).  -ENOKEY when there is none. */
int kernel_key_read_cached_passphrases(char **ret, size_t *ret_len);

/* Serial of a "user" key with that description in ring (searched
 * recursively), or -ENOKEY. */
key_serial_t kernel_key_find(key_serial_t ring, const char *description);

/* Adds or updates (in place) a user key in ring and sets its permissions. */
int kernel_key_set(key_serial_t ring, const char *description, const void *payload, size_t len,
                   key_perm_t perm);

/* Revokes and unlinks the key from ring; 0 also when there was none. */
int kernel_key_remove(key_serial_t ring, const char *description);
