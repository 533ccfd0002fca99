/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <dirent.h>

#include "macro.h"

static inline void closedirp(DIR **d) {
        if (*d)
                closedir(*d);
}
#define _cleanup_closedir_ _cleanup_(closedirp)

typedef enum ReadFullFlags {
        /* the buffer comes from secure_alloc() (locked, guarded) and must be
         * released with secure_free() */
        READ_FULL_SECURE = 1 << 0,
        /* also a pipe or character device (a passphrase given as <(...) or
         * /dev/stdin), opened blocking; otherwise only a regular file, opened
         * O_NONBLOCK so that a FIFO planted where a config or keyring should
         * be cannot hang boot code */
        READ_FULL_ANY_TYPE = 1 << 1,
} ReadFullFlags;

/* Reads a whole file of at most max bytes.  *ret is NUL-terminated (the
 * terminator is not counted in *ret_size).  -EFBIG when larger, -EISDIR for
 * a directory, -EBADFD for anything else that is not a regular file (unless
 * READ_FULL_ANY_TYPE). */
int read_full_file(const char *path, size_t max, ReadFullFlags flags, char **ret, size_t *ret_size);

/* Opens path read-only for the boot code's readers: O_NONBLOCK (a FIFO does
 * not block the open), then requires a regular file (-EISDIR, -EBADFD
 * otherwise) and clears O_NONBLOCK again.  Returns the fd. */
int open_regular(const char *path);

/* strerror() of a negative errno from these readers, with -EBADFD said as
 * "not a regular file". */
const char *fileio_error(int r);

/* The temporary file of write_file_atomic*() beside DIR/NAME is
 * DIR/.#NAME.XXXXXX: image-lock.c removes those a killed run left. */
#define ATOMIC_TEMP_PREFIX ".#"

/* DIR/.#NAME.XXXXXX for path DIR/NAME (a mkostemp() template). */
int temp_path_beside(const char *path, char **ret);

/* A hard link of path under a new temporary name beside it (*ret). */
int link_temporary(const char *path, char **ret);

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

/* Copies size bytes from in at in_off to out at out_off in the kernel
 * (copy_file_range: the filesystem may share extents); -ENODATA when in
 * ends early. */
int copy_range_full(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t size);

/* All of in (size bytes) into the empty file out: shared extents where
 * the filesystem can (FICLONE), else copy_range_full(). */
int copy_file_all(int in, int out, uint64_t size);

/* fsync() of the directory path is in: a rename there is on disk. */
int fsync_directory_of(const char *path);

/* Reads exactly len bytes at offset; -EIO on a short read (file too short). */
int pread_full(int fd, void *buf, size_t len, off_t offset);
int pwrite_full(int fd, const void *buf, size_t len, off_t offset);

/* Creates the missing directories above path (not path itself), mode each;
 * existing ones are left as they are. */
int mkdir_parents(const char *path, mode_t mode);
