/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "fileio.h"
#include "secure.h"
#include "tests.h"

static char dir[] = "/tmp/test-fileio-XXXXXX";

static int count_entries(void) {
        DIR *d = opendir(dir);
        struct dirent *de;
        int n = 0;

        ASSERT_TRUE(d);
        while ((de = readdir(d)))
                if (de->d_name[0] != '.' || (de->d_name[1] && de->d_name[1] != '.'))
                        n++;
        closedir(d);
        return n;
}

TEST(atomic_write_and_read) {
        char path[256], *buf;
        size_t len;
        struct stat st;

        snprintf(path, sizeof path, "%s/file", dir);
        ASSERT_OK(write_file_atomic(path, "hello\n", 6, 0600, false));
        ASSERT_OK(stat(path, &st));
        ASSERT_EQ(st.st_mode & 0777, 0600);
        ASSERT_OK(read_full_file(path, 100, 0, &buf, &len));
        ASSERT_EQ(len, 6);
        ASSERT_STREQ(buf, "hello\n");
        free(buf);

        /* exact limit passes, one byte less fails */
        ASSERT_OK(read_full_file(path, 6, 0, &buf, &len));
        free(buf);
        ASSERT_EQ(read_full_file(path, 5, 0, &buf, &len), -EFBIG);
        ASSERT_OK(read_full_file(path, 6, READ_FULL_SECURE, &buf, &len));
        ASSERT_STREQ(buf, "hello\n");
        secure_free(buf);
        ASSERT_EQ(read_full_file(path, 5, READ_FULL_SECURE, &buf, &len), -EFBIG);

        /* no_replace keeps the old content and leaves no temp file behind */
        ASSERT_EQ(write_file_atomic(path, "x", 1, 0600, true), -EEXIST);
        ASSERT_OK(read_full_file(path, 100, 0, &buf, &len));
        ASSERT_STREQ(buf, "hello\n");
        free(buf);
        ASSERT_EQ(count_entries(), 1);

        ASSERT_EQ(read_full_file("/nonexistent/x", 10, 0, &buf, &len), -ENOENT);
        ASSERT_EQ(read_full_file(dir, 10, 0, &buf, &len), -EISDIR);
}

static int failing_cb(int fd, const char *tmp, void *u) {
        (void) !write(fd, "partial", 7);
        return -EIO;
}

TEST(failed_write_leaves_nothing) {
        char path[256], *buf;

        snprintf(path, sizeof path, "%s/file", dir);
        ASSERT_EQ(write_file_atomic_with(path, 0600, 0, failing_cb, NULL), -EIO);
        ASSERT_OK(read_full_file(path, 100, 0, &buf, NULL));
        ASSERT_STREQ(buf, "hello\n");
        free(buf);
        ASSERT_EQ(count_entries(), 1);
}

TEST(proc_file) {
        char *buf;
        size_t len;

        /* /proc files report size 0: read until EOF */
        ASSERT_OK(read_full_file("/proc/self/stat", 65536, 0, &buf, &len));
        ASSERT_TRUE(len > 10);
        free(buf);
}

/* Boot code reads only regular files, and a FIFO never blocks it. */
TEST(fifo_refused) {
        char path[300], *buf = NULL;
        size_t len;
        int fd;

        snprintf(path, sizeof path, "%s/fifo", dir);
        ASSERT_OK(mkfifo(path, 0600) < 0 ? -errno : 0);
        ASSERT_EQ(read_full_file(path, 100, 0, &buf, &len), -EBADFD);
        ASSERT_EQ(read_full_file(path, 100, READ_FULL_SECURE, &buf, &len), -EBADFD);
        ASSERT_EQ(open_regular(path), -EBADFD);
        ASSERT_STREQ(fileio_error(-EBADFD), "not a regular file");
        ASSERT_EQ(open_regular(dir), -EISDIR);
        ASSERT_EQ(open_regular("/dev/null"), -EBADFD);
        ASSERT_EQ(open_regular("/nonexistent/x"), -ENOENT);
        /* READ_FULL_ANY_TYPE (passphrase files): a character device is read */
        ASSERT_OK(read_full_file("/dev/null", 100, READ_FULL_ANY_TYPE, &buf, &len));
        ASSERT_EQ(len, 0);
        free(buf);
        /* the fd of a regular file is blocking again */
        snprintf(path, sizeof path, "%s/reg", dir);
        ASSERT_OK(write_file_atomic(path, "x", 1, 0644, false));
        fd = open_regular(path);
        ASSERT_TRUE(fd >= 0);
        ASSERT_TRUE(!(fcntl(fd, F_GETFL) & O_NONBLOCK));
        close(fd);
        ASSERT_OK(unlink(path));
        snprintf(path, sizeof path, "%s/fifo", dir);
        ASSERT_OK(unlink(path));
}

int main(void) {
        ASSERT_TRUE(mkdtemp(dir));
        RUN(fifo_refused);
        RUN(atomic_write_and_read);
        RUN(failed_write_leaves_nothing);
        RUN(proc_file);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
