/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Opening an image once and checking it: name, header, signature by
 * channel, and (as root, through a loop device over that one descriptor)
 * every data block against the signed root. */
#include <fcntl.h>
#include <sodium.h>

#include "fileio.h"
#include "header.h"
#include "image.h"
#include "seal.h"
#include "tests.h"

static char dir[] = "/tmp/test-image-XXXXXX";
static uint8_t seed[32];

static int fixed_seed(void *userdata, const uint8_t **ret) {
        *ret = seed;
        return 0;
}

static TrustedKey key(const char *channel, const uint8_t pk[32]) {
        TrustedKey k = {};
        snprintf(k.channel, sizeof k.channel, "%s", channel);
        memcpy(k.public_key, pk, 32);
        snprintf(k.origin, sizeof k.origin, "test");
        return k;
}

int main(void) {
        char tree[64], img[64], other[64], cmd[700];
        uint8_t pk[32], sk[64], wrong[32];
        RealmfsImage a = REALMFS_IMAGE_NULL;
        TrustedKey keys[2];
        uint64_t nblocks;
        uint8_t byte;
        int fd;

        ASSERT_TRUE(sodium_init() >= 0);
        ASSERT_TRUE(mkdtemp(dir));
        randombytes_buf(seed, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        memset(wrong, 0x42, sizeof wrong);
        snprintf(tree, sizeof tree, "%s/tree", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p %s/etc && head -c 200000 /dev/urandom >%s/etc/blob", tree, tree);
        ASSERT_TRUE(system(cmd) == 0);
        snprintf(img, sizeof img, "%s/base-realmfs.img", dir);
        ASSERT_OK(realmfs_image_create(img, &(RealmfsCreateParams) { .name = "base", .from_dir = tree },
                                       &(SealParams) { .get_seed = fixed_seed }));

        ASSERT_OK(realmfs_image_open(img, &a));
        ASSERT_TRUE(a.fd >= 0);
        ASSERT_STREQ(a.name, "base");
        /* by channel: the user key for realmfs-user, not another channel's */
        keys[0] = key("vendor", pk);
        ASSERT_EQ(realmfs_image_check_signature(&a, keys, 1, true), -ENOKEY);
        ASSERT_OK(realmfs_image_check_signature(&a, keys, 1, false)); /* --public-key: any */
        keys[1] = key("realmfs-user", wrong);
        ASSERT_EQ(realmfs_image_check_signature(&a, keys, 2, true), -EKEYREJECTED);
        keys[1] = key("realmfs-user", pk);
        ASSERT_OK(realmfs_image_check_signature(&a, keys, 2, true));
        if (geteuid() == 0 && access("/dev/loop-control", W_OK) == 0)
                ASSERT_OK(realmfs_image_verify_data(&a));
        realmfs_image_close(&a);
        ASSERT_EQ(a.fd, -1);

        /* a flipped data byte: the signature still verifies, the data not */
        fd = open(img, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(pread_full(fd, &byte, 1, REALMFS_HEADER_SIZE + 3 * REALMFS_BLOCK_SIZE + 9));
        byte ^= 1;
        ASSERT_OK(pwrite_full(fd, &byte, 1, REALMFS_HEADER_SIZE + 3 * REALMFS_BLOCK_SIZE + 9));
        close(fd);
        ASSERT_OK(realmfs_image_open(img, &a));
        ASSERT_OK(realmfs_image_check_signature(&a, keys, 2, true));
        if (geteuid() == 0 && access("/dev/loop-control", W_OK) == 0)
                ASSERT_EQ(realmfs_image_verify_data(&a), -EBADMSG);
        realmfs_image_close(&a);

        /* the file's name must be the metainfo's, and NAME-realmfs.img */
        snprintf(other, sizeof other, "%s/other-realmfs.img", dir);
        ASSERT_TRUE(link(img, other) == 0);
        ASSERT_EQ(realmfs_image_open(other, &a), -EBADMSG);
        snprintf(other, sizeof other, "%s/base.img", dir);
        ASSERT_TRUE(link(img, other) == 0);
        ASSERT_EQ(realmfs_image_open(other, &a), -EINVAL);
        /* the hash area cut off: not sealed any more, but enough to re-seal */
        ASSERT_OK(realmfs_image_open(img, &a));
        nblocks = a.meta.nblocks;
        realmfs_image_close(&a);
        ASSERT_TRUE(truncate(img, (off_t) (REALMFS_HEADER_SIZE + nblocks * REALMFS_BLOCK_SIZE)) == 0);
        ASSERT_EQ(realmfs_image_open(img, &a), -EBADMSG);
        ASSERT_OK(realmfs_image_open_full(img, 0, &a));
        realmfs_image_close(&a);
        /* shorter than the data: never */
        ASSERT_TRUE(truncate(img, (off_t) (REALMFS_HEADER_SIZE + (nblocks - 1) * REALMFS_BLOCK_SIZE)) == 0);
        ASSERT_EQ(realmfs_image_open_full(img, 0, &a), -EBADMSG);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
