/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Long reading work under a unit's start timeout (the hash tree of a
 * multi-GiB image at its first attach): while the process keeps reading
 * (rchar of /proc/self/io grows), a thread asks the service manager for
 * more time (EXTEND_TIMEOUT_USEC=) and says how far it got (STATUS=).  When
 * reading stalls it stops asking, so the unit's timeout still ends a hung
 * disk.  Nothing is sent without $NOTIFY_SOCKET (sd_notify()); the unit
 * needs NotifyAccess=main. */

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define PROGRESS_INTERVAL_USEC (5ULL * 1000000ULL)
/* reading less than this in an interval is a stall */
#define PROGRESS_MIN_BYTES (64u * 1024u)
/* each time reading went on, the timeout is at least this far away */
#define PROGRESS_EXTEND_USEC (30ULL * 1000000ULL)

typedef struct ProgressWatch {
        const char *what;      /* "RealmFS base: computing the hash tree" */
        uint64_t total;        /* bytes the work reads */
        uint64_t interval_usec;
        uint64_t start_rchar;
        unsigned extensions;   /* how many times more time was asked for */
        bool running, stop;
        pthread_t thread;
        pthread_mutex_t lock;
        pthread_cond_t cond;
} ProgressWatch;

/* Starts the thread (interval_usec 0: PROGRESS_INTERVAL_USEC).  When it
 * cannot run (no /proc/self/io, no thread), the work just goes on under
 * the unit's own timeout. */
void progress_watch_start(ProgressWatch *w, const char *what, uint64_t total, uint64_t interval_usec);
/* Stops and joins the thread; clears STATUS=. */
void progress_watch_stop(ProgressWatch *w);

/* rchar of /proc/self/io: bytes this process read so far; -errno. */
int64_t process_read_bytes(void);
