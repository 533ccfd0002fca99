/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kernel command line: word splitting and the realmboot options. */
#include <stdlib.h>
#include <string.h>

#include "cmdline.h"
#include "fuzz.h"
#include "names.h"

static int count(const char *key, const char *value, void *userdata) {
        if (!key)
                abort();
        (*(size_t *) userdata)++;
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        RealmbootCmdline c;
        char *line = malloc(size + 1);
        size_t words = 0;

        if (!line)
                return 0;
        memcpy(line, data, size);
        line[size] = 0; /* /proc/cmdline is a C string: stop at a NUL like the kernel */
        (void) proc_cmdline_parse(line, count, &words);
        if (realmboot_cmdline_parse(line, &c) >= 0) {
                if (c.n_channels > CMDLINE_MAX_CHANNELS)
                        abort();
                for (size_t i = 0; i < c.n_channels; i++)
                        if (!realmfs_name_is_valid(c.channels[i].name))
                                abort();
                if (c.key_mode != KEY_MODE_UNSET && !key_mode_to_string(c.key_mode))
                        abort();
                realmboot_cmdline_done(&c);
        }
        free(line);
        return 0;
}
