/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Which realms run, asked of systemd: realm@REALM.service active. */

#include <stddef.h>

#include "config.h"

/* The realms whose config uses RealmFS realmfs and whose unit is active,
 * activating or deactivating (*ret: NULL-terminated, malloc'd).  -ENOMEDIUM
 * when systemd is not PID 1 (nothing can be told), -ENOTCONN when its bus
 * cannot be reached. */
int realms_running_on(const RealmbootConfig *config, const char *realmfs, char ***ret, size_t *ret_n);

