/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* /etc/realmboot/realmboot.conf (DESIGN.md "Configuration") and the realm
 * directory.  Every path read is prefixed with $REALMBOOT_ROOT when set. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cmdline.h"

#define REALMBOOT_CONFIG_PATH "/etc/realmboot/realmboot.conf"
#define CONFIG_MAX_CHANNELS 64
#define CONFIG_MAX_MASK 256

typedef struct ConfigChannel {
        char *name;
        uint8_t public_key[32];
} ConfigChannel;

typedef struct RealmbootConfig {
        KeyMode key_mode;          /* [keys] mode, default pair */
        char *keyring;             /* [keys] keyring, default /storage/keyring */
        uint64_t ask_timeout_sec;  /* [keys] ask-timeout, default 90 */
        char *realms_directory;    /* [realms] directory, default /realms */
        char *images_directory;    /* [realms] images */
        char *default_realmfs;     /* [realms] default-realmfs, default "base" */
        char **safe_mode_mask;     /* [safe-mode] mask */
        size_t n_safe_mode_mask;
        int measure_pcr;           /* [measure] pcr: 8..16 or 23, default 13; -1: "off" */
        bool measure_required;     /* [measure] required: refuse what cannot be measured */
        ConfigChannel *channels;   /* [channels] name = "<64 hex>" */
        size_t n_channels;
} RealmbootConfig;

/* Loads path (NULL: REALMBOOT_CONFIG_PATH under $REALMBOOT_ROOT).  A missing
 * file gives the defaults.  A broken file or a bad value is logged (one line,
 * FILE:LINE:COL) and returns -EBADMSG, but *ret is always filled: with the
 * defaults for what could not be read, so boot code can go on. */
int realmboot_config_load(const char *path, RealmbootConfig *ret);
void realmboot_config_done(RealmbootConfig *c);

/* Units that [safe-mode] mask may not name: the safe-mode target, the
 * default target and what a boot to a login needs (templates cover their
 * instances).  Such an entry is logged and left out. */
bool safe_mode_unit_is_unmaskable(const char *unit);

/* The configuration and the kernel command line of this system, as every
 * verb that acts on the system's images reads them: config problems are
 * logged and the defaults kept; a command line that cannot be read is the
 * error (logged). */
int realmboot_system_load(RealmbootConfig *config, RealmbootCmdline *cmdline);

/* <images>/NAME-realmfs.img of config (under $REALMBOOT_ROOT in test-hooks
 * builds).  Logs one line: an invalid name, or a path that cannot be built. */
int realmboot_image_path(const RealmbootConfig *config, const char *name, char **ret);

/* Public key of a channel from the config, or NULL. */
const uint8_t *realmboot_config_channel_key(const RealmbootConfig *c, const char *name);

typedef struct RealmEntry {
        char *name;        /* realm name (from realm-NAME) */
        char *realmfs;     /* its RealmFS: config "realmfs", or the global one, or default-realmfs */
        bool autostart;    /* config "autostart", default false */
        bool boot;         /* config "boot": boot the container (--boot), default false: a shell */
        char *config_path; /* the file read (may not exist) */
} RealmEntry;

/* Scans <realms.directory>/realm-NAME/config, sorted by name, each over
 * the defaults of <realms.directory>/config (Citadel's global realm
 * config: its installer writes realmfs = "main" there), which are over
 * default-realmfs of realmboot.conf.  Invalid names, broken configs and
 * invalid realmfs names skip that realm with one log line each; a broken
 * global config, or a bad value in it, is logged and ignored (so is each
 * bad key); unknown keys are ignored.  A missing directory is no realm. */
int realm_scan(const RealmbootConfig *c, RealmEntry **ret, size_t *ret_n);
void realm_entries_free(RealmEntry *e, size_t n);
