/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel command line (DESIGN.md "Kernel command line").  Read from
 * /proc/cmdline, or from $REALMBOOT_CMDLINE when set (test hook; /proc is
 * then not read).  Words are split exactly as the kernel's next_arg() does;
 * in keys '-' and '_' are the same; a bare boolean means true; bad values
 * are logged and ignored, never fatal. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CMDLINE_MAX_SIZE (64u * 1024u)
#define CMDLINE_MAX_CHANNELS 64

typedef enum KeyMode {
        KEY_MODE_UNSET = -1,
        KEY_MODE_PAIR,
        KEY_MODE_PUBLIC,
} KeyMode;

KeyMode key_mode_from_string(const char *s);
const char *key_mode_to_string(KeyMode m);

typedef struct CmdlineChannel {
        char name[41];
        uint8_t public_key[32];
} CmdlineChannel;

typedef struct RealmbootCmdline {
        bool safe_mode;     /* realmboot.safe_mode, citadel.safemode, systemd.unit=realmboot-safe-mode.target */
        KeyMode key_mode;   /* realmboot.key_mode=pair|public */
        bool noverity;      /* realmboot.noverity */
        bool nosignatures;  /* realmboot.nosignatures, citadel.nosignatures */
        bool disable;       /* realmboot.disable */
        bool debug;         /* realmboot.debug */
        CmdlineChannel *channels; /* realmboot.channel=NAME:HEX, citadel.channel=NAME:HEX */
        size_t n_channels;
} RealmbootCmdline;

/* Calls cb for every word: key, and value (NULL when the word has no '=').
 * A negative return of cb stops the walk and is returned. */
int proc_cmdline_parse(const char *line, int (*cb)(const char *key, const char *value, void *userdata),
                       void *userdata);

/* Key comparison with '-' ≡ '_'. */
bool proc_cmdline_key_streq(const char *x, const char *y);

/* systemd's parse_boolean: 1/yes/y/true/t/on, 0/no/n/false/f/off. */
int parse_boolean(const char *s);

int realmboot_cmdline_parse(const char *line, RealmbootCmdline *ret);
int realmboot_cmdline_load(RealmbootCmdline *ret);
void realmboot_cmdline_done(RealmbootCmdline *c);
