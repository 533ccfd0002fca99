/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Lower-case hex of len bytes into out (2*len+1 bytes, NUL-terminated). */
void hex_encode(const uint8_t *data, size_t len, char *out);

/* Value of one hex digit (either case), or -1. */
int unhex_char(char c);

/* Decode exactly 2*len hex digits (either case) of hex into out.  Returns 0,
 * or -EINVAL when hex is not exactly that long or has a non-hex character. */
int hex_decode(const char *hex, uint8_t *out, size_t len);

/* Joins a directory and a relative path with exactly one '/' between them.
 * Refuses (-EINVAL) a component ".." anywhere in rel.  *ret is malloc'd. */
int path_join(const char *dir, const char *rel, char **ret);

/* Prefix used for every path the boot code reads: $REALMBOOT_ROOT when set
 * (a test hook), else "" (the real root).  Returns malloc'd "<root><path>". */
int path_with_root(const char *path, char **ret);

/* Safe integer parsing of a whole string. */
int safe_atou64(const char *s, uint64_t *ret);

bool string_has_prefix(const char *s, const char *prefix);
