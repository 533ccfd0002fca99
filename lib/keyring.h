/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The user keyring file (Citadel-compatible):
 *
 *   salt (32) ‖ nonce (24) ‖ crypto_secretbox(plaintext)   (XSalsa20-Poly1305)
 *   key = crypto_pwhash_scryptsalsa208sha256(passphrase, salt,
 *                                            opslimit 524288, memlimit 16 MiB)
 *   plaintext = TOML: [keypairs] / realmfs-user = "<64 hex: ed25519 seed>"
 *
 * Seeds, derived keys and plaintext live only in secure_alloc() memory. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYRING_SALT_SIZE 32u
#define KEYRING_NONCE_SIZE 24u
#define KEYRING_MAC_SIZE 16u
#define KEYRING_OPSLIMIT 524288ull
#define KEYRING_MEMLIMIT 16777216ull
#define KEYRING_MAX_SIZE (64u * 1024u)
#define KEYRING_SEED_SIZE 32u
#define KEYRING_KEY_SIZE 32u
#define KEYRING_PUBLIC_KEY_SIZE 32u
#define KEYRING_USER_KEY "realmfs-user"

/* Decrypts the bytes of a keyring file.  On success *ret_seed is a 32-byte
 * secure_alloc()'d seed (release with secure_free()).  Errors:
 *   -EBADMSG       too short to be a keyring, or plaintext not a keyring
 *                  (*reason says which)
 *   -EKEYREJECTED  wrong passphrase, or the ciphertext was altered
 * reason is a static string. */
int keyring_decrypt(const uint8_t *data, size_t len, const char *passphrase, size_t passphrase_len,
                    uint8_t **ret_seed, const char **reason);

/* The steps of keyring_decrypt() after the key derivation, separately for
 * the fuzzer (which cannot afford scrypt per input): size check, secretbox
 * open with key, plaintext parse. */
int keyring_check_size(size_t len, const char **reason);
int keyring_open_with_key(const uint8_t *data, size_t len, const uint8_t key[KEYRING_KEY_SIZE],
                          uint8_t **ret_seed, const char **reason);
int keyring_parse_plaintext(const char *text, size_t len, uint8_t **ret_seed, const char **reason);

/* Reads and decrypts the file; failures are logged as one line naming it. */
int keyring_load(const char *path, const char *passphrase, size_t passphrase_len, uint8_t **ret_seed);

/* The same without logging (for a thread): on failure *ret_reason says why,
 * or is NULL when the file could not be read (the error says why);
 * keyring_log_load_error() logs it as keyring_load() does. */
int keyring_load_quiet(const char *path, const char *passphrase, size_t passphrase_len, uint8_t **ret_seed,
                       const char **ret_reason);
int keyring_log_load_error(const char *path, int error, const char *reason);

/* Encrypts a seed into the file format with a fresh random salt and nonce.
 * *ret is malloc'd (it holds no secret in clear). */
int keyring_encrypt(const uint8_t seed[KEYRING_SEED_SIZE], const char *passphrase, size_t passphrase_len,
                    uint8_t **ret, size_t *ret_len);

/* Encrypts and writes atomically with mode 0600; with no_replace an existing
 * file is kept and -EEXIST returned. */
int keyring_save(const char *path, const uint8_t seed[KEYRING_SEED_SIZE], const char *passphrase,
                 size_t passphrase_len, bool no_replace);

/* A fresh random seed in secure memory. */
int keyring_generate_seed(uint8_t **ret_seed);

/* The ed25519 public key of a seed. */
int keyring_public_key(const uint8_t seed[KEYRING_SEED_SIZE], uint8_t ret[KEYRING_PUBLIC_KEY_SIZE]);
