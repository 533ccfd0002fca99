/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* realmfsctl update, resize, rollback: a new version of an image through
 * a work copy (lib/update.c), and back to the backup. */

#include <inttypes.h>
#include <stdio.h>

#include "attach.h"
#include "image.h"
#include "log.h"
#include "names.h"
#include "realm-state.h"
#include "realmfsctl.h"
#include "seed-loader.h"
#include "trust.h"
#include "update.h"
#include "util.h"
#include "verity.h"

/* What every verb here loads first: the config, the command line, the
 * image's path and the boot's keys. */
typedef struct Context {
        RealmbootConfig config;
        RealmbootCmdline cmdline;
        char *path;
        TrustedKey *keys;
        size_t n_keys;
} Context;

static void context_done(Context *c) {
        realmboot_config_done(&c->config);
        realmboot_cmdline_done(&c->cmdline);
        free(c->path);
        free(c->keys);
}

static int context_load(const char *name, Context *c) {
        int r;

        r = realmboot_system_load(&c->config, &c->cmdline);
        if (r < 0)
                return r;
        r = realmboot_image_path(&c->config, name, &c->path);
        if (r < 0)
                return r;
        return trust_collect(&c->config, &c->cmdline, &c->keys, &c->n_keys);
}

/* "Seal and save the changes to NAME? [y/N]" on the terminal. */
static bool confirm_on_terminal(const char *name, void *userdata) {
        _cleanup_fclose_ FILE *tty = fopen("/dev/tty", "r+e");
        char answer[16] = "";

        if (!tty) {
                log_error("%s: no terminal to ask whether to save: nothing saved (use --commit or --discard)", name);
                *(bool *) userdata = true;
                return false;
        }
        fprintf(tty, "Seal and save the changes to %s? [y/N] ", name);
        fflush(tty);
        if (!fgets(answer, sizeof answer, tty))
                return false;
        return streq(answer, "y\n") || streq(answer, "Y\n") || streq(answer, "yes\n");
}

/* The line update ends with: which realms still run on the previous
 * version, and when the new one is used.  An image attached that no realm
 * uses is detached now, so that the next realm gets the new version. */
static void report_realms(const Context *c, const char *name, const RealmfsUpdateResult *res) {
        _cleanup_free_ char *dm_name = NULL, *list = NULL;
        uint8_t root[VERITY_ROOT_SIZE];
        char **running = NULL;
        size_t n = 0, len = 0;
        FILE *f;
        int r;

        if (realmfs_device_name(name, &dm_name) < 0)
                return (void) log_oom();
        if (verity_active_root_hash(dm_name, root) < 0 || memcmp(root, res->old_root, sizeof root) != 0) {
                log_info("%s: no realm runs on version %" PRIi64 "; realms started now run on version %" PRIi64 ".",
                         name, res->old_version, res->new_version);
                return;
        }
        r = realms_running_on(&c->config, name, &running, &n);
        if (r >= 0 && n > 0) {
                f = open_memstream(&list, &len);
                if (!f)
                        return (void) log_oom();
                for (size_t i = 0; i < n; i++)
                        fprintf(f, "%s%s", i > 0 ? ", " : "", running[i]);
                fclose(f);
                log_notice("%s: still running on version %" PRIi64 ": %s; once none of them runs, a realm started "
                           "on %s runs on version %" PRIi64 ".", name, res->old_version, list, name, res->new_version);
                strv_free_n(running, n);
                return;
        }
        strv_free_n(running, n);
        /* attached, no realm on it (or no systemd to ask): re-attach on next use */
        if (realmfs_detach(name) >= 0 && verity_active_root_hash(dm_name, root) < 0)
                log_info("%s: no realm runs on version %" PRIi64 " (it was attached: detached); realms started now run "
                         "on version %" PRIi64 ".", name, res->old_version, res->new_version);
        else
                log_notice("%s: version %" PRIi64 " is still attached and in use; a realm started on it runs on version %"
                           PRIi64 " once /dev/mapper/%s is detached.", name, res->old_version, res->new_version, dm_name);
}

static int run_update(const Args *a, const char *name, RealmfsUpdate *u) {
        _cleanup_(context_done) Context c = {};
        _cleanup_(seed_loader_done) SeedLoader seed = {};
        RealmfsUpdateResult res;
        bool no_terminal = false;
        int r;

        r = context_load(name, &c);
        if (r < 0)
                return r;
        /* the key before the work: no session whose result cannot be sealed */
        if (u->save != UPDATE_DISCARD) {
                r = tool_signing_key(a, &seed);
                if (r < 0)
                        return r;
        }
        u->image_path = c.path;
        u->keys = c.keys;
        u->n_keys = c.n_keys;
        u->seal = (SealParams) { .get_seed = seed_loader_get, .seed_userdata = &seed };
        u->userdata = &no_terminal;
        r = realmfs_update(u, &res);
        if (r < 0)
                return r;
        if (!res.saved) {
                if (no_terminal)
                        return VERB_REJECTED;
                log_info("%s: changes discarded, the image is as it was (version %" PRIi64 ").", name, res.old_version);
                return 0;
        }
        log_info("%s: version %" PRIi64 " sealed and saved (%" PRIu64 " MiB, sealed in %" PRIu64 " ms); version %" PRIi64
                 " kept as %s" REALMFS_BACKUP_SUFFIX " for rollback.",
                 name, res.new_version, (res.new_nblocks * REALMFS_BLOCK_SIZE) >> 20, res.seal_usec / 1000,
                 res.old_version, c.path);
        report_realms(&c, name, &res);
        return 0;
}

int verb_update(const Args *a) {
        RealmfsUpdate u = { .container = true, .save = UPDATE_ASK, .confirm = confirm_on_terminal };
        const char *grow = arg_str(a, OPT_GROW);

        if (arg_set(a, OPT_COMMIT) && arg_set(a, OPT_DISCARD))
                return usage_error(a, "--commit and --discard exclude each other");
        if (arg_set(a, OPT_COMMIT))
                u.save = UPDATE_COMMIT;
        if (arg_set(a, OPT_DISCARD))
                u.save = UPDATE_DISCARD;
        if (grow && (parse_size(grow, &u.grow_bytes) < 0 || u.grow_bytes == 0))
                return usage_error(a, "--grow: invalid size '%s' (a number with K, M or G)", grow);
        if (a->argc > 1) {
                if (!a->dashdash)
                        return usage_error(a, "the command goes after '--': realmfsctl update NAME -- COMMAND");
                u.command = a->argv + 1;
        }
        return run_update(a, a->argv[0], &u);
}

int verb_resize(const Args *a) {
        RealmfsUpdate u = { .save = UPDATE_COMMIT };

        if (parse_size(a->argv[1], &u.size_bytes) < 0 || u.size_bytes == 0)
                return usage_error(a, "invalid size '%s' (a number with K, M or G)", a->argv[1]);
        return run_update(a, a->argv[0], &u);
}

/* rollback needs the key only when the backup must be re-signed */
typedef struct LazySeed {
        const Args *args;
        SeedLoader loader;
        bool started;
} LazySeed;

static int lazy_seed_get(void *userdata, const uint8_t **ret_seed) {
        LazySeed *l = userdata;
        int r;

        if (!l->started) {
                r = tool_signing_key(l->args, &l->loader);
                if (r < 0)
                        return r;
                l->started = true;
        }
        return seed_loader_get(&l->loader, ret_seed);
}

int verb_rollback(const Args *a) {
        _cleanup_(context_done) Context c = {};
        LazySeed lazy = { .args = a };
        RealmfsUpdateResult res;
        bool resigned;
        int r;

        r = context_load(a->argv[0], &c);
        if (r < 0)
                return r;
        r = realmfs_rollback(c.path, c.keys, c.n_keys, &(SealParams) { .get_seed = lazy_seed_get, .seed_userdata = &lazy },
                             &res, &resigned);
        if (lazy.started)
                seed_loader_done(&lazy.loader);
        if (r < 0)
                return r;
        log_info("%s: rolled back to version %" PRIi64 "%s; version %" PRIi64 " is now the backup %s" REALMFS_BACKUP_SUFFIX ".",
                 a->argv[0], res.new_version, resigned ? " (re-signed with the user key)" : "", res.old_version, c.path);
        report_realms(&c, a->argv[0], &res);
        return 0;
}
