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
 * in a test-hooks build, else "" (the real root).  Returns malloc'd
 * "<root><path>". */
int path_with_root(const char *path, char **ret);

/* A path that may be written into a unit file as it is: absolute and
 * normalized (no "//", "." or ".." components, no trailing '/'), at most
 * PATH_MAX bytes, and free of what a unit file would read differently:
 * control characters, whitespace (it splits RequiresMountsFor=), '%'
 * (specifiers), '\\' and quotes (escapes).  On false, *reason says which. */
bool path_is_safe(const char *p, const char **reason);

/* Copies s into out (out_size > 0), control characters (below 0x20 except
 * those in keep, and 0x7f) written as \\xNN: text from images and configs
 * cannot move a terminal's cursor, change its colours, or start a new
 * journal line.  Truncates to fit; returns out. */
char *escape_control(const char *s, const char *keep, char *out, size_t out_size);

/* Whether this runs in an initrd: /etc/initrd-release exists (under
 * $REALMBOOT_ROOT in test-hooks builds), as systemd's in_initrd(). */
bool in_initrd(void);

/* Safe integer parsing of a whole string. */
int safe_atou64(const char *s, uint64_t *ret);

/* Frees the n strings of v, and v. */
void strv_free_n(char **v, size_t n);

bool string_has_prefix(const char *s, const char *prefix);
bool string_has_suffix(const char *s, const char *suffix);

/* "1024", "64K", "512M", "2G", "1T" (also "2GiB", "2GB"): powers of 1024. */
int parse_size(const char *s, uint64_t *ret);

/* Test hooks (-Dtest-hooks=true builds only).  A production binary must not
 * let its environment choose another root, command line or password agent:
 * sudo's env_keep, `systemctl set-environment` or a wrapper unit could pass
 * them to a root realmfsctl.  So the switch is made at build time, and this
 * returns NULL there whatever the environment holds. */
#ifdef REALMBOOT_TEST_HOOKS
#define TEST_HOOKS_ENABLED true
#define TEST_HOOKS_FEATURE " +TEST-HOOKS"
#else
#define TEST_HOOKS_ENABLED false
#define TEST_HOOKS_FEATURE ""
#endif
const char *test_hook_getenv(const char *name);

/* With REALMBOOT_TEST_STOP=point (test-hooks builds): stops the process
 * (SIGSTOP) there, for the tests that kill -9 it at that point. */
void test_hook_stop_point(const char *point);

/* "PROGRAM VERSION[ +TEST-HOOKS]" on stdout, for --version; returns 0. */
int version_print(const char *program);
