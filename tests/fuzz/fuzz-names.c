/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Realm/RealmFS names and unit-name escaping. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "names.h"
#include "unit-name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), *e = NULL, *u = NULL, *p = NULL, *path = NULL;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;

        if (realmfs_name_is_valid(s)) {
                /* a valid name is safe in paths and unit names as it is */
                if (strlen(s) > REALMFS_NAME_MAX || strchr(s, '/') || strchr(s, '.') || s[0] == '-')
                        abort();
                if (realmfs_image_path("/images", s, &path) < 0)
                        abort();
                free(path);
        } else if (realmfs_image_path("/images", s, &path) != -EINVAL)
                abort();

        if (realmfs_name_from_image_path(s, &p) >= 0) {
                if (!realmfs_name_is_valid(p))
                        abort();
                free(p);
        }

        /* escape → unescape is the identity; escaped names use only the
         * characters systemd allows */
        if (unit_name_escape(s, &e) >= 0) {
                for (const char *c = e; *c; c++)
                        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.\\-", *c))
                                abort();
                if (!strchr(s, '/')) {
                        if (unit_name_unescape(e, &u) < 0 || strcmp(u, s) != 0)
                                abort();
                        free(u);
                }
                free(e);
        }
        if (unit_name_path_escape(s, &e) >= 0) {
                if (!*e)
                        abort();
                free(e);
        }
        (void) unit_name_is_valid(s);
        free(s);
        return 0;
}
