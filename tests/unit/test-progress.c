/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "process.h"
#include "progress.h"
#include "tests.h"

static char dir[] = "/tmp/test-progress-XXXXXX";

/* A notify socket as the service manager has one; returns its fd. */
static int notify_socket(void) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

        ASSERT_TRUE(fd >= 0);
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s/notify", dir);
        ASSERT_TRUE(bind(fd, (struct sockaddr *) &sa, sizeof sa) == 0);
        setenv("NOTIFY_SOCKET", sa.sun_path, 1);
        return fd;
}

/* Counts the messages holding s. */
static unsigned drain(int fd, const char *s, unsigned *ret_total) {
        char buf[4096];
        unsigned n = 0, total = 0;
        ssize_t l;

        while ((l = recv(fd, buf, sizeof buf - 1, 0)) > 0) {
                buf[l] = 0;
                total++;
                if (strstr(buf, s))
                        n++;
        }
        if (ret_total)
                *ret_total = total;
        return n;
}

/* Reads /dev/zero for ms milliseconds. */
static void read_for(unsigned ms) {
        char buf[65536];
        int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
        uint64_t until = now_usec() + ms * 1000ULL;

        ASSERT_TRUE(fd >= 0);
        while (now_usec() < until)
                ASSERT_TRUE(read(fd, buf, sizeof buf) == (ssize_t) sizeof buf);
        close(fd);
}

TEST(read_bytes) {
        int64_t a = process_read_bytes(), b;

        ASSERT_TRUE(a >= 0);
        read_for(10);
        b = process_read_bytes();
        ASSERT_TRUE(b > a + 65536);
}

TEST(extends_while_reading) {
        int fd = notify_socket();
        ProgressWatch w;
        unsigned total;

        progress_watch_start(&w, "hashing", 1000000000, 50000);
        read_for(400);
        progress_watch_stop(&w);
        ASSERT_TRUE(w.extensions >= 3);
        ASSERT_TRUE(drain(fd, "EXTEND_TIMEOUT_USEC=30000000\nSTATUS=hashing: ", &total) == w.extensions);
        /* the first STATUS=hashing, and STATUS= at the end */
        ASSERT_EQ(total, w.extensions + 2);
        close(fd);
        unsetenv("NOTIFY_SOCKET");
}

TEST(stall_gets_no_time) {
        char path[128];
        int fd;
        ProgressWatch w;

        snprintf(path, sizeof path, "%s/notify", dir);
        (void) unlink(path);
        fd = notify_socket();
        progress_watch_start(&w, "stalled", 1000000000, 50000);
        usleep(400000);
        progress_watch_stop(&w);
        ASSERT_EQ(w.extensions, 0u);
        ASSERT_EQ(drain(fd, "EXTEND_TIMEOUT_USEC", NULL), 0u);
        close(fd);
        unsetenv("NOTIFY_SOCKET");
}

TEST(no_socket) {
        ProgressWatch w;

        /* without a service manager: nothing sent, the work goes on */
        unsetenv("NOTIFY_SOCKET");
        progress_watch_start(&w, "alone", 100, 10000);
        read_for(50);
        progress_watch_stop(&w);
        ASSERT_TRUE(!w.running);
}

int main(void) {
        char cmd[128];

        ASSERT_TRUE(mkdtemp(dir));
        RUN(read_bytes);
        RUN(extends_while_reading);
        RUN(stall_gets_no_time);
        RUN(no_socket);
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        return system(cmd) == 0 ? 0 : 1;
}
