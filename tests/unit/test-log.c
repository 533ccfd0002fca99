/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every log line is one line: control characters from the message escaped
 * at the sink; the *_errno() calls return the error they log. */
#include <fcntl.h>

#include "log.h"
#include "tests.h"

/* What one log call writes to stderr. */
static char *logged(void (*fn)(void)) {
        static char buf[4096];
        int pipefd[2], saved;
        ssize_t n;

        ASSERT_TRUE(pipe(pipefd) == 0);
        saved = dup(STDERR_FILENO);
        ASSERT_TRUE(dup2(pipefd[1], STDERR_FILENO) >= 0);
        fn();
        fflush(stderr);
        ASSERT_TRUE(dup2(saved, STDERR_FILENO) >= 0);
        close(saved);
        close(pipefd[1]);
        n = read(pipefd[0], buf, sizeof buf - 1);
        close(pipefd[0]);
        buf[n > 0 ? n : 0] = 0;
        return buf;
}

static void log_escape(void) {
        log_error("channel \"%s\"", "\x1b]0;x\x07\nsecond");
}
static void log_errno(void) {
        ASSERT_EQ(log_error_errno(ENOENT, "file: %m"), -ENOENT);
        ASSERT_EQ(log_warning_errno(-EACCES, "again: %m"), -EACCES);
}
static void log_debug_hidden(void) {
        log_debug("not shown");
        log_info("shown");
}
static void log_oom_line(void) {
        ASSERT_EQ(log_oom(), -ENOMEM);
}

int main(void) {
        log_setup("test-log", LOG_TARGET_STDERR);
        ASSERT_STREQ(logged(log_escape), "channel \"\\x1b]0;x\\x07\\x0asecond\"\n");
        ASSERT_STREQ(logged(log_errno), "file: No such file or directory\nagain: Permission denied\n");
        ASSERT_STREQ(logged(log_debug_hidden), "shown\n");
        log_set_max_level(LOG_DEBUG);
        ASSERT_EQ(log_get_max_level(), LOG_DEBUG);
        ASSERT_STREQ(logged(log_debug_hidden), "not shown\nshown\n");
        ASSERT_STREQ(logged(log_oom_line), "Out of memory.\n");
        return 0;
}
