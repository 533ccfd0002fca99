/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sodium.h>
#include <sys/stat.h>

#include "fileio.h"
#include "keyring.h"
#include "secure.h"
#include "tests.h"
#include "util.h"

static const char pass[] = "correct horse";

/* Builds a keyring file from any plaintext with libsodium directly: the
 * format written out by hand, not through keyring_encrypt(). */
static size_t build_raw(const char *plain, uint8_t *out) {
        uint8_t key[32];
        size_t len = strlen(plain);

        randombytes_buf(out, 56);
        ASSERT_OK(crypto_pwhash_scryptsalsa208sha256(key, 32, pass, strlen(pass), out, 524288, 16777216));
        ASSERT_OK(crypto_secretbox_easy(out + 56, (const uint8_t *) plain, len, out + 32, key));
        return 56 + 16 + len;
}

TEST(round_trip) {
        uint8_t *seed, *seed2 = NULL, *data, pk[32], pk_ref[32], sk[64];
        size_t len;
        const char *reason = NULL;

        ASSERT_OK(keyring_generate_seed(&seed));
        ASSERT_OK(keyring_encrypt(seed, pass, strlen(pass), &data, &len));
        ASSERT_EQ(len, 32 + 24 + 16 + strlen("[keypairs]\nrealmfs-user = \"\"\n") + 64);
        ASSERT_OK(keyring_decrypt(data, len, pass, strlen(pass), &seed2, &reason));
        ASSERT_TRUE(memcmp(seed, seed2, 32) == 0);
        ASSERT_OK(keyring_public_key(seed, pk));
        crypto_sign_seed_keypair(pk_ref, sk, seed);
        ASSERT_TRUE(memcmp(pk, pk_ref, 32) == 0);
        secure_free(seed2);
        seed2 = NULL;

        ASSERT_EQ(keyring_decrypt(data, len, "wrong", 5, &seed2, &reason), -EKEYREJECTED);
        ASSERT_STREQ(reason, "wrong passphrase or damaged keyring");
        ASSERT_TRUE(seed2 == NULL);

        /* a flipped byte in salt, nonce, ciphertext or MAC is rejected */
        size_t positions[] = { 0, 31, 32, 55, 56, 71, 72, len - 1 };
        for (size_t i = 0; i < ELEMENTSOF(positions); i++) {
                data[positions[i]] ^= 0x01;
                ASSERT_EQ(keyring_decrypt(data, len, pass, strlen(pass), &seed2, &reason), -EKEYREJECTED);
                data[positions[i]] ^= 0x01;
        }
        /* truncated */
        ASSERT_EQ(keyring_decrypt(data, 71, pass, strlen(pass), &seed2, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "file too short to be a keyring");
        ASSERT_EQ(keyring_decrypt(data, len - 1, pass, strlen(pass), &seed2, &reason), -EKEYREJECTED);
        free(data);
        secure_free(seed);
}

TEST(foreign_plaintext) {
        uint8_t raw[512], *seed = NULL;
        const char *reason = NULL;
        size_t len;

        /* Citadel writes the same TOML; other keys are ignored */
        len = build_raw("[keypairs]\nother = \"x\"\nrealmfs-user = "
                        "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"\n",
                        raw);
        ASSERT_OK(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason));
        ASSERT_EQ(seed[0], 0);
        ASSERT_EQ(seed[31], 0x1f);
        secure_free(seed);
        seed = NULL;

        /* any TOML 1.0 around it, and the seed as a multi-line string */
        len = build_raw("[keypairs]\ncreated = 2024-05-20T16:00:00Z\nweight = 0.5\nmeta = { a = [1, 'x'] }\n"
                        "realmfs-user = \"\"\"\\\n  000102030405060708090a0b0c0d0e0f\\\n  101112131415161718191a1b1c1d1e1f\"\"\"\n"
                        "[[history]]\nat = 2023-01-01\n",
                        raw);
        ASSERT_OK(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason));
        ASSERT_EQ(seed[16], 0x10);
        ASSERT_EQ(seed[31], 0x1f);
        secure_free(seed);
        seed = NULL;
        len = build_raw("[keypairs]\nrealmfs-user = 1979-05-27\n", raw);
        ASSERT_EQ(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "decrypted keyring has no realmfs-user string in [keypairs]");

        len = build_raw("not toml at all = = =", raw);
        ASSERT_EQ(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "decrypted keyring is not valid TOML");
        len = build_raw("[other]\nrealmfs-user = \"00\"\n", raw);
        ASSERT_EQ(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "decrypted keyring has no [keypairs] table");
        len = build_raw("[keypairs]\nrealmfs-user = 5\n", raw);
        ASSERT_EQ(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason), -EBADMSG);
        len = build_raw("[keypairs]\nrealmfs-user = \"0011\"\n", raw);
        ASSERT_EQ(keyring_decrypt(raw, len, pass, strlen(pass), &seed, &reason), -EBADMSG);
        ASSERT_STREQ(reason, "realmfs-user in the keyring is not 64 hex digits");
        ASSERT_TRUE(seed == NULL);
}

TEST(save_load) {
        char dir[] = "/tmp/test-keyring-XXXXXX", path[256], cmd[300];
        uint8_t *seed, *seed2 = NULL;
        struct stat st;

        ASSERT_TRUE(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/keyring", dir);
        ASSERT_OK(keyring_generate_seed(&seed));
        ASSERT_OK(keyring_save(path, seed, pass, strlen(pass), true));
        ASSERT_OK(stat(path, &st));
        ASSERT_EQ(st.st_mode & 0777, 0600);
        ASSERT_EQ(keyring_save(path, seed, "other", 5, true), -EEXIST);
        ASSERT_OK(keyring_load(path, pass, strlen(pass), &seed2));
        ASSERT_TRUE(memcmp(seed, seed2, 32) == 0);
        secure_free(seed2);
        seed2 = NULL;
        /* passwd: replace with a new passphrase, the old one no longer works */
        ASSERT_OK(keyring_save(path, seed, "new pass", 8, false));
        ASSERT_EQ(keyring_load(path, pass, strlen(pass), &seed2), -EKEYREJECTED);
        ASSERT_OK(keyring_load(path, "new pass", 8, &seed2));
        secure_free(seed2);
        ASSERT_EQ(keyring_load("/nonexistent/keyring", pass, 4, &seed2), -ENOENT);
        secure_free(seed);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        ASSERT_EQ(system(cmd), 0);
}

int main(void) {
        ASSERT_OK(secure_init());
        RUN(round_trip);
        RUN(foreign_plaintext);
        RUN(save_load);
        return 0;
}
