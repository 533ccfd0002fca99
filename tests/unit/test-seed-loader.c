/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "keyring.h"
#include "secure.h"
#include "seed-loader.h"
#include "tests.h"

static char dir[] = "/tmp/test-seed-loader-XXXXXX";

static char *secret(const char *s) {
        char *p = secure_alloc(strlen(s) + 1);
        ASSERT_TRUE(p);
        memcpy(p, s, strlen(s) + 1);
        return p;
}

int main(void) {
        uint8_t seed[KEYRING_SEED_SIZE];
        const uint8_t *got = NULL;
        char path[300], cmd[400];
        SeedLoader l;

        ASSERT_OK(secure_init());
        ASSERT_TRUE(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/keyring", dir);
        for (size_t i = 0; i < sizeof seed; i++)
                seed[i] = (uint8_t) (i * 3 + 1);
        ASSERT_OK(keyring_save(path, seed, "pass", 4, true));

        /* the right passphrase: the seed, derived in the thread */
        seed_loader_start(&l, path, secret("pass"), 4);
        ASSERT_OK(seed_loader_get(&l, &got));
        ASSERT_TRUE(memcmp(got, seed, sizeof seed) == 0);
        seed_loader_done(&l);
        ASSERT_TRUE(!l.seed && !l.pass);

        /* a wrong one: no seed, the reason logged when asked for */
        seed_loader_start(&l, path, secret("wrong"), 5);
        ASSERT_EQ(seed_loader_get(&l, &got), -EKEYREJECTED);
        seed_loader_done(&l);

        /* never asked for (the image failed first): done still joins and wipes */
        seed_loader_start(&l, path, secret("pass"), 4);
        seed_loader_done(&l);
        ASSERT_TRUE(!l.running && !l.seed);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
