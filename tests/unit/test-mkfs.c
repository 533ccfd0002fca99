/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/stat.h>

#include "header.h"
#include "mkfs.h"
#include "tests.h"

static char dir[] = "/tmp/test-mkfs-XXXXXX";

static void put(const char *rel, size_t size) {
        char path[400];
        FILE *f;

        snprintf(path, sizeof path, "%s/tree/%s", dir, rel);
        f = fopen(path, "w");
        ASSERT_TRUE(f);
        for (size_t i = 0; i < size; i++)
                fputc((int) (i * 7 % 251), f);
        ASSERT_TRUE(fclose(f) == 0);
}

int main(void) {
        char tree[64], img[64], cmd[1000];
        uint64_t nblocks = 0;
        struct stat st;
        int fd;

        ASSERT_TRUE(mkdtemp(dir));
        snprintf(tree, sizeof tree, "%s/tree", dir);
        snprintf(cmd, sizeof cmd, "mkdir -p %s/etc %s/usr/lib && ln -s ../usr/lib/a-very-long-name-for-a-symlink-target-"
                 "that-does-not-fit-into-the-inode %s/etc/link", tree, tree, tree);
        ASSERT_TRUE(system(cmd) == 0);
        put("etc/motd", 100);
        put("usr/lib/blob", 3 * 1024 * 1024 + 17);
        snprintf(img, sizeof img, "%s/fs.img", dir);
        fd = open(img, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        ASSERT_TRUE(fd >= 0);
        ASSERT_OK(mkfs_ext4_from_dir(MKFS_EXT4, img, fd, tree, "a-label-longer-than-16", &nblocks));
        ASSERT_TRUE(fstat(fd, &st) == 0);
        ASSERT_EQ((uint64_t) st.st_size, nblocks * REALMFS_BLOCK_SIZE);
        /* room for the data, but not wildly more */
        ASSERT_TRUE(nblocks > (3u << 20) / REALMFS_BLOCK_SIZE && nblocks < 4096);
        close(fd);
        /* a clean ext4 with the files and the label cut to 16 bytes */
        snprintf(cmd, sizeof cmd, "e2fsck -fn %s >/dev/null 2>&1 && dumpe2fs -h %s 2>/dev/null | "
                 "grep -q '^Filesystem volume name: *a-label-longer-t$' && "
                 "debugfs -R 'stat /usr/lib/blob' %s 2>/dev/null | grep -q 'Size: 3145745'", img, img, img);
        ASSERT_TRUE(system(cmd) == 0);
        /* a missing source directory: one error, no filesystem */
        fd = open(img, O_RDWR | O_CLOEXEC);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(mkfs_ext4_from_dir(MKFS_EXT4, img, fd, "/nonexistent/tree", "x", &nblocks) < 0);
        /* a mkfs that cannot run */
        ASSERT_TRUE(mkfs_ext4_from_dir("/nonexistent/mkfs", img, fd, tree, "x", &nblocks) < 0);
        close(fd);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
