/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <strings.h>

#include "cmdline.h"
#include "fileio.h"
#include "log.h"
#include "names.h"
#include "pcr.h"
#include "unit-name.h"
#include "util.h"

#define SAFE_MODE_TARGET "realmboot-safe-mode.target"

KeyMode key_mode_from_string(const char *s) {
        if (s && streq(s, "pair"))
                return KEY_MODE_PAIR;
        if (s && streq(s, "public"))
                return KEY_MODE_PUBLIC;
        return KEY_MODE_UNSET;
}

const char *key_mode_to_string(KeyMode m) {
        return m == KEY_MODE_PAIR ? "pair" : m == KEY_MODE_PUBLIC ? "public" : NULL;
}

/* The kernel's isspace() (lib/ctype.c): Latin-1 no-break space included,
 * so a UTF-8 byte 0xA0 splits words there as it does in the kernel. */
static bool is_kernel_space(char c) {
        unsigned char u = (unsigned char) c;

        return u == ' ' || (u >= '\t' && u <= '\r') || u == 0xA0;
}

/* One word, as linux/lib/cmdline.c next_arg(): a leading quote starts a
 * quoted word, quotes toggle quoting anywhere, the first '=' (not at the
 * start) splits key and value, one pair of quotes around the value and a
 * trailing quote of a quoted word are dropped.  Works in place on a copy. */
static char *next_arg(char *args, char **param, char **val) {
        size_t i, equals = 0;
        bool in_quote = false, quoted = false;

        if (*args == '"') {
                args++;
                in_quote = quoted = true;
        }
        for (i = 0; args[i]; i++) {
                if (is_kernel_space(args[i]) && !in_quote)
                        break;
                if (equals == 0 && args[i] == '=')
                        equals = i;
                if (args[i] == '"')
                        in_quote = !in_quote;
        }
        *param = args;
        if (!equals)
                *val = NULL;
        else {
                args[equals] = 0;
                *val = args + equals + 1;
                if (**val == '"') {
                        (*val)++;
                        if (args[i - 1] == '"')
                                args[i - 1] = 0;
                }
        }
        if (quoted && i > 0 && args[i - 1] == '"')
                args[i - 1] = 0;
        if (args[i]) {
                args[i] = 0;
                args += i + 1;
        } else
                args += i;
        while (is_kernel_space(*args))
                args++;
        return args;
}

int proc_cmdline_parse(const char *line, int (*cb)(const char *key, const char *value, void *userdata),
                       void *userdata) {
        _cleanup_free_ char *copy = NULL;
        char *args;

        if (!line || !cb)
                return -EINVAL;
        if (strnlen(line, CMDLINE_MAX_SIZE + 1) > CMDLINE_MAX_SIZE)
                return -E2BIG;
        copy = strdup(line);
        if (!copy)
                return -ENOMEM;
        args = copy;
        while (is_kernel_space(*args))
                args++;
        while (*args) {
                char *key, *value;
                int r;

                args = next_arg(args, &key, &value);
                r = cb(key, value, userdata);
                if (r < 0)
                        return r;
        }
        return 0;
}

bool proc_cmdline_key_streq(const char *x, const char *y) {
        for (; *x && *y; x++, y++) {
                if (*x == *y || ((*x == '-' || *x == '_') && (*y == '-' || *y == '_')))
                        continue;
                return false;
        }
        return *x == *y;
}

int parse_boolean(const char *s) {
        static const char *const yes[] = { "1", "yes", "y", "true", "t", "on" };
        static const char *const no[] = { "0", "no", "n", "false", "f", "off" };

        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

typedef struct ParseState {
        RealmbootCmdline *c;
        int safe_mode_option; /* last realmboot.safe_mode / citadel.safemode, or -1 */
        bool safe_mode_unit;  /* the last valid systemd.unit= is the safe-mode target */
} ParseState;

static void set_bool(const char *key, const char *value, bool *b) {
        int r;

        if (!value) {
                *b = true;
                return;
        }
        r = parse_boolean(value);
        if (r < 0)
                log_warning("Kernel command line: %s=%s is not a boolean, ignoring", key, value);
        else
                *b = r;
}

static void add_channel(RealmbootCmdline *c, const char *key, const char *value) {
        const char *colon;
        CmdlineChannel ch = {};
        size_t n;

        if (!value || !*value) {
                log_warning("Kernel command line: %s needs a value NAME:HEX (or NAME), ignoring", key);
                return;
        }
        /* NAME alone, as Citadel allows: the key comes from os-release */
        colon = strchr(value, ':');
        n = colon ? (size_t) (colon - value) : strlen(value);
        if (n >= sizeof ch.name) {
                log_warning("Kernel command line: %s: channel name longer than %d characters, ignoring", key,
                            REALMFS_NAME_MAX);
                return;
        }
        memcpy(ch.name, value, n);
        if (streq(ch.name, REALMFS_USER_CHANNEL)) {
                /* the user key is trusted only from the kernel keyring */
                log_warning("Kernel command line: %s: channel %s cannot be set on the command line, ignoring",
                            key, REALMFS_USER_CHANNEL);
                return;
        }
        if (!realmfs_name_is_valid(ch.name)) {
                log_warning("Kernel command line: %s: invalid channel name \"%s\" (a letter, then letters, "
                            "digits or '-'), ignoring", key, ch.name);
                return;
        }
        ch.has_key = colon;
        if (colon && hex_decode(colon + 1, ch.public_key, sizeof ch.public_key) < 0) {
                log_warning("Kernel command line: %s: channel %s needs a public key of 64 hex digits, ignoring",
                            key, ch.name);
                return;
        }
        for (size_t i = 0; i < c->n_channels; i++)
                if (streq(c->channels[i].name, ch.name)) {
                        c->channels[i] = ch; /* the last one wins */
                        return;
                }
        if (c->n_channels >= CMDLINE_MAX_CHANNELS) {
                log_warning("Kernel command line: more than %d channels, ignoring channel %s", CMDLINE_MAX_CHANNELS,
                            ch.name);
                return;
        }
        c->channels[c->n_channels++] = ch;
}

/* realmboot.measure=0|no (off), bare or yes (on), or N (that PCR) */
static void set_measure(RealmbootCmdline *c, const char *key, const char *value) {
        uint64_t n;
        int b;

        if (value && safe_atou64(value, &n) >= 0 && n > 1) {
                if (n > 23 || !pcr_index_is_extendable((unsigned) n)) {
                        log_warning("Kernel command line: %s=%s: not a PCR userspace may extend (8 to 16, or 23), "
                                    "ignoring", key, value);
                        return;
                }
                c->measure = 1;
                c->measure_pcr = (unsigned) n;
                return;
        }
        b = value ? parse_boolean(value) : 1;
        if (b < 0) {
                log_warning("Kernel command line: %s=%s: expected 0, 1 or a PCR number, ignoring", key, value);
                return;
        }
        c->measure = b;
        c->measure_pcr = 0;
}

static int parse_item(const char *key, const char *value, void *userdata) {
        ParseState *st = userdata;
        RealmbootCmdline *c = st->c;

        if (proc_cmdline_key_streq(key, "realmboot.safe_mode") || proc_cmdline_key_streq(key, "citadel.safemode")) {
                bool b = st->safe_mode_option > 0;

                set_bool(key, value, &b);
                st->safe_mode_option = b;
        } else if (proc_cmdline_key_streq(key, "systemd.unit")) {
                /* as systemd: a missing or invalid unit name changes nothing */
                if (value && unit_name_is_valid(value))
                        st->safe_mode_unit = streq(value, SAFE_MODE_TARGET);
        } else if (proc_cmdline_key_streq(key, "realmboot.key_mode")) {
                KeyMode m = key_mode_from_string(value);
                if (m == KEY_MODE_UNSET)
                        log_warning("Kernel command line: %s%s%s: expected pair or public, ignoring", key,
                                    value ? "=" : "", strempty(value));
                else
                        c->key_mode = m;
        } else if (proc_cmdline_key_streq(key, "realmboot.noverity"))
                set_bool(key, value, &c->noverity);
        else if (proc_cmdline_key_streq(key, "realmboot.nosignatures") ||
                 proc_cmdline_key_streq(key, "citadel.nosignatures"))
                set_bool(key, value, &c->nosignatures);
        else if (proc_cmdline_key_streq(key, "realmboot.disable"))
                set_bool(key, value, &c->disable);
        else if (proc_cmdline_key_streq(key, "realmboot.debug"))
                set_bool(key, value, &c->debug);
        else if (proc_cmdline_key_streq(key, "realmboot.measure"))
                set_measure(c, key, value);
        else if (proc_cmdline_key_streq(key, "realmboot.channel") || proc_cmdline_key_streq(key, "citadel.channel"))
                add_channel(c, key, value);
        else if (string_has_prefix(key, "realmboot."))
                log_warning("Kernel command line: unknown option %s, ignoring", key);
        return 0;
}

int realmboot_cmdline_parse(const char *line, RealmbootCmdline *ret) {
        RealmbootCmdline c = { .key_mode = KEY_MODE_UNSET, .measure = -1 };
        ParseState st = { .c = &c, .safe_mode_option = -1 };
        int r;

        if (!line || !ret)
                return -EINVAL;
        c.channels = calloc(CMDLINE_MAX_CHANNELS, sizeof(CmdlineChannel));
        if (!c.channels)
                return -ENOMEM;
        r = proc_cmdline_parse(line, parse_item, &st);
        if (r < 0) {
                free(c.channels);
                return r;
        }
        c.safe_mode = st.safe_mode_option > 0 || st.safe_mode_unit;
        *ret = c;
        return 0;
}

static int parse_or_log(const char *line, const char *source, RealmbootCmdline *ret) {
        int r = realmboot_cmdline_parse(line, ret);

        if (r == -E2BIG)
                return log_error_errno(r, "Kernel command line from %s is longer than %u bytes, refusing", source,
                                       CMDLINE_MAX_SIZE);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0)
                return log_error_errno(r, "Cannot parse the kernel command line from %s: %m", source);
        return r;
}

int realmboot_cmdline_load(RealmbootCmdline *ret) {
        _cleanup_free_ char *line = NULL;
        const char *e = test_hook_getenv("REALMBOOT_CMDLINE");
        int r;

        if (e)
                return parse_or_log(e, "$REALMBOOT_CMDLINE", ret);
        r = read_full_file("/proc/cmdline", CMDLINE_MAX_SIZE, 0, &line, NULL);
        if (r == -ENOMEM)
                return log_oom();
        if (r < 0) {
                log_warning_errno(r, "Cannot read /proc/cmdline, assuming it is empty: %m");
                return parse_or_log("", "/proc/cmdline", ret);
        }
        return parse_or_log(line, "/proc/cmdline", ret);
}

void realmboot_cmdline_done(RealmbootCmdline *c) {
        if (!c)
                return;
        free(c->channels);
        *c = (RealmbootCmdline) { .key_mode = KEY_MODE_UNSET, .measure = -1 };
}
