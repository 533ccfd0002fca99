/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Running a helper program (mkfs.ext4, systemd-ask-password, nspawn,
 * e2fsck, resize2fs), the shape of systemd's safe_fork(): stdin
 * from /dev/null, the output captured through a pipe, a deadline after
 * which the child is killed, and nothing left behind on any path: the child
 * is killed when we die (PR_SET_PDEATHSIG), even by SIGKILL. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum ProcessFlags {
        /* capture stdout only (stderr stays ours: the journal), into
         * secure_alloc() memory: the output is a secret (a passphrase) */
        PROCESS_STDOUT_SECRET = 1 << 0,
} ProcessFlags;

typedef struct ProcessResult {
        char *output;     /* NUL-terminated; malloc'd, or secure_alloc'd with PROCESS_STDOUT_SECRET */
        size_t output_len;
        int exit_status;  /* when it exited; -1 when killed by a signal */
} ProcessResult;

/* Frees (wiping secret) output. */
void process_result_done(ProcessResult *r, ProcessFlags flags);
/* For _cleanup_(): a result without PROCESS_STDOUT_SECRET, and one with. */
static inline void process_result_done_plain(ProcessResult *r) {
        process_result_done(r, 0);
}
static inline void process_result_done_secret(ProcessResult *r) {
        process_result_done(r, PROCESS_STDOUT_SECRET);
}

/* Runs argv[0] (an absolute path) with argv.  deadline: CLOCK_MONOTONIC
 * microseconds (now_usec()), 0 for none.  At most max_output bytes of
 * output are kept (a secret longer than that is refused, -E2BIG; other
 * output is cut).  Returns 0 when it exited 0, -EPROTO when it exited
 * otherwise (see ret->exit_status), -ETIME when the deadline passed (it was
 * killed), or another negative errno.  ret is filled in every case. */
int process_run(char *const argv[], uint64_t deadline, ProcessFlags flags, size_t max_output, ProcessResult *ret);

/* In a child just forked from parent: dies (SIGKILL) when its parent does,
 * even by SIGKILL; _exit()s at once if the parent is gone already. */
void process_die_with_parent(pid_t parent);

/* The last non-empty line of r->output (for an error message), or NULL. */
const char *process_last_line(ProcessResult *r);

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_usec(void);
