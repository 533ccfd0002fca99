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

int kernel_key_description_parse(const char *s, char *ret_type, size_t type_size, uint32_t *ret_uid,
                                 const char **ret_description) {
        const char *p = s, *semi;
        uint64_t uid;
        char num[16];

        /* type;uid;gid;perm;description (the description may hold ';') */
        semi = strchr(p, ';');
        if (!semi || (size_t) (semi - p) >= type_size)
                return -EINVAL;
        memcpy(ret_type, p, (size_t) (semi - p));
        ret_type[semi - p] = 0;
        p = semi + 1;
        semi = strchr(p, ';');
        if (!semi || (size_t) (semi - p) >= sizeof num)
                return -EINVAL;
        memcpy(num, p, (size_t) (semi - p));
        num[semi - p] = 0;
        if (safe_atou64(num, &uid) < 0 || uid > UINT32_MAX)
                return -EINVAL;
        p = semi + 1;
        for (unsigned i = 0; i < 2; i++) { /* gid, perm */
                semi = strchr(p, ';');
                if (!semi)
                        return -EINVAL;
                p = semi + 1;
        }
        *ret_uid = (uint32_t) uid;
        *ret_description = p;
        return 0;
}

/* Of that type and description, owned by uid 0. */
static bool key_is_root_owned(key_serial_t id, const char *type, const char *description) {
        _cleanup_free_ char *desc = NULL;
        const char *d;
        char t[16];
        uint32_t uid;

        if (keyctl_describe_alloc(id, &desc) < 0)
                return false;
        return kernel_key_description_parse(desc, t, sizeof t, &uid, &d) >= 0 && streq(t, type) && uid == 0 &&
               streq(d, description);
}

key_serial_t kernel_key_find_trusted(const char *description) {
        _cleanup_free_ key_serial_t *links = NULL;
        long size;

        if (TEST_HOOKS_ENABLED) {
                key_serial_t id = request_key("user", description, NULL, 0);
                if (id >= 0 && key_is_root_owned(id, "user", description))
                        return id;
        }
        /* KEY_SPEC_USER_KEYRING must be uid 0's own ("_uid.0", owned by 0),
         * not that of another user running us */
        if (!key_is_root_owned(KEY_SPEC_USER_KEYRING, "keyring", "_uid.0"))
                return -ENOKEY;
        /* Only keys linked into @u itself: keyctl_search() would also descend
         * into keyrings linked there, which others may be able to write. */
        size = keyctl_read_alloc(KEY_SPEC_USER_KEYRING, (void **) &links);
        if (size < 0)
                return key_errno();
        for (size_t i = 0; i < (size_t) size / sizeof(key_serial_t); i++)
                if (key_is_root_owned(links[i], "user", description))
                        return links[i];
        return -ENOKEY;
}

int kernel_key_read_trusted(const char *description, uint8_t *ret, size_t size) {
        key_serial_t id = kernel_key_find_trusted(description);
        /* locked memory: the same reader serves the secret seed */
        _cleanup_secure_free_ uint8_t *buf = NULL;
        long n;

        if (id < 0)
                return id;
        buf = secure_alloc(size + 1);
        if (!buf)
                return -ENOMEM;
        n = keyctl_read(id, (char *) buf, size + 1);
        if (n < 0)
                return key_errno();
        if ((size_t) n != size)
                return -EBADMSG;
        memcpy(ret, buf, size);
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
