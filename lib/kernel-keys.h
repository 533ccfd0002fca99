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

/* The trust-anchor rule (DESIGN.md "Kernel keys", docs/decisions.md): a key
 * counts only when it is linked directly into the user keyring of uid 0, is
 * owned by uid 0 and has type "user".  Keys in the thread, process or session
 * keyrings never count: any process of an admin's uid can add one to the
 * admin's session keyring, and a later `sudo realmfsctl verify` would trust
 * it.  Test-hooks builds also take such a key from the keyrings the process
 * possesses (a test's private session keyring), under the same owner and
 * type rule.  Returns the key's serial, or -ENOKEY. */
key_serial_t kernel_key_find_trusted(const char *description);

/* Reads the trusted key description (rule above) of exactly size bytes into
 * ret.  -ENOKEY when absent, -EBADMSG when it has another size. */
int kernel_key_read_trusted(const char *description, uint8_t *ret, size_t size);

/* Parses keyctl_describe()'s "type;uid;gid;perm;description".  -EINVAL if
 * it is not of that shape. */
int kernel_key_description_parse(const char *s, char *ret_type, size_t type_size, uint32_t *ret_uid,
                                 const char **ret_description);

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
