/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Realm/RealmFS names and unit-name escaping.  Invariants: a valid name is
 * safe in paths and unit names as it is, and every name built from it gives
 * it back; an invalid one builds nothing; escaping only produces unit-name
 * characters and unescaping undoes it exactly. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "names.h"
#include "unit-name.h"

#define UNIT_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.\\-"

static void check_unit_chars(const char *s) {
        if (strspn(s, UNIT_CHARS) != strlen(s) || s[0] == '.')
                abort();
}

static void check_name(const char *s) {
        char *path = NULL, *back = NULL, *dev = NULL, *devpath = NULL, *where = NULL, *unit = NULL, *inst = NULL;
        bool valid = realmfs_name_is_valid(s);

        /* a realm name may be longer (128), never otherwise different */
        if (realm_name_is_valid(s) != (valid || (strlen(s) > REALMFS_NAME_MAX && strlen(s) <= REALM_NAME_MAX &&
                                                 realm_name_is_valid(s))))
                abort();
        if (realm_name_is_valid(s) && (strlen(s) > REALM_NAME_MAX || strpbrk(s, "/. \\") || s[0] == '-'))
                abort();
        if (!valid) {
                if (realmfs_image_path("/images", s, &path) != -EINVAL || realmfs_device_name(s, &dev) != -EINVAL ||
                    realmfs_device_path(s, &devpath) != -EINVAL || realmfs_mount_point(s, &where) != -EINVAL)
                        abort();
                return;
        }
        /* a valid name is safe in paths and unit names as it is */
        if (strlen(s) > REALMFS_NAME_MAX || strpbrk(s, "/. \\") || s[0] == '-')
                abort();
        if (realmfs_image_path("/images", s, &path) < 0 || realmfs_name_from_image_path(path, &back) < 0 ||
            strcmp(back, s) != 0)
                abort();
        if (realmfs_device_name(s, &dev) < 0 || strcmp(dev + strlen("realmfs-"), s) != 0 ||
            realmfs_device_path(s, &devpath) < 0 || strcmp(devpath + strlen("/dev/mapper/"), dev) != 0)
                abort();
        /* the mount unit of every valid name fits in a unit name */
        if (realmfs_mount_point(s, &where) < 0 || unit_name_from_path(where, ".mount", &unit) < 0 ||
            !unit_name_is_valid(unit))
                abort();
        if (unit_name_build_instance("realmfs-verity", s, ".service", &inst) < 0 || !unit_name_is_valid(inst))
                abort();
        free(path);
        free(back);
        free(dev);
        free(devpath);
        free(where);
        free(unit);
        free(inst);
}

static void check_escape(const char *s) {
        char *e = NULL, *u = NULL, *pe = NULL, *pu = NULL, *pe2 = NULL, *inst = NULL;

        /* escape → unescape is the identity for every string */
        if (unit_name_escape(s, &e) < 0)
                abort();
        if (*s)
                check_unit_chars(e);
        if (unit_name_unescape(e, &u) < 0 || strcmp(u, s) != 0)
                abort();
        free(u);
        u = NULL;

        /* a path escapes to a non-empty name that unescapes to the
         * simplified path, which escapes to the same name again */
        if (unit_name_path_escape(s, &pe) >= 0) {
                if (!*pe || (s[0] != '/' && s[0] != 0))
                        abort();
                check_unit_chars(pe);
                if (unit_name_path_unescape(pe, &pu) < 0 || pu[0] != '/' || strlen(pu) > strlen(s) + 1)
                        abort();
                if (unit_name_path_escape(pu, &pe2) < 0 || strcmp(pe, pe2) != 0)
                        abort();
        }

        /* whatever unescapes, unescapes to what escapes back to it */
        if (unit_name_unescape(s, &u) >= 0) {
                char *e2 = NULL, *u2 = NULL;
                if (unit_name_escape(u, &e2) < 0 || unit_name_unescape(e2, &u2) < 0 || strcmp(u, u2) != 0)
                        abort();
                free(e2);
                free(u2);
        }
        free(pu);
        pu = NULL;
        if (unit_name_path_unescape(s, &pu) >= 0) {
                char *p2 = NULL, *pu2 = NULL;
                if (pu[0] != '/' || unit_name_path_escape(pu, &p2) < 0 || unit_name_path_unescape(p2, &pu2) < 0 ||
                    strcmp(pu, pu2) != 0)
                        abort();
                free(p2);
                free(pu2);
        }

        if (unit_name_build_instance("realmfs-verity", s, ".service", &inst) >= 0 &&
            (!unit_name_is_valid(inst) || strlen(inst) > UNIT_NAME_MAX))
                abort();
        free(e);
        free(u);
        free(pe);
        free(pu);
        free(pe2);
        free(inst);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1), *p = NULL;

        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = 0;

        check_name(s);
        if (realmfs_name_from_image_path(s, &p) >= 0) {
                if (!realmfs_name_is_valid(p))
                        abort();
                free(p);
        }
        check_escape(s);
        if (unit_name_is_valid(s) && (strlen(s) > UNIT_NAME_MAX || s[0] == '.'))
                abort();
        free(s);
        return 0;
}
