/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
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
        ASSERT_OK(read_full_file(path, 100, false, &buf, &len));
        ASSERT_EQ(len, 6);
        ASSERT_STREQ(buf, "hello\n");
        free(buf);

        /* exact limit passes, one byte less fails */
        ASSERT_OK(read_full_file(path, 6, false, &buf, &len));
        free(buf);
        ASSERT_EQ(read_full_file(path, 5, false, &buf, &len), -EFBIG);
        ASSERT_OK(read_full_file(path, 6, true, &buf, &len));
        ASSERT_STREQ(buf, "hello\n");
        secure_free(buf);
        ASSERT_EQ(read_full_file(path, 5, true, &buf, &len), -EFBIG);

        /* no_replace keeps the old content and leaves no temp file behind */
        ASSERT_EQ(write_file_atomic(path, "x", 1, 0600, true), -EEXIST);
        ASSERT_OK(read_full_file(path, 100, false, &buf, &len));
        ASSERT_STREQ(buf, "hello\n");
        free(buf);
        ASSERT_EQ(count_entries(), 1);

        ASSERT_EQ(read_full_file("/nonexistent/x", 10, false, &buf, &len), -ENOENT);
        ASSERT_EQ(read_full_file(dir, 10, false, &buf, &len), -EISDIR);
}

static int failing_cb(int fd, const char *tmp, void *u) {
        (void) !write(fd, "partial", 7);
        return -EIO;
}

TEST(failed_write_leaves_nothing) {
        char path[256], *buf;

        snprintf(path, sizeof path, "%s/file", dir);
        ASSERT_EQ(write_file_atomic_with(path, 0600, false, failing_cb, NULL), -EIO);
        ASSERT_OK(read_full_file(path, 100, false, &buf, NULL));
        ASSERT_STREQ(buf, "hello\n");
        free(buf);
        ASSERT_EQ(count_entries(), 1);
}

TEST(proc_file) {
        char *buf;
        size_t len;

        /* /proc files report size 0: read until EOF */
        ASSERT_OK(read_full_file("/proc/self/stat", 65536, false, &buf, &len));
        ASSERT_TRUE(len > 10);
        free(buf);
}

int main(void) {
        ASSERT_TRUE(mkdtemp(dir));
        RUN(atomic_write_and_read);
        RUN(failed_write_leaves_nothing);
        RUN(proc_file);
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
