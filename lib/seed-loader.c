/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "keyring.h"
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
