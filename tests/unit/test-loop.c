/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A loop device over part of an open file, read-only unless asked
 * otherwise, gone when released (autoclear).  Needs root. */
#include <fcntl.h>

#include "fileio.h"
#include "loop.h"
#include "tests.h"

static char dir[] = "/tmp/test-loop-XXXXXX";

int main(void) {
        uint8_t block[4096], got[4096];
        LoopDevice loop = LOOP_DEVICE_NULL;
        char path[300], sys[128], cmd[400];
        int fd, dev;

        if (geteuid() != 0 || access("/dev/loop-control", W_OK) < 0) {
                fprintf(stderr, "needs root and /dev/loop-control, skipping\n");
                return 77;
        }
        ASSERT_TRUE(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/file", dir);
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        for (int b = 0; b < 3; b++) {
                memset(block, 'a' + b, sizeof block);
                ASSERT_OK(pwrite_full(fd, block, sizeof block, (off_t) b * 4096));
        }

        /* blocks 1 and 2, read-only */
        ASSERT_OK(loop_device_attach_fd(fd, 4096, 2 * 4096, LOOP_READ_ONLY, &loop));
        ASSERT_TRUE(loop.path && loop.fd >= 0 && loop.nr >= 0);
        dev = open(loop.path, O_RDONLY | O_CLOEXEC);
        ASSERT_TRUE(dev >= 0);
        ASSERT_OK(pread_full(dev, got, sizeof got, 0));
        memset(block, 'b', sizeof block);
        ASSERT_TRUE(memcmp(got, block, sizeof got) == 0);
        ASSERT_EQ(pread_full(dev, got, 1, 2 * 4096), -EIO); /* the size limit */
        close(dev);
        /* read-only: opening for writing, or else writing, is refused */
        dev = open(loop.path, O_RDWR | O_CLOEXEC);
        if (dev >= 0) {
                ASSERT_TRUE(pwrite(dev, block, sizeof block, 0) < 0);
                close(dev);
        }
        snprintf(sys, sizeof sys, "/sys/block/loop%i/loop/backing_file", loop.nr);
        ASSERT_TRUE(access(sys, F_OK) == 0);
        loop_device_release(&loop);
        ASSERT_TRUE(!loop.path && loop.fd == -1);
        /* autoclear: released with its last user */
        ASSERT_TRUE(access(sys, F_OK) < 0);

        /* writable */
        ASSERT_OK(loop_device_attach_fd(fd, 0, 0, LOOP_WRITABLE | LOOP_DIRECT_IO, &loop));
        dev = open(loop.path, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(dev >= 0);
        memset(block, 'z', sizeof block);
        ASSERT_OK(pwrite_full(dev, block, sizeof block, 0));
        ASSERT_TRUE(fsync(dev) == 0);
        close(dev);
        loop_device_release(&loop);
        ASSERT_OK(pread_full(fd, got, sizeof got, 0));
        ASSERT_TRUE(memcmp(got, block, sizeof got) == 0);
        close(fd);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
