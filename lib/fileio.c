/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>

#include "fileio.h"
#include "secure.h"
#include "util.h"

int pread_full(int fd, void *buf, size_t len, off_t offset) {
        uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pread(fd, p, len, offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t) n;
                offset += n;
        }
        return 0;
}

int copy_range_full(int in, uint64_t in_off, int out, uint64_t out_off, uint64_t size) {
        loff_t i = (loff_t) in_off, o = (loff_t) out_off;

        while (size > 0) {
                ssize_t n = copy_file_range(in, &i, out, &o, (size_t) MIN(size, (uint64_t) 1 << 30), 0);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (n == 0)
                        return -ENODATA;
                size -= (uint64_t) n;
        }
        return 0;
}

int pwrite_full(int fd, const void *buf, size_t len, off_t offset) {
        const uint8_t *p = buf;

        while (len > 0) {
                ssize_t n = pwrite(fd, p, len, offset);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                p += n;
                len -= (size_t) n;
                offset += n;
        }
        return 0;
}

static void buffer_release(char *buf, bool secure) {
        if (secure)
                secure_free(buf);
        else
                free(buf);
}

int open_regular(const char *path) {
        _cleanup_close_ int fd = -1;
        struct stat st;
        int fl;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
                return negative_errno();
        return TAKE_FD(fd);
}

const char *fileio_error(int r) {
        return r == -EBADFD ? "not a regular file" : strerror(-r);
}

/* Over 60 lines on purpose: one read loop for both buffer kinds (a secure
 * buffer cannot grow, an ordinary one doubles), so that the size limit and
 * the error paths are written once. */
int read_full_file(const char *path, size_t max, ReadFullFlags flags, char **ret, size_t *ret_size) {
        bool secure = flags & READ_FULL_SECURE;
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t cap, len = 0;
        char *buf;

        if (flags & READ_FULL_ANY_TYPE) {
                fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (fd < 0)
                        return negative_errno();
        } else {
                fd = open_regular(path);
                if (fd < 0)
                        return fd;
        }
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (S_ISREG(st.st_mode) && (uint64_t) st.st_size > max)
                return -EFBIG;

        /* We read up to max+1 bytes: getting that many means the file is too
         * big.  Secure buffers cannot be grown (no realloc), so they start at
         * the maximum; others start at the size fstat() reports (0 for /proc
         * files) and double. */
        if (secure)
                cap = max + 1;
        else
                cap = MIN(max + 1, (S_ISREG(st.st_mode) && st.st_size > 0 ? (size_t) st.st_size + 1 : 4096));
        buf = secure ? secure_alloc(cap + 1) : malloc(cap + 1);
        if (!buf)
                return -ENOMEM;

        for (;;) {
                ssize_t n;

                if (len == cap) {
                        char *nb;
                        size_t ncap;

                        if (cap >= max + 1)
                                break;
                        ncap = MIN(cap * 2, max + 1);
                        nb = realloc(buf, ncap + 1);
                        if (!nb) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = nb;
                        cap = ncap;
                }
                n = read(fd, buf + len, cap - len);
                if (n < 0) {
                        int r = negative_errno();
                        if (errno == EINTR)
                                continue;
                        buffer_release(buf, secure);
                        return r;
                }
                if (n == 0)
                        break;
                len += (size_t) n;
        }
        if (len > max) {
                buffer_release(buf, secure);
                return -EFBIG;
        }
        buf[len] = 0;
        *ret = buf;
        if (ret_size)
                *ret_size = len;
        return 0;
}

int fsync_directory_of(const char *path) {
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int dfd = -1;

        if (!copy)
                return -ENOMEM;
        dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return negative_errno();
        if (fsync(dfd) < 0)
                return negative_errno();
        return 0;
}

int temp_path_beside(const char *path, char **ret) {
        const char *slash = strrchr(path, '/');
        int r;

        if (slash)
                r = asprintf(ret, "%.*s/" ATOMIC_TEMP_PREFIX "%s.XXXXXX", (int) (slash - path), path, slash + 1);
        else
                r = asprintf(ret, ATOMIC_TEMP_PREFIX "%s.XXXXXX", path);
        return r < 0 ? -ENOMEM : 0;
}

int link_temporary(const char *path, char **ret) {
        _cleanup_free_ char *tmp = NULL;
        int r;

        r = temp_path_beside(path, &tmp);
        if (r < 0)
                return r;
        for (unsigned attempt = 0; attempt < 100; attempt++) {
                static const char chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
                char *x = tmp + strlen(tmp) - 6;
                for (size_t i = 0; i < 6; i++)
                        x[i] = chars[randombytes_uniform(sizeof chars - 1)];
                if (link(path, tmp) == 0) {
                        *ret = TAKE_PTR(tmp);
                        return 0;
                }
                if (errno != EEXIST)
                        return negative_errno();
        }
        return -EEXIST;
}

int write_file_atomic_with(const char *path, mode_t mode, bool no_replace, write_callback_t cb,
                           void *userdata) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (no_replace && access(path, F_OK) == 0)
                return -EEXIST;

        /* the temporary file lives beside path, so rename() stays atomic */
        r = temp_path_beside(path, &tmp);
        if (r < 0)
                return r;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();

        if (fchmod(fd, mode) < 0) {
                r = negative_errno();
                goto fail;
        }
        r = cb(fd, tmp, userdata);
        if (r < 0)
                goto fail;
        if (fsync(fd) < 0) {
                r = negative_errno();
                goto fail;
        }
        test_hook_stop_point("written");
        if (no_replace) {
                /* link() fails with EEXIST if somebody created path meanwhile. */
                if (link(tmp, path) < 0) {
                        r = negative_errno();
                        goto fail;
                }
                (void) unlink(tmp);
        } else if (rename(tmp, path) < 0) {
                r = negative_errno();
                goto fail;
        }
        return fsync_directory_of(path);

fail:
        (void) unlink(tmp);
        return r;
}

struct buffer_write {
        const void *data;
        size_t len;
};

static int write_buffer_cb(int fd, const char *tmp_path, void *userdata) {
        struct buffer_write *b = userdata;
        return pwrite_full(fd, b->data, b->len, 0);
}

int write_file_atomic(const char *path, const void *data, size_t len, mode_t mode, bool no_replace) {
        struct buffer_write b = { data, len };
        return write_file_atomic_with(path, mode, no_replace, write_buffer_cb, &b);
}

int copy_file_all(int in, int out, uint64_t size) {
        if (ioctl(out, FICLONE, in) == 0)
                return 0;
        return copy_range_full(in, 0, out, 0, size);
}

int mkdir_parents(const char *path, mode_t mode) {
        _cleanup_free_ char *p = strdup(path);

        if (!p)
                return -ENOMEM;
        for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = 0;
                if (mkdir(p, mode) < 0 && errno != EEXIST)
                        return -errno;
                *s = '/';
        }
        return 0;
}
