/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/* Kernel key names (DESIGN.md "Kernel keys"): type "user". */
#define KERNEL_KEY_SEED "realmfs-user"
#define KERNEL_KEY_PUBLIC "realmfs-user-public"

/* Finds realmfs-user-public: first in the keyrings this process possesses
 * (thread, process, session: how tests with a private session keyring
 * provide it), then in the user keyring @u.  -ENOKEY when absent, -EBADMSG
 * when it is not 32 bytes. */
int kernel_key_read_public(uint8_t ret[32]);
