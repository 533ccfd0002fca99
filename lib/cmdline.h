/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kernel command line (DESIGN.md "Kernel command line").  Read from
 * /proc/cmdline, or from $REALMBOOT_CMDLINE when set (test hook; /proc is
 * then not read).  Words are split exactly as the kernel's next_arg() does
 * (whitespace is the kernel's isspace(): \t \n \v \f \r, space and 0xA0;
 * double quotes group and are removed around a whole word or value, nothing
 * escapes them); a "--" word is an ordinary word, as for systemd, which also
 * reads options after it.  In keys '-' and '_' are the same; a bare boolean
 * means true; bad values are logged and ignored, never fatal; a later
 * occurrence overrides an earlier one, except channels, which accumulate. */

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
        bool has_key;      /* NAME alone: only the key of os-release may vouch for it */
        uint8_t public_key[32];
} CmdlineChannel;

typedef struct RealmbootCmdline {
        /* realmboot.safe_mode / citadel.safemode (the last of them), or the
         * last valid systemd.unit= is realmboot-safe-mode.target */
        bool safe_mode;
        KeyMode key_mode;   /* realmboot.key_mode=pair|public */
        bool noverity;      /* realmboot.noverity */
        bool nosignatures;  /* realmboot.nosignatures, citadel.nosignatures */
        bool disable;       /* realmboot.disable */
        bool debug;         /* realmboot.debug */
        /* realmboot.measure: -1 not given, 0 off (=0, =no), 1 on (bare,
         * =yes, or =N for PCR N: 8..16 or 23, then measure_pcr = N) */
        int measure;
        unsigned measure_pcr;
        /* realmboot.channel=NAME:HEX, citadel.channel=NAME:HEX (or NAME
         * alone): NAME a valid RealmFS name other than realmfs-user, HEX 64
         * hex digits; the last one for a name wins; at most
         * CMDLINE_MAX_CHANNELS names */
        CmdlineChannel *channels;
        size_t n_channels;
} RealmbootCmdline;

/* Calls cb for every word: key, and value (NULL when the word has no '=').
 * A negative return of cb stops the walk and is returned.  -E2BIG for a line
 * longer than CMDLINE_MAX_SIZE. */
int proc_cmdline_parse(const char *line, int (*cb)(const char *key, const char *value, void *userdata),
                       void *userdata);

/* Key comparison with '-' ≡ '_'. */
bool proc_cmdline_key_streq(const char *x, const char *y);

/* systemd's parse_boolean: 1/yes/y/true/t/on, 0/no/n/false/f/off. */
int parse_boolean(const char *s);

/* Fails only with -E2BIG (line too long), -EINVAL (NULL) or -ENOMEM; *ret is
 * set only on success and released with realmboot_cmdline_done(). */
int realmboot_cmdline_parse(const char *line, RealmbootCmdline *ret);
/* $REALMBOOT_CMDLINE when set (test-hooks builds), else /proc/cmdline
 * (unreadable: logged, and parsed as empty).  Errors as
 * realmboot_cmdline_parse(), each logged as what it is: callers only pass
 * the error on. */
int realmboot_cmdline_load(RealmbootCmdline *ret);
void realmboot_cmdline_done(RealmbootCmdline *c);
