/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl: inspect, verify, create and sign RealmFS images; manage the
 * user keyring.  A thin front over lib/: argument parsing and output only.
 * Exit status: 0 ok, 1 failure or rejected, 2 usage. */

#include <getopt.h>
#include <pthread.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>

#include "header.h"
#include "image.h"
#include "json.h"
#include "keyring.h"
#include "log.h"
#include "passphrase.h"
#include "secure.h"
#include "util.h"

#define EXIT_USAGE 2

static _printf_(1, 2) int usage_error(const char *fmt, ...) {
        va_list ap;

        fputs("realmfsctl: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputs(" (see realmfsctl --help)\n", stderr);
        return EXIT_USAGE;
}

static int help(void) {
        printf("realmfsctl — RealmFS images and the realmboot user keyring\n\n"
               "Usage:\n"
               "  realmfsctl inspect [--json] IMAGE\n"
               "  realmfsctl verify [--public-key HEX]... IMAGE\n"
               "  realmfsctl attach [--dry-run] NAME\n"
               "  realmfsctl detach NAME\n"
               "  realmfsctl create --name NAME --from DIR [--channel C] [--owner REALM]\n"
               "                    --keyring FILE [--passphrase-file FILE] OUT\n"
               "  realmfsctl sign|seal [--channel C] --keyring FILE [--passphrase-file FILE] IMAGE\n"
               "  realmfsctl keyring init|show-public --keyring FILE [--passphrase-file FILE]\n"
               "  realmfsctl keyring passwd --keyring FILE [--passphrase-file OLD] [--new-passphrase-file NEW]\n"
               "  realmfsctl --help | --version\n\n"
               "IMAGE files are named NAME-realmfs.img; attach and detach take the NAME of an image\n"
               "in the configured images directory.  Passphrase files are read whole,\n"
               "minus one trailing newline; without one, the passphrase is asked on the terminal.\n"
               "Exit status: 0 success, 1 failure or image rejected, 2 usage error.\n"
               "See realmfsctl(1), realmfs(5).\n");
        return 0;
}

/* ---- shared option handling ---- */

typedef struct Args {
        bool json, dry_run;
        const char *keyring, *passphrase_file, *new_passphrase_file;
        const char *name, *from, *channel, *owner;
        char **public_keys;
        size_t n_public_keys;
        int argc;      /* positional arguments left */
        char **argv;
} Args;

enum {
        OPT_JSON = 0x100,
        OPT_PUBLIC_KEY,
        OPT_KEYRING,
        OPT_PASSPHRASE_FILE,
        OPT_NEW_PASSPHRASE_FILE,
        OPT_NAME,
        OPT_FROM,
        OPT_CHANNEL,
        OPT_OWNER,
        OPT_DRY_RUN,
};

/* Parses the options a verb allows (allowed: a string of OPT_* codes). */
static int parse_verb_args(const char *verb, int argc, char **argv, const int *allowed, size_t n_allowed,
                           Args *a) {
        static const struct option options[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "public-key", required_argument, NULL, OPT_PUBLIC_KEY },
                { "keyring", required_argument, NULL, OPT_KEYRING },
                { "passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE },
                { "new-passphrase-file", required_argument, NULL, OPT_NEW_PASSPHRASE_FILE },
                { "name", required_argument, NULL, OPT_NAME },
                { "from", required_argument, NULL, OPT_FROM },
                { "channel", required_argument, NULL, OPT_CHANNEL },
                { "owner", required_argument, NULL, OPT_OWNER },
                { "dry-run", no_argument, NULL, OPT_DRY_RUN },
                {},
        };
        int c;

        optind = 0;
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:", options, NULL)) >= 0) {
                bool ok = false;

                if (c == '?')
                        return usage_error("%s: unknown option '%s'", verb, argv[optind - 1]);
                if (c == ':')
                        return usage_error("%s: option '%s' needs a value", verb, argv[optind - 1]);
                for (size_t i = 0; i < n_allowed; i++)
                        ok = ok || allowed[i] == c;
                if (!ok)
                        return usage_error("%s: option '%s' does not apply", verb, argv[optind - 1]);
                switch (c) {
                case OPT_JSON:
                        a->json = true;
                        break;
                case OPT_PUBLIC_KEY: {
                        char **k = realloc(a->public_keys, (a->n_public_keys + 1) * sizeof(char *));
                        if (!k)
                                return log_oom(), 1;
                        a->public_keys = k;
                        k[a->n_public_keys++] = optarg;
                        break;
                }
                case OPT_KEYRING:
                        a->keyring = optarg;
                        break;
                case OPT_PASSPHRASE_FILE:
                        a->passphrase_file = optarg;
                        break;
                case OPT_NEW_PASSPHRASE_FILE:
                        a->new_passphrase_file = optarg;
                        break;
                case OPT_NAME:
                        a->name = optarg;
                        break;
                case OPT_FROM:
                        a->from = optarg;
                        break;
                case OPT_CHANNEL:
                        a->channel = optarg;
                        break;
                case OPT_OWNER:
                        a->owner = optarg;
                        break;
                case OPT_DRY_RUN:
                        a->dry_run = true;
                        break;
                }
        }
        a->argc = argc - optind;
        a->argv = argv + optind;
        return 0;
}

static int get_passphrase(const char *file, const char *prompt, bool confirm, char **ret, size_t *ret_len) {
        _cleanup_secure_free_ char *again = NULL;
        size_t again_len;
        int r;

        if (file)
                return passphrase_read_file(file, ret, ret_len) < 0 ? -1 : 0;
        r = passphrase_ask_tty(prompt, ret, ret_len);
        if (r == -ENXIO)
                return log_error_errno(r, "No terminal to ask for the passphrase; use --passphrase-file"), -1;
        if (r < 0)
                return log_error_errno(r, "Cannot read passphrase: %m"), -1;
        if (!confirm)
                return 0;
        r = passphrase_ask_tty("Repeat passphrase: ", &again, &again_len);
        if (r < 0 || again_len != *ret_len || memcmp(again, *ret, again_len) != 0) {
                secure_free(*ret);
                *ret = NULL;
                return log_error_errno(EINVAL, "Passphrases do not match"), -1;
        }
        return 0;
}

/* The passphrase of the keyring named in args (file or terminal). */
static int keyring_passphrase(const Args *a, char **ret, size_t *ret_len) {
        _cleanup_free_ char *prompt = NULL;

        if (asprintf(&prompt, "Passphrase for %s: ", a->keyring) < 0)
                return log_oom();
        if (get_passphrase(a->passphrase_file, prompt, false, ret, ret_len) < 0)
                return -EINVAL;
        return 0;
}

/* Loads the seed from the keyring named in args. */
static int load_seed(const Args *a, uint8_t **ret_seed) {
        _cleanup_secure_free_ char *pass = NULL;
        size_t len;
        int r;

        r = keyring_passphrase(a, &pass, &len);
        if (r < 0)
                return r;
        return keyring_load(a->keyring, pass, len, ret_seed);
}

/* The seed for create and sign, derived in a thread while the image is
 * being built: the keyring's KDF (scrypt, tens of ms) then costs no time.
 * The passphrase is read (or asked) first, before any work starts. */
typedef struct SeedLoader {
        const char *keyring;
        char *pass;    /* secure memory, freed by the thread */
        size_t len;
        uint8_t *seed; /* secure memory */
        int r;
        const char *reason;
        pthread_t thread;
        bool running;
} SeedLoader;

static void *seed_loader_thread(void *userdata) {
        SeedLoader *l = userdata;

        l->r = keyring_load_quiet(l->keyring, l->pass, l->len, &l->seed, &l->reason);
        secure_free(l->pass);
        l->pass = NULL;
        return NULL;
}

static int seed_loader_start(const Args *a, SeedLoader *l) {
        int r;

        *l = (SeedLoader) { .keyring = a->keyring };
        r = keyring_passphrase(a, &l->pass, &l->len);
        if (r < 0)
                return r;
        if (pthread_create(&l->thread, NULL, seed_loader_thread, l) == 0)
                l->running = true;
        else
                seed_loader_thread(l); /* no thread: now */
        return 0;
}

static void seed_loader_join(SeedLoader *l) {
        if (l->running) {
                (void) pthread_join(l->thread, NULL);
                l->running = false;
        }
}

/* RealmfsSeedFn (called once, when the image is ready to be signed): waits
 * for the thread, and says why there is no seed. */
static int seed_loader_get(void *userdata, const uint8_t **ret_seed) {
        SeedLoader *l = userdata;

        seed_loader_join(l);
        if (l->r < 0)
                return keyring_log_load_error(l->keyring, l->r, l->reason);
        *ret_seed = l->seed;
        return 0;
}

/* Waits for the thread and wipes the seed.  An error of the keyring that
 * nobody asked for (the image failed first) is not reported: one error
 * line per run. */
static void seed_loader_done(SeedLoader *l) {
        seed_loader_join(l);
        secure_free(l->seed);
        l->seed = NULL;
}

/* ---- inspect ---- */

static void print_inspect_text(const RealmfsHeader *h, const RealmfsMetainfo *m) {
        const char *s = realmfs_status_to_string(h->status);
        char escaped[4 * REALMFS_METAINFO_MAX + 1];

        printf("status:   %u (%s)\n", h->status, s ? s : "?");
        printf("flags:    0x%02x%s%s%s\n", h->flags, h->flags & REALMFS_FLAG_PREFER_BOOT ? " prefer-boot" : "",
               h->flags & REALMFS_FLAG_HASH_TREE ? " hash-tree" : "",
               h->flags & REALMFS_FLAG_DATA_COMPRESSED ? " data-compressed" : "");
        printf("signed:   %s\n", realmfs_header_is_signed(h) ? "yes" : "no");
        if (m && m->has_verity) {
                char hex[65];
                hex_encode(m->verity.root_hash, 32, hex);
                printf("tag:      %.8s\n", hex);
        }
        printf("metainfo: %u bytes\n", h->metainfo_len);
        /* the metainfo of an image not (yet) trusted: its lines as they are,
         * any other control character escaped */
        fputs(escape_control(h->metainfo, "\n\t", escaped, sizeof escaped), stdout);
        if (h->metainfo_len > 0 && h->metainfo[h->metainfo_len - 1] != '\n')
                putchar('\n');
}

static void print_inspect_json(const RealmfsHeader *h, const RealmfsMetainfo *m) {
        const char *s = realmfs_status_to_string(h->status);

        printf("{\"status\": %u, \"status-name\": ", h->status);
        json_write_string(stdout, s, strlen(s));
        printf(", \"flags\": %u, \"signed\": %s", h->flags, realmfs_header_is_signed(h) ? "true" : "false");
        if (m->has_verity) {
                char hex[65];
                hex_encode(m->verity.root_hash, 32, hex);
                printf(", \"tag\": \"%.8s\"", hex);
        }
        fputs(", \"metainfo\": ", stdout);
        json_write_toml(stdout, m->doc);
        fputs("}\n", stdout);
}

static int verb_inspect(int argc, char **argv) {
        static const int allowed[] = { OPT_JSON };
        _cleanup_free_ char *error = NULL;
        RealmfsHeader h;
        RealmfsMetainfo m = {};
        Args a = {};
        int r;

        r = parse_verb_args("inspect", argc, argv, allowed, ELEMENTSOF(allowed), &a);
        if (r != 0)
                return r;
        if (a.argc != 1)
                return usage_error("inspect: expected one IMAGE");
        if (realmfs_header_read(a.argv[0], &h) < 0)
                return 1;
        r = realmfs_metainfo_parse(h.metainfo, h.metainfo_len, a.argv[0], &m, &error);
        if (r < 0) {
                if (!a.json)
                        print_inspect_text(&h, NULL);
                log_error("%s (header metainfo)", error ? error : a.argv[0]);
                return 1;
        }
        if (a.json)
                print_inspect_json(&h, &m);
        else
                print_inspect_text(&h, &m);
        realmfs_metainfo_done(&m);
        return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- verify ---- */

static int verb_verify(int argc, char **argv) {
        static const int allowed[] = { OPT_PUBLIC_KEY };
        _cleanup_free_ TrustedKey *keys = NULL;
        RealmfsImage img = REALMFS_IMAGE_NULL;
        size_t n_keys = 0;
        Args a = {};
        int r;

        r = parse_verb_args("verify", argc, argv, allowed, ELEMENTSOF(allowed), &a);
        if (r != 0)
                goto out;
        r = EXIT_USAGE;
        if (a.argc != 1) {
                usage_error("verify: expected one IMAGE");
                goto out;
        }
        if (a.n_public_keys > 0) {
                keys = calloc(a.n_public_keys, sizeof *keys);
                if (!keys) {
                        r = 1;
                        goto out;
                }
                for (size_t i = 0; i < a.n_public_keys; i++) {
                        if (hex_decode(a.public_keys[i], keys[i].public_key, 32) < 0) {
                                usage_error("verify: --public-key needs 64 hex digits");
                                goto out;
                        }
                        snprintf(keys[i].origin, sizeof keys[i].origin, "--public-key");
                }
                n_keys = a.n_public_keys;
        } else if (trust_collect(&keys, &n_keys) < 0) {
                r = 1;
                goto out;
        }

        r = 1;
        if (realmfs_image_open(a.argv[0], &img) < 0)
                goto out;
        if (realmfs_image_check_signature(&img, keys, n_keys, a.n_public_keys == 0) >= 0 &&
            realmfs_image_verify_data(&img) >= 0)
                r = 0;
        realmfs_image_close(&img);
out:
        free(a.public_keys);
        return r;
}

/* ---- attach / detach ---- */

static int verb_attach(int argc, char **argv) {
        static const int allowed[] = { OPT_DRY_RUN };
        Args a = {};
        int r;

        r = parse_verb_args("attach", argc, argv, allowed, ELEMENTSOF(allowed), &a);
        if (r != 0)
                return r;
        if (a.argc != 1)
                return usage_error("attach: expected one RealmFS NAME");
        return realmfs_attach(a.argv[0], a.dry_run) < 0 ? 1 : 0;
}

static int verb_detach(int argc, char **argv) {
        Args a = {};
        int r;

        r = parse_verb_args("detach", argc, argv, NULL, 0, &a);
        if (r != 0)
                return r;
        if (a.argc != 1)
                return usage_error("detach: expected one RealmFS NAME");
        return realmfs_detach(a.argv[0]) < 0 ? 1 : 0;
}

/* ---- create / sign ---- */

static int verb_create(int argc, char **argv) {
        static const int allowed[] = { OPT_NAME, OPT_FROM, OPT_CHANNEL, OPT_OWNER, OPT_KEYRING, OPT_PASSPHRASE_FILE };
        SeedLoader seed;
        Args a = {};
        int r;

        r = parse_verb_args("create", argc, argv, allowed, ELEMENTSOF(allowed), &a);
        if (r != 0)
                return r;
        if (a.argc != 1)
                return usage_error("create: expected one OUT image path");
        if (!a.name || !a.from || !a.keyring)
                return usage_error("create: --name, --from and --keyring are required");
        if (seed_loader_start(&a, &seed) < 0)
                return 1;
        r = realmfs_image_create(a.argv[0],
                                 &(RealmfsCreateParams) {
                                         .name = a.name,
                                         .from_dir = a.from,
                                         .channel = a.channel,
                                         .owner = a.owner,
                                 },
                                 seed_loader_get, &seed);
        seed_loader_done(&seed);
        return r < 0 ? 1 : 0;
}

static int verb_sign(int argc, char **argv) {
        static const int allowed[] = { OPT_CHANNEL, OPT_KEYRING, OPT_PASSPHRASE_FILE };
        SeedLoader seed;
        Args a = {};
        int r;

        r = parse_verb_args("sign", argc, argv, allowed, ELEMENTSOF(allowed), &a);
        if (r != 0)
                return r;
        if (a.argc != 1)
                return usage_error("sign: expected one IMAGE");
        if (!a.keyring)
                return usage_error("sign: --keyring is required");
        if (seed_loader_start(&a, &seed) < 0)
                return 1;
        r = realmfs_image_sign(a.argv[0], a.channel, seed_loader_get, &seed);
        seed_loader_done(&seed);
        return r < 0 ? 1 : 0;
}

/* ---- keyring ---- */

static int keyring_init(const Args *a) {
        _cleanup_secure_free_ uint8_t *seed = NULL;
        _cleanup_secure_free_ char *pass = NULL;
        size_t len;
        int r;

        if (access(a->keyring, F_OK) == 0)
                return log_error_errno(EEXIST, "%s: already exists, not overwriting", a->keyring), 1;
        if (get_passphrase(a->passphrase_file, "New keyring passphrase: ", true, &pass, &len) < 0)
                return 1;
        if (len == 0)
                return log_error_errno(EINVAL, "Refusing an empty passphrase"), 1;
        r = keyring_generate_seed(&seed);
        if (r < 0)
                return log_error_errno(r, "Cannot generate key: %m"), 1;
        r = keyring_save(a->keyring, seed, pass, len, true);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write keyring: %m", a->keyring), 1;
        return 0;
}

static int keyring_passwd(const Args *a) {
        _cleanup_secure_free_ uint8_t *seed = NULL;
        _cleanup_secure_free_ char *pass = NULL;
        size_t len;
        int r;

        if (load_seed(a, &seed) < 0)
                return 1;
        if (get_passphrase(a->new_passphrase_file, "New keyring passphrase: ", true, &pass, &len) < 0)
                return 1;
        if (len == 0)
                return log_error_errno(EINVAL, "Refusing an empty passphrase"), 1;
        r = keyring_save(a->keyring, seed, pass, len, false);
        if (r < 0)
                return log_error_errno(r, "%s: cannot write keyring (old one kept): %m", a->keyring), 1;
        return 0;
}

static int keyring_show_public(const Args *a) {
        _cleanup_secure_free_ uint8_t *seed = NULL;
        uint8_t pk[32];
        char hex[65];

        if (load_seed(a, &seed) < 0)
                return 1;
        if (keyring_public_key(seed, pk) < 0)
                return log_error_errno(EINVAL, "Cannot derive public key"), 1;
        hex_encode(pk, sizeof pk, hex);
        printf("%s\n", hex);
        return fflush(stdout) == 0 ? 0 : 1;
}

static int verb_keyring(int argc, char **argv) {
        static const int allowed[] = { OPT_KEYRING, OPT_PASSPHRASE_FILE, OPT_NEW_PASSPHRASE_FILE };
        const char *sub;
        Args a = {};
        int r;

        if (argc < 2)
                return usage_error("keyring: expected init, passwd or show-public");
        sub = argv[1];
        r = parse_verb_args("keyring", argc - 1, argv + 1, allowed, ELEMENTSOF(allowed), &a);
        if (r != 0)
                return r;
        if (a.argc != 0)
                return usage_error("keyring %s: unexpected argument '%s'", sub, a.argv[0]);
        if (!a.keyring)
                return usage_error("keyring %s: --keyring FILE is required", sub);
        if (a.new_passphrase_file && !streq(sub, "passwd"))
                return usage_error("keyring %s: --new-passphrase-file applies to passwd only", sub);
        if (streq(sub, "init"))
                return keyring_init(&a);
        if (streq(sub, "passwd"))
                return keyring_passwd(&a);
        if (streq(sub, "show-public"))
                return keyring_show_public(&a);
        return usage_error("keyring: unknown command '%s'", sub);
}

int main(int argc, char **argv) {
        static const struct {
                const char *verb;
                int (*run)(int argc, char **argv);
        } verbs[] = {
                { "inspect", verb_inspect }, { "verify", verb_verify }, { "create", verb_create },
                { "sign", verb_sign },       { "seal", verb_sign },     { "keyring", verb_keyring },
                { "attach", verb_attach },   { "detach", verb_detach },
        };

        log_setup("realmfsctl", LOG_TARGET_AUTO);
        if (secure_init() < 0) {
                fputs("realmfsctl: cannot initialize libsodium\n", stderr);
                return 1;
        }
        if (argc < 2)
                return usage_error("missing command");
        if (streq(argv[1], "--help") || streq(argv[1], "-h"))
                return help();
        if (streq(argv[1], "--version"))
                return version_print("realmfsctl");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(argv[1], verbs[i].verb)) {
                        for (int j = 2; j < argc; j++)
                                if (streq(argv[j], "--help") || streq(argv[j], "-h"))
                                        return help();
                        return verbs[i].run(argc - 1, argv + 1);
                }
        return usage_error("unknown command '%s'", argv[1]);
}
