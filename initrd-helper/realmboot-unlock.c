/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmboot-unlock: in the initrd, after systemd-cryptsetup unlocked the
 * disk, decrypt the user keyring with the disk passphrase and load the user
 * keys into the kernel keyring.  Never blocks the boot: every wait is
 * bounded, every failure is logged with a MESSAGE_ID and a distinct exit
 * status, and the unit is not fatal.
 *
 * Secrets (cached passphrases, asked passphrase, derived key, seed) live
 * only in secure_alloc() memory and are wiped on every path; this process
 * is not dumpable; nothing secret goes to argv, the environment or logs. */

#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "cmdline.h"
#include "config.h"
#include "measure.h"
#include "fileio.h"
#include "keyring.h"
#include "kernel-keys.h"
#include "log.h"
#include "netguard.h"
#include "passphrase.h"
#include "process.h"
#include "secure.h"
#include "util.h"

/* Exit statuses, documented in realmboot-unlock(8). */
enum {
        EXIT_KEYS_LOADED = 0,
        EXIT_FAILURE_OTHER = 1,
        EXIT_USAGE = 2,
        EXIT_NO_KEYRING = 3,
        EXIT_BAD_KEYRING = 4,
        EXIT_WRONG_PASSPHRASE = 5,
        EXIT_NO_PASSPHRASE = 6,
        EXIT_KERNEL_KEYS = 7,
};

/* Journal catalog MESSAGE_IDs, documented in realmboot-unlock(8). */
#define MID_KEYS_LOADED "b19747176aa84e0096ee975426632807"
#define MID_NO_KEYRING "c8d552bfb42d499dbe36f2bc06911f7d"
#define MID_BAD_KEYRING "afabeea37d1741d0bb6a12333ff02846"
#define MID_WRONG_PASSPHRASE "fa0e689a3643480ca6044383a539121d"
#define MID_NO_PASSPHRASE "a3f52f6ee1ca4b019ebbd3db895e8d4a"
#define MID_KERNEL_KEYS "fe7d28da86d64eaa87f382c41206ddfb"
#define MID_SAFE_MODE_ONLINE "e2220ff669dc469792725672c8c1dece"

#define ASK_ATTEMPTS 3
#define ASK_TIMEOUT_MAX_SEC 240 /* the unit's TimeoutStartSec= is above this */

static const char *arg_root = NULL;
static key_serial_t arg_target = KEY_SPEC_USER_KEYRING;
static const char *arg_target_name = "@u";

static int help(void) {
        printf("realmboot-unlock [OPTIONS]\n\n"
               "Decrypt the realmboot user keyring with the disk passphrase cached by\n"
               "systemd-cryptsetup (or asked for) and load the user keys into the kernel keyring.\n\n"
               "  --root DIR             root the keyring path is under (default /sysroot in the\n"
               "                         initrd, / otherwise)\n"
               "  --target-keyring RING  @u (default), @s, or a keyring id\n"
               "  -h --help              show this help\n"
               "     --version           show the version\n\n"
               "See realmboot-unlock(8).\n");
        return 0;
}

static int parse_argv(int argc, char **argv) {
        enum { ARG_VERSION = 0x100, ARG_ROOT, ARG_TARGET };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "root", required_argument, NULL, ARG_ROOT },
                { "target-keyring", required_argument, NULL, ARG_TARGET },
                {},
        };
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        (void) version_print("realmboot-unlock");
                        return 0;
                case ARG_ROOT:
                        arg_root = optarg;
                        break;
                case ARG_TARGET:
                        if (kernel_keyring_parse(optarg, &arg_target) < 0) {
                                fprintf(stderr, "realmboot-unlock: invalid --target-keyring '%s' (@u, @s or an id)\n", optarg);
                                return -EINVAL;
                        }
                        arg_target_name = optarg;
                        break;
                case ':':
                        fprintf(stderr, "realmboot-unlock: option '%s' needs a value\n", argv[optind - 1]);
                        return -EINVAL;
                default:
                        fprintf(stderr, "realmboot-unlock: unknown option '%s' (see --help)\n", argv[optind - 1]);
                        return -EINVAL;
                }
        if (optind < argc) {
                fprintf(stderr, "realmboot-unlock: unexpected argument '%s'\n", argv[optind]);
                return -EINVAL;
        }
        return 1;
}

/* Safe mode gets the key pair only when the boot is offline: no
 * non-loopback interface up (a network brought up in the initrd, by ip=,
 * rd.neednet or a remote unlock, would be up now).  Otherwise the public key
 * only, said in one line. */
static bool offline_for_safe_mode(void) {
        char ifname[IF_NAMESIZE] = "", field[32 + IF_NAMESIZE];
        int r = network_find_up_link(ifname);

        if (r == 0)
                return true;
        snprintf(field, sizeof field, "REALMBOOT_IFNAME=%s", ifname);
        if (r > 0)
                log_struct_errno(LOG_WARNING, 0, MID_SAFE_MODE_ONLINE, field,
                                 "Safe mode, but network interface %s is up (network in the initrd: ip=, rd.neednet, "
                                 "remote unlock?): loading the public key only, not the secret key.",
                                 ifname);
        else
                log_struct_errno(LOG_WARNING, r, MID_SAFE_MODE_ONLINE, NULL,
                                 "Safe mode, but cannot tell whether the network is up (%m): loading the public key "
                                 "only, not the secret key.");
        return false;
}

/* ---- where things are ---- */

/* The root the keyring path is under: --root, else /sysroot in the initrd,
 * else /; prefixed by $REALMBOOT_ROOT (test hook) like every path read. */
static int find_root(char **ret) {
        if (arg_root)
                return (*ret = strdup(arg_root)) ? 0 : -ENOMEM;
        return path_with_root(in_initrd() ? "/sysroot" : "/", ret);
}

/* The configuration of the system being booted (<root>/etc/...) wins over
 * the copy in the initrd, which is only a fallback. */
static void load_config(const char *root, RealmbootConfig *config) {
        _cleanup_free_ char *p = NULL;

        if (path_join(root, REALMBOOT_CONFIG_PATH, &p) >= 0 && access(p, F_OK) == 0)
                (void) realmboot_config_load(p, config);
        else
                (void) realmboot_config_load(NULL, config);
}

/* ---- passphrases ---- */

/* Tries each NUL-separated cached passphrase, newest (last) first. */
static int try_cached(const uint8_t *data, size_t len, const char *keyring_path, uint8_t **ret_seed,
                      unsigned *ret_tried) {
        _cleanup_secure_free_ char *cache = NULL;
        size_t cache_len, end;
        unsigned tried = 0;
        int r;

        r = kernel_key_read_cached_passphrases(&cache, &cache_len);
        *ret_tried = 0;
        if (r == -ENOKEY) {
                log_info("No cached disk passphrase (kernel key \"cryptsetup\") found.");
                return -ENOKEY;
        }
        if (r < 0)
                return log_warning_errno(r, "Cannot read the cached disk passphrase: %m");

        end = cache_len;
        while (end > 0) {
                const char *reason = NULL;
                size_t start = end;

                while (start > 0 && cache[start - 1] != 0)
                        start--;
                if (end > start) {
                        tried++;
                        r = keyring_decrypt(data, len, cache + start, end - start, ret_seed, &reason);
                        if (r >= 0) {
                                log_info("%s: unlocked with cached passphrase %u (newest first).", keyring_path, tried);
                                *ret_tried = tried;
                                return 0;
                        }
                        if (r != -EKEYREJECTED) {
                                *ret_tried = tried;
                                return log_struct_errno(LOG_ERR, r, MID_BAD_KEYRING, NULL, "%s: %s", keyring_path,
                                                        reason ? reason : "cannot decrypt");
                        }
                }
                end = start > 0 ? start - 1 : 0;
        }
        *ret_tried = tried;
        log_info("%s: none of the %u cached passphrases opens it.", keyring_path, tried);
        return -EKEYREJECTED;
}

static const char *ask_password_program(void) {
        const char *e = test_hook_getenv("REALMBOOT_ASK_PASSWORD");

        return e && *e ? e : SYSTEMD_ASK_PASSWORD;
}

/* One systemd-ask-password run, bounded by deadline; its answer in secure
 * memory.  -ETIME: the deadline passed; -ENOKEY: cancelled, or no agent. */
static int ask_once(const char *prompt, uint64_t deadline, char **ret, size_t *ret_len) {
        _cleanup_(process_result_done_secret) ProcessResult res = { .exit_status = -1 };
        char timeout_arg[64];
        char *argv[] = { (char *) ask_password_program(), (char *) "--id=realmboot:keyring", (char *) "--icon=",
                         timeout_arg, (char *) prompt, NULL };
        uint64_t now = now_usec();
        int r;

        if (now >= deadline)
                return -ETIME;
        snprintf(timeout_arg, sizeof timeout_arg, "--timeout=%llu",
                 (unsigned long long) ((deadline - now + 999999) / 1000000));
        /* one byte more than a passphrase may have: a longer answer is refused */
        r = process_run(argv, deadline, PROCESS_STDOUT_SECRET, PASSPHRASE_MAX + 2, &res);
        if (r == -EPROTO)
                return -ENOKEY;
        if (r < 0)
                return r;
        if (res.output_len > 0 && res.output[res.output_len - 1] == '\n')
                res.output[--res.output_len] = 0;
        if (res.output_len > PASSPHRASE_MAX)
                return -E2BIG;
        *ret_len = res.output_len;
        *ret = TAKE_PTR(res.output);
        return 0;
}

/* Asks up to ASK_ATTEMPTS times within timeout_sec in total. */
static int try_asking(const uint8_t *data, size_t len, const char *keyring_path, uint64_t timeout_sec,
                      uint8_t **ret_seed, unsigned *ret_wrong) {
        _cleanup_free_ char *prompt = NULL;
        uint64_t deadline = now_usec() + MIN(timeout_sec, (uint64_t) ASK_TIMEOUT_MAX_SEC) * 1000000u;
        int r = -ENOKEY;

        *ret_wrong = 0;
        if (asprintf(&prompt, "Passphrase for the realmboot user keyring (%s):", keyring_path) < 0)
                return log_oom();
        for (unsigned attempt = 1; attempt <= ASK_ATTEMPTS; attempt++) {
                _cleanup_secure_free_ char *pass = NULL;
                const char *reason = NULL;
                size_t pass_len;

                (void) sd_notifyf(false, "STATUS=Waiting for the passphrase of %s (attempt %u of %u)",
                                  keyring_path, attempt, ASK_ATTEMPTS);
                r = ask_once(prompt, deadline, &pass, &pass_len);
                if (r == -ETIME || r == -ENOKEY) {
                        log_warning("%s: no passphrase was given (%s).", keyring_path,
                                    r == -ETIME ? "timed out" : "cancelled, or no password agent");
                        return r;
                }
                if (r < 0)
                        return log_error_errno(r, "Cannot ask for the passphrase: %m");
                r = keyring_decrypt(data, len, pass, pass_len, ret_seed, &reason);
                if (r >= 0)
                        return 0;
                if (r != -EKEYREJECTED)
                        return log_struct_errno(LOG_ERR, r, MID_BAD_KEYRING, NULL, "%s: %s", keyring_path,
                                                reason ? reason : "cannot decrypt");
                (*ret_wrong)++;
                log_warning("%s: wrong passphrase (attempt %u of %u).", keyring_path, attempt, ASK_ATTEMPTS);
        }
        return -EKEYREJECTED;
}

/* ---- kernel keys ---- */

/* The keys are in the wanted state already (the initrd loaded them, or this
 * is a second run): nothing to decrypt, no passphrase to ask for. */
static int already_loaded(KeyMode mode) {
        bool has_public = kernel_key_find(arg_target, KERNEL_KEY_PUBLIC) > 0;
        bool has_seed = kernel_key_find(arg_target, KERNEL_KEY_SEED) > 0;
        int r;

        if (!has_public)
                return 0;
        if (mode == KEY_MODE_PAIR)
                return has_seed;
        if (has_seed) {
                r = kernel_key_remove(arg_target, KERNEL_KEY_SEED);
                if (r < 0)
                        return log_struct_errno(LOG_ERR, r, MID_KERNEL_KEYS, NULL,
                                                "Cannot remove the secret key %s from %s: %m", KERNEL_KEY_SEED,
                                                arg_target_name);
                log_info("Key mode public: removed the secret key %s from %s.", KERNEL_KEY_SEED, arg_target_name);
        }
        return 1;
}

static int load_keys(const uint8_t *seed, KeyMode mode) {
        uint8_t pk[KEYRING_PUBLIC_KEY_SIZE];
        int r;

        r = keyring_public_key(seed, pk);
        if (r < 0)
                return r;
        r = kernel_key_set(arg_target, KERNEL_KEY_PUBLIC, pk, sizeof pk, KERNEL_KEY_PUBLIC_PERM);
        if (r < 0)
                return r;
        if (mode == KEY_MODE_PAIR)
                return kernel_key_set(arg_target, KERNEL_KEY_SEED, seed, KEYRING_SEED_SIZE, KERNEL_KEY_SEED_PERM);
        return kernel_key_remove(arg_target, KERNEL_KEY_SEED);
}

/* ---- main ---- */

/* What run() ends with: each step logs what went wrong (one line with a
 * MESSAGE_ID) and returns one of these, the one place they become the exit
 * statuses of realmboot-unlock(8).  Anything else: EXIT_FAILURE_OTHER. */
static const struct {
        int error;
        int status;
} exit_statuses[] = {
        { 0, EXIT_KEYS_LOADED },
        { -ENOENT, EXIT_NO_KEYRING },           /* no keyring file */
        { -EBADMSG, EXIT_BAD_KEYRING },         /* unreadable, or not a keyring */
        { -EKEYREJECTED, EXIT_WRONG_PASSPHRASE },
        { -ENOKEY, EXIT_NO_PASSPHRASE },        /* nothing cached, nobody answered */
        { -EKEYREVOKED, EXIT_KERNEL_KEYS },     /* the kernel keyring refused a change */
};

static int exit_status_of(int r) {
        for (size_t i = 0; i < ELEMENTSOF(exit_statuses); i++)
                if (exit_statuses[i].error == r)
                        return exit_statuses[i].status;
        return EXIT_FAILURE_OTHER;
}

static KeyMode choose_mode(const RealmbootCmdline *cmdline, const RealmbootConfig *config, const char **ret_why) {
        if (cmdline->safe_mode && offline_for_safe_mode()) {
                *ret_why = "safe mode";
                return KEY_MODE_PAIR;
        }
        if (cmdline->safe_mode) {
                *ret_why = "safe mode, but the network is up";
                return KEY_MODE_PUBLIC;
        }
        if (cmdline->key_mode != KEY_MODE_UNSET) {
                *ret_why = "kernel command line";
                return cmdline->key_mode;
        }
        *ret_why = "configuration";
        return config->key_mode;
}

/* The keyring file: -ENOENT or -EBADMSG, logged. */
static int read_keyring(const char *path, char **ret, size_t *ret_len) {
        const char *reason = NULL;
        int r;

        r = read_full_file(path, KEYRING_MAX_SIZE, 0, ret, ret_len);
        if (r == -ENOENT)
                return log_struct_errno(LOG_WARNING, r, MID_NO_KEYRING, NULL,
                                        "%s: no user keyring; RealmFS user keys not loaded.", path);
        if (r >= 0 && keyring_check_size(*ret_len, &reason) >= 0)
                return 0;
        log_struct_errno(LOG_ERR, r < 0 ? r : EBADMSG, MID_BAD_KEYRING, NULL,
                         "%s: unusable keyring: %s; RealmFS user keys not loaded.", path,
                         r == -EFBIG ? "file too large to be a keyring" : r < 0 ? fileio_error(r) : reason);
        return -EBADMSG;
}

/* The seed, with a cached passphrase or one asked for: -EBADMSG,
 * -EKEYREJECTED or -ENOKEY, logged. */
static int open_keyring(const uint8_t *data, size_t len, const char *path, uint64_t ask_timeout_sec,
                        uint8_t **ret_seed) {
        unsigned cached_tried = 0, asked_wrong = 0;
        int r;

        r = try_cached(data, len, path, ret_seed, &cached_tried);
        if (r == -EKEYREJECTED || r == -ENOKEY || (r < 0 && r != -EBADMSG))
                r = try_asking(data, len, path, ask_timeout_sec, ret_seed, &asked_wrong);
        (void) sd_notify(false, "STATUS=");
        if (r >= 0 || r == -EBADMSG)
                return r; /* -EBADMSG: logged */
        if (r == -EKEYREJECTED || cached_tried + asked_wrong > 0)
                return log_struct_errno(LOG_ERR, EKEYREJECTED, MID_WRONG_PASSPHRASE, NULL,
                                        "%s: no passphrase opened it (%u cached, %u typed); RealmFS user keys not "
                                        "loaded.", path, cached_tried, asked_wrong);
        log_struct_errno(LOG_ERR, r, MID_NO_PASSPHRASE, NULL,
                         "%s: no passphrase available; RealmFS user keys not loaded.", path);
        return -ENOKEY;
}

static int run(void) {
        _cleanup_free_ char *root = NULL, *keyring_path = NULL, *data = NULL;
        _cleanup_secure_free_ uint8_t *seed = NULL;
        _cleanup_(realmboot_config_done) RealmbootConfig config = {};
        _cleanup_(realmboot_cmdline_done) RealmbootCmdline cmdline = {};
        const char *mode_why;
        MeasureSettings ms;
        KeyMode mode;
        size_t len;
        int r;

        r = realmboot_cmdline_load(&cmdline);
        if (r < 0)
                return r; /* logged as what it is */
        if (cmdline.debug)
                log_set_max_level(LOG_DEBUG);
        if (cmdline.disable) {
                log_notice("realmboot.disable on the kernel command line: not loading keys.");
                return 0;
        }
        r = find_root(&root);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the root path: %m");
        load_config(root, &config);
        mode = choose_mode(&cmdline, &config, &mode_why);
        /* the boot's own words, before any key is loaded: a TPM secret
         * bound to the safe-mode value is then out of reach of any other
         * boot ([L]) */
        measure_settings(&config, &cmdline, &ms);
        if (measure_boot(&ms, &cmdline) < 0 && cmdline.safe_mode && mode == KEY_MODE_PAIR) {
                mode = KEY_MODE_PUBLIC;
                mode_why = "safe mode, but not measured and [measure] required";
        }
        log_debug("Key mode %s (%s), target keyring %s.", key_mode_to_string(mode), mode_why, arg_target_name);
        r = path_join(root, config.keyring, &keyring_path);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the keyring path: %m");

        r = already_loaded(mode);
        if (r < 0)
                return -EKEYREVOKED; /* logged */
        if (r > 0) {
                log_info("User keys already in %s (key mode %s): nothing to do.", arg_target_name,
                         key_mode_to_string(mode));
                return 0;
        }
        r = read_keyring(keyring_path, &data, &len);
        if (r < 0)
                return r;
        r = open_keyring((const uint8_t *) data, len, keyring_path, config.ask_timeout_sec, &seed);
        if (r < 0)
                return r;
        r = load_keys(seed, mode);
        if (r < 0) {
                log_struct_errno(LOG_ERR, r, MID_KERNEL_KEYS, NULL, "Cannot load the user keys into %s: %m",
                                 arg_target_name);
                return -EKEYREVOKED;
        }
        log_struct_errno(LOG_INFO, 0, MID_KEYS_LOADED,
                         mode == KEY_MODE_PAIR ? "REALMBOOT_KEY_MODE=pair" : "REALMBOOT_KEY_MODE=public",
                         "Loaded the RealmFS user %s into %s (key mode %s, %s).",
                         mode == KEY_MODE_PAIR ? "key pair" : "public key", arg_target_name,
                         key_mode_to_string(mode), mode_why);
        return 0;
}

int main(int argc, char **argv) {
        int r;

        log_setup("realmboot-unlock", LOG_TARGET_AUTO);
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? EXIT_USAGE : 0;
        if (secure_init() < 0) {
                log_error("Cannot initialize libsodium.");
                return EXIT_FAILURE_OTHER;
        }
        return exit_status_of(run());
}
