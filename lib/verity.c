/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <libcryptsetup.h>

#include "header.h"
#include "log.h"
#include "verity.h"

#define HASH_NAME "sha256"
#define DIGEST_SIZE 32u

static void crypt_log_to_debug(int level, const char *msg, void *usrptr) {
        size_t n = strlen(msg);

        /* libcryptsetup's own messages are details: our callers log the one
         * line that matters. */
        if (n > 0 && msg[n - 1] == '\n')
                n--;
        log_debug("libcryptsetup: %.*s", (int) n, msg);
}

static void crypt_freep(struct crypt_device **cd) {
        if (*cd)
                crypt_free(*cd);
}
#define _cleanup_crypt_free_ _cleanup_(crypt_freep)

/* The root hash libcryptsetup holds as the verity "volume key". */
static int read_root_hash(struct crypt_device *cd, uint8_t ret[VERITY_ROOT_SIZE]) {
        char root[VERITY_ROOT_SIZE];
        size_t size = sizeof root;
        int r = crypt_volume_key_get(cd, CRYPT_ANY_SLOT, root, &size, NULL, 0);

        if (r < 0)
                return r;
        if (size != VERITY_ROOT_SIZE)
                return -EINVAL;
        memcpy(ret, root, VERITY_ROOT_SIZE);
        return 0;
}

uint64_t verity_hash_area_size(uint64_t nblocks) {
        uint64_t per_block = REALMFS_BLOCK_SIZE / DIGEST_SIZE, total = 0, n = nblocks;

        /* Each level holds the digests of the level below, 128 per block,
         * until one block remains; plus the 4096-byte superblock. */
        do {
                n = (n + per_block - 1) / per_block;
                total += n;
        } while (n > 1);
        return (total + 1) * REALMFS_BLOCK_SIZE;
}

static void init_params(struct crypt_params_verity *params, const char *data_device, uint64_t hash_offset,
                        uint64_t nblocks, const uint8_t *salt, uint32_t flags) {
        *params = (struct crypt_params_verity) {
                .hash_name = HASH_NAME,
                .data_device = data_device,
                .salt = (const char *) salt,
                .salt_size = VERITY_SALT_SIZE,
                .hash_type = 1,
                .data_block_size = REALMFS_BLOCK_SIZE,
                .hash_block_size = REALMFS_BLOCK_SIZE,
                .data_size = nblocks,
                .hash_area_offset = hash_offset,
                .flags = flags,
        };
}

int verity_format_at(const char *data_device, const char *hash_path, uint64_t hash_offset, uint64_t nblocks,
                     const uint8_t salt[VERITY_SALT_SIZE], uint8_t ret_root[VERITY_ROOT_SIZE]) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;
        struct crypt_params_verity params;
        int r;

        crypt_set_log_callback(NULL, crypt_log_to_debug, NULL);
        r = crypt_init(&cd, hash_path);
        if (r < 0)
                return r;
        crypt_set_log_callback(cd, crypt_log_to_debug, NULL);

        init_params(&params, data_device, hash_offset, nblocks, salt, CRYPT_VERITY_CREATE_HASH);
        r = crypt_format(cd, CRYPT_VERITY, NULL, NULL, NULL, NULL, 0, &params);
        if (r < 0)
                return r;
        return read_root_hash(cd, ret_root);
}

int verity_format(const char *path, uint64_t nblocks, const uint8_t salt[VERITY_SALT_SIZE],
                  uint8_t ret_root[VERITY_ROOT_SIZE]) {
        return verity_format_at(path, path, nblocks * REALMFS_BLOCK_SIZE, nblocks, salt, ret_root);
}

/* Loads the on-disk superblock and compares every parameter with the signed
 * ones: the superblock is not signed, so it may only confirm, never decide. */
static int load_and_check_at(struct crypt_device **ret_cd, const char *device, uint64_t hash_offset,
                             const VerityParams *p, uint32_t flags, const char **reason) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;
        struct crypt_params_verity params = {
                .hash_area_offset = hash_offset,
                .flags = flags,
        }, info = {};
        int r;

        crypt_set_log_callback(NULL, crypt_log_to_debug, NULL);
        r = crypt_init_data_device(&cd, device, device);
        if (r < 0) {
                *reason = "cannot open device";
                return r;
        }
        crypt_set_log_callback(cd, crypt_log_to_debug, NULL);

        r = crypt_load(cd, CRYPT_VERITY, &params);
        if (r < 0) {
                *reason = "no valid verity superblock after the data area";
                return -EBADMSG;
        }
        r = crypt_get_verity_info(cd, &info);
        if (r < 0) {
                *reason = "cannot read verity parameters";
                return r;
        }
        if (!info.hash_name || strcmp(info.hash_name, HASH_NAME) != 0 || info.hash_type != 1 ||
            info.data_block_size != REALMFS_BLOCK_SIZE || info.hash_block_size != REALMFS_BLOCK_SIZE) {
                *reason = "verity superblock has unexpected hash or block size";
                return -EBADMSG;
        }
        if (info.data_size != p->nblocks) {
                *reason = "verity superblock data size disagrees with signed nblocks";
                return -EBADMSG;
        }
        if (info.salt_size != VERITY_SALT_SIZE || memcmp(info.salt, p->salt, VERITY_SALT_SIZE) != 0) {
                *reason = "verity superblock salt disagrees with signed verity-salt";
                return -EBADMSG;
        }
        *ret_cd = TAKE_PTR(cd);
        return 0;
}

static int load_and_check(struct crypt_device **ret_cd, const char *device, const VerityParams *p,
                          uint32_t flags, const char **reason) {
        return load_and_check_at(ret_cd, device, p->nblocks * REALMFS_BLOCK_SIZE, p, flags, reason);
}

int verity_check_superblock(const char *hash_device, uint64_t hash_offset, const VerityParams *p,
                            const char **reason) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;

        return load_and_check_at(&cd, hash_device, hash_offset, p, 0, reason);
}

int verity_verify(const char *device, const VerityParams *p, const char **reason) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;
        int r;

        r = load_and_check(&cd, device, p, CRYPT_VERITY_CHECK_HASH, reason);
        if (r < 0)
                return r;
        /* With no name, activation only runs the userspace check
         * (CRYPT_VERITY_CHECK_HASH): no device-mapper involved. */
        r = crypt_activate_by_volume_key(cd, NULL, (const char *) p->root_hash, VERITY_ROOT_SIZE,
                                         CRYPT_ACTIVATE_READONLY);
        if (r == -EPERM || r == -EFAULT) {
                /* -EPERM: a data or hash block differs; -EFAULT: the root does */
                *reason = "verity hash tree does not match the signed verity-root";
                return -EBADMSG;
        }
        if (r < 0) {
                *reason = "verity verification failed (I/O error or short image)";
                return r;
        }
        return 0;
}

int verity_activate(const char *name, const char *device, const VerityParams *p, const char **reason) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;
        int r;

        r = load_and_check(&cd, device, p, 0, reason);
        if (r < 0)
                return r;
        r = crypt_activate_by_volume_key(cd, name, (const char *) p->root_hash, VERITY_ROOT_SIZE,
                                         CRYPT_ACTIVATE_READONLY);
        if (r < 0)
                *reason = r == -EEXIST ? "device is already active" : "dm-verity activation failed";
        return r;
}

/* The context of the active device NAME; -ENODEV when it is not active. */
static int init_active(const char *name, struct crypt_device **ret) {
        struct crypt_device *cd = NULL;
        int r;

        crypt_set_log_callback(NULL, crypt_log_to_debug, NULL);
        r = crypt_init_by_name(&cd, name);
        if (r >= 0 && crypt_status(cd, name) < CRYPT_ACTIVE)
                r = -ENODEV;
        if (r < 0) {
                crypt_free(cd);
                return r;
        }
        *ret = cd;
        return 0;
}

int verity_active_root_hash(const char *name, uint8_t ret[VERITY_ROOT_SIZE]) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;
        int r;

        r = init_active(name, &cd);
        if (r < 0)
                return r;
        return read_root_hash(cd, ret);
}

int verity_deactivate(const char *name, char **ret_data_device) {
        _cleanup_crypt_free_ struct crypt_device *cd = NULL;
        const char *dev;
        int r;

        *ret_data_device = NULL;
        r = init_active(name, &cd);
        if (r < 0)
                return r;
        dev = crypt_get_device_name(cd);
        if (dev && !(*ret_data_device = strdup(dev)))
                return -ENOMEM;
        return crypt_deactivate(cd, name);
}
