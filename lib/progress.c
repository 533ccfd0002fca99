/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "fileio.h"
#include "log.h"
#include "progress.h"

int64_t process_read_bytes(void) {
        _cleanup_free_ char *text = NULL;
        const char *p;
        size_t len;
        int64_t v;
        int r;

        r = read_full_file("/proc/self/io", 4096, READ_FULL_ANY_TYPE, &text, &len);
        if (r < 0)
                return r;
        p = strstr(text, "rchar: ");
        if (!p || sscanf(p + strlen("rchar: "), "%" SCNd64, &v) != 1 || v < 0)
                return -EBADMSG;
        return v;
}

static void *watch_thread(void *userdata) {
        ProgressWatch *w = userdata;
        int64_t last = (int64_t) w->start_rchar;

        pthread_mutex_lock(&w->lock);
        while (!w->stop) {
                struct timespec until;
                int64_t now;

                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_sec += (time_t) (w->interval_usec / 1000000);
                until.tv_nsec += (long) (w->interval_usec % 1000000) * 1000;
                if (until.tv_nsec >= 1000000000L)
                        until.tv_sec++, until.tv_nsec -= 1000000000L;
                while (!w->stop && pthread_cond_timedwait(&w->cond, &w->lock, &until) == 0)
                        ;
                if (w->stop)
                        break;
                now = process_read_bytes();
                /* reading /proc/self/io counts too: progress is more than that */
                if (now < last + (int64_t) PROGRESS_MIN_BYTES)
                        continue; /* stalled (or unreadable): no more time */
                last = now;
                w->extensions++;
                (void) sd_notifyf(false, "EXTEND_TIMEOUT_USEC=%llu\nSTATUS=%s: %" PRIu64 "%%",
                                  (unsigned long long) PROGRESS_EXTEND_USEC, w->what,
                                  w->total ? MIN((uint64_t) (now - (int64_t) w->start_rchar) * 100 / w->total,
                                                 (uint64_t) 100) : 0);
        }
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

void progress_watch_start(ProgressWatch *w, const char *what, uint64_t total, uint64_t interval_usec) {
        int64_t start = process_read_bytes();

        *w = (ProgressWatch) {
                .what = what,
                .total = total,
                .interval_usec = interval_usec ? interval_usec : PROGRESS_INTERVAL_USEC,
                .lock = PTHREAD_MUTEX_INITIALIZER,
                .cond = PTHREAD_COND_INITIALIZER,
        };
        if (start < 0) {
                log_debug_errno(start, "Cannot read /proc/self/io, no progress reports: %m");
                return;
        }
        w->start_rchar = (uint64_t) start;
        (void) sd_notifyf(false, "STATUS=%s", what);
        w->running = pthread_create(&w->thread, NULL, watch_thread, w) == 0;
}

void progress_watch_stop(ProgressWatch *w) {
        if (!w->running)
                return;
        pthread_mutex_lock(&w->lock);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->lock);
        (void) pthread_join(w->thread, NULL);
        w->running = false;
        (void) sd_notify(false, "STATUS=");
}
