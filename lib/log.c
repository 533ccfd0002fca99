/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>

#include "log.h"
#include "util.h"

static const char *log_ident = "realmboot";
static LogTarget log_target = LOG_TARGET_STDERR;
static int log_max_level = LOG_INFO;

static bool stderr_is_journal(void) {
        const char *e = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return st.st_dev == (dev_t) dev && st.st_ino == (ino_t) ino;
}

void log_setup(const char *ident, LogTarget target) {
        const char *e;

        if (ident)
                log_ident = ident;
        if (target == LOG_TARGET_AUTO)
                target = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
        log_target = target;

        e = getenv("REALMBOOT_LOG_LEVEL");
        if (e && streq(e, "debug"))
                log_max_level = LOG_DEBUG;
}

void log_set_max_level(int level) {
        log_max_level = level;
}

int log_get_max_level(void) {
        return log_max_level;
}

static void write_kmsg(int level, const char *msg) {
        _cleanup_close_ int fd = open("/dev/kmsg", O_WRONLY | O_NOCTTY | O_CLOEXEC);
        char buf[1024];
        int n;

        if (fd < 0) {
                fprintf(stderr, "%s\n", msg);
                return;
        }
        n = snprintf(buf, sizeof buf, "<%i>%s[%i]: %s\n", level, log_ident, (int) getpid(), msg);
        if (n > 0)
                (void) !write(fd, buf, MIN((size_t) n, sizeof buf - 1));
}

static void dispatch(int level, int error, const char *file, int line, const char *func,
                     const char *message_id, const char *extra_field, const char *msg) {
        switch (log_target) {
        case LOG_TARGET_JOURNAL: {
                char f_msg[2048], f_prio[32], f_file[256], f_line[32], f_func[128], f_errno[32],
                        f_ident[128], f_mid[64];
                struct iovec iov[24];
                size_t n = 0;

#define ADD(buf, ...)                                                      \
        do {                                                               \
                snprintf(buf, sizeof buf, __VA_ARGS__);                    \
                iov[n++] = (struct iovec) { .iov_base = buf, .iov_len = strlen(buf) }; \
        } while (0)
                ADD(f_msg, "MESSAGE=%s", msg);
                ADD(f_prio, "PRIORITY=%i", level);
                ADD(f_ident, "SYSLOG_IDENTIFIER=%s", log_ident);
                ADD(f_file, "CODE_FILE=%s", file);
                ADD(f_line, "CODE_LINE=%i", line);
                ADD(f_func, "CODE_FUNC=%s", func);
                if (error > 0)
                        ADD(f_errno, "ERRNO=%i", error);
                if (message_id)
                        ADD(f_mid, "MESSAGE_ID=%s", message_id);
#undef ADD
                /* one field per line of extra_field */
                for (const char *p = extra_field; p && *p && n < ELEMENTSOF(iov);) {
                        const char *nl = strchr(p, '\n');
                        size_t len = nl ? (size_t) (nl - p) : strlen(p);

                        if (len > 0)
                                iov[n++] = (struct iovec) { .iov_base = (char *) p, .iov_len = len };
                        p = nl ? nl + 1 : p + len;
                }
                if (sd_journal_sendv(iov, (int) n) < 0)
                        write_kmsg(level, msg);
                break;
        }
        case LOG_TARGET_KMSG:
                write_kmsg(level, msg);
                break;
        default:
                fprintf(stderr, "%s\n", msg);
                break;
        }
}

static _printf_(8, 0) int log_dispatch_va(int level, int error, const char *file, int line, const char *func,
                           const char *message_id, const char *extra_field, const char *format,
                           va_list ap) {
        char raw[1024], msg[2000]; /* fits MESSAGE= in dispatch(); escaping may truncate */

        if (error < 0)
                error = -error;
        if (level <= log_max_level) {
                int saved = errno;
                errno = error; /* for %m */
                vsnprintf(raw, sizeof raw, format, ap);
                errno = saved;
                /* Messages quote names, channels and paths that come from
                 * images and configs: one event stays one line, and no
                 * escape sequence reaches a terminal or the journal raw. */
                escape_control(raw, NULL, msg, sizeof msg);
                dispatch(level, error, file, line, func, message_id, extra_field, msg);
        }
        return -error;
}

int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_dispatch_va(level, error, file, line, func, NULL, NULL, format, ap);
        va_end(ap);
        return r;
}

int log_struct_internal(int level, int error, const char *file, int line, const char *func,
                        const char *message_id, const char *extra_field, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = log_dispatch_va(level, error, file, line, func, message_id, extra_field, format, ap);
        va_end(ap);
        return r;
}

int log_oom_internal(const char *file, int line, const char *func) {
        return log_internal(LOG_ERR, ENOMEM, file, line, func, "Out of memory.");
}
