/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "process.h"
#include "secure.h"

uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

void process_result_done(ProcessResult *r, ProcessFlags flags) {
        if (flags & PROCESS_STDOUT_SECRET)
                secure_free(r->output);
        else
                free(r->output);
        *r = (ProcessResult) { .exit_status = -1 };
}

/* poll() timeout in ms until deadline (-1: none); 0 once it passed. */
static int timeout_ms(uint64_t deadline) {
        uint64_t now;

        if (deadline == 0)
                return -1;
        now = now_usec();
        return now >= deadline ? 0 : (int) MIN((deadline - now + 999) / 1000, (uint64_t) INT32_MAX);
}

void process_die_with_parent(pid_t parent) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
}

static _noreturn_ void child(char *const argv[], int out, ProcessFlags flags, pid_t parent) {
        int null;

        /* dies with us: a realmfsctl killed with -9 leaves no helper
         * holding its loop device */
        process_die_with_parent(parent);
        null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
            (!(flags & PROCESS_STDOUT_SECRET) && dup2(out, STDERR_FILENO) < 0))
                _exit(127);
        execv(argv[0], argv);
        _exit(127);
}

/* Reads the child's output until EOF or the deadline. */
static int read_output(int fd, uint64_t deadline, ProcessFlags flags, size_t max, char *buf, size_t *len) {
        char sink[4096];

        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                int t = timeout_ms(deadline), n;
                ssize_t k;

                if (t == 0)
                        return -ETIME;
                n = poll(&p, 1, t);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return negative_errno();
                if (n == 0)
                        continue; /* the deadline: seen above */
                if (*len < max)
                        k = read(fd, buf + *len, max - *len);
                else if (flags & PROCESS_STDOUT_SECRET)
                        return -E2BIG;
                else
                        k = read(fd, sink, sizeof sink); /* more than we keep: drained */
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                if (k == 0)
                        return 0;
                if (*len < max)
                        *len += (size_t) k;
        }
}

/* Waits for the child (its pidfd) until the deadline, then kills it. */
static int reap(pid_t pid, int pidfd, uint64_t deadline, bool kill_now, int *ret_status) {
        int status, r = 0;

        if (!kill_now && pidfd >= 0) {
                struct pollfd p = { .fd = pidfd, .events = POLLIN };
                int n;
                while ((n = poll(&p, 1, timeout_ms(deadline))) < 0 && errno == EINTR)
                        ;
                if (n == 0)
                        kill_now = true, r = -ETIME;
        }
        if (kill_now)
                (void) kill(pid, SIGKILL);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return negative_errno();
        *ret_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        return r;
}

int process_run(char *const argv[], uint64_t deadline, ProcessFlags flags, size_t max_output, ProcessResult *ret) {
        bool secret = flags & PROCESS_STDOUT_SECRET;
        _cleanup_close_ int pidfd = -1;
        int pipefd[2], r, k;
        pid_t pid, parent = getpid();
        char *buf;

        *ret = (ProcessResult) { .exit_status = -1 };
        buf = secret ? secure_alloc(max_output + 1) : malloc(max_output + 1);
        if (!buf)
                return -ENOMEM;
        ret->output = buf;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return negative_errno();
        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                close(pipefd[0]);
                close(pipefd[1]);
                return r;
        }
        if (pid == 0)
                child(argv, pipefd[1], flags, parent);
        close(pipefd[1]);
        /* a pidfd lets the wait have a deadline without polling */
        pidfd = (int) syscall(SYS_pidfd_open, pid, 0);

        r = read_output(pipefd[0], deadline, flags, max_output, buf, &ret->output_len);
        close(pipefd[0]);
        buf[ret->output_len] = 0;
        k = reap(pid, pidfd, deadline, r < 0, &ret->exit_status);
        if (r < 0)
                return r;
        if (k < 0)
                return k;
        return ret->exit_status == 0 ? 0 : -EPROTO;
}

const char *process_last_line(ProcessResult *r) {
        char *line;

        if (!r->output)
                return NULL;
        while (r->output_len > 0 && strchr("\n \t", r->output[r->output_len - 1]))
                r->output[--r->output_len] = 0;
        if (r->output_len == 0)
                return NULL;
        line = strrchr(r->output, '\n');
        return line ? line + 1 : r->output;
}
