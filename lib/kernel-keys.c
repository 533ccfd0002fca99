/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <keyutils.h>

#include "kernel-keys.h"
#include "macro.h"

int kernel_key_read_public(uint8_t ret[32]) {
        key_serial_t id;
        uint8_t buf[33];
        long n;

        id = request_key("user", KERNEL_KEY_PUBLIC, NULL, 0);
        if (id < 0)
                id = keyctl_search(KEY_SPEC_USER_KEYRING, "user", KERNEL_KEY_PUBLIC, 0);
        if (id < 0)
                return errno == ENOKEY || errno == ENOENT || errno == EKEYEXPIRED || errno == EKEYREVOKED
                               ? -ENOKEY
                               : negative_errno();
        n = keyctl_read(id, (char *) buf, sizeof buf);
        if (n < 0)
                return negative_errno();
        if (n != 32)
                return -EBADMSG;
        memcpy(ret, buf, 32);
        return 0;
}
