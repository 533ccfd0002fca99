/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#define PASSPHRASE_MAX 4096u

/* Reads a passphrase file: its content minus one trailing newline, into
 * secure memory (release with secure_free()).  Logs one line on failure. */
int passphrase_read_file(const char *path, char **ret, size_t *ret_len);

/* Asks on the controlling terminal with echo off.  -ENXIO without a tty. */
int passphrase_ask_tty(const char *prompt, char **ret, size_t *ret_len);
