/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl keyring init | passwd | show-public, and the passphrase
 * prompts the signing verbs share. */

#include <stdio.h>

#include "keyring.h"
#include "log.h"
#include "passphrase.h"
#include "realmfsctl.h"
#include "secure.h"
#include "seed-loader.h"
#include "util.h"

/* From file, else asked (twice with confirm). */
static int get_passphrase(const char *file, const char *prompt, bool confirm, char **ret, size_t *ret_len) {
        _cleanup_secure_free_ char *again = NULL;
        size_t again_len;
        int r;

        if (file)
                return passphrase_read_file(file, ret, ret_len); /* logged */
        r = passphrase_ask_tty(prompt, ret, ret_len);
        if (r == -ENXIO)
                return log_error_errno(r, "No terminal to ask for the passphrase; use --passphrase-file");
        if (r < 0)
                return log_error_errno(r, "Cannot read passphrase: %m");
        if (!confirm)
                return 0;
        r = passphrase_ask_tty("Repeat passphrase: ", &again, &again_len);
        if (r < 0 || again_len != *ret_len || memcmp(again, *ret, again_len) != 0) {
                secure_free(*ret);
                *ret = NULL;
                return log_error_errno(EINVAL, "Passphrases do not match");
        }
        return 0;
}

int tool_keyring_passphrase(const Args *a, const char *keyring, char **ret, size_t *ret_len) {
        _cleanup_free_ char *prompt = NULL;

        if (asprintf(&prompt, "Passphrase for %s: ", keyring) < 0)
                return log_oom();
        return get_passphrase(arg_str(a, OPT_PASSPHRASE_FILE), prompt, false, ret, ret_len);
}

/* The signing key, in the order of DESIGN.md: --keyring FILE (its
 * passphrase now, its KDF in a thread while the image is made), else the
 * seed the boot loaded into the kernel. */
int tool_signing_key(const Args *a, SeedLoader *l) {
        char *pass = NULL;
        size_t len;
        int r;

        if (!arg_set(a, OPT_KEYRING))
                return seed_loader_from_kernel(l);
        r = tool_keyring_passphrase(a, arg_str(a, OPT_KEYRING), &pass, &len);
        if (r < 0)
                return r;
        seed_loader_start(l, arg_str(a, OPT_KEYRING), pass, len);
        return 0;
}

static int load_seed(const Args *a, uint8_t **ret_seed) {
        _cleanup_secure_free_ char *pass = NULL;
        size_t len;
        int r;

        r = tool_keyring_passphrase(a, arg_str(a, OPT_KEYRING), &pass, &len);
        if (r < 0)
                return r;
        return keyring_load(arg_str(a, OPT_KEYRING), pass, len, ret_seed);
}

static int new_passphrase(const char *file, char **ret, size_t *ret_len) {
        int r = get_passphrase(file, "New keyring passphrase: ", true, ret, ret_len);

        if (r < 0)
                return r;
        if (*ret_len == 0) {
                secure_free(*ret);
                *ret = NULL;
                return log_error_errno(EINVAL, "Refusing an empty passphrase");
        }
        return 0;
}

static int keyring_init(const Args *a) {
        const char *path = arg_str(a, OPT_KEYRING);
        _cleanup_secure_free_ uint8_t *seed = NULL;
        _cleanup_secure_free_ char *pass = NULL;
        size_t len;
        int r;

        if (access(path, F_OK) == 0)
                return log_error_errno(EEXIST, "%s: already exists, not overwriting", path);
        r = new_passphrase(arg_str(a, OPT_PASSPHRASE_FILE), &pass, &len);
        if (r < 0)
                return r;
        r = keyring_generate_seed(&seed);
        if (r < 0)
                return log_error_errno(r, "Cannot generate key: %m");
        r = keyring_save(path, seed, pass, len, true);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write keyring: %m", path);
        return 0;
}

static int keyring_passwd(const Args *a) {
        _cleanup_secure_free_ uint8_t *seed = NULL;
        _cleanup_secure_free_ char *pass = NULL;
        size_t len;
        int r;

        r = load_seed(a, &seed);
        if (r < 0)
                return r;
        r = new_passphrase(arg_str(a, OPT_NEW_PASSPHRASE_FILE), &pass, &len);
        if (r < 0)
                return r;
        r = keyring_save(arg_str(a, OPT_KEYRING), seed, pass, len, false);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write keyring (old one kept): %m", arg_str(a, OPT_KEYRING));
        return 0;
}

static int keyring_show_public(const Args *a) {
        _cleanup_secure_free_ uint8_t *seed = NULL;
        uint8_t pk[KEYRING_PUBLIC_KEY_SIZE];
        char hex[2 * KEYRING_PUBLIC_KEY_SIZE + 1];
        int r;

        r = load_seed(a, &seed);
        if (r < 0)
                return r;
        if (keyring_public_key(seed, pk) < 0)
                return log_error_errno(EINVAL, "Cannot derive public key");
        hex_encode(pk, sizeof pk, hex);
        printf("%s\n", hex);
        return fflush(stdout) == 0 ? 0 : -EIO;
}

/* Every keyring sub-verb needs --keyring: checked here, once. */
static int with_keyring(const Args *a, int (*fn)(const Args *a)) {
        if (!arg_set(a, OPT_KEYRING))
                return usage_error(a, "--keyring FILE is required");
        return fn(a);
}

static int run_init(const Args *a) {
        return with_keyring(a, keyring_init);
}
static int run_passwd(const Args *a) {
        return with_keyring(a, keyring_passwd);
}
static int run_show_public(const Args *a) {
        return with_keyring(a, keyring_show_public);
}

const Verb keyring_verbs[] = {
        { "init", 0, 0, KEYRING_OPTIONS, run_init, "--keyring FILE [--passphrase-file FILE]", NULL, NULL },
        { "passwd", 0, 0, KEYRING_OPTIONS | OPT_BIT(OPT_NEW_PASSPHRASE_FILE), run_passwd,
          "--keyring FILE [--passphrase-file OLD] [--new-passphrase-file NEW]", NULL, NULL },
        { "show-public", 0, 0, KEYRING_OPTIONS, run_show_public, "--keyring FILE [--passphrase-file FILE]", NULL, NULL },
};
const size_t n_keyring_verbs = ELEMENTSOF(keyring_verbs);
