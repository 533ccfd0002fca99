/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd unit names, escaped byte for byte as systemd-escape(1) of
 * systemd 252 does.  Unit names are only ever made here, never by printf of
 * raw names.  Functions return 0 or a negative errno; *ret is malloc'd and
 * only set on success. */

#include <stdbool.h>

/* systemd's UNIT_NAME_MAX: the longest unit name, suffix included. */
#define UNIT_NAME_MAX 255

/* Like `systemd-escape STRING`: '/' becomes '-'; a leading '.', '-', '\' and
 * every byte outside [A-Za-z0-9:_.] become "\xNN".  No length limit (an
 * escaped string is a part of a unit name, not one). */
int unit_name_escape(const char *s, char **ret);

/* Like `systemd-escape --unescape STRING`: '-' becomes '/', "\xNN" the byte.
 * -EINVAL for a malformed escape and for "\x00", which no C string holds. */
int unit_name_unescape(const char *s, char **ret);

/* Like `systemd-escape --path PATH`: the path is simplified (repeated '/',
 * "." components and a trailing '/' dropped), "" and "/" give "-".  -EINVAL
 * for a relative path (systemd-escape only warns about those), a ".."
 * component, a component longer than 255 bytes or a path of PATH_MAX bytes
 * or more, as systemd-escape refuses them. */
int unit_name_path_escape(const char *path, char **ret);

/* Like `systemd-escape --unescape --path NAME`: "-" gives "/"; -EINVAL for a
 * name that is not the escape of a normalized absolute path. */
int unit_name_path_unescape(const char *name, char **ret);

/* "/run/realmfs/a-b", ".mount" → "run-realmfs-a\x2db.mount".  suffix must be
 * a unit type suffix (".mount", ".service", ...): -EINVAL otherwise;
 * -ENAMETOOLONG when the result is longer than UNIT_NAME_MAX. */
int unit_name_from_path(const char *path, const char *suffix, char **ret);

/* "realmfs-verity", "a-b", ".service" → "realmfs-verity@a\x2db.service", as
 * `systemd-escape --template=realmfs-verity@.service a-b`.  The instance is
 * escaped like unit_name_escape(); it must not be empty, the prefix must be a
 * valid unit prefix and suffix a unit type suffix (-EINVAL otherwise);
 * -ENAMETOOLONG when the result is longer than UNIT_NAME_MAX. */
int unit_name_build_instance(const char *prefix, const char *instance, const char *suffix, char **ret);

/* A plain unit name as a person writes it in config: "foo.service",
 * "realm@.service", "getty@tty1.service": allowed characters, a known type
 * suffix, at most UNIT_NAME_MAX characters. */
bool unit_name_is_valid(const char *name);
