/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The signing seed of a keyring file, derived in a thread while an image is
 * being built: the keyring's KDF (scrypt, tens of ms) then costs no time.
 * The caller reads (or asks) the passphrase first, before any work starts,
 * and hands it over. */

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct SeedLoader {
        const char *keyring;
        char *pass;    /* secure memory, owned (and wiped) by the loader */
        size_t len;
        uint8_t *seed; /* secure memory */
        int r;
        const char *reason;
        pthread_t thread;
        bool running;
} SeedLoader;

/* Takes ownership of pass (secure_alloc()'d) and starts the KDF in a thread
 * (or now, when no thread can be made). */
void seed_loader_start(SeedLoader *l, const char *keyring, char *pass, size_t len);

/* The signing key of the boot instead (DESIGN.md "Kernel keys"): the seed
 * realmfs-user from uid 0's user keyring, under the trust-anchor rule of
 * kernel-keys.h; no passphrase.  When it is not there, one line says why:
 * -EKEYREVOKED when only the public key is loaded (key mode "public": the
 * secret key is in the kernel only in safe mode), -ENOKEY when there is no
 * user key at all. */
int seed_loader_from_kernel(SeedLoader *l);

/* A RealmfsSeedFn (seal.h): waits for the thread and returns the seed, or
 * logs why there is none (one line naming the keyring). */
int seed_loader_get(void *userdata, const uint8_t **ret_seed);

/* Waits for the thread and wipes the seed.  An error of the keyring that
 * nobody asked for (the image failed first) is not reported: one error
 * line per run. */
void seed_loader_done(SeedLoader *l);
