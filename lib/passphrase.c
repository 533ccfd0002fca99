/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <fcntl.h>
#include <termios.h>

#include "fileio.h"
#include "log.h"
#include "passphrase.h"
#include "secure.h"

int passphrase_read_file(const char *path, char **ret, size_t *ret_len) {
        char *buf;
        size_t len;
        int r;

        r = read_full_file(path, PASSPHRASE_MAX, READ_FULL_SECURE | READ_FULL_ANY_TYPE, &buf, &len);
        if (r == -EFBIG)
                return log_error_errno(r, "%s: passphrase file longer than %u bytes", path, PASSPHRASE_MAX);
        if (r < 0)
                return log_error_errno(r, "%s: cannot read passphrase file: %m", path);
        if (len > 0 && buf[len - 1] == '\n')
                buf[--len] = 0;
        *ret = buf;
        *ret_len = len;
        return 0;
}

int passphrase_ask_tty(const char *prompt, char **ret, size_t *ret_len) {
        _cleanup_close_ int fd = -1;
        _cleanup_secure_free_ char *buf = NULL;
        struct termios old, quiet;
        size_t len = 0;
        int r = 0;

        fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return -ENXIO;
        if (tcgetattr(fd, &old) < 0)
                return -ENXIO;
        buf = secure_alloc(PASSPHRASE_MAX + 1);
        if (!buf)
                return -ENOMEM;

        (void) !write(fd, prompt, strlen(prompt));
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t) (ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        if (tcsetattr(fd, TCSANOW, &quiet) < 0)
                return negative_errno();

        for (;;) {
                char c;
                ssize_t n = read(fd, &c, 1);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? negative_errno() : -ECANCELED;
                        break;
                }
                if (c == '\n')
                        break;
                if (len >= PASSPHRASE_MAX) {
                        r = -E2BIG;
                        break;
                }
                buf[len++] = c;
        }
        (void) tcsetattr(fd, TCSANOW, &old);
        (void) !write(fd, "\n", 1);
        if (r < 0)
                return r;
        buf[len] = 0;
        *ret = TAKE_PTR(buf);
        *ret_len = len;
        return 0;
}
