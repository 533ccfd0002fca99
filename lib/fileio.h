/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "macro.h"

/* Reads a whole regular file of at most max bytes.  *ret is NUL-terminated
 * (the terminator is not counted in *ret_size).  -EFBIG when larger.  With
 * secure = true the buffer comes from secure_alloc() (locked, guarded) and
 * must be released with secure_free(). */
int read_full_file(const char *path, size_t max, bool secure, char **ret, size_t *ret_size);

/* Writes data to path atomically: a temporary file in the same directory,
 * fchmod(mode), write, fsync, rename over path, fsync of the directory.  On
 * any failure the temporary file is removed and path is left untouched.
 * With no_replace, an existing path is never replaced (-EEXIST). */
int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool no_replace);

/* Like write_file_atomic() for data written by a callback to an fd: used for
 * large files (images) that are produced in place before the rename.  The
 * temporary file's path is given to the callback as well. */
typedef int (*write_callback_t)(int fd, const char *tmp_path, void *userdata);
int write_file_atomic_with(const char *path, mode_t mode, bool no_replace, write_callback_t cb,
                           void *userdata);

/* Reads exactly len bytes at offset; -EIO on a short read (file too short). */
int pread_full(int fd, void *buf, size_t len, off_t offset);
int pwrite_full(int fd, const void *buf, size_t len, off_t offset);
