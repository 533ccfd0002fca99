/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* systemd unit names, escaped byte for byte as systemd-escape(1) does.
 * Unit names are only ever made here, never by printf of raw names. */

#include <stdbool.h>

#define UNIT_NAME_MAX 255

/* Like `systemd-escape STRING`. */
int unit_name_escape(const char *s, char **ret);
/* Like `systemd-escape --unescape STRING` (\xNN only; '-' stays). */
int unit_name_unescape(const char *s, char **ret);
/* Like `systemd-escape --path PATH` for an absolute path ("/" gives "-");
 * -EINVAL for relative paths and paths with "." or ".." components. */
int unit_name_path_escape(const char *path, char **ret);
/* "/run/realmfs/a-b", ".mount" → "run-realmfs-a\x2db.mount". */
int unit_name_from_path(const char *path, const char *suffix, char **ret);
/* "realmfs-verity", "a-b", ".service" → "realmfs-verity@a\x2db.service". */
int unit_name_build_instance(const char *prefix, const char *instance, const char *suffix, char **ret);
/* A plain unit name as a person writes it in config: "foo.service",
 * "realm@.service", "getty@tty1.service": allowed characters, a known type
 * suffix, at most 255 characters. */
bool unit_name_is_valid(const char *name);
