/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* create and sign: a fresh image, then a re-seal; both signed with a fixed
 * seed, each replacing the file only when complete. */
#include <sodium.h>
#include <sys/stat.h>

#include "header.h"
#include "image.h"
#include "seal.h"
#include "tests.h"

static char dir[] = "/tmp/test-seal-XXXXXX";
static uint8_t seed[32];

static int fixed_seed(void *userdata, const uint8_t **ret) {
        *ret = seed;
        return 0;
}

static int no_seed(void *userdata, const uint8_t **ret) {
        return -EKEYREJECTED;
}

int main(void) {
        char tree[64], img[64], cmd[600];
        uint8_t pk[32], sk[64], root1[32];
        RealmfsImage a = REALMFS_IMAGE_NULL;
        struct stat st;

        ASSERT_TRUE(sodium_init() >= 0);
        ASSERT_TRUE(mkdtemp(dir));
        randombytes_buf(seed, sizeof seed);
        crypto_sign_seed_keypair(pk, sk, seed);
        snprintf(tree, sizeof tree, "%s/tree", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p %s/etc && echo hello >%s/etc/motd", tree, tree);
        ASSERT_TRUE(system(cmd) == 0);
        snprintf(img, sizeof img, "%s/base-realmfs.img", dir);

        /* no seed: nothing written */
        ASSERT_TRUE(realmfs_image_create(img, &(RealmfsCreateParams) { .name = "base", .from_dir = tree },
                                         &(SealParams) { .get_seed = no_seed }) < 0);
        ASSERT_TRUE(stat(img, &st) < 0 && errno == ENOENT);
        /* the name must be the file's */
        ASSERT_TRUE(realmfs_image_create(img, &(RealmfsCreateParams) { .name = "other", .from_dir = tree },
                                         &(SealParams) { .get_seed = fixed_seed }) < 0);

        ASSERT_OK(realmfs_image_create(img, &(RealmfsCreateParams) { .name = "base", .from_dir = tree, .owner = "main" },
                                       &(SealParams) { .get_seed = fixed_seed }));
        ASSERT_OK(realmfs_image_open(img, &a));
        ASSERT_EQ(a.meta.version, 1);
        ASSERT_STREQ(a.meta.channel, "realmfs-user");
        ASSERT_STREQ(a.meta.realmfs_owner, "main");
        ASSERT_TRUE(a.meta.has_verity && a.meta.shasum && strlen(a.meta.shasum) == 64);
        ASSERT_OK(realmfs_header_verify(&a.header, pk));
        ASSERT_EQ(a.file_size, REALMFS_HEADER_SIZE + a.meta.nblocks * REALMFS_BLOCK_SIZE +
                                       verity_hash_area_size(a.meta.nblocks));
        memcpy(root1, a.meta.verity.root_hash, 32);
        realmfs_image_close(&a);

        /* re-seal: version + 1, a new salt (so a new root), signed again */
        ASSERT_OK(realmfs_image_sign(img, NULL, &(SealParams) { .get_seed = fixed_seed }));
        ASSERT_OK(realmfs_image_open(img, &a));
        ASSERT_EQ(a.meta.version, 2);
        ASSERT_STREQ(a.meta.realmfs_owner, "main");
        ASSERT_TRUE(memcmp(root1, a.meta.verity.root_hash, 32) != 0);
        ASSERT_OK(realmfs_header_verify(&a.header, pk));
        realmfs_image_close(&a);
        /* a failed re-seal leaves the image as it was */
        ASSERT_TRUE(realmfs_image_sign(img, "vendor", &(SealParams) { .get_seed = no_seed }) < 0);
        ASSERT_OK(realmfs_image_open(img, &a));
        ASSERT_EQ(a.meta.version, 2);
        ASSERT_STREQ(a.meta.channel, "realmfs-user");
        realmfs_image_close(&a);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
