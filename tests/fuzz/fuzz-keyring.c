/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The keyring file parser without the scrypt step (too slow to fuzz):
 * first byte 0: the rest is the decrypted plaintext (TOML) given to the
 * parser; otherwise the rest is a whole keyring file opened with a fixed key,
 * and, re-sealed as a valid box with that key, opened again so the
 * plaintext path is reached through the real decryption code. */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "keyring.h"
#include "secure.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const uint8_t key[KEYRING_KEY_SIZE] = { 1, 2, 3 };
        const char *reason = NULL;
        uint8_t *seed = NULL, *file;
        size_t plain_len, file_len;

        if (size < 1 || sodium_init() < 0)
                return 0;
        if (data[0] == 0) {
                if (keyring_parse_plaintext((const char *) data + 1, size - 1, &seed, &reason) >= 0)
                        secure_free(seed);
                else if (!reason)
                        abort();
                return 0;
        }

        data++, size--;
        if (keyring_open_with_key(data, size, key, &seed, &reason) >= 0)
                abort(); /* forging a Poly1305 tag: cannot happen */
        if (size > KEYRING_MAX_SIZE)
                return 0;
        /* salt and nonce from the input (zero-padded), the rest as plaintext */
        plain_len = size > 56 ? size - 56 : 0;
        file_len = 56 + KEYRING_MAC_SIZE + plain_len;
        file = calloc(1, file_len);
        if (!file)
                return 0;
        memcpy(file, data, size < 56 ? size : 56);
        crypto_secretbox_easy(file + 56, size > 56 ? data + 56 : data, plain_len, file + 32, key);
        if (keyring_open_with_key(file, file_len, key, &seed, &reason) >= 0)
                secure_free(seed);
        else if (!reason)
                abort();
        free(file);
        return 0;
}
