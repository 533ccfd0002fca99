/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <poll.h>
#include <sys/wait.h>

#include "process.h"
#include "tests.h"

TEST(output_and_status) {
        ProcessResult r;
        char *ok[] = { (char *) "/bin/sh", (char *) "-c", (char *) "echo out; echo err >&2; read x; echo \"[$x]\"", NULL };
        char *bad[] = { (char *) "/bin/sh", (char *) "-c", (char *) "echo first; echo 'the reason' >&2; exit 3", NULL };
        char *missing[] = { (char *) "/nonexistent/program", NULL };

        /* stdout and stderr captured, stdin is /dev/null (read gets EOF) */
        ASSERT_OK(process_run(ok, now_usec() + 10 * 1000000, 0, 4096, &r));
        ASSERT_STREQ(r.output, "out\nerr\n[]\n");
        ASSERT_EQ(r.exit_status, 0);
        process_result_done(&r, 0);

        ASSERT_EQ(process_run(bad, 0, 0, 4096, &r), -EPROTO);
        ASSERT_EQ(r.exit_status, 3);
        ASSERT_STREQ(process_last_line(&r), "the reason");
        process_result_done(&r, 0);

        ASSERT_EQ(process_run(missing, 0, 0, 4096, &r), -EPROTO);
        ASSERT_EQ(r.exit_status, 127);
        ASSERT_TRUE(!process_last_line(&r));
        process_result_done(&r, 0);
}

TEST(deadline) {
        char *slow[] = { (char *) "/bin/sleep", (char *) "30", NULL };
        uint64_t start = now_usec();
        ProcessResult r;

        ASSERT_EQ(process_run(slow, now_usec() + 200 * 1000, 0, 4096, &r), -ETIME);
        ASSERT_TRUE(now_usec() - start < 5 * 1000000);
        ASSERT_EQ(r.exit_status, -1); /* killed */
        process_result_done(&r, 0);
        /* nothing left behind: no child to wait for */
        ASSERT_TRUE(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
}

TEST(secret_and_limits) {
        char *secret[] = { (char *) "/bin/sh", (char *) "-c", (char *) "printf 'hunter2\\n'; echo noise >&2", NULL };
        char *big[] = { (char *) "/bin/sh", (char *) "-c", (char *) "head -c 100000 /dev/zero 2>/dev/null | tr '\\0' x 2>/dev/null", NULL };
        ProcessResult r;

        /* a secret: stdout only, stderr stays ours */
        ASSERT_OK(process_run(secret, 0, PROCESS_STDOUT_SECRET, 64, &r));
        ASSERT_STREQ(r.output, "hunter2\n");
        process_result_done(&r, PROCESS_STDOUT_SECRET);
        /* a secret longer than allowed is refused */
        ASSERT_EQ(process_run(big, 0, PROCESS_STDOUT_SECRET, 64, &r), -E2BIG);
        process_result_done(&r, PROCESS_STDOUT_SECRET);
        /* other output is cut, the program still runs to its end */
        ASSERT_OK(process_run(big, 0, 0, 64, &r));
        ASSERT_EQ(r.output_len, 64);
        process_result_done(&r, 0);
}

/* a helper dies with us, even when we are killed with SIGKILL */
TEST(dies_with_parent) {
        int pipefd[2];
        pid_t middle;
        char buf[32] = "";
        ssize_t n;

        ASSERT_OK(pipe(pipefd));
        middle = fork();
        ASSERT_TRUE(middle >= 0);
        if (middle == 0) {
                /* the sleeper says it runs on the pipe it inherits (not
                 * close-on-exec), then we die by SIGKILL */
                char script[64];
                char *argv[] = { (char *) "/bin/sh", (char *) "-c", script, NULL };
                ProcessResult r;
                close(pipefd[0]);
                snprintf(script, sizeof script, "echo $$ >&%i; exec sleep 60", pipefd[1]);
                (void) process_run(argv, 0, 0, 64, &r);
                _exit(0);
        }
        close(pipefd[1]);
        n = read(pipefd[0], buf, sizeof buf - 1);
        ASSERT_TRUE(n > 0);
        ASSERT_OK(kill(middle, SIGKILL));
        ASSERT_TRUE(waitpid(middle, NULL, 0) == middle);
        /* the sleeper got SIGKILL as well: the pipe's last writer is gone
         * at once, not when its sleep of 60 s ends */
        struct pollfd p = { .fd = pipefd[0], .events = POLLIN };
        ASSERT_EQ(poll(&p, 1, 10000), 1);
        ASSERT_EQ(read(pipefd[0], buf, sizeof buf), 0);
        close(pipefd[0]);
}

int main(void) {
        signal(SIGPIPE, SIG_IGN);
        RUN(dies_with_parent);
        RUN(output_and_status);
        RUN(deadline);
        RUN(secret_and_limits);
        return 0;
}
