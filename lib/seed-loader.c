/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kernel-keys.h"
#include "keyring.h"
#include "log.h"
#include "seed-loader.h"
#include "secure.h"

static void *seed_loader_thread(void *userdata) {
        SeedLoader *l = userdata;

        l->r = keyring_load_quiet(l->keyring, l->pass, l->len, &l->seed, &l->reason);
        secure_free(l->pass);
        l->pass = NULL;
        return NULL;
}

void seed_loader_start(SeedLoader *l, const char *keyring, char *pass, size_t len) {
        *l = (SeedLoader) { .keyring = keyring, .pass = pass, .len = len };
        if (pthread_create(&l->thread, NULL, seed_loader_thread, l) == 0)
                l->running = true;
        else
                seed_loader_thread(l); /* no thread: now */
}

int seed_loader_from_kernel(SeedLoader *l) {
        _cleanup_secure_free_ uint8_t *seed = secure_alloc(KEYRING_SEED_SIZE);
        int r;

        *l = (SeedLoader) { .keyring = "the kernel keyring" };
        if (!seed)
                return log_oom();
        r = kernel_key_read_trusted(KERNEL_KEY_SEED, seed, KEYRING_SEED_SIZE);
        if (r == -ENOKEY && kernel_key_find_trusted(KERNEL_KEY_PUBLIC) >= 0)
                /* key mode "public": never fall back to the keyring file and
                 * its passphrase in the very boot that mode distrusts */
                return log_error_errno(EKEYREVOKED,
                                       "The secret key %s is only loaded in safe mode: boot with realmboot.safe_mode "
                                       "(the \"safe mode\" boot menu entry), or give --keyring FILE",
                                       KERNEL_KEY_SEED);
        if (r == -ENOKEY)
                return log_error_errno(ENOKEY, "No signing key: no %s key in the kernel keyring and no --keyring",
                                       KERNEL_KEY_SEED);
        if (r < 0)
                return log_error_errno(r, "Cannot read the kernel key %s: %m", KERNEL_KEY_SEED);
        l->seed = TAKE_PTR(seed);
        return 0;
}

static void seed_loader_join(SeedLoader *l) {
        if (l->running) {
                (void) pthread_join(l->thread, NULL);
                l->running = false;
        }
}

int seed_loader_get(void *userdata, const uint8_t **ret_seed) {
        SeedLoader *l = userdata;

        seed_loader_join(l);
        if (l->r < 0)
                return keyring_log_load_error(l->keyring, l->r, l->reason);
        *ret_seed = l->seed;
        return 0;
}

void seed_loader_done(SeedLoader *l) {
        seed_loader_join(l);
        secure_free(l->seed);
        l->seed = NULL;
}
