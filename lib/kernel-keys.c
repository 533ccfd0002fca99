/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "kernel-keys.h"
#include "macro.h"
#include "secure.h"
#include "util.h"

static int key_errno(void) {
        return errno == ENOKEY || errno == ENOENT || errno == EKEYEXPIRED || errno == EKEYREVOKED ? -ENOKEY
                                                                                                  : negative_errno();
}

/* The possessed keyrings first (request_key), then @u: a key reached
 * through @u is possessed too, so its possessor permissions apply. */
static key_serial_t find_anywhere(const char *description) {
        key_serial_t id = request_key("user", description, NULL, 0);

        if (id < 0)
                id = keyctl_search(KEY_SPEC_USER_KEYRING, "user", description, 0);
        return id;
}

int kernel_key_read_public(uint8_t ret[32]) {
        key_serial_t id = find_anywhere(KERNEL_KEY_PUBLIC);
        uint8_t buf[33];
        long n;

        if (id < 0)
                return key_errno();
        n = keyctl_read(id, (char *) buf, sizeof buf);
        if (n < 0)
                return negative_errno();
        if (n != 32)
                return -EBADMSG;
        memcpy(ret, buf, 32);
        return 0;
}

int kernel_keyring_parse(const char *s, key_serial_t *ret) {
        static const struct {
                const char *name;
                key_serial_t id;
        } specials[] = {
                { "@t", KEY_SPEC_THREAD_KEYRING },  { "@p", KEY_SPEC_PROCESS_KEYRING },
                { "@s", KEY_SPEC_SESSION_KEYRING }, { "@u", KEY_SPEC_USER_KEYRING },
                { "@us", KEY_SPEC_USER_SESSION_KEYRING },
        };
        uint64_t v;

        for (size_t i = 0; i < ELEMENTSOF(specials); i++)
                if (streq(s, specials[i].name)) {
                        *ret = specials[i].id;
                        return 0;
                }
        if (safe_atou64(s, &v) < 0 || v == 0 || v > INT32_MAX)
                return -EINVAL;
        *ret = (key_serial_t) v;
        return 0;
}

int kernel_key_read_cached_passphrases(char **ret, size_t *ret_len) {
        key_serial_t id = find_anywhere(KERNEL_KEY_CRYPTSETUP);

        if (id < 0)
                return key_errno();
        /* The payload may change between the size query and the read (a new
         * passphrase typed): retry until it fits. */
        for (unsigned attempt = 0; attempt < 8; attempt++) {
                long size = keyctl_read(id, NULL, 0), n;
                char *buf;

                if (size < 0)
                        return key_errno();
                buf = secure_alloc((size_t) size + 1);
                if (!buf)
                        return -ENOMEM;
                n = keyctl_read(id, buf, (size_t) size);
                if (n < 0) {
                        int r = key_errno();
                        secure_free(buf);
                        return r;
                }
                if (n <= size) {
                        buf[n] = 0;
                        *ret = buf;
                        *ret_len = (size_t) n;
                        return 0;
                }
                secure_free(buf);
        }
        return -EAGAIN;
}

key_serial_t kernel_key_find(key_serial_t ring, const char *description) {
        key_serial_t id = keyctl_search(ring, "user", description, 0);

        return id < 0 ? key_errno() : id;
}

int kernel_key_set(key_serial_t ring, const char *description, const void *payload, size_t len,
                   key_perm_t perm) {
        key_serial_t id = add_key("user", description, payload, len, ring);

        if (id < 0)
                return negative_errno();
        if (keyctl_setperm(id, perm) < 0)
                return negative_errno();
        return 0;
}

int kernel_key_remove(key_serial_t ring, const char *description) {
        key_serial_t id = keyctl_search(ring, "user", description, 0);

        if (id < 0) {
                int r = key_errno();
                return r == -ENOKEY ? 0 : r;
        }
        /* Revoke first: whoever still holds a link can no longer read it. */
        if (keyctl_revoke(id) < 0 && errno != EKEYREVOKED)
                return negative_errno();
        if (keyctl_unlink(id, ring) < 0 && errno != ENOENT)
                return negative_errno();
        return 0;
}
