/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel command line: word splitting and the realmboot options.
 * Invariants: every word is a piece of the input (quotes and separators
 * removed, nothing added); channels are valid, distinct, bounded; parsing
 * is deterministic. */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "fuzz.h"
#include "log.h"
#include "names.h"

typedef struct Count {
        size_t words, bytes;
} Count;

static int count(const char *key, const char *value, void *userdata) {
        Count *c = userdata;

        if (!key)
                abort();
        c->words++;
        c->bytes += strlen(key) + (value ? strlen(value) + 1 : 0);
        return 0;
}

static void check(const RealmbootCmdline *c) {
        if (c->n_channels > CMDLINE_MAX_CHANNELS)
                abort();
        if (c->key_mode != KEY_MODE_UNSET && !key_mode_to_string(c->key_mode))
                abort();
        for (size_t i = 0; i < c->n_channels; i++) {
                if (!realmfs_name_is_valid(c->channels[i].name) || strcmp(c->channels[i].name, "realmfs-user") == 0)
                        abort();
                for (size_t k = 0; k < i; k++)
                        if (strcmp(c->channels[i].name, c->channels[k].name) == 0)
                                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RealmbootCmdline c, c2;
        Count n = {};
        char *line;
        int r;

        log_set_max_level(LOG_CRIT); /* bad input is logged; keep the fuzzer fast */
        line = malloc(size + 1);
        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = 0; /* /proc/cmdline is a C string: stop at a NUL like the kernel */

        r = proc_cmdline_parse(line, count, &n);
        if (r < 0 && r != -E2BIG)
                abort();
        /* each word is at least one byte of input or a separator, and keys
         * and values only lose bytes (quotes, whitespace) */
        if (r >= 0 && (n.words > strlen(line) || n.bytes > strlen(line)))
                abort();

        r = realmboot_cmdline_parse(line, &c);
        if (r >= 0) {
                check(&c);
                if (realmboot_cmdline_parse(line, &c2) < 0)
                        abort();
                if (c.safe_mode != c2.safe_mode || c.key_mode != c2.key_mode || c.noverity != c2.noverity ||
                    c.nosignatures != c2.nosignatures || c.disable != c2.disable || c.debug != c2.debug ||
                    c.n_channels != c2.n_channels ||
                    memcmp(c.channels, c2.channels, c.n_channels * sizeof(CmdlineChannel)) != 0)
                        abort();
                realmboot_cmdline_done(&c2);
                realmboot_cmdline_done(&c);
        } else if (r != -E2BIG && r != -ENOMEM)
                abort();
        free(line);
        return 0;
}
