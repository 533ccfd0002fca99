/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <strings.h>

#include "cmdline.h"
#include "fileio.h"
#include "log.h"
#include "names.h"
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

static bool is_kernel_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
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

        if (strlen(line) > CMDLINE_MAX_SIZE)
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

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(s, yes[i]) == 0)
                        return 1;
                if (strcasecmp(s, no[i]) == 0)
                        return 0;
        }
        return -EINVAL;
}

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

        if (!value || !(colon = strchr(value, ':'))) {
                log_warning("Kernel command line: %s needs NAME:HEX, ignoring", key);
                return;
        }
        n = (size_t) (colon - value);
        if (n >= sizeof ch.name) {
                log_warning("Kernel command line: %s: channel name too long, ignoring", key);
                return;
        }
        memcpy(ch.name, value, n);
        if (!realmfs_name_is_valid(ch.name) || streq(ch.name, "realmfs-user")) {
                log_warning("Kernel command line: %s: invalid channel name '%s', ignoring", key, ch.name);
                return;
        }
        if (hex_decode(colon + 1, ch.public_key, sizeof ch.public_key) < 0) {
                log_warning("Kernel command line: %s: channel %s needs a 64 hex digit public key, ignoring", key,
                            ch.name);
                return;
        }
        for (size_t i = 0; i < c->n_channels; i++)
                if (streq(c->channels[i].name, ch.name)) {
                        c->channels[i] = ch; /* the last one wins */
                        return;
                }
        if (c->n_channels >= CMDLINE_MAX_CHANNELS) {
                log_warning("Kernel command line: more than %d channels, ignoring %s", CMDLINE_MAX_CHANNELS, ch.name);
                return;
        }
        c->channels[c->n_channels++] = ch;
}

static int parse_item(const char *key, const char *value, void *userdata) {
        RealmbootCmdline *c = userdata;

        if (proc_cmdline_key_streq(key, "realmboot.safe_mode") || proc_cmdline_key_streq(key, "citadel.safemode"))
                set_bool(key, value, &c->safe_mode);
        else if (proc_cmdline_key_streq(key, "systemd.unit")) {
                if (value && streq(value, SAFE_MODE_TARGET))
                        c->safe_mode = true;
        } else if (proc_cmdline_key_streq(key, "realmboot.key_mode")) {
                KeyMode m = key_mode_from_string(value);
                if (m == KEY_MODE_UNSET)
                        log_warning("Kernel command line: %s=%s: expected pair or public, ignoring", key, strempty(value));
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
        else if (proc_cmdline_key_streq(key, "realmboot.channel") || proc_cmdline_key_streq(key, "citadel.channel"))
                add_channel(c, key, value);
        else if (string_has_prefix(key, "realmboot."))
                log_warning("Kernel command line: unknown option %s, ignoring", key);
        return 0;
}

int realmboot_cmdline_parse(const char *line, RealmbootCmdline *ret) {
        RealmbootCmdline c = { .key_mode = KEY_MODE_UNSET };
        int r;

        c.channels = calloc(CMDLINE_MAX_CHANNELS, sizeof(CmdlineChannel));
        if (!c.channels)
                return -ENOMEM;
        r = proc_cmdline_parse(line, parse_item, &c);
        if (r < 0) {
                free(c.channels);
                return r;
        }
        *ret = c;
        return 0;
}

int realmboot_cmdline_load(RealmbootCmdline *ret) {
        _cleanup_free_ char *line = NULL;
        const char *e = getenv("REALMBOOT_CMDLINE");
        int r;

        if (e)
                return realmboot_cmdline_parse(e, ret);
        r = read_full_file("/proc/cmdline", CMDLINE_MAX_SIZE, false, &line, NULL);
        if (r < 0) {
                log_warning_errno(r, "Cannot read /proc/cmdline, assuming it is empty: %m");
                return realmboot_cmdline_parse("", ret);
        }
        return realmboot_cmdline_parse(line, ret);
}

void realmboot_cmdline_done(RealmbootCmdline *c) {
        free(c->channels);
        *c = (RealmbootCmdline) { .key_mode = KEY_MODE_UNSET };
}
