/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <time.h>

#include "fileio.h"
#include "log.h"
#include "loop.h"

#ifndef LOOP_CONFIGURE
#define LOOP_CONFIGURE 0x4C0A
struct loop_config {
        __u32 fd;
        __u32 block_size;
        struct loop_info64 info;
        __u64 __reserved[8];
};
#endif

static int loop_configure(int loop_fd, int file_fd, uint64_t offset, uint64_t sizelimit,
                          bool writable, bool direct_io) {
        struct loop_config config = {
                .fd = (uint32_t) file_fd,
                .info = {
                        .lo_offset = offset,
                        .lo_sizelimit = sizelimit,
                        .lo_flags = LO_FLAGS_AUTOCLEAR | (writable ? 0 : LO_FLAGS_READ_ONLY) |
                                    (direct_io ? LO_FLAGS_DIRECT_IO : 0),
                },
        };

        if (ioctl(loop_fd, LOOP_CONFIGURE, &config) >= 0)
                return 0;
        if (errno == EINVAL && direct_io) {
                /* Direct I/O is refused for some backing filesystems (tmpfs):
                 * it is only an optimisation. */
                config.info.lo_flags &= ~(uint32_t) LO_FLAGS_DIRECT_IO;
                if (ioctl(loop_fd, LOOP_CONFIGURE, &config) >= 0)
                        return 0;
        }
        if (errno != ENOTTY && errno != EINVAL)
                return negative_errno();

        /* Kernels before 5.8: the two-step way. */
        if (ioctl(loop_fd, LOOP_SET_FD, file_fd) < 0)
                return negative_errno();
        config.info.lo_flags &= ~(uint32_t) LO_FLAGS_DIRECT_IO;
        if (ioctl(loop_fd, LOOP_SET_STATUS64, &config.info) < 0) {
                int r = negative_errno();
                (void) ioctl(loop_fd, LOOP_CLR_FD);
                return r;
        }
        return 0;
}

int loop_device_attach_fd(int file_fd, uint64_t offset, uint64_t sizelimit, LoopFlags flags, LoopDevice *ret) {
        bool writable = flags & LOOP_WRITABLE, direct_io = flags & LOOP_DIRECT_IO;
        _cleanup_close_ int control = -1;
        int r = -EBUSY;

        control = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
        if (control < 0)
                return negative_errno();

        /* Another process may grab the free device between GET_FREE and
         * CONFIGURE (EBUSY): retry a bounded number of times. */
        for (unsigned attempt = 0; attempt < 64; attempt++) {
                _cleanup_close_ int loop_fd = -1;
                char path[64];
                int nr = ioctl(control, LOOP_CTL_GET_FREE);

                if (nr < 0)
                        return negative_errno();
                snprintf(path, sizeof path, "/dev/loop%i", nr);
                loop_fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY);
                if (loop_fd < 0) {
                        r = negative_errno();
                        if (r == -ENOENT || r == -ENXIO) {
                                /* device node not there yet (no udev); brief pause */
                                nanosleep(&(struct timespec) { .tv_nsec = 10 * 1000 * 1000 }, NULL);
                                continue;
                        }
                        return r;
                }
                r = loop_configure(loop_fd, file_fd, offset, sizelimit, writable, direct_io);
                if (r == -EBUSY)
                        continue;
                if (r < 0)
                        return r;

                ret->path = strdup(path);
                if (!ret->path)
                        return -ENOMEM; /* loop_fd closes: autoclear detaches */
                ret->fd = TAKE_FD(loop_fd);
                ret->nr = nr;
                return 0;
        }
        return r;
}

void loop_device_release(LoopDevice *d) {
        if (d->fd >= 0)
                close(d->fd);
        free(d->path);
        *d = LOOP_DEVICE_NULL;
}

int loop_device_detach_path(const char *path) {
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return negative_errno();
        if (ioctl(fd, LOOP_CLR_FD) < 0 && errno != ENXIO)
                return negative_errno();
        return 0;
}

int loop_devices_detach_backing(const char *prefix) {
        _cleanup_closedir_ DIR *d = opendir("/sys/block");
        struct dirent *de;
        int n = 0;

        if (!d)
                return 0;
        while ((de = readdir(d))) {
                _cleanup_free_ char *sys = NULL, *backing = NULL, *dev = NULL;
                size_t len = 0;

                if (strncmp(de->d_name, "loop", 4) != 0)
                        continue;
                if (asprintf(&sys, "/sys/block/%s/loop/backing_file", de->d_name) < 0 ||
                    asprintf(&dev, "/dev/%s", de->d_name) < 0)
                        return -ENOMEM;
                /* sysfs: not a regular file by size, read like one */
                if (read_full_file(sys, 4096, READ_FULL_ANY_TYPE, &backing, &len) < 0)
                        continue;
                if (strncmp(backing, prefix, strlen(prefix)) == 0 && loop_device_detach_path(dev) == 0)
                        n++;
        }
        return n;
}
