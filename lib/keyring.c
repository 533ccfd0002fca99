/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <sodium.h>

#include "fileio.h"
#include "keyring.h"
#include "log.h"
#include "secure.h"
#include "toml.h"
#include "util.h"

_Static_assert(KEYRING_SALT_SIZE == crypto_pwhash_scryptsalsa208sha256_SALTBYTES, "salt size");
_Static_assert(KEYRING_NONCE_SIZE == crypto_secretbox_NONCEBYTES, "nonce size");
_Static_assert(KEYRING_MAC_SIZE == crypto_secretbox_MACBYTES, "mac size");

_Static_assert(KEYRING_KEY_SIZE == crypto_secretbox_KEYBYTES, "key size");
#define KEY_SIZE KEYRING_KEY_SIZE

static int derive_key(const char *passphrase, size_t passphrase_len, const uint8_t *salt, uint8_t **ret) {
        _cleanup_secure_free_ uint8_t *key = secure_alloc(KEY_SIZE);

        if (!key)
                return -ENOMEM;
        if (crypto_pwhash_scryptsalsa208sha256(key, KEY_SIZE, passphrase, passphrase_len, salt,
                                               KEYRING_OPSLIMIT, KEYRING_MEMLIMIT) != 0)
                return -ENOMEM; /* scrypt fails only when it cannot get its memory */
        *ret = TAKE_PTR(key);
        return 0;
}

/* Extracts the seed from the decrypted TOML.  The document is parsed with
 * TOML_PARSE_SECURE so the hex seed never sits in ordinary memory. */
int keyring_parse_plaintext(const char *text, size_t len, uint8_t **ret_seed, const char **reason) {
        _cleanup_secure_free_ uint8_t *seed = NULL;
        _cleanup_(toml_freep) TomlValue *doc = NULL;
        const TomlValue *keypairs;
        const char *hex = NULL;
        int r;

        r = toml_parse(text, len, "keyring", TOML_PARSE_SECURE, &doc, NULL);
        if (r < 0) {
                *reason = "decrypted keyring is not valid TOML";
                return -EBADMSG;
        }
        if (toml_table_get_typed(doc, "keypairs", TOML_TABLE, &keypairs) < 0) {
                *reason = "decrypted keyring has no [keypairs] table";
                return -EBADMSG;
        }
        if (toml_table_get_string(keypairs, KEYRING_USER_KEY, &hex) < 0) {
                *reason = "decrypted keyring has no realmfs-user string in [keypairs]";
                return -EBADMSG;
        }
        seed = secure_alloc(KEYRING_SEED_SIZE);
        if (!seed)
                return -ENOMEM;
        if (hex_decode(hex, seed, KEYRING_SEED_SIZE) < 0) {
                *reason = "realmfs-user in the keyring is not 64 hex digits";
                return -EBADMSG;
        }
        *ret_seed = TAKE_PTR(seed);
        return 0;
}

int keyring_open_with_key(const uint8_t *data, size_t len, const uint8_t key[KEYRING_KEY_SIZE],
                          uint8_t **ret_seed, const char **reason) {
        _cleanup_secure_free_ char *plain = NULL;
        const uint8_t *nonce = data + KEYRING_SALT_SIZE, *box = data + KEYRING_SALT_SIZE + KEYRING_NONCE_SIZE;
        size_t box_len, plain_len;
        int r;

        r = keyring_check_size(len, reason);
        if (r < 0)
                return r;
        box_len = len - KEYRING_SALT_SIZE - KEYRING_NONCE_SIZE;
        plain_len = box_len - KEYRING_MAC_SIZE;
        plain = secure_alloc(plain_len + 1);
        if (!plain)
                return -ENOMEM;
        if (crypto_secretbox_open_easy((uint8_t *) plain, box, box_len, nonce, key) != 0) {
                *reason = "wrong passphrase or damaged keyring";
                return -EKEYREJECTED;
        }
        plain[plain_len] = 0;
        return keyring_parse_plaintext(plain, plain_len, ret_seed, reason);
}

int keyring_check_size(size_t len, const char **reason) {
        if (len < KEYRING_SALT_SIZE + KEYRING_NONCE_SIZE + KEYRING_MAC_SIZE) {
                *reason = "file too short to be a keyring";
                return -EBADMSG;
        }
        if (len > KEYRING_MAX_SIZE) {
                *reason = "file too large to be a keyring";
                return -EBADMSG;
        }
        return 0;
}

int keyring_decrypt(const uint8_t *data, size_t len, const char *passphrase, size_t passphrase_len,
                    uint8_t **ret_seed, const char **reason) {
        _cleanup_secure_free_ uint8_t *key = NULL;
        int r;

        if (sodium_init() < 0)
                return -EIO;
        /* Check the size before the (deliberately slow) key derivation. */
        r = keyring_check_size(len, reason);
        if (r < 0)
                return r;
        r = derive_key(passphrase, passphrase_len, data, &key);
        if (r < 0) {
                *reason = "key derivation failed";
                return r;
        }
        return keyring_open_with_key(data, len, key, ret_seed, reason);
}

int keyring_load_quiet(const char *path, const char *passphrase, size_t passphrase_len, uint8_t **ret_seed,
                       const char **ret_reason) {
        _cleanup_free_ char *data = NULL;
        size_t len;
        int r;

        *ret_reason = NULL;
        r = read_full_file(path, KEYRING_MAX_SIZE, 0, &data, &len);
        if (r == -EFBIG) {
                *ret_reason = "file too large to be a keyring";
                return -EBADMSG;
        }
        if (r < 0)
                return r;
        r = keyring_decrypt((const uint8_t *) data, len, passphrase, passphrase_len, ret_seed, ret_reason);
        if (r < 0 && !*ret_reason)
                *ret_reason = "cannot decrypt keyring";
        return r;
}

int keyring_log_load_error(const char *path, int error, const char *reason) {
        if (!reason)
                return log_error_errno(error, "%s: cannot read keyring: %s", path, fileio_error(error));
        return log_error_errno(error, "%s: %s", path, reason);
}

int keyring_load(const char *path, const char *passphrase, size_t passphrase_len, uint8_t **ret_seed) {
        const char *reason;
        int r;

        r = keyring_load_quiet(path, passphrase, passphrase_len, ret_seed, &reason);
        return r < 0 ? keyring_log_load_error(path, r, reason) : 0;
}

int keyring_encrypt(const uint8_t seed[KEYRING_SEED_SIZE], const char *passphrase, size_t passphrase_len,
                    uint8_t **ret, size_t *ret_len) {
        _cleanup_secure_free_ uint8_t *key = NULL;
        _cleanup_secure_free_ char *plain = NULL;
        _cleanup_free_ uint8_t *out = NULL;
        static const char prefix[] = "[keypairs]\n" KEYRING_USER_KEY " = \"";
        static const char suffix[] = "\"\n";
        size_t plain_len = strlen(prefix) + 2 * KEYRING_SEED_SIZE + strlen(suffix), out_len;
        int r;

        if (sodium_init() < 0)
                return -EIO;
        plain = secure_alloc(plain_len + 1);
        if (!plain)
                return -ENOMEM;
        /* Built by hand rather than with snprintf so no formatting buffer of
         * libc ever holds the hex. */
        memcpy(plain, prefix, strlen(prefix));
        hex_encode(seed, KEYRING_SEED_SIZE, plain + strlen(prefix));
        memcpy(plain + strlen(prefix) + 2 * KEYRING_SEED_SIZE, suffix, strlen(suffix) + 1);

        out_len = KEYRING_SALT_SIZE + KEYRING_NONCE_SIZE + KEYRING_MAC_SIZE + plain_len;
        out = malloc(out_len);
        if (!out)
                return -ENOMEM;
        randombytes_buf(out, KEYRING_SALT_SIZE + KEYRING_NONCE_SIZE);
        r = derive_key(passphrase, passphrase_len, out, &key);
        if (r < 0)
                return r;
        if (crypto_secretbox_easy(out + KEYRING_SALT_SIZE + KEYRING_NONCE_SIZE, (const uint8_t *) plain,
                                  plain_len, out + KEYRING_SALT_SIZE, key) != 0)
                return -EINVAL;
        *ret = TAKE_PTR(out);
        *ret_len = out_len;
        return 0;
}

int keyring_save(const char *path, const uint8_t seed[KEYRING_SEED_SIZE], const char *passphrase,
                 size_t passphrase_len, bool no_replace) {
        _cleanup_free_ uint8_t *data = NULL;
        size_t len;
        int r;

        r = keyring_encrypt(seed, passphrase, passphrase_len, &data, &len);
        if (r < 0)
                return r;
        return write_file_atomic(path, data, len, 0600, no_replace);
}

int keyring_generate_seed(uint8_t **ret_seed) {
        uint8_t *seed;

        if (sodium_init() < 0)
                return -EIO;
        seed = secure_alloc(KEYRING_SEED_SIZE);
        if (!seed)
                return -ENOMEM;
        randombytes_buf(seed, KEYRING_SEED_SIZE);
        *ret_seed = seed;
        return 0;
}

int keyring_public_key(const uint8_t seed[KEYRING_SEED_SIZE], uint8_t ret[KEYRING_PUBLIC_KEY_SIZE]) {
        _cleanup_secure_free_ uint8_t *sk = secure_alloc(crypto_sign_SECRETKEYBYTES);

        if (!sk)
                return -ENOMEM;
        if (crypto_sign_seed_keypair(ret, sk, seed) != 0)
                return -EINVAL;
        return 0;
}
