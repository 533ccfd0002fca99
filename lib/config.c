/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>

#include "config.h"
#include "fileio.h"
#include "header.h"
#include "log.h"
#include "names.h"
#include "pcr.h"
#include "unit-name.h"
#include "toml.h"
#include "util.h"

#define CONFIG_MAX_SIZE (256u * 1024u)

/* Every network manager, DHCP client, supplicant and radio restorer a
 * Debian system may run, and the units that would start them.  A
 * convenience: realmboot-netguard and the -.slice IP filter are the
 * guarantee, also for managers not named here (realmboot(7)). */
static const char *const default_mask[] = {
        "systemd-networkd.service",
        "systemd-networkd.socket",
        "systemd-networkd-wait-online.service",
        "NetworkManager.service",
        "NetworkManager-wait-online.service",
        "networking.service",          /* ifupdown: auto interfaces */
        "ifup@.service",               /* ifupdown: allow-hotplug, started by udev */
        "ifupdown-wait-online.service",
        "dhcpcd.service",
        "iwd.service",
        "connman.service",
        "ModemManager.service",
        "wpa_supplicant.service",
        "wpa_supplicant@.service",
        "wpa_supplicant-nl80211@.service",
        "wpa_supplicant-wired@.service",
        "systemd-rfkill.service",      /* would restore the radios' saved state */
        "systemd-rfkill.socket",
        "realms.target",
};

static int set_str(char **dst, const char *src) {
        char *s = strdup(src);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

static int config_defaults(RealmbootConfig *c) {
        *c = (RealmbootConfig) { .key_mode = KEY_MODE_PAIR, .ask_timeout_sec = 90, .measure_pcr = PCR_DEFAULT };
        if (set_str(&c->keyring, "/storage/keyring") < 0 || set_str(&c->realms_directory, "/realms") < 0 ||
            set_str(&c->images_directory, "/storage/realms/realmfs-images") < 0 ||
            set_str(&c->default_realmfs, "base") < 0)
                return -ENOMEM;
        c->safe_mode_mask = calloc(ELEMENTSOF(default_mask), sizeof(char *));
        if (!c->safe_mode_mask)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(default_mask); i++) {
                c->safe_mode_mask[i] = strdup(default_mask[i]);
                if (!c->safe_mode_mask[i])
                        return -ENOMEM;
                c->n_safe_mode_mask++;
        }
        return 0;
}

void realmboot_config_done(RealmbootConfig *c) {
        free(c->keyring);
        free(c->realms_directory);
        free(c->images_directory);
        free(c->default_realmfs);
        for (size_t i = 0; i < c->n_safe_mode_mask; i++)
                free(c->safe_mode_mask[i]);
        free(c->safe_mode_mask);
        for (size_t i = 0; i < c->n_channels; i++)
                free(c->channels[i].name);
        free(c->channels);
        *c = (RealmbootConfig) {};
}

/* Logs "FILE:LINE:COL: msg" for a bad value and returns -EBADMSG. */
static int bad_value(const char *path, const TomlValue *v, const char *table, const char *key,
                     const char *what) {
        /* a message that says what happens instead ("left out") needs no
         * "using the default" */
        log_error("%s:%u:%u: [%s] %s: %s%s", path, v->line, v->column, table, key, what,
                  strstr(what, "; ") ? "" : "; using the default");
        return -EBADMSG;
}

static int absolute_path_value(const char *path, const TomlValue *t, const char *table, const char *key,
                               char **dst) {
        const char *reason = NULL;
        _cleanup_free_ char *what = NULL;
        const TomlValue *v;
        int r = toml_table_get_typed(t, key, TOML_STRING, &v);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return bad_value(path, v, table, key, "expected an absolute path string");
        /* these paths are written into generated units (What=, SourcePath=,
         * RequiresMountsFor=): refuse what a unit file would read otherwise */
        if (strlen(v->string.data) != v->string.len)
                reason = "NUL character";
        else
                (void) path_is_safe(v->string.data, &reason);
        if (reason) {
                if (asprintf(&what, "refusing the path: %s", reason) < 0)
                        return -ENOMEM;
                return bad_value(path, v, table, key, what);
        }
        return set_str(dst, v->string.data);
}

static int parse_keys(const char *path, const TomlValue *t, RealmbootConfig *c) {
        const TomlValue *v;
        int r = 0, k;

        k = toml_table_get_typed(t, "mode", TOML_STRING, &v);
        if (v) {
                KeyMode m = k >= 0 ? key_mode_from_string(v->string.data) : KEY_MODE_UNSET;
                if (m == KEY_MODE_UNSET)
                        r = bad_value(path, v, "keys", "mode", "expected \"pair\" or \"public\"");
                else
                        c->key_mode = m;
        }
        if ((k = absolute_path_value(path, t, "keys", "keyring", &c->keyring)) < 0)
                r = k;
        k = toml_table_get_typed(t, "ask-timeout", TOML_INTEGER, &v);
        if (k != -ENOENT) {
                if (k < 0 || v->integer <= 0 || v->integer > 240)
                        r = bad_value(path, v, "keys", "ask-timeout", "expected seconds between 1 and 240");
                else
                        c->ask_timeout_sec = (uint64_t) v->integer;
        }
        return r;
}

static int parse_realms(const char *path, const TomlValue *t, RealmbootConfig *c) {
        const TomlValue *v;
        int r = 0, k;

        if ((k = absolute_path_value(path, t, "realms", "directory", &c->realms_directory)) < 0)
                r = k;
        if ((k = absolute_path_value(path, t, "realms", "images", &c->images_directory)) < 0)
                r = k;
        k = toml_table_get_typed(t, "default-realmfs", TOML_STRING, &v);
        if (v) {
                if (k < 0 || !realmfs_name_is_valid(v->string.data))
                        r = bad_value(path, v, "realms", "default-realmfs", "expected a valid RealmFS name");
                else if ((k = set_str(&c->default_realmfs, v->string.data)) < 0)
                        return k;
        }
        return r;
}

/* Units a safe-mode boot cannot do without: the target itself and what it
 * (and any boot) needs to reach a login.  A mask of one of them would break
 * the very boot meant to repair the system, so the config may not name them.
 * Templates ("getty@.service") cover their instances. */
static const char *const safe_mode_unmaskable[] = {
        "default.target",        "realmboot-safe-mode.target", "multi-user.target",   "basic.target",
        "sysinit.target",        "local-fs.target",            "local-fs-pre.target", "sockets.target",
        "timers.target",         "paths.target",               "slices.target",       "swap.target",
        "getty.target",          "emergency.target",           "rescue.target",       "shutdown.target",
        "reboot.target",         "poweroff.target",            "halt.target",         "final.target",
        "umount.target",         "-.mount",                    "-.slice",             "system.slice",
        "init.scope",            "systemd-journald.service",   "systemd-journald.socket",
        "systemd-udevd.service", "dbus.service",               "dbus.socket",         "systemd-logind.service",
        "getty@.service",        "serial-getty@.service",      "console-getty.service", "autovt@.service",
        "emergency.service",     "rescue.service",
};

bool safe_mode_unit_is_unmaskable(const char *unit) {
        const char *at = strchr(unit, '@');

        for (size_t i = 0; i < ELEMENTSOF(safe_mode_unmaskable); i++) {
                const char *p = safe_mode_unmaskable[i], *pat = strchr(p, '@');

                if (streq(unit, p))
                        return true;
                /* an instance of a protected template: same "prefix@", same suffix */
                if (at && pat && pat[1] == '.' && (size_t) (at - unit) == (size_t) (pat - p) &&
                    strncmp(unit, p, (size_t) (at - unit)) == 0 && strrchr(unit, '.') &&
                    streq(strrchr(unit, '.'), pat + 1))
                        return true;
        }
        return false;
}

/* A bad entry is logged and left out; the others are masked. */
static int parse_safe_mode(const char *path, const TomlValue *t, RealmbootConfig *c) {
        const TomlValue *v;
        char **mask;
        int r = toml_table_get_typed(t, "mask", TOML_ARRAY, &v);

        if (r == -ENOENT)
                return 0;
        if (r < 0 || v->array.n > CONFIG_MAX_MASK)
                return bad_value(path, v, "safe-mode", "mask", "expected an array of unit names");
        mask = calloc(v->array.n ? v->array.n : 1, sizeof(char *));
        if (!mask)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_safe_mode_mask; i++)
                free(c->safe_mode_mask[i]);
        free(c->safe_mode_mask);
        c->safe_mode_mask = mask;
        c->n_safe_mode_mask = 0;
        for (size_t i = 0; i < v->array.n; i++) {
                const TomlValue *item = v->array.items[i];

                if (item->type != TOML_STRING || !unit_name_is_valid(item->string.data)) {
                        r = bad_value(path, item, "safe-mode", "mask",
                                      "expected a unit name like \"foo.service\"; this entry is left out");
                        continue;
                }
                if (safe_mode_unit_is_unmaskable(item->string.data)) {
                        _cleanup_free_ char *what = NULL;
                        if (asprintf(&what, "%s: the safe-mode boot needs this unit; it is not masked",
                                     item->string.data) < 0)
                                return -ENOMEM;
                        r = bad_value(path, item, "safe-mode", "mask", what);
                        continue;
                }
                mask[c->n_safe_mode_mask] = strdup(item->string.data);
                if (!mask[c->n_safe_mode_mask])
                        return -ENOMEM;
                c->n_safe_mode_mask++;
        }
        return r;
}

static int parse_measure(const char *path, const TomlValue *t, RealmbootConfig *c) {
        const TomlValue *v;
        int r = 0, k;

        v = toml_table_get(t, "pcr");
        if (v) {
                if (v->type == TOML_STRING && streq(v->string.data, "off"))
                        c->measure_pcr = -1;
                else if (v->type == TOML_INTEGER && v->integer >= 0 && v->integer <= 23 &&
                         pcr_index_is_extendable((unsigned) v->integer))
                        c->measure_pcr = (int) v->integer;
                else
                        r = bad_value(path, v, "measure", "pcr",
                                      "expected a PCR userspace may extend (8 to 16, or 23) or \"off\"");
        }
        k = toml_table_get_typed(t, "required", TOML_BOOLEAN, &v);
        if (k != -ENOENT) {
                if (k < 0)
                        r = bad_value(path, v, "measure", "required", "expected true or false");
                else
                        c->measure_required = v->boolean;
        }
        return r;
}

static int parse_channels(const char *path, const TomlValue *t, RealmbootConfig *c) {
        int r = 0;

        c->channels = calloc(MIN(t->table.n, (size_t) CONFIG_MAX_CHANNELS) + 1, sizeof(ConfigChannel));
        if (!c->channels)
                return -ENOMEM;
        for (size_t i = 0; i < t->table.n; i++) {
                const char *name = t->table.keys[i];
                const TomlValue *v = t->table.values[i];
                ConfigChannel *ch = &c->channels[c->n_channels];

                if (c->n_channels >= CONFIG_MAX_CHANNELS) {
                        r = bad_value(path, v, "channels", name, "too many channels");
                        break;
                }
                if (!realmfs_name_is_valid(name) || streq(name, REALMFS_USER_CHANNEL)) {
                        r = bad_value(path, v, "channels", name, "invalid channel name");
                        continue;
                }
                if (v->type != TOML_STRING || hex_decode(v->string.data, ch->public_key, REALMFS_PUBLIC_KEY_SIZE) < 0) {
                        r = bad_value(path, v, "channels", name, "expected a public key of 64 hex digits");
                        continue;
                }
                ch->name = strdup(name);
                if (!ch->name)
                        return -ENOMEM;
                c->n_channels++;
        }
        return r;
}

int realmboot_config_load(const char *path, RealmbootConfig *ret) {
        _cleanup_free_ char *rooted = NULL, *text = NULL, *error = NULL;
        _cleanup_(toml_freep) TomlValue *doc = NULL;
        size_t len;
        int r, result = 0;

        r = config_defaults(ret);
        if (r < 0)
                return log_oom();
        if (!path) {
                r = path_with_root(REALMBOOT_CONFIG_PATH, &rooted);
                if (r < 0)
                        return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the path of %s: %m",
                                                                          REALMBOOT_CONFIG_PATH);
                path = rooted;
        }

        r = read_full_file(path, CONFIG_MAX_SIZE, 0, &text, &len);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return log_error_errno(r, "%s: cannot read: %s; using defaults", path, fileio_error(r));
        r = toml_parse(text, len, path, 0, &doc, &error);
        if (r < 0) {
                log_error("%s; using defaults", error ? error : path);
                return -EBADMSG;
        }

        for (size_t i = 0; i < doc->table.n; i++) {
                const char *name = doc->table.keys[i];
                const TomlValue *t = doc->table.values[i];

                if (t->type != TOML_TABLE) {
                        log_warning("%s:%u:%u: unknown key '%s' outside a table, ignored", path, t->line,
                                    t->column, name);
                        continue;
                }
                if (streq(name, "keys"))
                        r = parse_keys(path, t, ret);
                else if (streq(name, "realms"))
                        r = parse_realms(path, t, ret);
                else if (streq(name, "safe-mode"))
                        r = parse_safe_mode(path, t, ret);
                else if (streq(name, "measure"))
                        r = parse_measure(path, t, ret);
                else if (streq(name, "channels"))
                        r = parse_channels(path, t, ret);
                else {
                        log_warning("%s:%u:%u: unknown table [%s], ignored", path, t->line, t->column, name);
                        r = 0;
                }
                if (r == -ENOMEM)
                        return log_oom();
                if (r < 0)
                        result = r;
        }
        return result;
}

int realmboot_system_load(RealmbootConfig *config, RealmbootCmdline *cmdline) {
        (void) realmboot_config_load(NULL, config); /* errors logged; defaults kept */
        return realmboot_cmdline_load(cmdline);      /* logged as what it is */
}

int realmboot_image_path(const RealmbootConfig *config, const char *name, char **ret) {
        _cleanup_free_ char *p = NULL;
        int r;

        if (!realmfs_name_is_valid(name))
                return log_error_errno(EINVAL, "Invalid RealmFS name \"%s\"", name);
        r = realmfs_image_path(config->images_directory, name, &p);
        if (r >= 0)
                r = path_with_root(p, ret);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the image path of %s: %m", name);
        return 0;
}

const uint8_t *realmboot_config_channel_key(const RealmbootConfig *c, const char *name) {
        for (size_t i = 0; i < c->n_channels; i++)
                if (streq(c->channels[i].name, name))
                        return c->channels[i].public_key;
        return NULL;
}

/* ---- realm directory ---- */

static void realm_entry_clear(RealmEntry *e) {
        free(e->name);
        free(e->realmfs);
        free(e->config_path);
        *e = (RealmEntry) {};
}

void realm_entries_free(RealmEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                realm_entry_clear(&e[i]);
        free(e);
}

/* What a realm config sets: the built-in defaults, overridden by
 * <realms>/config (Citadel's global realm config), overridden by the
 * realm's own realm-NAME/config. */
typedef struct RealmSettings {
        char *realmfs;
        bool autostart;
        bool boot;
} RealmSettings;

static void realm_settings_done(RealmSettings *s) {
        free(s->realmfs);
        *s = (RealmSettings) {};
}

/* Reads path over s.  A realm's config (realm non-NULL) is all or nothing:
 * a broken file or value skips the realm (-EBADMSG, logged).  The global
 * one (realm NULL) is read key by key, as Citadel does: a broken file, or
 * a bad value, is logged and ignored.  A missing file changes nothing. */
static int realm_settings_read(const char *path, const char *realm, RealmSettings *s) {
        const struct {
                const char *key;
                bool *value;
        } bools[] = { { "autostart", &s->autostart }, { "boot", &s->boot } };
        _cleanup_free_ char *text = NULL, *error = NULL;
        _cleanup_(toml_freep) TomlValue *doc = NULL;
        const char *then = realm ? "; skipping realm " : "; ignoring it";
        const TomlValue *v;
        size_t len;
        int r;

        r = read_full_file(path, CONFIG_MAX_SIZE, 0, &text, &len);
        if (r == -ENOENT)
                return 0; /* a realm without config uses the defaults */
        if (r < 0) {
                log_error("%s: cannot read %s: %s%s%s", path, realm ? "realm config" : "the global realm config",
                          fileio_error(r), then, strempty(realm));
                return realm ? -EBADMSG : 0;
        }
        r = toml_parse(text, len, path, 0, &doc, &error);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_error("%s%s%s", error ? error : path, then, strempty(realm));
                return realm ? -EBADMSG : 0;
        }

        r = toml_table_get_typed(doc, "realmfs", TOML_STRING, &v);
        if (v && (r < 0 || !realmfs_name_is_valid(v->string.data))) {
                log_error("%s:%u:%u: realmfs: not a valid RealmFS name%s%s", path, v->line, v->column, then,
                          strempty(realm));
                if (realm)
                        return -EBADMSG;
        } else if (v && set_str(&s->realmfs, v->string.data) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(bools); i++) {
                r = toml_table_get_typed(doc, bools[i].key, TOML_BOOLEAN, &v);
                if (r == -ENOENT)
                        continue;
                if (r < 0) {
                        log_error("%s:%u:%u: %s: expected true or false%s%s", path, v->line, v->column, bools[i].key,
                                  then, strempty(realm));
                        if (realm)
                                return -EBADMSG;
                        continue;
                }
                *bools[i].value = v->boolean;
        }
        return 0;
}

/* One realm's settings into e: the defaults, then its config; -EBADMSG
 * (logged) if the realm must be skipped. */
static int realm_read_config(const RealmSettings *defaults, RealmEntry *e) {
        _cleanup_(realm_settings_done) RealmSettings s = {
                .autostart = defaults->autostart,
                .boot = defaults->boot,
        };
        int r;

        if (set_str(&s.realmfs, defaults->realmfs) < 0)
                return -ENOMEM;
        r = realm_settings_read(e->config_path, e->name, &s);
        if (r < 0)
                return r;
        e->realmfs = TAKE_PTR(s.realmfs);
        e->autostart = s.autostart;
        e->boot = s.boot;
        return 0;
}

static int string_compare(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

typedef struct NameList {
        char **names;
        size_t n;
} NameList;

static void name_list_done(NameList *l) {
        for (size_t i = 0; i < l->n; i++)
                free(l->names[i]);
        free(l->names);
        *l = (NameList) {};
}

/* The realm-* entries of dir, sorted: realms are read (and problems
 * logged) in a stable order, whatever the filesystem's order. */
static int list_realm_dirs(const char *dir, NameList *ret) {
        _cleanup_(name_list_done) NameList l = {};
        _cleanup_closedir_ DIR *d = opendir(dir);
        struct dirent *de;
        size_t cap = 0;

        if (!d)
                return negative_errno();
        while ((de = readdir(d))) {
                if (!string_has_prefix(de->d_name, "realm-"))
                        continue;
                if (l.n == cap) {
                        char **nn = realloc(l.names, (cap = cap ? cap * 2 : 64) * sizeof *l.names);
                        if (!nn)
                                return -ENOMEM;
                        l.names = nn;
                }
                if (!(l.names[l.n] = strdup(de->d_name)))
                        return -ENOMEM;
                l.n++;
        }
        if (l.n > 0)
                qsort(l.names, l.n, sizeof *l.names, string_compare);
        *ret = l;
        l = (NameList) {};
        return 0;
}

/* One realm-NAME entry into e: 1 when it is a realm, 0 when it is skipped
 * (logged), -ENOMEM. */
static int realm_scan_one(const RealmSettings *defaults, const char *dir, const char *entry, RealmEntry *e) {
        const char *name = entry + strlen("realm-");
        int r;

        if (!realm_name_is_valid(name)) {
                log_warning("%s/%s: invalid realm name, skipping", dir, entry);
                return 0;
        }
        e->name = strdup(name);
        if (!e->name || asprintf(&e->config_path, "%s/%s/config", dir, entry) < 0) {
                e->config_path = NULL;
                realm_entry_clear(e);
                return -ENOMEM;
        }
        r = realm_read_config(defaults, e);
        if (r < 0) {
                realm_entry_clear(e);
                return r == -ENOMEM ? r : 0; /* skipped (logged); the others go on */
        }
        return 1;
}

int realm_scan(const RealmbootConfig *c, RealmEntry **ret, size_t *ret_n) {
        _cleanup_free_ char *dir = NULL, *global = NULL;
        _cleanup_(name_list_done) NameList names = {};
        _cleanup_(realm_settings_done) RealmSettings defaults = {};
        RealmEntry *entries;
        size_t n = 0;
        int r;

        *ret = NULL;
        *ret_n = 0;
        r = path_with_root(c->realms_directory, &dir);
        if (r < 0)
                return r == -ENOMEM ? log_oom() : log_error_errno(r, "Cannot build the realm directory path: %m");
        r = list_realm_dirs(dir, &names);
        if (r == -ENOENT)
                return 0;
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "%s: cannot read realm directory: %m", dir);
        if (set_str(&defaults.realmfs, c->default_realmfs) < 0 || asprintf(&global, "%s/config", dir) < 0)
                return log_oom();
        r = realm_settings_read(global, NULL, &defaults);
        if (r < 0)
                return log_oom();
        entries = calloc(names.n ? names.n : 1, sizeof *entries);
        if (!entries)
                return log_oom();
        for (size_t i = 0; i < names.n; i++) {
                r = realm_scan_one(&defaults, dir, names.names[i], &entries[n]);
                if (r < 0) {
                        realm_entries_free(entries, n);
                        return log_oom();
                }
                n += (size_t) r;
        }
        *ret = entries;
        *ret_n = n;
        return 0;
}
