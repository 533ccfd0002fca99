/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Writing units and links into a generator output directory. */

#include <stdio.h>

/* Creates dir/name (refusing to overwrite) with the generated-by header;
 * name may contain one subdirectory ("realm@x.service.d/50-realmboot.conf"),
 * which is created. */
int unit_file_create(const char *dir, const char *name, FILE **ret);

/* Flushes and closes, returning -EIO if anything failed to be written. */
int unit_file_finish(FILE *f, const char *name);

/* dir/link_name → target (creating the parent directory of link_name);
 * an identical existing link is fine. */
int unit_file_symlink(const char *dir, const char *link_name, const char *target);
